//! Agent types as users define them: create, edit (built-ins too: their prompt, tools, model),
//! delete (their own only). The planner's catalogue is read at every task's start, so it follows.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Miteos;
use crate::domain::AgentType;
use crate::error::{Error, Result};

const MAX_DESCRIPTION: usize = 500;
const MAX_PROMPT: usize = 8_000;

/// What a user writes for an agent type.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentTypeInput {
    /// 2–32 characters: lowercase letters, digits, `-` and `_`, starting with a letter. Ignored
    /// when editing (names do not change).
    pub name: String,
    /// What it is good at: the planner chooses by this.
    pub description: String,
    pub system_prompt: String,
    /// Tools it may call (see `tools`).
    pub tools: Vec<String>,
    /// `provider::model` instead of the task's, or `null`.
    pub model: Option<String>,
    /// `provider::model` to switch to when the model keeps failing, or `null`.
    #[serde(default)]
    pub fallback_model: Option<String>,
}

impl Miteos {
    /// The agent types the planner can choose from.
    pub async fn agent_types(&self) -> Result<Vec<crate::domain::AgentType>> {
        self.inner.shared.store.agent_types().await
    }

    /// Makes an agent type use `model` (`provider::model`, or `local::NAME`) instead of the task's
    /// model, or the task's model again with `None`. The model must be usable now.
    pub async fn set_agent_model(
        &self,
        agent_type: &str,
        model: Option<&str>,
    ) -> Result<crate::domain::AgentType> {
        let model = self.usable_model(model)?;
        if !self
            .inner
            .shared
            .store
            .set_agent_type_model(agent_type, model.as_deref())
            .await?
        {
            return Err(Error::NotFound(format!(
                "agent type {agent_type} does not exist"
            )));
        }
        self.agent_type(agent_type).await
    }

    /// Names of the tools agent types can be given: the built-in ones and those of the MCP
    /// servers that start.
    pub async fn tool_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .inner
            .shared
            .tools
            .builtin_names()
            .map(str::to_owned)
            .collect();
        if let Some(hub) = self.inner.shared.tools.mcp() {
            for state in hub.states().await {
                names.extend(state.tools.into_iter().map(|t| t.name));
            }
        }
        names.sort();
        names
    }

    async fn checked_agent_type(&self, input: AgentTypeInput, builtin: bool) -> Result<AgentType> {
        let name = input.name.trim().to_owned();
        let valid_name = (2..=32).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid_name {
            return Err(Error::InvalidInput(format!(
                "{name:?} is not a valid agent type name: 2–32 lowercase letters, digits, '-' or '_', starting with a letter"
            )));
        }
        let description = input.description.trim().to_owned();
        if description.is_empty() || description.chars().count() > MAX_DESCRIPTION {
            return Err(Error::InvalidInput(format!(
                "the description says what the agent is good at, in 1 to {MAX_DESCRIPTION} characters"
            )));
        }
        let system_prompt = input.system_prompt.trim().to_owned();
        if system_prompt.is_empty() || system_prompt.chars().count() > MAX_PROMPT {
            return Err(Error::InvalidInput(format!(
                "the system prompt must have 1 to {MAX_PROMPT} characters"
            )));
        }
        let mut tools = Vec::new();
        for tool in input.tools {
            let tool = tool.trim().to_owned();
            if !tools.contains(&tool) {
                tools.push(tool);
            }
        }
        let (_, problems) = self.inner.shared.tools.resolve(&tools).await;
        if !problems.is_empty() {
            let builtins: Vec<&str> = self.inner.shared.tools.builtin_names().collect();
            return Err(Error::InvalidInput(format!(
                "{}; the built-in tools are {}, and MCP tools are named SERVER__TOOL",
                problems.join("; "),
                builtins.join(", ")
            )));
        }
        Ok(AgentType {
            name,
            description,
            system_prompt,
            tools,
            model: self.usable_model(input.model.as_deref())?,
            fallback_model: self.usable_model(input.fallback_model.as_deref())?,
            builtin,
        })
    }

    /// `model` resolved to `provider::model` and checked to be usable now; `None` for none.
    fn usable_model(&self, model: Option<&str>) -> Result<Option<String>> {
        match model.map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => {
                let providers = self.providers();
                let resolved = providers.resolve_model(Some(m))?;
                providers.provider(&resolved)?;
                Ok(Some(resolved))
            }
            None => Ok(None),
        }
    }

    /// Adds a user-defined agent type; a taken name is a conflict.
    pub async fn create_agent_type(&self, input: AgentTypeInput) -> Result<AgentType> {
        let at = self.checked_agent_type(input, false).await?;
        if !self.inner.shared.store.insert_agent_type(&at).await? {
            return Err(Error::Conflict(format!(
                "an agent type named {} already exists",
                at.name
            )));
        }
        Ok(at)
    }

    /// Replaces an agent type's description, prompt, tools and models (built-ins included).
    pub async fn update_agent_type(
        &self,
        name: &str,
        mut input: AgentTypeInput,
    ) -> Result<AgentType> {
        let current = self.agent_type(name).await?;
        input.name = current.name;
        let at = self.checked_agent_type(input, current.builtin).await?;
        self.inner.shared.store.update_agent_type(&at).await?;
        Ok(at)
    }

    /// Deletes a user-defined agent type. Built-ins can be edited but not deleted.
    pub async fn delete_agent_type(&self, name: &str) -> Result<()> {
        let current = self.agent_type(name).await?;
        if current.builtin {
            return Err(Error::Conflict(format!(
                "{name} is built in: it can be edited but not deleted"
            )));
        }
        self.inner.shared.store.delete_agent_type(name).await?;
        Ok(())
    }

    pub(super) async fn agent_type(&self, name: &str) -> Result<AgentType> {
        self.agent_types()
            .await?
            .into_iter()
            .find(|a| a.name == name)
            .ok_or_else(|| Error::NotFound(format!("agent type {name} does not exist")))
    }
}
