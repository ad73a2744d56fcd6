//! The store: SQLite (a person's desktop: one file, WAL) or PostgreSQL (a team's server, its
//! workers on several machines), each migrated with its own embedded migrations and read and
//! written by the same queries (`$1`-style parameters, SQL both dialects speak; the few places
//! they differ ask [`Store::dialect`]). Split by table group; the event journal (append, then
//! publish). Nothing outside this crate writes SQL.

mod accounts;
mod agent_types;
mod approvals;
mod budget;
mod changes;
mod claims;
mod db;
mod deliverables;
mod health;
mod history;
mod journal;
mod leases;
mod publishing;
mod revisions;
mod settings;
mod signals;
mod skills;
mod tasks;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use miteos_domain::{Error, Result};

pub use accounts::TaskAccess;
pub use budget::{History, Spent};
pub use changes::Change;
pub use claims::{ClaimCounts, ClaimFence, ClaimState, SubtaskClaim, parse_claim_signal};
pub use db::{Dialect, redacted_url};
pub(crate) use db::{Pool, Row, Tx};
pub use health::WorkCounts;
pub use history::TaskFilter;
pub use journal::Journal;
pub use leases::Claim;
pub use publishing::{DeploymentRow, ShareRow};
pub use revisions::RevisionWrite;
pub use settings::encode as encode_setting;
pub use signals::{
    ASK_CHANNEL, CANCEL_CHANNEL, EVENTS_CHANNEL, STEER_CHANNEL, STEER_DONE_CHANNEL,
    SUBTASK_CHANNEL, Signal, WORK_CHANNEL,
};
pub use skills::TaskSkill;
pub use tasks::{NewSubtask, NewTaskSkills, TaskTotals};

/// A cheap-clone handle over the connection pool.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// The fencing tokens of the tasks this process holds leases on (PostgreSQL).
    fences: leases::Fences,
}

impl Store {
    /// Opens (creating if needed) the SQLite database file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite:")
            .context(|| "parsing sqlite options".into())?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .context(|| format!("opening database {}", path.display()))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| Error::Internal(format!("migrating database {}: {e}", path.display())))?;
        Ok(Store {
            pool: Pool::Sqlite(pool),
            fences: Default::default(),
        })
    }

    /// Connects to a PostgreSQL database (`postgres://user:password@host/db`) and brings its
    /// schema up to date. Several processes (a server and its workers) share it.
    pub async fn connect(url: &str) -> Result<Self> {
        let shown = redacted_url(url);
        let options = PgConnectOptions::from_str(url).map_err(|e| {
            Error::InvalidInput(format!("{shown} is not a PostgreSQL database URL: {e}"))
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await
            .context(|| format!("connecting to {shown}"))?;
        sqlx::migrate!("./migrations-postgres")
            .run(&pool)
            .await
            .map_err(|e| Error::Internal(format!("migrating {shown}: {e}")))?;
        Ok(Store {
            pool: Pool::Postgres(pool),
            fences: Default::default(),
        })
    }

    /// Which SQL this store speaks.
    pub fn dialect(&self) -> Dialect {
        match self.pool {
            Pool::Sqlite(_) => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
        }
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The SQLite pool underneath, for benchmarks that fill a file faster than the store's own
    /// writes would; `None` on PostgreSQL.
    #[doc(hidden)]
    pub fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        match &self.pool {
            Pool::Sqlite(pool) => Some(pool),
            Pool::Postgres(_) => None,
        }
    }
}

/// Adds "what we were doing" to database errors at the place they happen.
pub trait StoreContext<T> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> StoreContext<T> for std::result::Result<T, sqlx::Error> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Store {
            context: context(),
            source: Box::new(source),
        })
    }
}
