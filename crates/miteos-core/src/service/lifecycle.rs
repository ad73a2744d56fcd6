//! Closing Miteos in one ordered sequence, whoever asks (`miteos serve` on SIGTERM, the app when
//! its window closes, a CLI command when it is done):
//!
//! 1. [`Miteos::begin_shutdown`]: the closing token is cancelled. Servers started with
//!    [`Miteos::closed`] as their shutdown future stop accepting, and every live event stream
//!    ([`Miteos::task_events`]: SSE responses, the app's channels) ends, so no open connection
//!    holds the process up.
//! 2. The runs stop — every agent, model stream and tool process — and either stay `running` to
//!    resume on the next start or end `cancelled` (the `on_quit` setting).
//! 3. The MCP servers stop.
//! 4. Background work (skill validations) is waited for, briefly: it watches the same token.
//!
//! Nothing here waits without a bound: a quit is never held up by a client or a stuck task.

use std::future::Future;
use std::time::Duration;

use super::settings::OnQuit;
use super::{CANCEL_WAIT, Miteos};

/// How long the last step waits for background work after the runs stopped.
const BACKGROUND_WAIT: Duration = Duration::from_secs(5);

impl Miteos {
    /// Completes once shutdown has begun: the shutdown future for servers that live as long as
    /// this Miteos (the API, the staging server).
    pub fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        self.inner.closing.clone().cancelled_owned()
    }

    /// True once shutdown has begun: nothing new should start.
    pub fn is_closing(&self) -> bool {
        self.inner.closing.is_cancelled()
    }

    /// The first step of the sequence alone: servers stop accepting and live event streams end.
    /// Idempotent; [`Miteos::shutdown`] begins with it too.
    pub fn begin_shutdown(&self) {
        if !self.inner.closing.is_cancelled() {
            tracing::info!("shutting down: live streams end, servers stop accepting");
            self.inner.closing.cancel();
        }
    }

    /// Quits cleanly; call before the process exits. Runs the whole sequence (see the module's
    /// documentation). Safe to call more than once.
    pub async fn shutdown(&self) {
        self.begin_shutdown();
        self.stop_runs().await;
        if let Some(hub) = self.inner.shared.tools.mcp() {
            hub.shutdown().await;
        }
        self.inner.background.close();
        if tokio::time::timeout(BACKGROUND_WAIT, self.inner.background.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                left = self.inner.background.len(),
                "background work still running at exit"
            );
        }
    }

    /// Stops every run, per the `on_quit` setting: halted to resume on the next start (the
    /// default), or cancelled like the Cancel button does.
    async fn stop_runs(&self) {
        // Subtasks run here for the team's tasks go back to the queue as their agents stop.
        self.stop_claimed();
        let running: Vec<String> = self.lock_running().keys().cloned().collect();
        if running.is_empty() {
            return;
        }
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
                    .shared
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

    /// Runs `work` in the background, tracked so that shutdown waits for it (briefly).
    pub(crate) fn spawn_background<F>(&self, work: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.inner.background.spawn(work);
    }
}
