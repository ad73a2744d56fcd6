//! The questions a running task asks its user in `miteos run` — approve a risky tool call, raise
//! a budget or stop — answered on the terminal or as the flags say.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use miteos_core::Miteos;
use miteos_core::budget::{BudgetDecision, BudgetPause};
use miteos_core::domain::Approval;

use super::format::short;

/// What `miteos run` does when a tool call needs approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApprovalMode {
    Ask,
    All,
    None,
}

/// What `miteos run` does when the task pauses on its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OverBudget {
    Ask,
    /// Double the limit and go on.
    Raise,
    /// End the task, keeping what it made.
    Stop,
}

/// A question of the running task for the user.
pub(super) enum Question {
    Approval(Approval),
    Budget(BudgetPause),
    /// The plan waits for review: its subtasks as planned.
    PlanReview(Vec<miteos_core::events::PlannedSubtask>),
}

#[derive(Clone, Copy)]
pub(super) struct Modes {
    pub approve: ApprovalMode,
    pub budget: OverBudget,
}

/// Asks `question` on the terminal and answers the line typed (lowercase, trimmed). While it
/// asks, `paused` stops the live tree from drawing over the question.
async fn ask_terminal(question: String, paused: &AtomicBool) -> String {
    paused.store(true, Ordering::SeqCst);
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        eprint!("{question}");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await;
    paused.store(false, Ordering::SeqCst);
    match answer {
        Ok(Ok(line)) => line.trim().to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// Answers the task's questions one at a time, as `modes` say.
pub(super) fn answerer(
    miteos: Miteos,
    task_id: String,
    modes: Modes,
    paused: Arc<AtomicBool>,
) -> tokio::sync::mpsc::UnboundedSender<Question> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Question>();
    tokio::spawn(async move {
        while let Some(question) = rx.recv().await {
            let approval = match question {
                Question::Approval(approval) => approval,
                Question::Budget(pause) => {
                    answer_budget(&miteos, &task_id, modes.budget, &pause, &paused).await;
                    continue;
                }
                Question::PlanReview(plan) => {
                    answer_review(&miteos, &task_id, modes.approve, &plan, &paused).await;
                    continue;
                }
            };
            let approve = match modes.approve {
                ApprovalMode::All => true,
                ApprovalMode::None => false,
                ApprovalMode::Ask => {
                    let question = format!(
                        "\n{} wants to run {} {}\n  because {}.\nAllow it? [y/N] ",
                        approval.subtask_id,
                        approval.tool,
                        short(&approval.arguments.to_string(), 200),
                        approval.reason
                    );
                    matches!(ask_terminal(question, &paused).await.as_str(), "y" | "yes")
                }
            };
            match miteos
                .decide_approval(
                    &miteos_core::service::Caller::Server,
                    &task_id,
                    &approval.id,
                    approve,
                )
                .await
            {
                Ok(_) => eprintln!(
                    "{} {} {}",
                    if approve {
                        "✓ approved"
                    } else {
                        "✗ denied"
                    },
                    approval.tool,
                    short(&approval.arguments.to_string(), 80)
                ),
                // The task was cancelled or ended meanwhile.
                Err(e) => eprintln!("(approval {} not applied: {e})", approval.id),
            }
        }
    });
    tx
}

/// Approves the plan under review (`--approve all`, or yes on the terminal) or cancels the task.
async fn answer_review(
    miteos: &Miteos,
    task_id: &str,
    mode: ApprovalMode,
    plan: &[miteos_core::events::PlannedSubtask],
    paused: &AtomicBool,
) {
    let approve = match mode {
        ApprovalMode::All => true,
        ApprovalMode::None => false,
        ApprovalMode::Ask => {
            let lines: Vec<String> = plan
                .iter()
                .map(|s| format!("  {} [{}] {}", s.id, s.agent_type, s.title))
                .collect();
            let question = format!(
                "\nThe plan waits for your review:\n{}\nRun it? [Y/n] ",
                lines.join("\n")
            );
            !matches!(ask_terminal(question, paused).await.as_str(), "n" | "no")
        }
    };
    let answer = if approve {
        miteos
            .edit_plan(task_id, Default::default())
            .await
            .map(|_| ())
    } else {
        eprintln!("■ plan not approved: cancelling the task");
        miteos.cancel_task(task_id).await.map(|_| ())
    };
    if let Err(e) = answer {
        eprintln!("(plan review answer not applied: {e})");
    }
}

async fn answer_budget(
    miteos: &Miteos,
    task_id: &str,
    mode: OverBudget,
    pause: &BudgetPause,
    paused: &AtomicBool,
) {
    let decision = match mode {
        OverBudget::Raise => BudgetDecision::Raise,
        OverBudget::Stop => BudgetDecision::Stop,
        OverBudget::Ask => {
            let question = format!(
                "\nBudget: {}.\nRaise the limit (double it) and go on? [y/N] ",
                pause.message
            );
            match ask_terminal(question, paused).await.as_str() {
                "y" | "yes" | "r" | "raise" => BudgetDecision::Raise,
                _ => BudgetDecision::Stop,
            }
        }
    };
    if decision == BudgetDecision::Stop {
        // Said first: the task ends as soon as it is stopped, and `run` with it.
        eprintln!("■ stopping at the budget: {}", pause.message);
    }
    match miteos
        .decide_budget(
            &miteos_core::service::Caller::Server,
            task_id,
            decision,
            None,
        )
        .await
    {
        Ok(task) if decision == BudgetDecision::Raise => eprintln!(
            "↑ budget raised: {}",
            task.budget
                .map(|b| format!(
                    "task {} · {} per subtask",
                    limits_line(&b.task),
                    limits_line(&b.subtask)
                ))
                .unwrap_or_default()
        ),
        Ok(_) => {}
        Err(e) => eprintln!("(budget answer not applied: {e})"),
    }
}

/// "$5.00, 2,000,000 tokens, 100 steps, 60 min" — the limits that are set.
fn limits_line(limits: &miteos_core::budget::BudgetLimits) -> String {
    use miteos_core::budget::Measure;
    let parts: Vec<String> = Measure::ALL
        .iter()
        .filter_map(|m| limits.get(*m).map(|v| m.show(v)))
        .collect();
    if parts.is_empty() {
        "no limits".into()
    } else {
        parts.join(", ")
    }
}
