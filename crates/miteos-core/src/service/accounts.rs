//! People on a team's server: accounts with their own API tokens (only a token's SHA-256 is
//! kept), tasks private to their owner unless shared with the team, and admins who manage
//! accounts and see every task. The server's own token (DATA_DIR/api-token) acts as an admin.
//! Skills are their owner's ([`Caller::may_see_skill`]); the server's configuration, agent types
//! included, is the admins' ([`Caller::may_configure`]).

use super::Miteos;
use crate::digest::sha256_hex;
use crate::domain::{Account, Task};
use crate::error::{Error, Result};
use crate::ids::{new_account_id, random_token};

/// Who is asking, as a transport authenticated them.
#[derive(Debug, Clone, PartialEq)]
pub enum Caller {
    /// The server's own token (and the desktop app): an admin without an account.
    Server,
    Account(Account),
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        match self {
            Caller::Server => true,
            Caller::Account(account) => account.admin,
        }
    }

    /// The account tasks it creates belong to.
    pub fn account_id(&self) -> Option<&str> {
        match self {
            Caller::Server => None,
            Caller::Account(account) => Some(&account.id),
        }
    }

    /// Whose tasks a history page shows it: `None` for an admin (all of them).
    pub fn visible_to(&self) -> Option<String> {
        match self {
            Caller::Account(account) if !account.admin => Some(account.id.clone()),
            _ => None,
        }
    }

    /// The server's configuration — its settings and keys, MCP servers, agent types (their
    /// instructions reach every member's tasks), models and prices — is an admin's to change;
    /// members read it and use it.
    pub fn may_configure(&self) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "only an admin changes the server's settings, MCP servers, agent types, models and prices"
                    .into(),
            ))
        }
    }

    /// Whether it may see, run and change `skill`: the skill's owner may, and admins. A skill
    /// holds its source tasks' prompts, plans and tool calls: what its owner's tasks held.
    pub fn may_see_skill(&self, skill: &crate::skills::Skill) -> bool {
        self.is_admin() || skill.owner.as_deref() == self.account_id()
    }

    fn require_admin(&self) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::Forbidden("only an admin manages accounts".into()))
        }
    }
}

/// The longest account name.
const MAX_NAME_CHARS: usize = 64;

impl Miteos {
    /// Makes an account (an admin's work); answers it and its API token, shown only now.
    pub async fn create_account(
        &self,
        caller: &Caller,
        name: &str,
        admin: bool,
    ) -> Result<(Account, String)> {
        caller.require_admin()?;
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_NAME_CHARS
            || name.chars().any(|c| c.is_control())
        {
            return Err(Error::InvalidInput(format!(
                "an account's name is 1 to {MAX_NAME_CHARS} characters, without control characters"
            )));
        }
        let account = Account {
            id: new_account_id(),
            name: name.to_owned(),
            admin,
            created_at: chrono::Utc::now(),
        };
        let token = format!("mt_{}", random_token(32));
        self.inner
            .shared
            .store
            .insert_account(&account, &sha256_hex(token.as_bytes()))
            .await?;
        Ok((account, token))
    }

    /// The account a token belongs to, if any.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Account>> {
        if token.is_empty() {
            return Ok(None);
        }
        self.inner
            .shared
            .store
            .account_by_token(&sha256_hex(token.as_bytes()))
            .await
    }

    pub async fn accounts(&self, caller: &Caller) -> Result<Vec<Account>> {
        caller.require_admin()?;
        self.inner.shared.store.accounts().await
    }

    /// Deletes an account: its token stops working; its tasks stay (admins see them).
    pub async fn delete_account(&self, caller: &Caller, id: &str) -> Result<()> {
        caller.require_admin()?;
        if caller.account_id() == Some(id) {
            return Err(Error::Conflict(
                "an admin cannot delete their own account".into(),
            ));
        }
        if !self.inner.shared.store.delete_account(id).await? {
            return Err(Error::NotFound(format!("account {id} does not exist")));
        }
        Ok(())
    }

    /// `not_found` unless the caller may see the task: its owner, anyone when it is shared
    /// with the team, an admin always. (A task the caller may not see does not exist for it.)
    pub async fn check_task_access(&self, caller: &Caller, task_id: &str) -> Result<()> {
        self.owns(caller, task_id).await.map(|_| ())
    }

    /// Whether the caller may still see the task: its account still exists (with the rights it
    /// had) and the task is still its own, shared, or the caller an admin. A live event stream
    /// asks this as it goes, and ends when the answer turns to no.
    pub async fn still_has_access(&self, caller: &Caller, task_id: &str) -> Result<bool> {
        if let Caller::Account(account) = caller {
            let now = self.inner.shared.store.account(&account.id).await?;
            if now.is_none_or(|now| now.admin != account.admin) {
                return Ok(false);
            }
        }
        match self.check_task_access(caller, task_id).await {
            Ok(()) => Ok(true),
            Err(Error::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Whether the task is the caller's own, once [`Self::check_task_access`] let it through.
    async fn owns(&self, caller: &Caller, task_id: &str) -> Result<bool> {
        let access = self.inner.shared.store.task_access(task_id).await?;
        let mine = access.owner.is_some() && access.owner.as_deref() == caller.account_id();
        if caller.is_admin() || mine || access.shared {
            Ok(mine)
        } else {
            Err(Error::NotFound(format!("task {task_id} does not exist")))
        }
    }

    /// Shares the task with the team (everyone may see and steer it), or makes it its owner's
    /// alone again; only its owner or an admin may.
    pub async fn share_with_team(
        &self,
        caller: &Caller,
        task_id: &str,
        shared: bool,
    ) -> Result<Task> {
        if !self.owns(caller, task_id).await? && !caller.is_admin() {
            return Err(Error::Forbidden(
                "only the task's owner or an admin shares it".into(),
            ));
        }
        self.inner
            .shared
            .store
            .set_task_shared(task_id, shared)
            .await?;
        self.get_task(task_id).await
    }
}
