//! MCP servers' tools, through the official Rust SDK's client (`rmcp`).
//!
//! Servers are configured in `DATA_DIR/mcp.json`, in the `mcpServers` format other agent tools
//! use (a stdio `command` with `args` and `env`, or a streamable HTTP `url`), edited by hand or
//! through settings. A server starts the first time its tools are needed, is restarted when it
//! has died, and stops with Miteos ([`McpHub::shutdown`]). Its tools join the catalogue as
//! `server__tool` with their JSON schemas. Calls to an untrusted server's tools that do not
//! declare themselves read-only wait for the user's approval.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use rmcp::model::{CallToolRequestParams, ContentBlock};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::truncate_chars;
use super::{Tool, ToolCtx, ToolError, ToolOutput};
use miteos_domain::{Error, Result};

/// Separates a server's name from its tool's in the catalogue: `files__read_text_file`.
pub const SEPARATOR: &str = "__";
const FILE_NAME: &str = "mcp.json";
/// How long a server may take to start and list its tools (npx may download it first).
const START_TIMEOUT: Duration = Duration::from_secs(60);
const CALL_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest tool result handed to the model.
const MAX_RESULT_CHARS: usize = 40_000;

/// One MCP server: a program spoken to over stdio, or a streamable HTTP endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct McpServer {
    /// 1–24 lowercase letters, digits and `-`; its tools are named `NAME__TOOL`.
    pub name: String,
    /// The program to run (stdio), e.g. `npx`.
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default)]
    pub args: Vec<String>,
    /// Environment of the program (of Miteos's own, only `PATH` and `HOME` are passed).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// A streamable HTTP endpoint instead of a program.
    #[serde(default)]
    pub url: Option<String>,
    /// Run its tools without asking, even those that do not declare themselves read-only.
    #[serde(default)]
    pub trusted: bool,
}

/// `mcp.json`: `{"mcpServers": {"name": {"command": …, "args": […], "env": {…}}}}`, the format
/// other agent tools use; the name is the entry's key.
#[derive(Debug, Default, Serialize, Deserialize)]
struct McpFile {
    #[serde(rename = "mcpServers", default)]
    servers: BTreeMap<String, FileEntry>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct FileEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    command: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    args: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    env: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    trusted: bool,
}

impl McpServer {
    /// Checks the name and that exactly one of `command` and `url` is set.
    pub fn validate(&self) -> Result<()> {
        let name_ok = (1..=24).contains(&self.name.len())
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !name_ok {
            return Err(Error::InvalidInput(format!(
                "{:?} is not a valid MCP server name: 1–24 lowercase letters, digits or '-'",
                self.name
            )));
        }
        match (&self.command, &self.url) {
            (Some(c), None) if !c.trim().is_empty() => Ok(()),
            (None, Some(u)) => {
                let url = reqwest::Url::parse(u).map_err(|e| {
                    Error::InvalidInput(format!(
                        "MCP server {}: {u:?} is not a URL: {e}",
                        self.name
                    ))
                })?;
                if matches!(url.scheme(), "http" | "https") {
                    Ok(())
                } else {
                    Err(Error::InvalidInput(format!(
                        "MCP server {}: the URL must be http or https",
                        self.name
                    )))
                }
            }
            _ => Err(Error::InvalidInput(format!(
                "MCP server {} needs either a command (stdio) or a url (streamable HTTP)",
                self.name
            ))),
        }
    }
}

/// A tool an MCP server offers, as the catalogue shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct McpToolInfo {
    /// `server__tool`, the name agent types are given.
    pub name: String,
    pub description: String,
    /// The tool says it only reads (it then runs without approval).
    pub read_only: bool,
}

/// A server's state for the settings view.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct McpServerState {
    pub server: McpServer,
    pub tools: Vec<McpToolInfo>,
    /// Why it could not be started or listed, or `null`.
    pub error: Option<String>,
}

type Client = RunningService<RoleClient, ()>;

/// A started server and the tools it listed.
struct Live {
    client: Client,
    tools: Vec<rmcp::model::Tool>,
}

/// The configured servers and the connections to those that run.
pub struct McpHub {
    file: PathBuf,
    servers: RwLock<Vec<McpServer>>,
    live: tokio::sync::Mutex<HashMap<String, Slot>>,
}

/// A server's connection, when it runs; locked while it starts.
type Slot = Arc<tokio::sync::Mutex<Option<Arc<Live>>>>;

impl McpHub {
    /// Reads `DATA_DIR/mcp.json` (none yet is no servers; a broken one is an error that says
    /// where).
    pub fn open(data_dir: &Path) -> Result<McpHub> {
        let file = data_dir.join(FILE_NAME);
        let servers = match std::fs::read_to_string(&file) {
            Ok(text) => parse_file(&text)
                .map_err(|e| Error::InvalidInput(format!("{}: {e}", file.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::io(format!("reading {}", file.display()), e)),
        };
        Ok(McpHub {
            file,
            servers: RwLock::new(servers),
            live: tokio::sync::Mutex::new(HashMap::new()),
        })
    }

    pub fn servers(&self) -> Vec<McpServer> {
        self.servers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the configuration (validated, written to `mcp.json`); servers whose settings
    /// changed or that were removed are stopped, and start again when next needed.
    pub async fn set_servers(&self, servers: Vec<McpServer>) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for s in &servers {
            s.validate()?;
            if !seen.insert(s.name.clone()) {
                return Err(Error::InvalidInput(format!(
                    "two MCP servers are called {}",
                    s.name
                )));
            }
        }
        let file = McpFile {
            servers: servers
                .iter()
                .map(|s| {
                    let entry = FileEntry {
                        command: s.command.clone(),
                        args: s.args.clone(),
                        env: s.env.clone(),
                        url: s.url.clone(),
                        trusted: s.trusted,
                    };
                    (s.name.clone(), entry)
                })
                .collect(),
        };
        let text = serde_json::to_string_pretty(&file)
            .map_err(|e| Error::Internal(format!("encoding mcp.json: {e}")))?;
        let tmp = self.file.with_extension("json.tmp");
        // Its servers' env values are secrets: the owner alone reads the file.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&tmp)
            .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
            .and_then(|()| std::fs::rename(&tmp, &self.file))
            .map_err(|e| Error::io(format!("writing {}", self.file.display()), e))?;
        let old = std::mem::replace(
            &mut *self.servers.write().unwrap_or_else(|p| p.into_inner()),
            servers.clone(),
        );
        for gone in old.iter().filter(|o| !servers.contains(o)) {
            self.stop(&gone.name).await;
        }
        Ok(())
    }

    /// Every server with its tools (starting those not running yet).
    pub async fn states(&self) -> Vec<McpServerState> {
        let mut out = Vec::new();
        for server in self.servers() {
            let (tools, error) = match self.live(&server.name).await {
                Ok(live) => (tool_infos(&server, &live.tools), None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            out.push(McpServerState {
                server,
                tools,
                error,
            });
        }
        out
    }

    /// The tool called `server__tool`, starting its server if needed.
    pub async fn tool(self: &Arc<Self>, name: &str) -> std::result::Result<McpTool, String> {
        let (server_name, tool_name) = name
            .split_once(SEPARATOR)
            .ok_or_else(|| format!("{name} is not an MCP tool name"))?;
        let server = self
            .servers()
            .into_iter()
            .find(|s| s.name == server_name)
            .ok_or_else(|| format!("no MCP server is called {server_name}"))?;
        let live = self.live(server_name).await.map_err(|e| e.to_string())?;
        let tool = live
            .tools
            .iter()
            .find(|t| t.name == tool_name)
            .ok_or_else(|| format!("MCP server {server_name} has no tool {tool_name}"))?;
        Ok(McpTool {
            hub: self.clone(),
            name: name.to_owned(),
            server: server_name.to_owned(),
            tool: tool_name.to_owned(),
            description: tool.description.as_deref().unwrap_or("").to_owned(),
            schema: Value::Object((*tool.input_schema).clone()),
            needs_approval: !server.trusted && !is_read_only(tool),
        })
    }

    /// Stops every running server (Miteos is closing).
    pub async fn shutdown(&self) {
        let names: Vec<String> = self.live.lock().await.keys().cloned().collect();
        for name in names {
            self.stop(&name).await;
        }
    }

    async fn slot(&self, name: &str) -> Slot {
        self.live
            .lock()
            .await
            .entry(name.to_owned())
            .or_default()
            .clone()
    }

    async fn stop(&self, name: &str) {
        let slot = self.slot(name).await;
        let live = slot.lock().await.take();
        if let Some(live) = live
            && let Ok(live) = Arc::try_unwrap(live)
        {
            let _ = live.client.cancel().await;
        }
        // A live connection still in use by a call is dropped (and its process killed) when
        // that call ends.
    }

    /// The running server `name`, started (or restarted, if it died) as needed.
    async fn live(&self, name: &str) -> Result<Arc<Live>> {
        let server = self
            .servers()
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| Error::NotFound(format!("no MCP server is called {name}")))?;
        let slot = self.slot(name).await;
        let mut guard = slot.lock().await;
        if let Some(live) = guard.as_ref()
            && !live.client.is_transport_closed()
        {
            return Ok(live.clone());
        }
        if guard.take().is_some() {
            tracing::warn!(server = %name, "MCP server stopped; restarting it");
        }
        let live = Arc::new(
            tokio::time::timeout(START_TIMEOUT, start(&server))
                .await
                .map_err(|_| {
                    Error::ToolServer(format!(
                        "MCP server {name} did not start within {} s",
                        START_TIMEOUT.as_secs()
                    ))
                })??,
        );
        tracing::info!(server = %name, tools = live.tools.len(), "MCP server started");
        *guard = Some(live.clone());
        Ok(live)
    }

    /// Calls a tool; when the server has died it is restarted and the call made once more.
    async fn call(&self, server: &str, tool: &str, args: Value) -> Result<String, ToolError> {
        let arguments = match args {
            Value::Object(map) => Some(map),
            Value::Null => None,
            other => {
                return Err(ToolError::InvalidArguments(format!(
                    "arguments must be an object, not {other}"
                )));
            }
        };
        let params = || {
            let mut p = CallToolRequestParams::new(tool.to_owned());
            p.arguments = arguments.clone();
            p
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let live = self
                .live(server)
                .await
                .map_err(|e| ToolError::Failed(e.to_string()))?;
            match tokio::time::timeout(CALL_TIMEOUT, live.client.call_tool(params())).await {
                Err(_) => {
                    return Err(ToolError::Failed(format!(
                        "{server}__{tool} did not answer within {} s",
                        CALL_TIMEOUT.as_secs()
                    )));
                }
                Ok(Ok(result)) => {
                    let text = result_text(&result.content, result.structured_content.as_ref());
                    return if result.is_error == Some(true) {
                        Err(ToolError::Failed(text))
                    } else {
                        Ok(text)
                    };
                }
                Ok(Err(e)) if attempt == 1 && live.client.is_transport_closed() => {
                    tracing::warn!(server, error = %e, "MCP server died during a call; restarting it");
                }
                Ok(Err(e)) => {
                    return Err(ToolError::Failed(format!("{server}__{tool} failed: {e}")));
                }
            }
        }
    }
}

fn parse_file(text: &str) -> std::result::Result<Vec<McpServer>, String> {
    let file: McpFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
    file.servers
        .into_iter()
        .map(|(name, e)| {
            let server = McpServer {
                name,
                command: e.command,
                args: e.args,
                env: e.env,
                url: e.url,
                trusted: e.trusted,
            };
            server.validate().map_err(|e| e.to_string())?;
            Ok(server)
        })
        .collect()
}

/// Connects to a server and lists its tools.
async fn start(server: &McpServer) -> Result<Live> {
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        Error::ToolServer(format!("MCP server {}: {what}: {e}", server.name))
    };
    let client: Client = match (&server.command, &server.url) {
        (Some(command), _) => {
            let mut cmd = tokio::process::Command::new(command);
            cmd.args(&server.args)
                .env_clear()
                .env(
                    "PATH",
                    std::env::var_os("PATH")
                        .unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into()),
                )
                .envs(&server.env)
                .kill_on_drop(true);
            if let Some(home) = std::env::var_os("HOME") {
                cmd.env("HOME", home);
            }
            let mut wrapped = process_wrap::tokio::CommandWrap::from(cmd);
            #[cfg(unix)]
            wrapped.wrap(process_wrap::tokio::ProcessGroup::leader());
            let (transport, _stderr) = rmcp::transport::TokioChildProcess::builder(wrapped)
                .stderr(std::process::Stdio::null())
                .spawn()
                .map_err(|e| failed(&format!("cannot run {command}"), &e))?;
            ().serve(transport)
                .await
                .map_err(|e| failed("the handshake failed", &e))?
        }
        (None, Some(url)) => {
            let transport = rmcp::transport::StreamableHttpClientTransport::from_uri(url.as_str());
            ().serve(transport)
                .await
                .map_err(|e| failed("the handshake failed", &e))?
        }
        (None, None) => return Err(failed("configuration", &"no command or url")),
    };
    let tools = client
        .list_all_tools()
        .await
        .map_err(|e| failed("listing its tools failed", &e))?;
    Ok(Live { client, tools })
}

fn is_read_only(tool: &rmcp::model::Tool) -> bool {
    tool.annotations
        .as_ref()
        .and_then(|a| a.read_only_hint)
        .unwrap_or(false)
}

fn tool_infos(server: &McpServer, tools: &[rmcp::model::Tool]) -> Vec<McpToolInfo> {
    tools
        .iter()
        .map(|t| McpToolInfo {
            name: format!("{}{SEPARATOR}{}", server.name, t.name),
            description: t.description.as_deref().unwrap_or("").to_owned(),
            read_only: is_read_only(t),
        })
        .collect()
}

/// The text of a tool result: its text blocks, a note for other kinds, or its structured content.
fn result_text(content: &[ContentBlock], structured: Option<&Value>) -> String {
    let mut parts = Vec::new();
    for block in content {
        match block {
            ContentBlock::Text(t) => parts.push(t.text.clone()),
            ContentBlock::Image(i) => parts.push(format!("[an image, {}]", i.mime_type)),
            ContentBlock::Audio(a) => parts.push(format!("[audio, {}]", a.mime_type)),
            other => {
                parts.push(serde_json::to_string(other).unwrap_or_else(|_| "[content]".into()))
            }
        }
    }
    if parts.is_empty()
        && let Some(v) = structured
    {
        parts.push(v.to_string());
    }
    truncate_chars(&parts.join("\n"), MAX_RESULT_CHARS)
}

/// One MCP tool, callable like a built-in one.
pub struct McpTool {
    hub: Arc<McpHub>,
    name: String,
    server: String,
    tool: String,
    description: String,
    schema: Value,
    needs_approval: bool,
}

#[async_trait]
impl Tool for McpTool {
    fn name(&self) -> &str {
        &self.name
    }
    fn description(&self) -> &str {
        &self.description
    }
    fn parameters(&self) -> Value {
        self.schema.clone()
    }
    async fn call(&self, args: Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolError> {
        if self.needs_approval {
            ctx.require_approval(&format!(
                "{} is a tool of the MCP server {}, which is not trusted, and it does not say it only reads",
                self.tool, self.server
            ))
            .await?;
        }
        let text = tokio::select! {
            _ = ctx.cancel.cancelled() => return Err(ToolError::Cancelled),
            r = self.hub.call(&self.server, &self.tool, args) => r?,
        };
        Ok(ToolOutput::text(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_config_format_is_read_and_checked() {
        let servers = parse_file(
            r#"{"mcpServers": {
                "everything": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-everything"]},
                "remote": {"url": "http://127.0.0.1:3001/mcp", "trusted": true}
            }}"#,
        )
        .unwrap();
        assert_eq!(servers.len(), 2);
        assert_eq!(servers[0].name, "everything");
        assert_eq!(servers[0].command.as_deref(), Some("npx"));
        assert!(servers[1].trusted);
        assert!(parse_file(r#"{"mcpServers": {"Bad Name": {"command": "x"}}}"#).is_err());
        assert!(
            parse_file(r#"{"mcpServers": {"both": {"command": "x", "url": "http://a"}}}"#).is_err()
        );
        assert!(parse_file(r#"{"mcpServers": {"none": {}}}"#).is_err());
        assert!(parse_file(r#"{"mcpServers": {"ftp": {"url": "ftp://a"}}}"#).is_err());
        assert_eq!(parse_file("{}").unwrap(), vec![]);
    }
}
