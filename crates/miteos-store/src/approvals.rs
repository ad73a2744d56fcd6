//! Approval requests: inserted pending, decided once, expired when their task ends unanswered.

use chrono::{DateTime, Utc};

use super::Store;
use crate::Row;
use crate::db::on_pool;
use miteos_domain::{Approval, ApprovalStatus};
use miteos_domain::{Error, Result};

use crate::StoreContext;

const COLUMNS: &str =
    "id, task_id, subtask_id, call_id, tool, arguments, reason, status, created_at, decided_at";

impl Store {
    pub async fn insert_approval(&self, a: &Approval) -> Result<()> {
        on_pool!(self.pool(), db => sqlx::query(&format!(
            "INSERT INTO approvals ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(&a.id)
        .bind(&a.task_id)
        .bind(&a.subtask_id)
        .bind(&a.call_id)
        .bind(&a.tool)
        .bind(a.arguments.to_string())
        .bind(&a.reason)
        .bind(a.status.as_str())
        .bind(a.created_at)
        .bind(a.decided_at)
        .execute(db)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("storing approval {}", a.id))?;
        Ok(())
    }

    /// Decides a pending approval; `None` when it is not pending (already decided, or expired).
    pub async fn decide_approval(
        &self,
        task_id: &str,
        id: &str,
        status: ApprovalStatus,
        at: DateTime<Utc>,
    ) -> Result<Option<Approval>> {
        let row = on_pool!(self.pool(), db => sqlx::query(&format!(
            "UPDATE approvals SET status = $1, decided_at = $2 \
             WHERE id = $3 AND task_id = $4 AND status = 'pending' RETURNING {COLUMNS}"
        ))
        .bind(status.as_str())
        .bind(at)
        .bind(id)
        .bind(task_id)
        .fetch_optional(db)
        .await.map(|row| row.map(Row::from)))
        .context(|| format!("deciding approval {id}"))?;
        row.as_ref().map(approval_from_row).transpose()
    }

    /// A task's approvals, oldest first.
    pub async fn approvals_of(&self, task_id: &str) -> Result<Vec<Approval>> {
        let rows = on_pool!(self.pool(), db => sqlx::query(&format!(
            "SELECT {COLUMNS} FROM approvals WHERE task_id = $1 ORDER BY id"
        ))
        .bind(task_id)
        .fetch_all(db)
        .await.map(Row::all))
        .context(|| format!("listing approvals of {task_id}"))?;
        rows.iter().map(approval_from_row).collect()
    }

    pub async fn approval(&self, task_id: &str, id: &str) -> Result<Option<Approval>> {
        let row = on_pool!(self.pool(), db => sqlx::query(&format!(
            "SELECT {COLUMNS} FROM approvals WHERE id = $1 AND task_id = $2"
        ))
        .bind(id)
        .bind(task_id)
        .fetch_optional(db)
        .await.map(|row| row.map(Row::from)))
        .context(|| format!("reading approval {id}"))?;
        row.as_ref().map(approval_from_row).transpose()
    }
}

fn approval_from_row(row: &Row) -> Result<Approval> {
    let id: String = row.get("id");
    let status: String = row.get("status");
    let arguments: String = row.get("arguments");
    Ok(Approval {
        status: ApprovalStatus::parse(&status).ok_or_else(|| {
            Error::Internal(format!("approval {id} has an unknown status {status:?}"))
        })?,
        arguments: serde_json::from_str(&arguments)
            .map_err(|e| Error::Internal(format!("approval {id} has broken arguments: {e}")))?,
        task_id: row.get("task_id"),
        subtask_id: row.get("subtask_id"),
        call_id: row.get("call_id"),
        tool: row.get("tool"),
        reason: row.get("reason"),
        created_at: row.get("created_at"),
        decided_at: row.get("decided_at"),
        id,
    })
}
