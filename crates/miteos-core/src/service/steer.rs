//! The user steers a task's plan: approves or edits it under review, edits it while it runs,
//! retries or reruns one subtask, cancels one subtask, and follows up on a finished task. Every
//! change is a plan revision by the user (see `orchestrator::revision`); a finished task that is
//! changed reopens and runs what the revision left to do, in the same folder and history.

use serde::Deserialize;
use ts_rs::TS;

use super::forward::Steer;
use super::{Miteos, check_task_id, checked_prompt};
use crate::domain::Task;
use crate::domain::plan::{FollowUp, PlanEdit, RevisedBy, SubtaskChange};
use crate::error::{Error, Result};
use crate::events::EventKind;
use crate::orchestrator::{Reviser, RunStart};

/// A subtask's instructions changed for its retry or rerun; fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubtaskEdit {
    #[serde(default)]
    #[ts(optional = nullable)]
    pub title: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub description: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub agent_type: Option<String>,
}

/// A follow-up message, as `POST /tasks/{id}/messages` takes it.
#[derive(Debug, Clone, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewMessage {
    pub message: String,
}

impl Miteos {
    /// The user's revisions, checked against these agent types.
    fn reviser<'a>(&'a self, agent_types: &'a [crate::domain::AgentType]) -> Reviser<'a> {
        Reviser {
            shared: &self.inner.shared,
            agent_types,
            max_subtasks: self.limits().max_subtasks,
        }
    }

    /// Approves the plan under review (with `edit` applied when it changes anything), or applies
    /// `edit` to a running task's plan, or to a finished task's, which then runs again.
    pub async fn edit_plan(&self, task_id: &str, edit: PlanEdit) -> Result<Task> {
        check_task_id(task_id)?;
        let _one = self.inner.steering.lock().await;
        let task = self.get_task(task_id).await?;
        if task.awaiting_review {
            if !edit.is_empty() {
                self.revise(task_id, "edited in review", &edit).await?;
            }
            let store = &self.inner.shared.store;
            store.set_awaiting_review(task_id, false).await?;
            self.inner
                .shared
                .journal
                .append(
                    task_id,
                    EventKind::PlanApproved {
                        edited: !edit.is_empty(),
                    },
                )
                .await?;
            self.nudge(task_id);
            return self.get_task(task_id).await;
        }
        if edit.is_empty() {
            return Err(Error::InvalidInput(
                "the plan is not waiting for review, and the edit changes nothing".into(),
            ));
        }
        self.change(&task, "edited by the user", edit).await
    }

    /// Runs a failed or cancelled subtask again, or reruns a finished one, with `changes` to its
    /// instructions; what depends on it runs again after it, the rest is kept.
    pub async fn retry_subtask(
        &self,
        task_id: &str,
        subtask_id: &str,
        changes: SubtaskEdit,
    ) -> Result<Task> {
        check_task_id(task_id)?;
        let _one = self.inner.steering.lock().await;
        let task = self.get_task(task_id).await?;
        let Some(st) = task.subtasks.iter().find(|s| s.id == subtask_id) else {
            return Err(Error::NotFound(format!(
                "task {task_id} has no subtask {subtask_id}"
            )));
        };
        if task.awaiting_review {
            return Err(Error::Conflict(
                "the plan waits for review: approve or edit it first".into(),
            ));
        }
        let changed = changes.title.is_some()
            || changes.description.is_some()
            || changes.agent_type.is_some();
        let mut edit = PlanEdit::default();
        // Which way it runs again is the plan rule book's: by its state.
        let verb = match crate::domain::plan_rules::runs_again(subtask_id, st.status) {
            Ok(true) => {
                edit.retry.push(subtask_id.to_owned());
                "retried"
            }
            Ok(false) => {
                edit.rerun.push(subtask_id.to_owned());
                "rerun"
            }
            Err(problem) => return Err(Error::Conflict(problem.message)),
        };
        if changed {
            edit.change.push(SubtaskChange {
                id: subtask_id.to_owned(),
                title: changes.title,
                description: changes.description,
                agent_type: changes.agent_type,
                depends_on: None,
            });
        }
        let how = if changed {
            " with edited instructions"
        } else {
            ""
        };
        self.change(
            &task,
            &format!("{subtask_id} {verb} by the user{how}"),
            edit,
        )
        .await
    }

    /// Cancels one pending or running subtask of a running task; the task goes on without it
    /// (what depends on it is cancelled too).
    pub async fn cancel_subtask(&self, task_id: &str, subtask_id: &str) -> Result<Task> {
        check_task_id(task_id)?;
        let task = self.get_task(task_id).await?;
        let Some(st) = task.subtasks.iter().find(|s| s.id == subtask_id) else {
            return Err(Error::NotFound(format!(
                "task {task_id} has no subtask {subtask_id}"
            )));
        };
        if st.status.is_finished() {
            return Err(Error::Conflict(format!(
                "{subtask_id} already ended {}",
                st.status.as_str()
            )));
        }
        let handle = self.lock_running().get(task_id).cloned();
        let steer = Steer::CancelSubtask {
            subtask_id: subtask_id.to_owned(),
        };
        match handle {
            Some(handle) if !task.status.is_finished() => {
                handle.steering.plan.cancel_subtask(subtask_id);
                Ok(task)
            }
            None if !task.status.is_finished() && self.forward(task_id, steer).await? => {
                self.get_task(task_id).await
            }
            _ => Err(Error::Conflict(format!(
                "task {task_id} is not running; there is nothing to cancel"
            ))),
        }
    }

    /// Takes a follow-up message on a finished task: it reopens, a revision plans the message on
    /// top of what is done (same folder, same history, costs added), and it runs.
    pub async fn follow_up(&self, task_id: &str, message: &str) -> Result<Task> {
        check_task_id(task_id)?;
        let message = checked_prompt(message)?;
        let _one = self.inner.steering.lock().await;
        let task = self.get_task(task_id).await?;
        if !task.status.is_finished() {
            return Err(Error::Conflict(format!(
                "task {task_id} is {}; follow up once it has ended",
                task.status.as_str()
            )));
        }
        let follow_up = FollowUp {
            id: crate::ids::new_follow_up_id(),
            message: message.clone(),
            revision: None,
            at: chrono::Utc::now(),
        };
        self.reopen(&task, RevisedBy::FollowUp, &message, || async {
            self.inner
                .shared
                .store
                .insert_follow_up(task_id, &follow_up)
                .await?;
            self.inner
                .shared
                .journal
                .append(
                    task_id,
                    EventKind::FollowUpReceived {
                        follow_up: follow_up.clone(),
                    },
                )
                .await?;
            Ok(())
        })
        .await
    }

    /// Applies the user's `edit` to a running task (which goes on with it) or a finished one
    /// (which reopens).
    async fn change(&self, task: &Task, reason: &str, edit: PlanEdit) -> Result<Task> {
        // On a team's database an unfinished task runs, here or in another worker.
        let running = self.lock_running().contains_key(&task.id) || self.shares_database();
        if running && !task.status.is_finished() {
            self.revise(&task.id, reason, &edit).await?;
            self.nudge(&task.id);
            return self.get_task(&task.id).await;
        }
        let agent_types = self.inner.shared.store.agent_types().await?;
        let problems = self.reviser(&agent_types).problems(&task.id, &edit).await?;
        if !problems.is_empty() {
            return Err(Error::InvalidPlan(problems));
        }
        self.reopen(task, RevisedBy::User, reason, || async {
            self.revise(&task.id, reason, &edit).await
        })
        .await
    }

    /// A user revision, or the problems that stop it as one invalid-input error.
    async fn revise(&self, task_id: &str, reason: &str, edit: &PlanEdit) -> Result<()> {
        let agent_types = self.inner.shared.store.agent_types().await?;
        match self
            .reviser(&agent_types)
            .revise(task_id, RevisedBy::User, reason, edit, None)
            .await?
        {
            Ok(_) => Ok(()),
            Err(problems) => Err(Error::InvalidPlan(problems)),
        }
    }

    /// Wakes the task's run to read its plan again, wherever it runs.
    fn nudge(&self, task_id: &str) {
        if !self.nudge_here(task_id) && self.shares_database() {
            let (this, id) = (self.clone(), task_id.to_owned());
            tokio::spawn(async move {
                if let Err(e) = this.forward(&id, Steer::Nudge).await {
                    tracing::warn!(task = %id, error = %e, "telling the worker running it");
                }
            });
        }
    }

    /// Wakes the task's run if it runs here; false when it does not.
    pub(super) fn nudge_here(&self, task_id: &str) -> bool {
        match self.lock_running().get(task_id) {
            Some(handle) => {
                handle.steering.plan.changed.notify_one();
                true
            }
            None => false,
        }
    }

    /// Runs a finished task again: `running`, `task_reopened` journaled, then `then` (what
    /// changes its plan), then a run that goes on with the plan as it is.
    async fn reopen<F, Fut>(
        &self,
        task: &Task,
        by: RevisedBy,
        reason: &str,
        then: F,
    ) -> Result<Task>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<()>>,
    {
        if self.is_closing() {
            return Err(Error::Conflict(
                "Miteos is shutting down; try again once it is back".into(),
            ));
        }
        // A run that just ended may still be leaving.
        let handle = self.lock_running().get(&task.id).cloned();
        if let Some(handle) = handle {
            let mut done = handle.done;
            let _ = done.wait_for(|d| *d).await;
        }
        let provider = self.providers().provider(&task.model)?;
        let rerun = self.inner.shared.store.reopen_task(&task.id).await?;
        self.inner
            .shared
            .journal
            .append(
                &task.id,
                EventKind::TaskReopened {
                    by,
                    reason: reason.to_owned(),
                    rerun,
                },
            )
            .await?;
        if let Err(e) = then().await {
            // Nothing changed the plan: the task ends as it was.
            crate::orchestrator::record_end(
                &self.inner.shared.store,
                &self.inner.shared.journal,
                &task.id,
                task.status,
                task.error.clone(),
            )
            .await?;
            return Err(e);
        }
        let task = self.get_task(&task.id).await?;
        self.start(&task, provider, RunStart::Reopen).await?;
        self.get_task(&task.id).await
    }
}
