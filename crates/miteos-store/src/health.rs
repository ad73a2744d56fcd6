//! What an operator asks of the store: whether it answers, and how much work it holds.

use super::Store;
use crate::Row;
use crate::StoreContext;
use crate::db::on_pool;
use miteos_domain::Result;

/// How much work the store holds now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCounts {
    /// Tasks by status (`pending`, `running`, …), every status present.
    pub tasks: Vec<(String, i64)>,
    /// Subtasks of running tasks waiting to run (the queue's depth).
    pub subtasks_waiting: i64,
    /// Subtasks running now.
    pub subtasks_running: i64,
}

impl Store {
    /// Answers when the database does (a trivial query).
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self.pool(), db => sqlx::query("SELECT 1")
            .execute(db)
            .await.map(|done| done.rows_affected()))
        .context(|| "asking the database".into())?;
        Ok(())
    }

    pub async fn work_counts(&self) -> Result<WorkCounts> {
        let rows =
            on_pool!(self.pool(), db => sqlx::query("SELECT status, COUNT(*) AS n FROM tasks GROUP BY status ORDER BY status")
                .fetch_all(db)
                .await.map(Row::all))
                .context(|| "counting tasks".into())?;
        let tasks = rows
            .iter()
            .map(|r| (r.get::<String>("status"), r.get::<i64>("n")))
            .collect();
        let row = on_pool!(self.pool(), db => sqlx::query(
            "SELECT COUNT(*) FILTER (WHERE s.status = 'pending') AS waiting, \
             COUNT(*) FILTER (WHERE s.status = 'running') AS running \
             FROM subtasks s JOIN tasks t ON t.id = s.task_id \
             WHERE t.status = 'running' AND NOT s.dropped",
        )
        .fetch_one(db)
        .await.map(Row::from))
        .context(|| "counting subtasks".into())?;
        Ok(WorkCounts {
            tasks,
            subtasks_waiting: row.get("waiting"),
            subtasks_running: row.get("running"),
        })
    }
}
