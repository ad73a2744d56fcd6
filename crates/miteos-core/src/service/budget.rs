//! Budgets through the service: the default budget (a setting), and the user's answer to a task
//! paused on its budget — raise the limit, or stop the task keeping what it made.

use super::Miteos;
use crate::budget::{Budget, BudgetChange, BudgetDecision};
use crate::domain::Task;
use crate::error::{Error, Result};
use crate::events::EventKind;

pub(super) const BUDGET_KEY: &str = "budget";

impl Miteos {
    /// The budget new tasks get unless they change it.
    pub async fn default_budget(&self) -> Result<Budget> {
        Ok(self
            .inner
            .shared
            .store
            .setting::<Budget>(BUDGET_KEY)
            .await?
            .unwrap_or_default())
    }

    /// Answers a running task's budget. `Raise` applies `change` to the task's budget, or (with no
    /// change) doubles the limit the task is paused on; it may also be given while the task is not
    /// paused. `Stop` ends a paused task `cancelled`, keeping its deliverables.
    pub async fn decide_budget(
        &self,
        caller: &super::Caller,
        task_id: &str,
        decision: BudgetDecision,
        change: Option<BudgetChange>,
    ) -> Result<Task> {
        let task = self.get_task(task_id).await?;
        if task.status.is_finished() {
            return Err(Error::Conflict(format!(
                "task {task_id} already ended {}",
                task.status.as_str()
            )));
        }
        let Some(handle) = self.lock_running().get(task_id).cloned() else {
            // It runs in another worker: the budget it holds is answered there.
            let steer = super::forward::Steer::DecideBudget { decision, change };
            if self.forward(task_id, steer).await? {
                return self.get_task(task_id).await;
            }
            return Err(Error::Conflict(format!(
                "task {task_id} is not running in this Miteos"
            )));
        };
        {
            // Under the gate (no end slips in before the event) and the task budget's lock (no question is
            // asked halfway through the answer).
            let _gate = handle.steering.gate.read().await;
            if self
                .inner
                .shared
                .store
                .get_task(task_id)
                .await?
                .status
                .is_finished()
            {
                return Err(Error::Conflict(format!("task {task_id} ended meanwhile")));
            }
            let mut held = handle.steering.budget.lock().await;
            let pause = held.pause().cloned();
            let budget = match (decision, &change, &pause) {
                (BudgetDecision::Raise, Some(change), _) => held.budget().with(change)?,
                (BudgetDecision::Raise, None, Some(pause)) => held.budget().raised(pause),
                (BudgetDecision::Raise, None, None) => {
                    return Err(Error::InvalidInput(format!(
                        "task {task_id} is not paused on its budget: say which limits to raise"
                    )));
                }
                (BudgetDecision::Stop, _, None) => {
                    return Err(Error::Conflict(format!(
                        "task {task_id} is not paused on its budget; to end it, cancel it"
                    )));
                }
                (BudgetDecision::Stop, _, Some(_)) => held.budget(),
            };
            if !caller.is_admin()
                && let Some(why) = budget.beyond(&self.default_budget().await?)
            {
                return Err(Error::Forbidden(format!("{why}; an admin may raise it")));
            }
            let store = &self.inner.shared.store;
            store.set_budget(task_id, &budget).await?;
            store.set_pause(task_id, None).await?;
            self.inner
                .shared
                .journal
                .append(task_id, EventKind::BudgetDecided { decision, budget })
                .await?;
            match (decision, pause) {
                (BudgetDecision::Stop, Some(pause)) => held.stop(format!(
                    "stopped by the user at its budget: {}",
                    pause.message
                )),
                _ => held.set_budget(budget),
            }
        }
        if decision == BudgetDecision::Stop {
            let mut done = handle.done;
            let _ = tokio::time::timeout(super::CANCEL_WAIT, done.wait_for(|d| *d)).await;
        }
        self.get_task(task_id).await
    }
}
