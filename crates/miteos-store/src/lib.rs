//! The SQLite store: opened in one place (WAL, foreign keys, busy timeout), migrated with the
//! embedded migrations, and split by table group; the event journal (append, then publish).
//! Nothing outside this crate writes SQL.

mod agent_types;
mod approvals;
mod budget;
mod deliverables;
mod health;
mod history;
mod journal;
mod publishing;
mod revisions;
mod settings;
mod skills;
mod tasks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use miteos_domain::{Error, Result};

pub use budget::{History, Spent};
pub use health::WorkCounts;
pub use history::TaskFilter;
pub use journal::Journal;
pub use publishing::{DeploymentRow, ShareRow};
pub use revisions::RevisionWrite;
pub use settings::encode as encode_setting;
pub use skills::TaskSkill;
pub use tasks::{NewSubtask, TaskTotals};

/// A cheap-clone handle over the connection pool.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
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
        Ok(Store { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
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
