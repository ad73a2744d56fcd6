//! Subtasks any worker runs, for the processes sharing a PostgreSQL database. The worker holding
//! a task queues each of its subtasks that is ready to run (with what the agent needs: the
//! subtask and its dependencies' results); any worker claims one (`FOR UPDATE SKIP LOCKED`: no
//! two claim the same), renews its claim while the agent works, and leaves the outcome; the
//! task's worker, told by a signal, records the subtask's end. A claim whose lease lapses (its
//! worker died) is claimed again by another worker. Every queueing and every claim raises the
//! claim's fencing token: the journal refuses the events of a worker whose claim moved on (it
//! stalled past its lease, or the subtask was cancelled and its claim revoked), and its
//! outcome is not recorded. Times are the database's.
//!
//! A SQLite file has one process, which runs its subtasks itself: nothing is queued there.

use miteos_domain::{Error, Result};

use crate::db::on_pool;
use crate::leases::fenced_out;
use crate::signals::{SUBTASK_CHANNEL, WORK_CHANNEL};
use crate::{Pool, Row, Store, StoreContext};

/// A subtask a worker claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtaskClaim {
    pub fence: ClaimFence,
    /// What the task's worker queued: the subtask and its dependencies' results (JSON).
    pub work: String,
    /// Another worker had claimed it and its lease lapsed.
    pub took_over: bool,
}

/// The claim a worker's writes for one subtask are fenced by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimFence {
    pub task_id: String,
    pub subtask_id: String,
    pub epoch: i64,
}

/// Where a queued subtask stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimState {
    Queued,
    /// A worker runs it (its lease may have lapsed: another will claim it).
    Claimed {
        worker: String,
    },
    /// Its agent ended: how (JSON).
    Done {
        outcome: String,
    },
    /// Cancelled before it ended: nothing of it is recorded any more.
    Revoked,
}

/// How many subtasks wait in the queue and run from it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClaimCounts {
    pub queued: i64,
    pub claimed: i64,
    /// Claims of subtasks whose worker's lease had lapsed, so far.
    pub takeovers: i64,
}

impl Store {
    /// Queues a subtask of a task this process holds, for any worker to run, replacing what
    /// was queued for it before (whose claim is fenced out from now on). Refused when this
    /// process lost its lease on the task.
    pub async fn queue_subtask(&self, task_id: &str, subtask_id: &str, work: &str) -> Result<()> {
        let Pool::Postgres(pool) = self.pool() else {
            return Err(Error::Internal(
                "subtasks are queued on a team's PostgreSQL database only".into(),
            ));
        };
        let fence = self.unlost_fence(task_id)?;
        let queued = sqlx::query(
            "INSERT INTO subtask_claims (task_id, subtask_id, task_epoch, work, state, epoch) \
             SELECT id, $2, lease_epoch, $3, 'queued', 1 FROM tasks \
             WHERE id = $1 AND (CAST($4 AS BIGINT) IS NULL OR lease_epoch = CAST($4 AS BIGINT)) \
             ON CONFLICT (task_id, subtask_id) DO UPDATE SET task_epoch = EXCLUDED.task_epoch, \
               work = EXCLUDED.work, state = 'queued', worker = NULL, lease_until = NULL, \
               outcome = NULL, claimed_at = NULL, epoch = subtask_claims.epoch + 1, queued_at = now()",
        )
        .bind(task_id)
        .bind(subtask_id)
        .bind(work)
        .bind(fence)
        .execute(pool)
        .await
        .context(|| format!("queueing {subtask_id} of {task_id}"))?
        .rows_affected();
        if queued == 0 {
            return Err(fenced_out(task_id));
        }
        self.signal(WORK_CHANNEL, &format!("{task_id} {subtask_id}"))
            .await
    }

    /// Claims a waiting subtask (queued, or one whose worker's lease lapsed) for `ttl_ms`: of
    /// the task with the fewest subtasks running from the queue, the one queued longest — so a
    /// fan-out over hundreds of items does not hold other tasks' subtasks back until it is
    /// done. `None` when none waits (always on SQLite).
    pub async fn claim_subtask(&self, owner: &str, ttl_ms: i64) -> Result<Option<SubtaskClaim>> {
        let Pool::Postgres(pool) = self.pool() else {
            return Ok(None);
        };
        let row = sqlx::query(
            "WITH busy AS (SELECT task_id, COUNT(*) AS n FROM subtask_claims \
               WHERE state = 'claimed' AND lease_until >= now() GROUP BY task_id), \
             next AS (SELECT c.task_id, c.subtask_id, c.state = 'claimed' AS took_over \
               FROM subtask_claims c JOIN tasks t ON t.id = c.task_id \
               LEFT JOIN busy b ON b.task_id = c.task_id \
               WHERE (c.state = 'queued' OR (c.state = 'claimed' AND c.lease_until < now())) \
                 AND t.lease_epoch = c.task_epoch AND t.status IN ('pending', 'running') \
               ORDER BY COALESCE(b.n, 0), c.queued_at FOR UPDATE OF c SKIP LOCKED LIMIT 1) \
             UPDATE subtask_claims c SET state = 'claimed', worker = $1, claimed_at = now(), \
               lease_until = now() + $2::bigint * interval '1 millisecond', epoch = c.epoch + 1, \
               takeovers = c.takeovers + CASE WHEN next.took_over THEN 1 ELSE 0 END \
             FROM next WHERE c.task_id = next.task_id AND c.subtask_id = next.subtask_id \
             RETURNING c.task_id, c.subtask_id, c.epoch, c.work, next.took_over",
        )
        .bind(owner)
        .bind(ttl_ms)
        .fetch_optional(pool)
        .await
        .context(|| "claiming a subtask".into())?
        .map(Row::from);
        Ok(row.map(|row| SubtaskClaim {
            fence: ClaimFence {
                task_id: row.get("task_id"),
                subtask_id: row.get("subtask_id"),
                epoch: row.get("epoch"),
            },
            work: row.get("work"),
            took_over: row.get("took_over"),
        }))
    }

    /// Extends a claim's lease; false when it is no longer this worker's (cancelled, or taken
    /// over after it lapsed).
    pub async fn renew_claim(&self, fence: &ClaimFence, owner: &str, ttl_ms: i64) -> Result<bool> {
        let Pool::Postgres(pool) = self.pool() else {
            return Ok(false);
        };
        let renewed = sqlx::query(
            "UPDATE subtask_claims SET lease_until = now() + $1::bigint * interval '1 millisecond' \
             WHERE task_id = $2 AND subtask_id = $3 AND epoch = $4 AND worker = $5 AND state = 'claimed'",
        )
        .bind(ttl_ms)
        .bind(&fence.task_id)
        .bind(&fence.subtask_id)
        .bind(fence.epoch)
        .bind(owner)
        .execute(pool)
        .await
        .context(|| format!("renewing the claim on {}", fence.subtask_id))?
        .rows_affected();
        Ok(renewed == 1)
    }

    /// Leaves the outcome of a claimed subtask and tells the task's worker; false (nothing
    /// left) when the claim moved on meanwhile.
    pub async fn finish_claim(&self, fence: &ClaimFence, outcome: &str) -> Result<bool> {
        let Pool::Postgres(pool) = self.pool() else {
            return Ok(false);
        };
        let done = sqlx::query(
            "UPDATE subtask_claims SET state = 'done', outcome = $1, lease_until = NULL \
             WHERE task_id = $2 AND subtask_id = $3 AND epoch = $4 AND state = 'claimed'",
        )
        .bind(outcome)
        .bind(&fence.task_id)
        .bind(&fence.subtask_id)
        .bind(fence.epoch)
        .execute(pool)
        .await
        .context(|| format!("recording how {} ended", fence.subtask_id))?
        .rows_affected();
        if done == 1 {
            self.signal(SUBTASK_CHANNEL, &claim_signal("done", fence))
                .await?;
        }
        Ok(done == 1)
    }

    /// Puts a claimed subtask back in the queue at once (its worker is shutting down, or cannot
    /// run it), for another worker to claim; nothing when the claim moved on meanwhile.
    pub async fn requeue_claim(&self, fence: &ClaimFence) -> Result<()> {
        let Pool::Postgres(pool) = self.pool() else {
            return Ok(());
        };
        let requeued = sqlx::query(
            "UPDATE subtask_claims SET state = 'queued', worker = NULL, lease_until = NULL, epoch = epoch + 1 \
             WHERE task_id = $1 AND subtask_id = $2 AND epoch = $3 AND state = 'claimed'",
        )
        .bind(&fence.task_id)
        .bind(&fence.subtask_id)
        .bind(fence.epoch)
        .execute(pool)
        .await
        .context(|| format!("putting {} back in the queue", fence.subtask_id))?
        .rows_affected();
        if requeued == 1 {
            self.signal(
                WORK_CHANNEL,
                &format!("{} {}", fence.task_id, fence.subtask_id),
            )
            .await?;
        }
        Ok(())
    }

    /// Revokes a queued or claimed subtask (it was cancelled): no worker claims it any more,
    /// and the one running it is told to stop and is fenced out at once.
    pub async fn revoke_claim(&self, task_id: &str, subtask_id: &str) -> Result<()> {
        let Pool::Postgres(pool) = self.pool() else {
            return Ok(());
        };
        let row = sqlx::query(
            "UPDATE subtask_claims SET state = 'revoked', lease_until = NULL, epoch = epoch + 1 \
             WHERE task_id = $1 AND subtask_id = $2 AND state IN ('queued', 'claimed') RETURNING epoch",
        )
        .bind(task_id)
        .bind(subtask_id)
        .fetch_optional(pool)
        .await
        .context(|| format!("revoking {subtask_id} of {task_id}"))?
        .map(Row::from);
        if let Some(row) = row {
            let fence = ClaimFence {
                task_id: task_id.to_owned(),
                subtask_id: subtask_id.to_owned(),
                epoch: row.get("epoch"),
            };
            self.signal(SUBTASK_CHANNEL, &claim_signal("revoked", &fence))
                .await?;
        }
        Ok(())
    }

    /// Where a queued subtask stands; `None` when it was never queued.
    pub async fn claim_state(&self, task_id: &str, subtask_id: &str) -> Result<Option<ClaimState>> {
        let Pool::Postgres(pool) = self.pool() else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT state, worker, outcome FROM subtask_claims WHERE task_id = $1 AND subtask_id = $2",
        )
        .bind(task_id)
        .bind(subtask_id)
        .fetch_optional(pool)
        .await
        .context(|| format!("reading the claim on {subtask_id} of {task_id}"))?
        .map(Row::from);
        Ok(row.map(|row| match row.get::<String>("state").as_str() {
            "queued" => ClaimState::Queued,
            "claimed" => ClaimState::Claimed {
                worker: row.get::<Option<String>>("worker").unwrap_or_default(),
            },
            "done" => ClaimState::Done {
                outcome: row.get::<Option<String>>("outcome").unwrap_or_default(),
            },
            _ => ClaimState::Revoked,
        }))
    }

    /// The subtask queue now, and its takeovers so far (zeros on SQLite).
    pub async fn claim_counts(&self) -> Result<ClaimCounts> {
        let Pool::Postgres(_) = self.pool() else {
            return Ok(ClaimCounts::default());
        };
        let row = on_pool!(self.pool(), db => sqlx::query(
            "SELECT COUNT(*) FILTER (WHERE state = 'queued') AS queued, \
             COUNT(*) FILTER (WHERE state = 'claimed') AS claimed, \
             CAST(COALESCE(SUM(takeovers), 0) AS BIGINT) AS takeovers FROM subtask_claims",
        )
        .fetch_one(db)
        .await
        .map(Row::from))
        .context(|| "counting queued subtasks".into())?;
        Ok(ClaimCounts {
            queued: row.get("queued"),
            claimed: row.get("claimed"),
            takeovers: row.get("takeovers"),
        })
    }
}

/// A signal on [`SUBTASK_CHANNEL`]: `STATE TASK_ID SUBTASK_ID EPOCH`.
fn claim_signal(state: &str, fence: &ClaimFence) -> String {
    format!(
        "{state} {} {} {}",
        fence.task_id, fence.subtask_id, fence.epoch
    )
}

/// A signal on [`SUBTASK_CHANNEL`], read: what happened (`done`, `revoked`) to which claim.
pub fn parse_claim_signal(payload: &str) -> Option<(&str, ClaimFence)> {
    let mut parts = payload.split(' ');
    let (state, task_id, subtask_id, epoch) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    Some((
        state,
        ClaimFence {
            task_id: task_id.to_owned(),
            subtask_id: subtask_id.to_owned(),
            epoch: epoch.parse().ok()?,
        },
    ))
}
