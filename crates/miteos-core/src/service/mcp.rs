//! MCP servers: what is configured and what each offers.

use super::Miteos;
use crate::error::{Error, Result};
use crate::tools::{McpServer, McpServerState};

impl Miteos {
    /// The configured MCP servers with their tools (starting those not running yet), or why one
    /// could not be started.
    pub async fn mcp_servers(&self) -> Result<Vec<McpServerState>> {
        Ok(self.mcp()?.states().await)
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
    pub async fn save_mcp_servers(&self, servers: Vec<McpServer>) -> Result<Vec<McpServerState>> {
        let hub = self.mcp()?;
        hub.set_servers(servers).await?;
        Ok(hub.states().await)
    }

    fn mcp(&self) -> Result<&std::sync::Arc<crate::tools::McpHub>> {
        self.inner
            .shared
            .tools
            .mcp()
            .ok_or_else(|| Error::Internal("this Miteos has no MCP hub".into()))
    }
}
