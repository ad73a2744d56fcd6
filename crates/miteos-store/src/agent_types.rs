//! Agent types are data: stored rows, seeded with the built-ins on first open.

use chrono::Utc;

use super::Store;
use crate::Row;
use crate::db::on_pool;
use miteos_domain::AgentType;
use miteos_domain::{Error, Result};

use crate::StoreContext;

impl Store {
    /// Inserts each built-in that is missing; never overwrites a row the user may have edited.
    pub async fn seed_agent_types(&self, builtins: &[AgentType]) -> Result<()> {
        for at in builtins {
            self.insert_agent_type(at).await?;
        }
        Ok(())
    }

    pub async fn agent_types(&self) -> Result<Vec<AgentType>> {
        let rows = on_pool!(self.pool(), db => sqlx::query(
            "SELECT name, description, system_prompt, tools, model, fallback_model, builtin FROM agent_types \
             ORDER BY builtin DESC, name",
        )
        .fetch_all(db)
        .await.map(Row::all))
        .context(|| "listing agent types".into())?;
        rows.iter().map(agent_type_from_row).collect()
    }
}

impl Store {
    /// Sets (or clears) the model an agent type prefers; false when there is no such type.
    pub async fn set_agent_type_model(&self, name: &str, model: Option<&str>) -> Result<bool> {
        let done = on_pool!(self.pool(), db => sqlx::query("UPDATE agent_types SET model = $1, updated_at = $2 WHERE name = $3")
            .bind(model)
            .bind(Utc::now())
            .bind(name)
            .execute(db)
            .await.map(|done| done.rows_affected()))
            .context(|| format!("setting the model of agent type {name}"))?;
        Ok(done == 1)
    }
}

fn tools_json(tools: &[String]) -> String {
    serde_json::to_string(tools).expect("a list of strings always encodes")
}

fn agent_type_from_row(row: &Row) -> Result<AgentType> {
    let name: String = row.get("name");
    let tools: String = row.get("tools");
    let builtin: bool = row.get("builtin");
    Ok(AgentType {
        tools: serde_json::from_str(&tools).map_err(|e| {
            Error::Internal(format!("agent type {name} has a broken tool list: {e}"))
        })?,
        description: row.get("description"),
        system_prompt: row.get("system_prompt"),
        model: row.get("model"),
        fallback_model: row.get("fallback_model"),
        builtin,
        name,
    })
}

impl Store {
    /// Inserts an agent type (built in or not, as `at` says); false when the name is taken.
    pub async fn insert_agent_type(&self, at: &AgentType) -> Result<bool> {
        let done = on_pool!(self.pool(), db => sqlx::query(
            "INSERT INTO agent_types (name, description, system_prompt, tools, model, fallback_model, builtin, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&at.name)
        .bind(&at.description)
        .bind(&at.system_prompt)
        .bind(tools_json(&at.tools))
        .bind(&at.model)
        .bind(&at.fallback_model)
        .bind(at.builtin)
        .bind(Utc::now())
        .execute(db)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("storing agent type {}", at.name))?;
        Ok(done == 1)
    }

    /// Replaces an agent type's description, prompt, tools and models; false when it does not exist.
    pub async fn update_agent_type(&self, at: &AgentType) -> Result<bool> {
        let done = on_pool!(self.pool(), db => sqlx::query(
            "UPDATE agent_types SET description = $1, system_prompt = $2, tools = $3, model = $4, fallback_model = $5, \
             updated_at = $6 WHERE name = $7",
        )
        .bind(&at.description)
        .bind(&at.system_prompt)
        .bind(tools_json(&at.tools))
        .bind(&at.model)
        .bind(&at.fallback_model)
        .bind(Utc::now())
        .bind(&at.name)
        .execute(db)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("updating agent type {}", at.name))?;
        Ok(done == 1)
    }

    /// Deletes a user-defined agent type; false when there is no such (non-built-in) type.
    pub async fn delete_agent_type(&self, name: &str) -> Result<bool> {
        let done = on_pool!(self.pool(), db => sqlx::query("DELETE FROM agent_types WHERE name = $1 AND NOT builtin")
            .bind(name)
            .execute(db)
            .await.map(|done| done.rows_affected()))
            .context(|| format!("deleting agent type {name}"))?;
        Ok(done == 1)
    }
}
