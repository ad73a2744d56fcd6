//! Steering a task another process runs, on a team's database: approving its plan, changing
//! it, answering a tool call's approval or its budget question, cancelling one of its subtasks. What the database holds
//! (the plan, the approval's row) any process writes; what lives in the running process (the
//! run waiting for its plan, an agent waiting for an answer, a subtask's cancel token) is reached
//! through a signal that the process running the task acts on, answering on another signal.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Miteos;
use crate::error::{Error, Result};
use miteos_store::{STEER_CHANNEL, STEER_DONE_CHANNEL};

/// How long a forwarded request waits for the process running the task to answer.
const ANSWER_WAIT: Duration = Duration::from_secs(5);

/// What the process running a task is asked to do.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(super) enum Steer {
    /// Read the plan again (it was approved, edited or revised elsewhere); nothing answers.
    Nudge,
    CancelSubtask {
        subtask_id: String,
    },
    DecideApproval {
        approval_id: String,
        approve: bool,
    },
    DecideBudget {
        decision: crate::budget::BudgetDecision,
        change: Option<crate::budget::BudgetChange>,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct Request {
    id: String,
    task_id: String,
    steer: Steer,
}

#[derive(Debug, Serialize, Deserialize)]
struct Answer {
    id: String,
    /// The error's code and message when it failed there.
    error: Option<(String, String)>,
}

impl Miteos {
    /// Asks the process running the task to `steer` it there. `Ok(true)`: it did; `Ok(false)`:
    /// no process took it up (none runs the task, or the database is not shared); the error it
    /// met otherwise.
    pub(super) async fn forward(&self, task_id: &str, steer: Steer) -> Result<bool> {
        if !self.shares_database() {
            return Ok(false);
        }
        let store = &self.inner.shared.store;
        let nudge = steer == Steer::Nudge;
        let mut answers = match nudge {
            true => None,
            false => store.listen(&[STEER_DONE_CHANNEL]).await?,
        };
        let request = Request {
            id: crate::ids::new_worker_id(),
            task_id: task_id.to_owned(),
            steer,
        };
        let payload = serde_json::to_string(&request)
            .map_err(|e| Error::Internal(format!("encoding a steering request: {e}")))?;
        store.signal(STEER_CHANNEL, &payload).await?;
        let Some(answers) = answers.as_mut() else {
            return Ok(true);
        };
        let answered = tokio::time::timeout(ANSWER_WAIT, async {
            while let Some(signal) = answers.recv().await {
                match serde_json::from_str::<Answer>(&signal.payload) {
                    Ok(answer) if answer.id == request.id => return Some(answer),
                    _ => continue,
                }
            }
            None
        })
        .await;
        match answered {
            Ok(Some(Answer { error: None, .. })) => Ok(true),
            Ok(Some(Answer {
                error: Some((code, message)),
                ..
            })) => Err(Error::with_code(&code, message)),
            Ok(None) | Err(_) => Ok(false),
        }
    }

    /// Acts on a steering request from another process when the task runs here.
    pub(super) async fn steer_here(&self, payload: &str) {
        let Ok(request) = serde_json::from_str::<Request>(payload) else {
            return;
        };
        // An approval is answered where its agent waits (a claimed subtask's worker, or the
        // task's); the rest where the task runs.
        let here = match &request.steer {
            Steer::DecideApproval { approval_id, .. } => self
                .approval_steering(&request.task_id, approval_id)
                .is_some(),
            _ => self.lock_running().contains_key(&request.task_id),
        };
        if !here {
            return;
        }
        let task_id = request.task_id.as_str();
        let outcome = match request.steer {
            Steer::Nudge => {
                self.nudge_here(task_id);
                return;
            }
            Steer::CancelSubtask { subtask_id } => {
                self.cancel_subtask(task_id, &subtask_id).await.map(|_| ())
            }
            Steer::DecideApproval {
                approval_id,
                approve,
            } => self
                // Decided where it was asked, by someone who may.
                .decide_approval(&super::Caller::Server, task_id, &approval_id, approve)
                .await
                .map(|_| ()),
            Steer::DecideBudget { decision, change } => self
                .decide_budget(&super::Caller::Server, task_id, decision, change)
                .await
                .map(|_| ()),
        };
        let answer = Answer {
            id: request.id,
            error: outcome
                .err()
                .map(|e| (e.code().as_str().to_owned(), e.to_string())),
        };
        let Ok(payload) = serde_json::to_string(&answer) else {
            return;
        };
        if let Err(e) = self
            .inner
            .shared
            .store
            .signal(STEER_DONE_CHANNEL, &payload)
            .await
        {
            tracing::warn!(task = %task_id, error = %e, "answering a steering request");
        }
    }
}
