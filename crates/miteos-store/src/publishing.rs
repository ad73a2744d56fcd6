//! Deployments and share links. Share tokens are stored only as SHA-256 hashes.

use chrono::{DateTime, Utc};

use super::Store;
use crate::Row;
use crate::db::on_pool;
use miteos_domain::Result;

use crate::StoreContext;

/// A deployment row; the URL is composed by the caller from `target` and `location`.
#[derive(Debug, Clone)]
pub struct DeploymentRow {
    pub id: String,
    pub task_id: String,
    pub deliverable_id: String,
    pub target: String,
    pub location: String,
    pub files: i64,
    pub bytes: i64,
    pub created_at: DateTime<Utc>,
    pub taken_down_at: Option<DateTime<Utc>>,
    /// When its URL stops answering; `None` for deployments made before they expired.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct ShareRow {
    pub id: String,
    pub task_id: String,
    pub deliverable_id: String,
    pub include_replay: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub access_count: i64,
}

const DEPLOYMENT_COLUMNS: &str = "id, task_id, deliverable_id, target, location, files, bytes, created_at, taken_down_at, expires_at";
const SHARE_COLUMNS: &str =
    "id, task_id, deliverable_id, include_replay, created_at, expires_at, revoked_at, access_count";

impl Store {
    pub async fn insert_deployment(&self, d: &DeploymentRow) -> Result<()> {
        on_pool!(self.pool(), db => sqlx::query(&format!(
            "INSERT INTO deployments ({DEPLOYMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(&d.id)
        .bind(&d.task_id)
        .bind(&d.deliverable_id)
        .bind(&d.target)
        .bind(&d.location)
        .bind(d.files)
        .bind(d.bytes)
        .bind(d.created_at)
        .bind(d.taken_down_at)
        .bind(d.expires_at)
        .execute(db)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("storing deployment {}", d.id))?;
        Ok(())
    }

    /// A task's deployments, newest first, taken-down ones included.
    pub async fn deployments_of(&self, task_id: &str) -> Result<Vec<DeploymentRow>> {
        let rows = on_pool!(self.pool(), db => sqlx::query(&format!(
            "SELECT {DEPLOYMENT_COLUMNS} FROM deployments WHERE task_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(task_id)
        .fetch_all(db)
        .await.map(Row::all))
        .context(|| format!("listing deployments of {task_id}"))?;
        Ok(rows.iter().map(deployment_from_row).collect())
    }

    pub async fn deployment(&self, id: &str) -> Result<Option<DeploymentRow>> {
        let row = on_pool!(self.pool(), db => sqlx::query(&format!(
            "SELECT {DEPLOYMENT_COLUMNS} FROM deployments WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(db)
        .await.map(|row| row.map(Row::from)))
        .context(|| format!("reading deployment {id}"))?;
        Ok(row.as_ref().map(deployment_from_row))
    }

    /// Marks a live deployment of `task_id` taken down; false when there is none.
    pub async fn take_down_deployment(
        &self,
        task_id: &str,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = on_pool!(self.pool(), db => sqlx::query(
            "UPDATE deployments SET taken_down_at = $1 WHERE id = $2 AND task_id = $3 AND taken_down_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .bind(task_id)
        .execute(db)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("taking down deployment {id}"))?;
        Ok(done == 1)
    }

    pub async fn insert_share(&self, s: &ShareRow, token_sha256: &str) -> Result<()> {
        on_pool!(self.pool(), db => sqlx::query(&format!(
            "INSERT INTO shares ({SHARE_COLUMNS}, token_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&s.id)
        .bind(&s.task_id)
        .bind(&s.deliverable_id)
        .bind(s.include_replay)
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(s.revoked_at)
        .bind(s.access_count)
        .bind(token_sha256)
        .execute(db)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("storing share {}", s.id))?;
        Ok(())
    }

    pub async fn shares_of(&self, task_id: &str) -> Result<Vec<ShareRow>> {
        let rows = on_pool!(self.pool(), db => sqlx::query(&format!(
            "SELECT {SHARE_COLUMNS} FROM shares WHERE task_id = $1 ORDER BY id DESC"
        ))
        .bind(task_id)
        .fetch_all(db)
        .await.map(Row::all))
        .context(|| format!("listing shares of {task_id}"))?;
        Ok(rows.iter().map(share_from_row).collect())
    }

    /// The live share with this token hash, counting the visit; `None` when it does not exist,
    /// expired or was revoked (callers must not tell these apart to a visitor).
    pub async fn visit_share(
        &self,
        token_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ShareRow>> {
        let row = on_pool!(self.pool(), db => sqlx::query(&format!(
            "UPDATE shares SET access_count = access_count + 1 \
             WHERE token_sha256 = $1 AND revoked_at IS NULL AND expires_at > $2 RETURNING {SHARE_COLUMNS}"
        ))
        .bind(token_sha256)
        .bind(now)
        .fetch_optional(db)
        .await.map(|row| row.map(Row::from)))
        .context(|| "opening a share link".into())?;
        Ok(row.as_ref().map(share_from_row))
    }

    /// The live share with this token hash, without counting a visit (for its assets).
    pub async fn live_share(
        &self,
        token_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ShareRow>> {
        let row = on_pool!(self.pool(), db => sqlx::query(&format!(
            "SELECT {SHARE_COLUMNS} FROM shares WHERE token_sha256 = $1 AND revoked_at IS NULL AND expires_at > $2"
        ))
        .bind(token_sha256)
        .bind(now)
        .fetch_optional(db)
        .await.map(|row| row.map(Row::from)))
        .context(|| "reading a share link".into())?;
        Ok(row.as_ref().map(share_from_row))
    }

    pub async fn revoke_share(&self, task_id: &str, id: &str, at: DateTime<Utc>) -> Result<bool> {
        let done = on_pool!(self.pool(), db => sqlx::query(
            "UPDATE shares SET revoked_at = $1 WHERE id = $2 AND task_id = $3 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .bind(task_id)
        .execute(db)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("revoking share {id}"))?;
        Ok(done == 1)
    }
}

fn deployment_from_row(row: &Row) -> DeploymentRow {
    DeploymentRow {
        id: row.get("id"),
        task_id: row.get("task_id"),
        deliverable_id: row.get("deliverable_id"),
        target: row.get("target"),
        location: row.get("location"),
        files: row.get("files"),
        bytes: row.get("bytes"),
        created_at: row.get("created_at"),
        taken_down_at: row.get("taken_down_at"),
        expires_at: row.get("expires_at"),
    }
}

fn share_from_row(row: &Row) -> ShareRow {
    ShareRow {
        id: row.get("id"),
        task_id: row.get("task_id"),
        deliverable_id: row.get("deliverable_id"),
        include_replay: row.get("include_replay"),
        created_at: row.get("created_at"),
        expires_at: row.get("expires_at"),
        revoked_at: row.get("revoked_at"),
        access_count: row.get("access_count"),
    }
}
