//! Task runs: starting one (its context, its cancel token, its entry among the running), waiting
//! for it, and cancelling it.

use std::sync::Arc;

use tokio::sync::{RwLock, watch};
use tokio_util::sync::CancellationToken;

use super::{CANCEL_WAIT, Miteos, RunHandle};

use crate::domain::{Task, TaskStatus};
use crate::error::{Error, Result};
use crate::events::EventKind;
use crate::orchestrator::{
    Limits, PendingApprovals, PlanSteering, RunCtx, RunStart, Steering, TaskBudget, run_task,
};

impl Miteos {
    pub(super) async fn start(
        &self,
        task: &Task,
        provider: Arc<dyn crate::providers::Provider>,
        start: RunStart,
    ) -> Result<()> {
        let cancel = CancellationToken::new();
        let ctx = self.run_ctx(task, provider, start, &cancel).await?;
        self.hold_lease(&task.id).await?;
        self.get_task_files(&task.id).await?;
        let (done_tx, done_rx) = watch::channel(false);
        self.keep_lease(task.id.clone(), cancel.clone(), done_rx.clone());
        self.lock_running().insert(
            task.id.clone(),
            RunHandle {
                cancel: cancel.clone(),
                steering: ctx.steering.clone(),
                done: done_rx,
            },
        );
        let this = self.clone();
        let id = task.id.clone();
        self.spawn_background(async move {
            run_task(ctx, cancel).await;
            this.lock_running().remove(&id);
            this.release_lease(&id).await;
            let _ = done_tx.send(true);
            if this.inner.compile_in_background && !this.is_closing() {
                match this.compile_by_itself(id.clone()).await {
                    Ok(Some(skill)) => {
                        tracing::info!(skill = %skill.name, status = skill.status.as_str(), "compiled a skill by itself")
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(task = %id, error = %e, "compiling a skill by itself"),
                }
            }
        });
        Ok(())
    }

    /// The context a run of `task` gets here: what this Miteos is configured with now, and
    /// what the task chose (its budget, its skill); `cancel` stops it (and its budget's stops).
    pub(super) async fn run_ctx(
        &self,
        task: &Task,
        provider: Arc<dyn crate::providers::Provider>,
        start: RunStart,
        cancel: &CancellationToken,
    ) -> Result<RunCtx> {
        let inner = &self.inner;
        let providers = self.providers();
        let search = inner
            .search
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let plan = self.plan_settings().await?;
        let budget = match task.budget {
            Some(budget) => budget,
            None => self.default_budget().await?,
        };
        // The skill the task runs from, as it is now, with the prompt's parameters.
        let choice = inner.shared.store.task_skill(&task.id).await?;
        let skill = match &choice.skill_id {
            Some(id) => inner.shared.store.skill(id).await?.and_then(|skill| {
                let matched =
                    (choice.matched.clone()).or_else(|| skill.pattern_match(&task.prompt))?;
                Some(Arc::new(crate::skills::SkillRun { skill, matched }))
            }),
            None => None,
        };
        Ok(RunCtx {
            shared: inner.shared.clone(),
            steering: Steering {
                gate: Arc::new(RwLock::new(())),
                approvals: Arc::new(PendingApprovals::default()),
                budget: Arc::new(TaskBudget::new(budget, cancel.clone())),
                plan: Arc::new(PlanSteering::default()),
            },
            retry: providers.retry_policy(),
            providers,
            search,
            shell_allow: Arc::new(self.shell_allow().await?),
            web: self.public_web().await?,
            secrets: Arc::new(self.known_secrets().await),
            limits: Limits {
                max_revisions: plan.max_revisions,
                ..self.limits()
            },
            task_id: task.id.clone(),
            prompt: task.prompt.clone(),
            owner: task.owner.clone(),
            task_dir: self.task_dir(&task.id),
            provider,
            agent_types: Arc::new(inner.shared.store.agent_types().await?),
            start,
            plan_review: plan.review,
            skill,
            use_skills: choice.use_skills,
            claimed: None,
        })
    }

    /// Stops every agent of the task and waits (briefly) until the task is `cancelled`.
    pub async fn cancel_task(&self, id: &str) -> Result<Task> {
        let task = self.get_task(id).await?;
        if task.status.is_finished() {
            return Err(already_ended(id, task.status));
        }
        let handle = self.lock_running().get(id).cloned();
        match handle {
            Some(handle) => {
                {
                    let _gate = handle.steering.gate.write().await;
                    let now = self.inner.shared.store.get_task(id).await?;
                    if now.status.is_finished() {
                        return Err(already_ended(id, now.status));
                    }
                    if !handle.cancel.is_cancelled() {
                        handle.cancel.cancel();
                        self.inner
                            .shared
                            .journal
                            .append(id, EventKind::CancelRequested)
                            .await?;
                    }
                }
                let mut done = handle.done;
                let _ = tokio::time::timeout(CANCEL_WAIT, done.wait_for(|d| *d)).await;
            }
            None => {
                if !self.cancelled_elsewhere(id).await? {
                    self.end_without_run(id, TaskStatus::Cancelled, "cancelled by the user")
                        .await?
                }
            }
        }
        self.get_task(id).await
    }

    /// Waits until the task reaches a final state.
    pub async fn wait(&self, id: &str) -> Result<Task> {
        let handle = self.lock_running().get(id).cloned();
        if let Some(handle) = handle {
            let mut done = handle.done;
            let _ = done.wait_for(|d| *d).await;
        }
        self.get_task(id).await
    }

    pub(super) async fn end_without_run(
        &self,
        id: &str,
        status: TaskStatus,
        reason: &str,
    ) -> Result<()> {
        crate::orchestrator::record_end(
            &self.inner.shared.store,
            &self.inner.shared.journal,
            id,
            status,
            Some(reason.to_owned()),
        )
        .await
    }
}

fn already_ended(id: &str, status: TaskStatus) -> Error {
    Error::Conflict(format!(
        "task {id} already ended {}; there is nothing to cancel",
        status.as_str()
    ))
}
