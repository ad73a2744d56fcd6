//! Which process runs a shared database's tasks. On PostgreSQL the server that runs tasks holds
//! a session advisory lock for as long as it lives (a crashed server's session ends, and its
//! lock with it); a second one is refused rather than resuming the same tasks twice. A SQLite
//! file belongs to one process already (the data directory's lock).

use sqlx::PgConnection;

use miteos_domain::{Error, Result};

use crate::{Pool, Store, StoreContext};

/// The advisory lock's key: "miteos runner".
const RUNNER_LOCK: i64 = 0x6d69_7465_6f73_7275;

/// Held while this process runs the database's tasks; released when dropped (or the process
/// dies).
pub struct RunnerLock {
    _session: Option<PgConnection>,
}

impl Store {
    /// Becomes the process that runs this database's tasks, or says who already is.
    pub async fn claim_runner(&self) -> Result<RunnerLock> {
        let Pool::Postgres(pool) = self.pool() else {
            return Ok(RunnerLock { _session: None });
        };
        let mut session = pool
            .acquire()
            .await
            .context(|| "connecting for the runner lock".into())?;
        let (claimed,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1)")
            .bind(RUNNER_LOCK)
            .fetch_one(&mut *session)
            .await
            .context(|| "taking the runner lock".into())?;
        if !claimed {
            return Err(Error::Conflict(
                "another Miteos server already runs this database's tasks; point this one at \
                 another database, or stop that one first"
                    .into(),
            ));
        }
        // The session lives as long as the lock, outside the pool's count.
        Ok(RunnerLock {
            _session: Some(session.detach()),
        })
    }
}
