//! Approvals: a risky tool call pauses its subtask until the user approves or denies it.
//!
//! The call's [`CallApprover`] stores a pending [`Approval`], journals `approval_requested`, and
//! waits on the task's [`PendingApprovals`]. The service decides (store first, then
//! `approval_decided`, then the pending approval wakes the call), so the journal always shows the decision
//! before the call's result. When the run ends first, [`expire_pending`] expires the request.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::Utc;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::RunCtx;
use crate::domain::{Approval, ApprovalStatus};
use crate::events::EventKind;
use crate::ids::new_approval_id;
use crate::providers::ToolCall;
use crate::store::{Journal, Store};
use crate::tools::{Approver, ToolError};

/// The approvals a task's calls are waiting on.
#[derive(Default)]
pub struct PendingApprovals {
    waiting: Mutex<HashMap<String, oneshot::Sender<bool>>>,
}

impl PendingApprovals {
    /// Wakes the call waiting on `id`; false when none is.
    pub fn answer(&self, id: &str, approved: bool) -> bool {
        let waiter = self.lock().remove(id);
        waiter.is_some_and(|tx| tx.send(approved).is_ok())
    }

    /// Whether a call waits on `id` here.
    pub fn is_waiting(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }

    fn wait(&self, id: &str) -> oneshot::Receiver<bool> {
        let (tx, rx) = oneshot::channel();
        self.lock().insert(id.to_owned(), tx);
        rx
    }

    fn forget(&self, id: &str) {
        self.lock().remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<bool>>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Asks about one tool call of one subtask.
pub(crate) struct CallApprover {
    pub ctx: RunCtx,
    pub subtask_id: String,
    pub call: ToolCall,
    pub cancel: CancellationToken,
}

#[async_trait]
impl Approver for CallApprover {
    async fn approve(&self, reason: &str) -> Result<bool, ToolError> {
        let failed = |e: crate::Error| ToolError::Failed(format!("asking for approval: {e}"));
        let ctx = &self.ctx;
        let approval = Approval {
            id: new_approval_id(),
            task_id: ctx.task_id.clone(),
            subtask_id: self.subtask_id.clone(),
            call_id: self.call.id.clone(),
            tool: self.call.name.clone(),
            arguments: self.call.arguments.clone(),
            reason: reason.to_owned(),
            status: ApprovalStatus::Pending,
            created_at: Utc::now(),
            decided_at: None,
        };
        // Wait before announcing: an answer that comes at once must find the waiter.
        let decision = ctx.steering.approvals.wait(&approval.id);
        ctx.shared
            .store
            .insert_approval(&approval)
            .await
            .map_err(failed)?;
        ctx.shared
            .journal
            .append(
                &ctx.task_id,
                EventKind::ApprovalRequested {
                    approval: approval.clone(),
                },
            )
            .await
            .map_err(failed)?;
        tokio::select! {
            answer = decision => answer.map_err(|_| ToolError::Failed("the approval was dropped".into())),
            // The run's end expires the request.
            _ = self.cancel.cancelled() => {
                ctx.steering.approvals.forget(&approval.id);
                Err(ToolError::Cancelled)
            }
        }
    }
}

/// Expires the task's unanswered approvals (its run is ending) and says so in the journal.
pub(crate) async fn expire_pending(
    store: &Store,
    journal: &Journal,
    task_id: &str,
) -> crate::Result<()> {
    let pending = store.approvals_of(task_id).await?;
    for approval in pending
        .into_iter()
        .filter(|a| a.status == ApprovalStatus::Pending)
    {
        let expired = store
            .decide_approval(task_id, &approval.id, ApprovalStatus::Expired, Utc::now())
            .await?;
        if expired.is_some() {
            journal
                .append(
                    task_id,
                    EventKind::ApprovalDecided {
                        subtask_id: approval.subtask_id,
                        approval_id: approval.id,
                        status: ApprovalStatus::Expired,
                    },
                )
                .await?;
        }
    }
    Ok(())
}
