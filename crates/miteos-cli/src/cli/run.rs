//! `miteos run`: creates a task, shows its plan as a live tree (states, agent types, tokens, cost,
//! elapsed time, progress), cancels it on Ctrl+C, and prints the deliverables' paths at the end.
//! On a terminal the tree (cli/tree_view.rs) redraws in place; elsewhere (pipes, CI) it prints one line per change.
//! Risky tool calls are asked about on the terminal (or approved or denied by `--approve`), and so
//! is a task paused on its budget (or answered by `--over-budget`).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use miteos_core::budget::{BudgetChange, LimitsChange, thousands};
use miteos_core::domain::TaskStatus;
use miteos_core::service::{Attachment, NewTask};
use miteos_core::{Error, Miteos};
use tokio::sync::broadcast::error::RecvError;

use super::format::{cost, status_icon_task};
pub use super::questions::{ApprovalMode, OverBudget};
use super::questions::{Modes, answerer};
use super::tree_view::TreeView;

/// This task's limits, over the default budget of the settings.
#[derive(Debug, Clone, clap::Args)]
pub struct BudgetArgs {
    /// Most the task may cost, in US dollars (e.g. 0.50).
    #[arg(long, value_name = "USD")]
    pub max_cost: Option<f64>,
    /// Most tokens the task may use.
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<i64>,
    /// Longest the task may run, in minutes.
    #[arg(long, value_name = "MIN")]
    pub max_minutes: Option<f64>,
    /// Most model calls each subtask may make.
    #[arg(long, value_name = "N")]
    pub max_steps: Option<i64>,
    /// At 80% of a limit the task pauses: `ask` on the terminal (the default when stdin is one),
    /// `raise` the limit (double it), or `stop` the task (the default otherwise).
    #[arg(long, value_enum)]
    pub over_budget: Option<OverBudget>,
}

impl BudgetArgs {
    pub fn change(&self) -> Result<Option<BudgetChange>, Error> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(Error::InvalidInput(format!("{name} must be above 0")))
            }
        };
        let cost = self
            .max_cost
            .map(|c| positive("--max-cost", c).map(|c| (c * 100.0).ceil() as i64))
            .transpose()?;
        let seconds = self
            .max_minutes
            .map(|m| positive("--max-minutes", m).map(|m| (m * 60.0).ceil() as i64))
            .transpose()?;
        if [cost, self.max_tokens, seconds, self.max_steps]
            .iter()
            .all(Option::is_none)
        {
            return Ok(None);
        }
        Ok(Some(BudgetChange {
            task: Some(LimitsChange {
                tokens: self.max_tokens.map(Some),
                cost_cents: cost.map(Some),
                seconds: seconds.map(Some),
                steps: None,
            }),
            subtask: self.max_steps.map(|n| LimitsChange {
                steps: Some(Some(n)),
                ..LimitsChange::default()
            }),
        }))
    }
}

pub async fn run(
    miteos: &Miteos,
    new: NewTask<Attachment>,
    approve: Option<ApprovalMode>,
    over_budget: Option<OverBudget>,
) -> Result<ExitCode, Error> {
    let live = miteos.subscribe();
    let task = miteos.create_task(new).await?;
    let view = TreeView::new(&task.id, &task.model, std::io::stderr().is_terminal());
    let code = watch(miteos, live, view, &task, modes(approve, over_budget)).await?;
    offer_skill(miteos, &task.id).await;
    Ok(code)
}

/// After a completed task, the Skill Compiler's turn: when enough tasks like it have completed,
/// it makes a skill of them and validates it; says so, and how to keep or discard it.
async fn offer_skill(miteos: &Miteos, task_id: &str) {
    let candidate = match miteos.compile_candidate_after(task_id).await {
        Ok(Some(candidate)) => candidate,
        Ok(None) => return,
        Err(e) => {
            eprintln!("(compiling a skill from tasks like this failed: {e})");
            return;
        }
    };
    let n = candidate.source_tasks.len();
    println!(
        "\n{n} tasks like this: compiled skill {}; validating it (one more run, from the skill)…",
        candidate.name
    );
    let skill = match miteos.validate_skill(&candidate.id).await {
        Ok(skill) => skill,
        Err(e) => {
            eprintln!("(validating skill {} failed: {e})", candidate.name);
            return;
        }
    };
    match &skill.validation {
        Some(v) if v.passed => {
            let saved = if v.source_tokens > 0 {
                format!(
                    "; it saved {}% of the tokens on its validation run",
                    100 - (100 * v.tokens / v.source_tokens).min(100)
                )
            } else {
                String::new()
            };
            println!(
                "{n} tasks like this → skill {} ready{saved}.\n  Tasks like these now run from it. \
                 `miteos skills keep {}` keeps it; `miteos skills remove {}` discards it.",
                skill.name, skill.id, skill.id
            );
        }
        v => println!(
            "{n} tasks like this → skill {} compiled, but its validation did not pass ({}); it is not used.",
            skill.name,
            v.as_ref().map_or("no verdict", |v| v.reason.as_str())
        ),
    }
}

/// `miteos retry` and `miteos follow-up`: shows the task so far, makes `change` (which runs it
/// again), and watches it to its new end.
pub async fn steer(
    miteos: &Miteos,
    task_id: &str,
    approve: Option<ApprovalMode>,
    over_budget: Option<OverBudget>,
    change: impl std::future::Future<Output = Result<miteos_core::domain::Task, Error>>,
) -> Result<ExitCode, Error> {
    let live = miteos.subscribe();
    let task = miteos.get_task(task_id).await?;
    let mut view = TreeView::new(&task.id, &task.model, std::io::stderr().is_terminal());
    view.replay(&miteos.events_after(&task.id, 0, 100_000).await?);
    let task = change.await?;
    watch(miteos, live, view, &task, modes(approve, over_budget)).await
}

fn modes(approve: Option<ApprovalMode>, over_budget: Option<OverBudget>) -> Modes {
    let interactive = std::io::stdin().is_terminal();
    Modes {
        approve: approve.unwrap_or(if interactive {
            ApprovalMode::Ask
        } else {
            ApprovalMode::None
        }),
        budget: over_budget.unwrap_or(if interactive {
            OverBudget::Ask
        } else {
            OverBudget::Stop
        }),
    }
}

/// Draws the task's tree live until its run ends, answering its questions; prints the result.
async fn watch(
    miteos: &Miteos,
    mut live: tokio::sync::broadcast::Receiver<std::sync::Arc<miteos_core::events::Event>>,
    mut view: TreeView,
    task: &miteos_core::domain::Task,
    modes: Modes,
) -> Result<ExitCode, Error> {
    let asking = view.paused.clone();
    let approvals = answerer(miteos.clone(), task.id.clone(), modes, asking);
    let mut ticker = tokio::time::interval(Duration::from_millis(200));
    let mut cancelling = false;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            received = live.recv() => match received {
                Ok(event) if event.task_id == task.id => {
                    if view.apply_and_route(&event, &approvals) {
                        break;
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    let mut done = false;
                    for event in miteos.events_after(&task.id, view.last_seq, 10_000).await? {
                        done |= view.apply_and_route(&event, &approvals);
                    }
                    if done {
                        break;
                    }
                }
                Err(RecvError::Closed) => break,
            },
            _ = &mut ctrl_c, if !cancelling => {
                cancelling = true;
                view.note("Cancelling: stopping every agent…");
                let (m, id) = (miteos.clone(), task.id.clone());
                tokio::spawn(async move { let _ = m.cancel_task(&id).await; });
            }
            _ = ticker.tick() => view.tick(),
        }
    }
    view.finish();
    let task = miteos.get_task(&task.id).await?;
    let deliverables = miteos.deliverables(&task.id).await?;
    println!(
        "\n{} {} · {} · {} tokens · {}",
        status_icon_task(task.status),
        task.status.as_str(),
        task.id,
        thousands(task.total_tokens_used),
        cost(task.total_cost_usd, task.cost_unknown)
    );
    if let Some(error) = &task.error {
        println!("  {error}");
    }
    if let Some(name) = task.model.strip_prefix("local::")
        && miteos_core::providers::catalog::is_demo(name)
    {
        println!(
            "  Made by {name}, the built-in demo model: it shows the whole pipeline offline but cannot do real work.\n  \
             For real work choose a bigger model: `miteos models setup`, or `miteos models get --recommended`."
        );
    }
    if !deliverables.is_empty() {
        println!("\nDeliverables:");
        for d in deliverables {
            println!(
                "  {}  ({}, {} bytes)",
                miteos.task_dir(&task.id).join(&d.name).display(),
                d.mime_type,
                d.size_bytes
            );
        }
    }
    Ok(match task.status {
        TaskStatus::Completed => ExitCode::SUCCESS,
        TaskStatus::Cancelled => ExitCode::from(130),
        _ => ExitCode::FAILURE,
    })
}
