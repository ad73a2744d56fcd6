//! MCP servers: what is configured, what each offers, and stopping them all when Miteos closes.

use super::settings::OnQuit;
use super::{CANCEL_WAIT, Miteos};
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

    /// Quits cleanly; call before the process exits. Running tasks are stopped — every agent,
    /// model stream and tool process — and either stay `running` to resume on the next start
    /// (the `on_quit` setting's default) or end `cancelled`. Then the MCP servers stop.
    pub async fn shutdown(&self) {
        let running: Vec<String> = self.lock_running().keys().cloned().collect();
        if !running.is_empty() {
            let on_quit = self.on_quit().await.unwrap_or_default();
            tracing::info!(
                tasks = running.len(),
                ?on_quit,
                "quitting with tasks running"
            );
            match on_quit {
                OnQuit::Cancel => {
                    futures::future::join_all(running.iter().map(|id| self.cancel_task(id))).await;
                }
                OnQuit::Resume => {
                    self.inner
                        .halt
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                    let handles: Vec<_> = self.lock_running().values().cloned().collect();
                    for handle in &handles {
                        handle.cancel.cancel();
                    }
                    for handle in handles {
                        let mut done = handle.done;
                        let _ = tokio::time::timeout(CANCEL_WAIT, done.wait_for(|d| *d)).await;
                    }
                }
            }
        }
        if let Some(hub) = self.inner.tools.mcp() {
            hub.shutdown().await;
        }
    }

    fn mcp(&self) -> Result<&std::sync::Arc<crate::tools::McpHub>> {
        self.inner
            .tools
            .mcp()
            .ok_or_else(|| Error::Internal("this Miteos has no MCP hub".into()))
    }
}
