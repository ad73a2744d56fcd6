//! The agents' tools. Each implements [`Tool`]: a name, a JSON schema of its arguments, a
//! description for the model, and `call`. File tools are confined to the task's folder.
//!
//! Tool output is untrusted data: the agent loop wraps it before the model sees it.

mod chart;
mod fetch;
mod files;
pub mod mcp;

mod paths;
pub mod search;
pub mod shell;
mod spreadsheet;
mod sql;
mod web;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use miteos_providers::ToolSpec;

pub use chart::WriteChart;
pub use fetch::FetchUrl;
pub use files::{ListFiles, ReadFile, WriteFile, files_under, list_under};
pub use mcp::{McpHub, McpServer, McpServerState, McpToolInfo};
pub use paths::{confined_path, read_beneath, write_beneath};
pub use search::{SearchConfig, SearchEngine, SearchKind, WebSearch};
pub use shell::RunCommand;
pub use spreadsheet::WriteSpreadsheet;
pub use sql::QueryData;
pub use web::PublicWeb;

/// What a tool call may touch.
#[derive(Clone)]
pub struct ToolCtx {
    /// The task's folder: the only place file tools read and write.
    pub task_dir: PathBuf,
    /// Cancelled when the task or subtask is; long tools stop at once.
    pub cancel: CancellationToken,
    /// Miteos's own client: the search backends the user configured.
    pub http: reqwest::Client,
    /// The client for addresses an agent picked (`fetch_url`): public addresses only, and the
    /// user's exceptions.
    pub web: PublicWeb,
    /// The web search provider, when one is configured.
    pub search: Option<Arc<SearchEngine>>,
    /// Asks the user about this call when it is risky; `None` where no one can answer.
    pub approver: Option<Arc<dyn Approver>>,
    /// Programs `run_command` runs without asking.
    pub shell_allow: Arc<Vec<String>>,
    /// On a team's server: the uids commands run as, one per task (`None`: the server's own).
    pub command_users: Option<Arc<shell::CommandUsers>>,
}

/// Asks the user whether one risky tool call may run.
#[async_trait]
pub trait Approver: Send + Sync {
    /// Waits for the decision: `Ok(true)` approved, `Ok(false)` denied, `Cancelled` when the
    /// task ends first.
    async fn approve(&self, reason: &str) -> Result<bool, ToolError>;
}

impl ToolCtx {
    /// A context for calling tools outside a task run: no cancel, no search.
    pub fn new(task_dir: impl Into<PathBuf>, http: reqwest::Client) -> Self {
        ToolCtx {
            task_dir: task_dir.into(),
            cancel: CancellationToken::new(),
            http,
            web: PublicWeb::default(),
            search: None,
            approver: None,
            shell_allow: Arc::new(shell::default_allow_list()),
            command_users: None,
        }
    }

    /// Goes on only when the user approves the call; `reason` says why it needs approval.
    pub async fn require_approval(&self, reason: &str) -> Result<(), ToolError> {
        let Some(approver) = &self.approver else {
            return Err(ToolError::Refused(format!(
                "{reason}, and no one is there to approve it"
            )));
        };
        if approver.approve(reason).await? {
            Ok(())
        } else {
            Err(ToolError::Refused(format!(
                "the user denied this call ({reason}); go on without it"
            )))
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolOutput {
    /// What the agent sees.
    pub content: String,
    /// Files written, relative to the task folder; they become deliverables.
    pub files_written: Vec<String>,
    /// The content is instructions the user installed (a skill), to be followed where they fit;
    /// any other output is untrusted data.
    pub instructions: bool,
}

impl ToolOutput {
    pub fn text(content: impl Into<String>) -> Self {
        ToolOutput {
            content: content.into(),
            ..ToolOutput::default()
        }
    }

    /// Instructions the user installed (see [`ToolOutput::instructions`]).
    pub fn instructions(content: impl Into<String>) -> Self {
        ToolOutput {
            content: content.into(),
            instructions: true,
            ..ToolOutput::default()
        }
    }
}

/// A failed tool call. The agent sees the message and may try something else.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ToolError {
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    #[error("refused: {0}")]
    Refused(String),
    #[error("{0}")]
    Failed(String),
    #[error("cancelled")]
    Cancelled,
}

#[async_trait]
pub trait Tool: Send + Sync {
    fn name(&self) -> &str;
    fn description(&self) -> &str;
    /// JSON schema of the arguments object.
    fn parameters(&self) -> serde_json::Value;
    async fn call(&self, args: serde_json::Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolError>;

    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: self.name().to_owned(),
            description: self.description().to_owned(),
            parameters: self.parameters(),
        }
    }
}

/// Every tool Miteos knows: the built-in ones by name, and the tools of the MCP servers.
#[derive(Clone)]
pub struct ToolRegistry {
    tools: BTreeMap<String, Arc<dyn Tool>>,
    mcp: Option<Arc<McpHub>>,
}

impl Default for ToolRegistry {
    fn default() -> Self {
        let mut registry = ToolRegistry {
            tools: BTreeMap::new(),
            mcp: None,
        };
        registry.add(Arc::new(WebSearch));
        registry.add(Arc::new(FetchUrl::default()));
        registry.add(Arc::new(ReadFile));
        registry.add(Arc::new(WriteFile));
        registry.add(Arc::new(ListFiles));
        registry.add(Arc::new(WriteSpreadsheet));
        registry.add(Arc::new(WriteChart));
        registry.add(Arc::new(QueryData));
        registry.add(Arc::new(RunCommand));
        registry
    }
}

impl ToolRegistry {
    /// The built-in tools and those of `hub`'s servers.
    pub fn with_mcp(hub: Arc<McpHub>) -> Self {
        ToolRegistry {
            mcp: Some(hub),
            ..ToolRegistry::default()
        }
    }

    pub fn add(&mut self, tool: Arc<dyn Tool>) {
        self.tools.insert(tool.name().to_owned(), tool);
    }

    /// A built-in tool.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Tool>> {
        self.tools.get(name).cloned()
    }

    pub fn builtin_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.tools.keys().map(String::as_str)
    }

    /// The tools called `names` (starting MCP servers as needed), and why any could not be had.
    pub async fn resolve(&self, names: &[String]) -> (Vec<Arc<dyn Tool>>, Vec<String>) {
        let mut tools = Vec::with_capacity(names.len());
        let mut problems = Vec::new();
        for name in names {
            if let Some(tool) = self.get(name) {
                tools.push(tool);
            } else if let Some(hub) = self.mcp.as_ref().filter(|_| name.contains(mcp::SEPARATOR)) {
                match hub.tool(name).await {
                    Ok(tool) => tools.push(Arc::new(tool) as Arc<dyn Tool>),
                    Err(e) => problems.push(e),
                }
            } else {
                problems.push(format!("{name} is not a tool"));
            }
        }
        (tools, problems)
    }

    /// The MCP servers, when this registry has them.
    pub fn mcp(&self) -> Option<&Arc<McpHub>> {
        self.mcp.as_ref()
    }
}

/// Parses a tool's arguments into its typed form, or says what is wrong.
pub(crate) fn parse_args<T: serde::de::DeserializeOwned>(
    args: serde_json::Value,
) -> Result<T, ToolError> {
    serde_json::from_value(args).map_err(|e| ToolError::InvalidArguments(e.to_string()))
}

/// `text` cut to `max` characters, ending in `…` when it was cut: what a person is shown of a
/// long text.
pub fn ellipsized(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// `text` cut to `max` characters, saying so when it was cut: what a model is shown of a long
/// result.
pub fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!(
            "{}\n\n[truncated: showing {max} of {} characters]",
            &text[..cut],
            text.chars().count()
        ),
    }
}
