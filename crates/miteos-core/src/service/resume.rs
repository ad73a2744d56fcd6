//! Going on after a restart: the tasks a previous process left unfinished resume where they
//! stopped (see `Miteos::open`).

use super::Miteos;
use crate::domain::TaskStatus;
use crate::error::Result;
use crate::events::EventKind;

impl Miteos {
    /// Tasks a previous process left `pending` or `running` (it crashed, was killed or quit) go
    /// on where they stopped: complete subtasks keep their results and are not run again, the
    /// others start over, unanswered approvals expire and calls cut short are recorded as such.
    /// A task that cannot go on (its model is no longer configured) ends `failed`
    /// ("interrupted"), so history never shows a run that is not running.
    pub(super) async fn resume_interrupted_tasks(&self) -> Result<()> {
        for id in self.inner.shared.store.unfinished_task_ids().await? {
            self.resume_task(&id).await?;
        }
        Ok(())
    }

    /// Goes on with a task a stopped run (a restart, a worker that died) left unfinished:
    /// calls it cut short, asks its question again if it still applies, puts its unfinished
    /// subtasks back, and runs it from there.
    pub(super) async fn resume_task(&self, id: &str) -> Result<()> {
        let (store, journal) = (&self.inner.shared.store, &self.inner.shared.journal);
        crate::orchestrator::expire_pending(store, journal, id).await?;
        self.close_cut_calls(id).await?;
        store.set_pause(id, None).await?;
        let task = store.get_task(id).await?;
        let provider = match self.providers().provider(&task.model) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(task = %id, error = %e, "an interrupted task cannot go on");
                return self
                    .end_without_run(
                        id,
                        TaskStatus::Failed,
                        &format!("interrupted: Miteos stopped while the task was running, and it cannot go on: {e}"),
                    )
                    .await;
            }
        };
        let reset = store.reset_unfinished_subtasks(id).await?;
        tracing::info!(task = %id, again = reset.len(), "resuming a task a restart interrupted");
        self.start(&task, provider, crate::orchestrator::RunStart::Resume)
            .await
    }

    /// Journals the end of every tool call the stopped run started and never finished, so the
    /// record shows it was cut short.
    async fn close_cut_calls(&self, task_id: &str) -> Result<()> {
        let mut open: Vec<(String, String, String)> = Vec::new();
        for event in self.inner.shared.journal.read_all(task_id).await? {
            match event.kind {
                EventKind::ToolCallStarted {
                    subtask_id,
                    call_id,
                    tool,
                    ..
                } => open.push((subtask_id, call_id, tool)),
                EventKind::ToolCallFinished {
                    subtask_id,
                    call_id,
                    ..
                } => {
                    if let Some(i) = open
                        .iter()
                        .position(|(s, c, _)| *s == subtask_id && *c == call_id)
                    {
                        open.remove(i);
                    }
                }
                _ => {}
            }
        }
        for (subtask_id, call_id, tool) in open {
            self.inner
                .shared
                .journal
                .append(
                    task_id,
                    EventKind::ToolCallFinished {
                        subtask_id,
                        call_id,
                        tool,
                        ok: false,
                        result: "interrupted: Miteos stopped during this call".into(),
                    },
                )
                .await?;
        }
        Ok(())
    }
}
