//! Accounts on a team's server, found by the SHA-256 of their API tokens, and who may see a
//! task.

use miteos_domain::{Account, Error, Result};

use super::Store;
use crate::db::on_pool;
use crate::{Row, StoreContext};

const COLUMNS: &str = "id, name, admin, created_at";

/// Who owns a task and whether it is shared with the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskAccess {
    pub owner: Option<String>,
    pub shared: bool,
}

impl Store {
    /// Stores a new account with its token's hash; a `conflict` when the name is taken.
    pub async fn insert_account(&self, account: &Account, token_sha256: &str) -> Result<()> {
        let taken = on_pool!(self.pool(), db => sqlx::query(&format!(
            "INSERT INTO accounts ({COLUMNS}, token_sha256) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (name) DO NOTHING"
        ))
        .bind(&account.id)
        .bind(&account.name)
        .bind(account.admin)
        .bind(account.created_at)
        .bind(token_sha256)
        .execute(db)
        .await
        .map(|done| done.rows_affected() == 0))
        .context(|| format!("storing account {}", account.name))?;
        if taken {
            return Err(Error::Conflict(format!(
                "an account named {:?} already exists",
                account.name
            )));
        }
        Ok(())
    }

    /// The account whose token has this SHA-256, if any.
    pub async fn account_by_token(&self, token_sha256: &str) -> Result<Option<Account>> {
        let row = on_pool!(self.pool(), db => sqlx::query(&format!(
            "SELECT {COLUMNS} FROM accounts WHERE token_sha256 = $1"
        ))
        .bind(token_sha256)
        .fetch_optional(db)
        .await
        .map(|row| row.map(Row::from)))
        .context(|| "finding an account".into())?;
        Ok(row.as_ref().map(account_from_row))
    }

    /// The account with this id, if it still exists.
    pub async fn account(&self, id: &str) -> Result<Option<Account>> {
        let row = on_pool!(self.pool(), db => sqlx::query(&format!(
            "SELECT {COLUMNS} FROM accounts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(db)
        .await
        .map(|row| row.map(Row::from)))
        .context(|| format!("reading account {id}"))?;
        Ok(row.as_ref().map(account_from_row))
    }

    /// Every account, by name.
    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let rows = on_pool!(self.pool(), db => sqlx::query(&format!(
            "SELECT {COLUMNS} FROM accounts ORDER BY name"
        ))
        .fetch_all(db)
        .await
        .map(Row::all))
        .context(|| "listing accounts".into())?;
        Ok(rows.iter().map(account_from_row).collect())
    }

    /// Deletes an account (its token stops working; its tasks stay, seen by admins); false
    /// when there is none.
    pub async fn delete_account(&self, id: &str) -> Result<bool> {
        let done = on_pool!(self.pool(), db => sqlx::query("DELETE FROM accounts WHERE id = $1")
            .bind(id)
            .execute(db)
            .await
            .map(|done| done.rows_affected()))
        .context(|| format!("deleting account {id}"))?;
        Ok(done == 1)
    }

    /// Who owns the task and whether it is shared; `not_found` when there is no such task.
    pub async fn task_access(&self, task_id: &str) -> Result<TaskAccess> {
        let row = on_pool!(self.pool(), db => sqlx::query(
            "SELECT owner_id, shared FROM tasks WHERE id = $1",
        )
        .bind(task_id)
        .fetch_optional(db)
        .await
        .map(|row| row.map(Row::from)))
        .context(|| format!("reading who may see {task_id}"))?
        .ok_or_else(|| Error::NotFound(format!("task {task_id} does not exist")))?;
        Ok(TaskAccess {
            owner: row.get("owner_id"),
            shared: row.get("shared"),
        })
    }

    /// Shares the task with the team, or makes it its owner's alone again.
    pub async fn set_task_shared(&self, task_id: &str, shared: bool) -> Result<()> {
        on_pool!(self.pool(), db => sqlx::query("UPDATE tasks SET shared = $1 WHERE id = $2")
            .bind(shared)
            .bind(task_id)
            .execute(db)
            .await
            .map(|_| ()))
        .context(|| format!("sharing {task_id}"))
    }
}

fn account_from_row(row: &Row) -> Account {
    Account {
        id: row.get("id"),
        name: row.get("name"),
        admin: row.get("admin"),
        created_at: row.get("created_at"),
    }
}
