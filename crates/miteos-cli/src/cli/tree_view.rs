//! The task tree `miteos run` draws while a task runs: each event updates it; on a terminal it
//! redraws in place, elsewhere it prints one line per change.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use miteos_core::budget::{BudgetDecision, thousands};
use miteos_core::domain::SubtaskStatus;
use miteos_core::events::{Event, EventKind};

use super::format::{cost, elapsed, short};
use super::questions::Question;
use node::{Node, fan_out_summary, status_icon};

mod node;

/// The task tree as the terminal shows it.
pub(super) struct TreeView {
    fancy: bool,
    /// One spinner whose message is the whole (multi-line) tree, redrawn in place.
    live: ProgressBar,
    nodes: BTreeMap<usize, Node>,
    started: Instant,
    phase: String,
    tokens: i64,
    cents: i64,
    cost_unknown: bool,
    pub(super) last_seq: i64,
    /// Set while a question is asked on the terminal: the tree does not redraw.
    pub(super) paused: Arc<AtomicBool>,
    /// Set while the task so far is replayed: nothing is printed.
    quiet: bool,
}

impl TreeView {
    pub(super) fn new(task_id: &str, model: &str, fancy: bool) -> Self {
        eprintln!("Task {task_id} · model {model}");
        let live = ProgressBar::with_draw_target(
            None,
            if fancy {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        live.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("static template"));
        TreeView {
            fancy,
            live,
            nodes: BTreeMap::new(),
            started: Instant::now(),
            phase: "planning".into(),
            tokens: 0,
            cents: 0,
            cost_unknown: false,
            last_seq: 0,
            paused: Arc::new(AtomicBool::new(false)),
            quiet: false,
        }
    }

    /// Brings the tree up to date with the task so far, printing nothing.
    pub(super) fn replay(&mut self, events: &[Event]) {
        self.quiet = true;
        for event in events {
            self.apply(event);
        }
        self.quiet = false;
    }

    pub(super) fn note(&self, line: &str) {
        if self.quiet {
            return;
        }
        if self.fancy {
            self.live.println(line);
        } else {
            eprintln!("{line}");
        }
    }

    fn log(&self, line: String) {
        if !self.fancy && !self.quiet {
            eprintln!("[{:>6.1}s] {line}", self.started.elapsed().as_secs_f64());
        }
    }

    fn node(&mut self, id: &str) -> Option<&mut Node> {
        self.nodes.values_mut().find(|n| n.planned.id == id)
    }

    /// Applies one event and hands questions (approvals, budget pauses) to the answerer; true
    /// when the task has finished.
    pub(super) fn apply_and_route(
        &mut self,
        event: &Event,
        questions: &tokio::sync::mpsc::UnboundedSender<Question>,
    ) -> bool {
        if event.seq > self.last_seq {
            let question = match &event.kind {
                EventKind::ApprovalRequested { approval } => {
                    Some(Question::Approval(approval.clone()))
                }
                EventKind::BudgetPaused { pause } => Some(Question::Budget(pause.clone())),
                EventKind::PlanReviewRequested { .. } => Some(Question::PlanReview(
                    self.nodes.values().map(|n| n.planned.clone()).collect(),
                )),
                _ => None,
            };
            if let Some(q) = question {
                let _ = questions.send(q);
            }
        }
        self.apply(event)
    }

    /// Applies one event; true when the task has finished.
    fn apply(&mut self, event: &Event) -> bool {
        if event.seq <= self.last_seq {
            return false;
        }
        self.last_seq = event.seq;
        let kind = &event.kind;
        match kind {
            EventKind::TaskStarted
            | EventKind::TaskResumed { .. }
            | EventKind::PlanRejected { .. }
            | EventKind::PlanReady { .. }
            | EventKind::CancelRequested
            | EventKind::TaskCreated { .. } => self.on_progress(kind),
            EventKind::SkillApplied { .. }
            | EventKind::SkillDeclined { .. }
            | EventKind::SkillAbandoned { .. } => self.on_skill(kind),
            EventKind::SubtaskStarted { .. }
            | EventKind::ToolCallStarted { .. }
            | EventKind::ToolCallFinished { .. }
            | EventKind::SkillLoaded { .. }
            | EventKind::AgentOutput { .. }
            | EventKind::SubtaskFinished { .. }
            | EventKind::ItemMerged { .. }
            | EventKind::DeliverableAdded { .. }
            | EventKind::Usage { .. }
            | EventKind::ProviderRetry { .. }
            | EventKind::ModelFallback { .. } => self.on_subtask(kind),
            EventKind::ApprovalRequested { .. }
            | EventKind::ApprovalDecided { .. }
            | EventKind::BudgetEstimated { .. }
            | EventKind::BudgetPaused { .. }
            | EventKind::BudgetDecided { .. } => self.on_question(kind),
            EventKind::PlanRevised { .. }
            | EventKind::SubtaskReassigned { .. }
            | EventKind::PlanReviewRequested { .. }
            | EventKind::PlanApproved { .. }
            | EventKind::ResultChecked { .. }
            | EventKind::FollowUpReceived { .. }
            | EventKind::TaskReopened { .. } => self.on_plan(kind),
            EventKind::TaskFinished { status, .. } => {
                self.phase = status.as_str().into();
                self.tick();
                return true;
            }
        }
        self.tick();
        false
    }

    /// The task's course: started, resumed, planned, cancelling.
    fn on_progress(&mut self, kind: &EventKind) {
        match kind {
            EventKind::TaskStarted => self.phase = "planning".into(),
            EventKind::TaskResumed { completed } => {
                self.note(&format!(
                    "Resumed after a restart ({} subtasks already complete)",
                    completed.len()
                ));
            }
            EventKind::PlanRejected { attempt, problems } => {
                self.log(format!(
                    "plan rejected (attempt {attempt}): {}",
                    problems.join("; ")
                ));
            }
            EventKind::PlanReady { title, subtasks } => {
                self.phase = "running".into();
                self.note(&format!("Plan: {title}"));
                for (i, st) in subtasks.iter().enumerate() {
                    let deps = if st.depends_on.is_empty() {
                        String::new()
                    } else {
                        format!("  (after {})", st.depends_on.join(", "))
                    };
                    self.log(format!(
                        "  {} {:<10} {}{deps}",
                        st.id, st.agent_type, st.title
                    ));
                    self.nodes.insert(i, Node::new(st.clone()));
                }
            }
            EventKind::CancelRequested => self.phase = "cancelling".into(),
            EventKind::TaskCreated { .. } => {}
            _ => {}
        }
    }

    /// A skill the task runs from, or did not.
    fn on_skill(&mut self, kind: &EventKind) {
        match kind {
            EventKind::SkillApplied {
                name,
                version,
                parameters,
                bound_by,
                confidence,
                ..
            } => {
                let params: Vec<String> =
                    parameters.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let how = match bound_by {
                    miteos_core::skills::BoundBy::Model => {
                        format!("; matched by the model, {:.0}% sure", confidence * 100.0)
                    }
                    _ => String::new(),
                };
                self.note(&format!(
                    "Running from skill {name} v{version} ({}{how}): no planning call",
                    params.join(", ")
                ));
            }
            EventKind::SkillDeclined { name, reason, .. } => {
                self.note(&format!(
                    "Close to skill {name}, but not run from it: {reason}"
                ));
            }
            EventKind::SkillAbandoned { reason, .. } => {
                self.nodes.clear();
                self.note(&format!(
                    "The run from the skill failed ({reason}); planning afresh"
                ));
            }
            _ => {}
        }
    }

    /// What the agents do: subtask states, tool calls, output, usage, retries, files.
    fn on_subtask(&mut self, kind: &EventKind) {
        match kind {
            EventKind::SubtaskStarted {
                subtask_id,
                agent_type,
                model,
            } => {
                if let Some(n) = self.node(subtask_id) {
                    n.status = SubtaskStatus::Running;
                    n.started = Some(Instant::now());
                }
                self.log(format!("{subtask_id} {agent_type} started on {model}"));
            }
            EventKind::ToolCallStarted {
                subtask_id,
                tool,
                arguments,
                ..
            } => {
                let args = short(&arguments.to_string(), 60);
                if let Some(n) = self.node(subtask_id) {
                    n.activity = format!("→ {tool} {args}");
                }
                self.log(format!("{subtask_id} → {tool} {args}"));
            }
            EventKind::SkillLoaded {
                subtask_id,
                name,
                version,
                file,
                ..
            } => {
                let what = match file {
                    Some(file) => format!("{file} of skill {name}"),
                    None => format!("skill {name} v{version}"),
                };
                if let Some(n) = self.node(subtask_id) {
                    n.activity = format!("loaded {what}");
                    if !n.skills.contains(name) {
                        n.skills.push(name.clone());
                    }
                }
                self.log(format!("{subtask_id} loaded {what}"));
            }
            EventKind::ToolCallFinished {
                subtask_id,
                tool,
                ok,
                result,
                ..
            } => {
                let mark = if *ok { "✓" } else { "✗" };
                self.log(format!("{subtask_id} {mark} {tool}: {}", short(result, 80)));
            }
            EventKind::AgentOutput { subtask_id, text } => {
                if let Some(n) = self.node(subtask_id) {
                    n.activity = short(text.trim(), 60);
                }
            }
            EventKind::SubtaskFinished {
                subtask_id,
                status,
                error,
                ..
            } => {
                if let Some(n) = self.node(subtask_id) {
                    n.status = *status;
                    n.elapsed = n.started.map(|s| s.elapsed());
                    n.activity = error.clone().unwrap_or_default();
                }
                let error = error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default();
                self.log(format!("{subtask_id} {}{error}", status.as_str()));
            }
            EventKind::ItemMerged {
                subtask_id,
                item,
                missing,
                ..
            } => {
                let items: Vec<&Node> = self
                    .nodes
                    .values()
                    .filter(|n| n.planned.parent.as_deref() == Some(subtask_id))
                    .collect();
                let so_far = fan_out_summary(&items);
                match missing {
                    Some(why) => self.log(format!(
                        "{subtask_id}: {item} is missing ({why}) · {so_far}"
                    )),
                    None => self.log(format!("{subtask_id}: {item} merged · {so_far}")),
                }
            }
            EventKind::DeliverableAdded { deliverable } => {
                self.log(format!(
                    "deliverable {} ({} bytes)",
                    deliverable.name, deliverable.size_bytes
                ));
            }
            EventKind::Usage {
                subtask_id,
                input_tokens,
                output_tokens,
                cost_usd,
                task_total_tokens,
                task_total_cost_cents,
                cost_unknown,
            } => {
                self.tokens = *task_total_tokens;
                self.cents = *task_total_cost_cents;
                self.cost_unknown |= *cost_unknown;
                if let Some(n) = subtask_id.as_deref().and_then(|id| self.node(id)) {
                    n.tokens += input_tokens + output_tokens;
                    n.cost_usd += cost_usd;
                    n.cost_unknown |= *cost_unknown;
                }
            }
            EventKind::ProviderRetry {
                attempt,
                delay_ms,
                reason,
                ..
            } => {
                self.note(&format!(
                    "model call failed ({reason}); retry {attempt} in {delay_ms} ms"
                ));
            }
            EventKind::ModelFallback {
                subtask_id,
                from,
                to,
                reason,
            } => {
                self.note(&format!(
                    "{subtask_id}: {from} kept failing ({reason}); going on with {to}"
                ));
            }
            _ => {}
        }
    }

    /// The living plan: revisions, moves to fitting agent types, review, the result check,
    /// follow-ups.
    fn on_plan(&mut self, kind: &EventKind) {
        match kind {
            EventKind::PlanRevised {
                revision,
                by,
                reason,
                diff,
            } => {
                self.note(&format!(
                    "Plan revised ({revision}, by {}): {reason}",
                    by.as_str()
                ));
                for st in &diff.added {
                    let key = self.nodes.len();
                    // A fan-out's items are told by the revision's reason and its summary line.
                    if st.parent.is_none() {
                        self.log(format!("  + {} {:<10} {}", st.id, st.agent_type, st.title));
                    }
                    self.nodes.insert(key, Node::new(st.clone()));
                }
                for st in &diff.changed {
                    if let Some(n) = self.node(&st.id) {
                        n.planned = st.clone();
                    }
                }
                for id in &diff.rerun {
                    if let Some(n) = self.node(id) {
                        n.status = SubtaskStatus::Pending;
                        n.activity = "runs again".into();
                    }
                }
                for id in &diff.dropped {
                    if let Some(n) = self.node(id) {
                        n.activity = "dropped".into();
                        if !n.status.is_finished() {
                            n.status = SubtaskStatus::Cancelled;
                        }
                    }
                }
            }
            EventKind::SubtaskReassigned {
                subtask_id,
                to,
                reason,
                ..
            } => {
                if let Some(n) = self.node(subtask_id) {
                    n.planned.agent_type = to.clone();
                }
                self.note(&format!("{subtask_id} moved to {to}: {reason}"));
            }
            EventKind::PlanReviewRequested { .. } => self.phase = "waiting for your review".into(),
            EventKind::PlanApproved { edited } => {
                self.phase = "running".into();
                self.note(if *edited {
                    "Plan approved, as edited"
                } else {
                    "Plan approved"
                });
            }
            EventKind::ResultChecked { unmet, .. } if unmet.is_empty() => {
                self.note("Result checked: every part of the request is met");
            }
            EventKind::ResultChecked { unmet, .. } => {
                self.note(&format!("Result checked; unmet: {}", unmet.join("; ")));
            }
            EventKind::FollowUpReceived { follow_up } => {
                self.note(&format!("Follow-up: {}", follow_up.message));
            }
            EventKind::TaskReopened { reason, rerun, .. } => {
                self.phase = "running".into();
                for id in rerun {
                    if let Some(n) = self.node(id) {
                        n.status = SubtaskStatus::Pending;
                        n.activity = "runs again".into();
                    }
                }
                self.note(&format!("Reopened: {reason}"));
            }
            _ => {}
        }
    }

    /// Approvals and budgets: what the user is asked and what they answered.
    fn on_question(&mut self, kind: &EventKind) {
        match kind {
            EventKind::ApprovalRequested { approval } => {
                if let Some(n) = self.node(&approval.subtask_id) {
                    n.activity = format!("⏸ waiting for approval: {}", approval.tool);
                }
                self.log(format!(
                    "{} asks to run {} ({})",
                    approval.subtask_id, approval.tool, approval.reason
                ));
            }
            EventKind::ApprovalDecided {
                subtask_id, status, ..
            } => {
                self.log(format!("{subtask_id} approval {}", status.as_str()));
            }
            EventKind::BudgetEstimated { estimate } => {
                self.note(&format!(
                    "Estimate: {} tokens · {}",
                    thousands(estimate.tokens),
                    cost(estimate.cost_cents as f64 / 100.0, estimate.cost_unknown)
                ));
            }
            EventKind::BudgetPaused { pause } => {
                self.phase = "paused on its budget".into();
                self.log(format!("paused: {}", pause.message));
            }
            EventKind::BudgetDecided { decision, .. } => {
                self.phase = match decision {
                    BudgetDecision::Raise => "running",
                    BudgetDecision::Stop => "stopping",
                }
                .into();
            }
            _ => {}
        }
    }

    fn header_line(&self) -> String {
        format!(
            "{} · {} · {} tokens · {}",
            self.phase,
            elapsed(self.started.elapsed()),
            thousands(self.tokens),
            cost(self.cents as f64 / 100.0, self.cost_unknown)
        )
    }

    /// The whole tree: totals, one line per subtask, and a progress bar; each line cut to the
    /// terminal's width so redrawing in place never miscounts wrapped lines.
    fn render(&self) -> String {
        let width = console::Term::stderr().size().1.max(40) as usize;
        let cut =
            |line: String| console::truncate_str(&line, width.saturating_sub(3), "…").into_owned();
        let mut lines = vec![cut(self.header_line())];
        // A fan-out's items show as one summary line under it, not a line each.
        let planned: Vec<&Node> = self
            .nodes
            .values()
            .filter(|n| n.planned.parent.is_none())
            .collect();
        for node in &planned {
            lines.push(cut(format!(
                "  {} {}",
                status_icon(node.status),
                node.line()
            )));
            let items: Vec<&Node> = self
                .nodes
                .values()
                .filter(|n| n.planned.parent.as_deref() == Some(&node.planned.id))
                .collect();
            if !items.is_empty() {
                lines.push(cut(format!("      └ {}", fan_out_summary(&items))));
            }
        }
        if !planned.is_empty() {
            let done = planned.iter().filter(|n| n.status.is_finished()).count();
            let filled = 30 * done / planned.len();
            lines.push(format!(
                "  [{}{}] {done}/{} subtasks",
                "█".repeat(filled),
                "░".repeat(30 - filled),
                planned.len()
            ));
        }
        lines.join("\n")
    }

    pub(super) fn tick(&mut self) {
        if self.fancy && !self.paused.load(Ordering::SeqCst) {
            self.live.set_message(self.render());
            self.live.tick();
        }
    }

    /// Replaces the live tree with its final state, printed once.
    pub(super) fn finish(&mut self) {
        if self.fancy {
            self.live.finish_and_clear();
            eprintln!("{}", self.render());
        }
    }
}
