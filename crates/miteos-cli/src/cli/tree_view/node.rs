//! One subtask of the tree: its state and its line.

use std::time::{Duration, Instant};

use miteos_core::budget::thousands;
use miteos_core::domain::SubtaskStatus;
use miteos_core::events::PlannedSubtask;

use super::super::format::{cost, elapsed, short};

/// One subtask as the tree shows it.
pub(super) struct Node {
    pub(super) planned: PlannedSubtask,
    pub(super) status: SubtaskStatus,
    pub(super) started: Option<Instant>,
    pub(super) elapsed: Option<Duration>,
    pub(super) tokens: i64,
    pub(super) cost_usd: f64,
    pub(super) cost_unknown: bool,
    pub(super) activity: String,
    /// The skills its agent loaded.
    pub(super) skills: Vec<String>,
}

impl Node {
    pub(super) fn new(planned: PlannedSubtask) -> Node {
        Node {
            planned,
            status: SubtaskStatus::Pending,
            started: None,
            elapsed: None,
            tokens: 0,
            cost_usd: 0.0,
            cost_unknown: false,
            activity: String::new(),
            skills: Vec::new(),
        }
    }
}

impl Node {
    pub(super) fn line(&self) -> String {
        let time = self
            .elapsed
            .or_else(|| self.started.map(|s| s.elapsed()))
            .map(elapsed)
            .unwrap_or_else(|| "—".into());
        let deps = if self.planned.depends_on.is_empty() {
            String::new()
        } else {
            format!(" ⟵ {}", self.planned.depends_on.join(","))
        };
        let skills = if self.skills.is_empty() {
            String::new()
        } else {
            format!(" [skill: {}]", self.skills.join(", "))
        };
        format!(
            "{} {:<10} {:<40} {:>6} {:>7} tok {}{deps}{skills}  {}",
            self.planned.id,
            self.planned.agent_type,
            short(&self.planned.title, 40),
            time,
            thousands(self.tokens),
            cost(self.cost_usd, self.cost_unknown),
            self.activity
        )
    }
}

/// A fan-out's items in one line, as the War Room says it: "30 researchers: 12 done, 8 running,
/// 1 failed".
pub(super) fn fan_out_summary(items: &[&Node]) -> String {
    let count = |status: SubtaskStatus| items.iter().filter(|n| n.status == status).count();
    let agent = items
        .first()
        .map_or("agent", |n| n.planned.agent_type.as_str());
    let mut parts = vec![format!("{} done", count(SubtaskStatus::Complete))];
    for (status, word) in [
        (SubtaskStatus::Running, "running"),
        (SubtaskStatus::Failed, "failed"),
        (SubtaskStatus::Cancelled, "cancelled"),
        (SubtaskStatus::Pending, "waiting"),
    ] {
        if count(status) > 0 {
            parts.push(format!("{} {word}", count(status)));
        }
    }
    format!("{} {agent}s: {}", items.len(), parts.join(", "))
}

pub(super) fn status_icon(status: SubtaskStatus) -> &'static str {
    match status {
        SubtaskStatus::Pending => "○",
        SubtaskStatus::Running => "◐",
        SubtaskStatus::Complete => "✓",
        SubtaskStatus::Failed => "✗",
        SubtaskStatus::Cancelled => "⊘",
    }
}
