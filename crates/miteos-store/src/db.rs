//! The two databases behind one store: a pool of either, a transaction on either, and rows read
//! the same way from both. A query is written once and run on whichever pool the store has
//! ([`on_pool!`], [`on_tx!`]): the macros expand the same code once per database, so each
//! copy is type-checked against its own driver.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, PgPool, Postgres, Sqlite, SqlitePool, Transaction, Type};

use miteos_domain::Result;

use crate::{Store, StoreContext};

/// The connection pool of the store's database.
#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A write transaction on the store's database.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Which SQL a store speaks, for the few statements the two databases write differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// `text_column`'s JSON member `field` as text.
    pub(crate) fn json_text(self, column: &str, field: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{field}')"),
            Dialect::Postgres => format!("({column}::jsonb ->> '{field}')"),
        }
    }
}

/// An id unique across processes and time (a process's journal among those sharing a
/// database, a test's database), made of letters, digits and `_`.
pub(crate) fn unique_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{:x}_{:x}_{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A database URL fit for logs and error messages: its password replaced by `***`.
pub fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info
                .split_once(':')
                .map_or(user_info, |(user, _)| user);
            if user_info.contains(':') {
                format!("{scheme}://{user}:***@{host}{tail}")
            } else {
                format!("{scheme}://{user}@{host}{tail}")
            }
        }
        None => url.to_owned(),
    }
}

/// Runs `$body` with `$db` bound to the pool of `$pool` (a `&Pool`), whichever database it is.
macro_rules! on_pool {
    ($pool:expr, $db:ident => $body:expr) => {
        match $pool {
            $crate::db::Pool::Sqlite($db) => $body,
            $crate::db::Pool::Postgres($db) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the connection of `$tx` (a `&mut Tx`).
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::db::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

pub(crate) use {on_pool, on_tx};

impl Store {
    /// A write transaction. On SQLite it holds the write lock from its start (`BEGIN
    /// IMMEDIATE`): a deferred one that reads first cannot always be upgraded while other
    /// writers commit (SQLite answers "database is locked" at once instead of waiting), and
    /// every transaction here writes. PostgreSQL locks rows as they are written.
    pub(crate) async fn begin(&self) -> Result<Tx> {
        let tx = match &self.pool {
            Pool::Sqlite(pool) => pool.begin_with("BEGIN IMMEDIATE").await.map(Tx::Sqlite),
            Pool::Postgres(pool) => pool.begin().await.map(Tx::Postgres),
        };
        tx.context(|| "starting a transaction".into())
    }
}

impl Tx {
    pub(crate) async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

/// A value both databases decode.
pub(crate) trait Value:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

impl<T> Value for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

/// A row of either database, read by column name.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl Row {
    /// The value of `column`. Like `sqlx::Row::get`, a column missing or of another type is a
    /// bug in the query next to it, and panics.
    pub(crate) fn get<T: Value>(&self, column: &str) -> T {
        match self {
            Row::Sqlite(row) => sqlx::Row::get(row, column),
            Row::Postgres(row) => sqlx::Row::get(row, column),
        }
    }

    pub(crate) fn all<R: Into<Row>>(rows: Vec<R>) -> Vec<Row> {
        rows.into_iter().map(Into::into).collect()
    }
}

impl From<SqliteRow> for Row {
    fn from(row: SqliteRow) -> Row {
        Row::Sqlite(row)
    }
}

impl From<PgRow> for Row {
    fn from(row: PgRow) -> Row {
        Row::Postgres(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_hide_their_passwords() {
        assert_eq!(
            redacted_url("postgres://miteos:s3cret@db.example:5432/miteos?sslmode=require"),
            "postgres://miteos:***@db.example:5432/miteos?sslmode=require"
        );
        assert_eq!(redacted_url("postgres://me@h/db"), "postgres://me@h/db");
        assert_eq!(redacted_url("postgres:///db"), "postgres:///db");
    }
}
