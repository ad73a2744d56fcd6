//! Deliverable rows: one per file in a task's folder, updated in place when the file is rewritten.

use super::Store;
use crate::Row;
use crate::db::on_pool;
use miteos_domain::Deliverable;
use miteos_domain::{Error, Result};

use crate::StoreContext;

const COLUMNS: &str = "id, task_id, name, mime_type, size_bytes, sha256, subtask_id, created_at";

impl Store {
    /// Inserts the deliverable, or updates the row of the same task and name (keeping its id).
    pub async fn upsert_deliverable(&self, d: &Deliverable) -> Result<Deliverable> {
        let row = on_pool!(self.pool(), db => sqlx::query(&format!(
            "INSERT INTO deliverables ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (task_id, name) DO UPDATE SET mime_type = excluded.mime_type, \
             size_bytes = excluded.size_bytes, sha256 = excluded.sha256, subtask_id = excluded.subtask_id \
             RETURNING {COLUMNS}"
        ))
        .bind(&d.id)
        .bind(&d.task_id)
        .bind(&d.name)
        .bind(&d.mime_type)
        .bind(d.size_bytes)
        .bind(&d.sha256)
        .bind(&d.subtask_id)
        .bind(d.created_at)
        .fetch_one(db)
        .await.map(Row::from))
        .context(|| format!("registering deliverable {} of {}", d.name, d.task_id))?;
        Ok(deliverable_from_row(&row))
    }

    pub async fn deliverables_of(&self, task_id: &str) -> Result<Vec<Deliverable>> {
        let rows = on_pool!(self.pool(), db => sqlx::query(&format!(
            "SELECT {COLUMNS} FROM deliverables WHERE task_id = $1 ORDER BY name"
        ))
        .bind(task_id)
        .fetch_all(db)
        .await.map(Row::all))
        .context(|| format!("listing deliverables of {task_id}"))?;
        Ok(rows.iter().map(deliverable_from_row).collect())
    }

    pub async fn deliverable(&self, task_id: &str, id: &str) -> Result<Deliverable> {
        let row = on_pool!(self.pool(), db => sqlx::query(&format!(
            "SELECT {COLUMNS} FROM deliverables WHERE task_id = $1 AND id = $2"
        ))
        .bind(task_id)
        .bind(id)
        .fetch_optional(db)
        .await.map(|row| row.map(Row::from)))
        .context(|| format!("reading deliverable {id} of {task_id}"))?
        .ok_or_else(|| {
            Error::NotFound(format!("deliverable {id} of task {task_id} does not exist"))
        })?;
        Ok(deliverable_from_row(&row))
    }
}

fn deliverable_from_row(row: &Row) -> Deliverable {
    Deliverable {
        id: row.get("id"),
        task_id: row.get("task_id"),
        name: row.get("name"),
        mime_type: row.get("mime_type"),
        size_bytes: row.get("size_bytes"),
        sha256: row.get("sha256"),
        subtask_id: row.get("subtask_id"),
        created_at: row.get("created_at"),
    }
}
