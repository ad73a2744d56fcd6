//! Leases on tasks, for the processes sharing a PostgreSQL database: a worker claims a task
//! (`FOR UPDATE SKIP LOCKED`: two workers never claim the same one), renews its lease while it
//! runs it, and releases it when the run ends. A lease that lapses (its worker died) lets
//! another worker take the task over. Every claim raises the task's fencing token
//! (`lease_epoch`); this process's writes to a task it holds are refused once the token has
//! moved on, so a worker that lost its lease records nothing more. Times are the database's, so
//! the workers' clocks do not matter.
//!
//! A SQLite file has one process: claims always succeed there, with token 0, and nothing is
//! fenced.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use miteos_domain::{Error, Result};

use crate::db::on_pool;
use crate::{Dialect, Pool, Row, Store, StoreContext};

/// A task a worker claimed from the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub task_id: String,
    /// Its fencing token.
    pub epoch: i64,
    /// Another worker held it and its lease lapsed.
    pub took_over: bool,
}

/// The fencing tokens of the tasks this process holds; `None` once a lease is lost.
#[derive(Clone, Default)]
pub(crate) struct Fences(Arc<Mutex<HashMap<String, Option<i64>>>>);

impl Fences {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<i64>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Store {
    /// Claims the oldest unfinished task no live process holds, for `ttl_ms`; `None` when
    /// there is none (or on SQLite, where the one process runs everything it starts).
    pub async fn claim_next(&self, owner: &str, ttl_ms: i64) -> Result<Option<Claim>> {
        let Pool::Postgres(pool) = self.pool() else {
            return Ok(None);
        };
        let row = sqlx::query(
            "WITH next AS (SELECT id, lease_owner AS previous FROM tasks \
               WHERE status IN ('pending', 'running') AND (lease_until IS NULL OR lease_until < now()) \
               ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) \
             UPDATE tasks t SET lease_owner = $1, lease_until = now() + $2::bigint * interval '1 millisecond', \
               lease_epoch = t.lease_epoch + 1, \
               takeovers = t.takeovers + CASE WHEN next.previous IS NULL THEN 0 ELSE 1 END \
             FROM next WHERE t.id = next.id \
             RETURNING t.id, t.lease_epoch, next.previous IS NOT NULL AS took_over",
        )
        .bind(owner)
        .bind(ttl_ms)
        .fetch_optional(pool)
        .await
        .context(|| "claiming a task".into())?
        .map(Row::from);
        let claim = row.map(|row| Claim {
            task_id: row.get("id"),
            epoch: row.get("lease_epoch"),
            took_over: row.get("took_over"),
        });
        if let Some(claim) = &claim {
            self.hold_fence(&claim.task_id, claim.epoch);
        }
        Ok(claim)
    }

    /// Claims one task for this process (it starts, resumes or reopens it here), unless a live
    /// lease of another process holds it.
    pub async fn claim_task(&self, task_id: &str, owner: &str, ttl_ms: i64) -> Result<i64> {
        let Pool::Postgres(pool) = self.pool() else {
            return Ok(0);
        };
        let row = sqlx::query(
            "UPDATE tasks SET lease_owner = $1, lease_until = now() + $2::bigint * interval '1 millisecond', \
               lease_epoch = lease_epoch + 1, \
               takeovers = takeovers + CASE WHEN lease_owner IS NULL OR lease_owner = $1 THEN 0 ELSE 1 END \
             WHERE id = $3 AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $1) \
             RETURNING lease_epoch",
        )
        .bind(owner)
        .bind(ttl_ms)
        .bind(task_id)
        .fetch_optional(pool)
        .await
        .context(|| format!("claiming task {task_id}"))?
        .map(Row::from);
        match row {
            Some(row) => {
                let epoch: i64 = row.get("lease_epoch");
                self.hold_fence(task_id, epoch);
                Ok(epoch)
            }
            None => {
                self.get_task(task_id).await?;
                Err(Error::Conflict(format!(
                    "task {task_id} is running on another worker"
                )))
            }
        }
    }

    /// Extends this process's lease on a task; false when it no longer holds it (another
    /// worker took the task over), and from then on this process's writes to it are refused.
    pub async fn renew_lease(&self, task_id: &str, owner: &str, ttl_ms: i64) -> Result<bool> {
        // Claims on SQLite hold no fence: nothing to renew there.
        let (Some(epoch), Pool::Postgres(pool)) = (self.fence(task_id), self.pool()) else {
            return Ok(self.dialect() == Dialect::Sqlite);
        };
        let renewed = sqlx::query(
            "UPDATE tasks SET lease_until = now() + $1::bigint * interval '1 millisecond' \
             WHERE id = $2 AND lease_owner = $3 AND lease_epoch = $4",
        )
        .bind(ttl_ms)
        .bind(task_id)
        .bind(owner)
        .bind(epoch)
        .execute(pool)
        .await
        .context(|| format!("renewing the lease on {task_id}"))?
        .rows_affected();
        if renewed == 0 {
            self.lose_fence(task_id);
        }
        Ok(renewed == 1)
    }

    /// Lets the task go (its run ended here): another process may claim it at once. Keeps
    /// nothing of a lease already lost.
    pub async fn release_lease(&self, task_id: &str, owner: &str) -> Result<()> {
        let held = self.fences.lock().remove(task_id);
        if let (Some(Some(epoch)), Pool::Postgres(pool)) = (held, self.pool()) {
            sqlx::query(
                "UPDATE tasks SET lease_owner = NULL, lease_until = NULL \
                 WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3",
            )
            .bind(task_id)
            .bind(owner)
            .bind(epoch)
            .execute(pool)
            .await
            .context(|| format!("releasing the lease on {task_id}"))?;
        }
        Ok(())
    }

    /// Takeovers so far: claims of tasks whose worker's lease had lapsed.
    pub async fn lease_takeovers(&self) -> Result<i64> {
        let row = on_pool!(self.pool(), db => sqlx::query(
            "SELECT CAST(COALESCE(SUM(takeovers), 0) AS BIGINT) AS n FROM tasks",
        )
        .fetch_one(db)
        .await
        .map(Row::from))
        .context(|| "counting lease takeovers".into())?;
        Ok(row.get("n"))
    }

    pub(crate) fn hold_fence(&self, task_id: &str, epoch: i64) {
        self.fences.lock().insert(task_id.to_owned(), Some(epoch));
    }

    fn lose_fence(&self, task_id: &str) {
        if let Some(fence) = self.fences.lock().get_mut(task_id) {
            *fence = None;
        }
    }

    /// The fencing token this process holds on a task, if it holds one.
    fn fence(&self, task_id: &str) -> Option<i64> {
        self.fences.lock().get(task_id).copied().flatten()
    }

    /// The token a write to `task_id` must find on the task: `None` (no condition) when this
    /// process holds no lease on it; `-1` (never found) once its lease is lost.
    pub(crate) fn write_fence(&self, task_id: &str) -> Option<i64> {
        match self.fences.lock().get(task_id) {
            None => None,
            Some(Some(epoch)) => Some(*epoch),
            Some(None) => Some(-1),
        }
    }

    /// [`Self::write_fence`], refusing at once when the lease is lost.
    pub(crate) fn unlost_fence(&self, task_id: &str) -> Result<Option<i64>> {
        match self.write_fence(task_id) {
            Some(-1) => Err(fenced_out(task_id)),
            fence => Ok(fence),
        }
    }

    /// Whether this process may still write the task's files where other processes read them:
    /// it holds its lease on the task (as the database has it now), and `claim`, when it runs
    /// one subtask of it under a claim, is still its. Always true on a SQLite file (one process).
    pub async fn still_writes(
        &self,
        task_id: &str,
        claim: Option<&crate::ClaimFence>,
    ) -> Result<bool> {
        let Pool::Postgres(pool) = self.pool() else {
            return Ok(true);
        };
        let query = match (claim, self.write_fence(task_id)) {
            (_, Some(-1)) => return Ok(false),
            (Some(claim), _) => sqlx::query(
                "SELECT 1 FROM subtask_claims c JOIN tasks t ON t.id = c.task_id \
                 WHERE c.task_id = $1 AND c.subtask_id = $2 AND c.epoch = $3 \
                 AND c.state = 'claimed' AND t.lease_epoch = c.task_epoch",
            )
            .bind(task_id)
            .bind(&claim.subtask_id)
            .bind(claim.epoch),
            (None, Some(epoch)) => {
                sqlx::query("SELECT 1 FROM tasks WHERE id = $1 AND lease_epoch = $2")
                    .bind(task_id)
                    .bind(epoch)
            }
            (None, None) => return Ok(true),
        };
        let row = query
            .fetch_optional(pool)
            .await
            .context(|| format!("checking this worker still runs {task_id}"))?;
        Ok(row.is_some())
    }

    /// Whether this process lost its lease on the task (another worker runs it now).
    pub fn lease_lost(&self, task_id: &str) -> bool {
        matches!(self.fences.lock().get(task_id), Some(None))
    }
}

/// The error of a write refused by the fence.
pub(crate) fn fenced_out(task_id: &str) -> Error {
    Error::Conflict(format!(
        "task {task_id} is run by another worker now: this one's lease lapsed"
    ))
}

/// The condition a fenced write to a task's rows adds (`$n`: the token, or NULL for none), for
/// a table with a `task_id` column.
pub(crate) fn fence_condition(n: usize) -> String {
    format!(
        "(CAST(${n} AS BIGINT) IS NULL OR (SELECT lease_epoch FROM tasks f WHERE f.id = task_id) = CAST(${n} AS BIGINT))"
    )
}
