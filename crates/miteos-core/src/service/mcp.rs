//! MCP servers: what is configured and what each offers. Their environment values are secrets
//! (API keys): they are never sent back, only a hint of their end; a value sent back as that
//! hint keeps the value kept.

use super::Miteos;
use crate::error::{Error, Result};
use crate::tools::{McpServer, McpServerState};

impl Miteos {
    /// The configured MCP servers with their tools (starting those not running yet), or why one
    /// could not be started.
    pub async fn mcp_servers(&self) -> Result<Vec<McpServerState>> {
        Ok(hide_values(self.mcp()?.states().await))
    }

    /// The configured MCP servers, without starting any.
    pub fn mcp_server_configs(&self) -> Vec<McpServer> {
        self.inner
            .shared
            .tools
            .mcp()
            .map(|hub| hub.servers())
            .unwrap_or_default()
    }

    /// Replaces the MCP servers (written to `DATA_DIR/mcp.json`) and answers their states.
    pub async fn save_mcp_servers(
        &self,
        mut servers: Vec<McpServer>,
    ) -> Result<Vec<McpServerState>> {
        let hub = self.mcp()?;
        let kept = hub.servers();
        for server in &mut servers {
            for (key, value) in server.env.iter_mut() {
                if !value.starts_with(HIDDEN) {
                    continue;
                }
                let before = kept
                    .iter()
                    .find(|k| k.name == server.name)
                    .and_then(|k| k.env.get(key))
                    .filter(|before| hint(before) == *value);
                match before {
                    Some(before) => value.clone_from(before),
                    None => {
                        return Err(Error::InvalidInput(format!(
                            "MCP server {}: {key} was sent as its hint, and no such value is kept; type the value",
                            server.name
                        )));
                    }
                }
            }
        }
        hub.set_servers(servers).await?;
        Ok(hide_values(hub.states().await))
    }

    fn mcp(&self) -> Result<&std::sync::Arc<crate::tools::McpHub>> {
        self.inner
            .shared
            .tools
            .mcp()
            .ok_or_else(|| Error::Internal("this Miteos has no MCP hub".into()))
    }
}

/// How a hidden value starts.
const HIDDEN: &str = "••••";

/// What a secret is shown as: its last four characters when it is long enough that they give
/// little away, else nothing.
fn hint(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() >= 16 {
        format!(
            "{HIDDEN}{}",
            chars[chars.len() - 4..].iter().collect::<String>()
        )
    } else {
        HIDDEN.to_owned()
    }
}

fn hide_values(mut states: Vec<McpServerState>) -> Vec<McpServerState> {
    for state in &mut states {
        for value in state.server.env.values_mut() {
            *value = hint(value);
        }
    }
    states
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_secret_shows_only_its_end() {
        assert_eq!(super::hint("sk-live-0123456789abcdef"), "••••cdef");
        assert_eq!(super::hint("short"), "••••");
    }
}
