//! The SQLite store: opened in one place (WAL, foreign keys, busy timeout), migrated with the
//! embedded migrations, and split by table group. Nothing outside this module writes SQL.

mod agent_types;
mod approvals;
mod budget;
mod deliverables;
mod journal;
mod publishing;
mod settings;
mod skills;
mod tasks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::error::{Result, StoreContext};

pub use budget::{History, Spent};
pub use journal::Journal;
pub use publishing::{DeploymentRow, ShareRow};
pub use skills::TaskSkill;
pub use tasks::{NewSubtask, TaskFilter, TaskTotals};

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
            .map_err(|e| {
                crate::Error::Internal(format!("migrating database {}: {e}", path.display()))
            })?;
        Ok(Store { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}
