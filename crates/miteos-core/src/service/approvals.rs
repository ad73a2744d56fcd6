//! Approving or denying the risky tool calls a running task waits on.

use chrono::Utc;

use super::Miteos;
use crate::domain::{Approval, ApprovalStatus};
use crate::error::{Error, Result};
use crate::events::EventKind;

impl Miteos {
    /// A task's approval requests, oldest first, decided ones included.
    pub async fn approvals(&self, task_id: &str) -> Result<Vec<Approval>> {
        self.get_task(task_id).await?;
        self.inner.shared.store.approvals_of(task_id).await
    }

    /// Approves or denies a pending request; the waiting call runs, or hears it was denied.
    /// `Conflict` when it was already decided or its task is no longer running.
    pub async fn decide_approval(
        &self,
        caller: &super::Caller,
        task_id: &str,
        approval_id: &str,
        approve: bool,
    ) -> Result<Approval> {
        self.get_task(task_id).await?;
        let Some(current) = self
            .inner
            .shared
            .store
            .approval(task_id, approval_id)
            .await?
        else {
            return Err(Error::NotFound(format!(
                "task {task_id} has no approval {approval_id}"
            )));
        };
        // A command runs on the machine that serves the task: on a team's server only an admin
        // lets one run (a member may deny it).
        if approve && current.tool == "run_command" && !caller.is_admin() {
            return Err(Error::Forbidden(
                "on a team's server only an admin approves a command: it would run on the server"
                    .into(),
            ));
        }
        if current.status != ApprovalStatus::Pending {
            return Err(Error::Conflict(format!(
                "approval {approval_id} is already {}",
                current.status.as_str()
            )));
        }
        let Some(steering) = self.approval_steering(task_id, approval_id) else {
            // The agent that asked waits in another worker: it decides there.
            let steer = super::forward::Steer::DecideApproval {
                approval_id: approval_id.to_owned(),
                approve,
            };
            if self.forward(task_id, steer).await? {
                return self
                    .inner
                    .shared
                    .store
                    .approval(task_id, approval_id)
                    .await?
                    .ok_or_else(|| {
                        Error::NotFound(format!("task {task_id} has no approval {approval_id}"))
                    });
            }
            return Err(Error::Conflict(format!(
                "task {task_id} is no longer running"
            )));
        };
        let status = if approve {
            ApprovalStatus::Approved
        } else {
            ApprovalStatus::Denied
        };
        // Decided under the gate, so a cancel cannot slip between the decision and its event.
        let _gate = steering.gate.read().await;
        let Some(decided) = self
            .inner
            .shared
            .store
            .decide_approval(task_id, approval_id, status, Utc::now())
            .await?
        else {
            return Err(Error::Conflict(format!(
                "approval {approval_id} was decided meanwhile"
            )));
        };
        self.inner
            .shared
            .journal
            .append(
                task_id,
                EventKind::ApprovalDecided {
                    subtask_id: decided.subtask_id.clone(),
                    approval_id: decided.id.clone(),
                    status,
                },
            )
            .await?;
        steering.approvals.answer(approval_id, approve);
        Ok(decided)
    }
}
