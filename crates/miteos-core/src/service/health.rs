//! For operators: readiness (the store answers and Miteos is not shutting down) and metrics in
//! Prometheus's text format — tasks by state, the queue of subtasks waiting, subtasks and model
//! calls running, events journaled.

use std::fmt::Write;

use super::Miteos;
use crate::error::Result;

impl Miteos {
    /// Why Miteos does not take work now (shutting down, its store does not answer); `None`
    /// when it does.
    pub async fn not_ready(&self) -> Option<String> {
        if self.is_closing() {
            return Some("Miteos is shutting down".into());
        }
        match self.inner.shared.store.ping().await {
            Ok(()) => None,
            Err(e) => {
                tracing::warn!(error = %e, "the store does not answer");
                Some("the store does not answer".into())
            }
        }
    }

    /// The metrics, in Prometheus's text exposition format (version 0.0.4).
    pub async fn metrics_text(&self) -> Result<String> {
        let shared = &self.inner.shared;
        let counts = shared.store.work_counts().await?;
        let takeovers = shared.store.lease_takeovers().await?;
        let claims = shared.store.claim_counts().await?;
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, samples: &[(String, String)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        let statuses = ["pending", "running", "completed", "failed", "cancelled"];
        let tasks: Vec<(String, String)> = statuses
            .iter()
            .map(|s| {
                let n = counts
                    .tasks
                    .iter()
                    .find(|(status, _)| status == s)
                    .map_or(0, |(_, n)| *n);
                (format!("{{status=\"{s}\"}}"), n.to_string())
            })
            .collect();
        family("miteos_tasks", "gauge", "Tasks by state.", &tasks);
        family(
            "miteos_subtasks_waiting",
            "gauge",
            "Subtasks of running tasks waiting to run (the queue's depth).",
            &[(String::new(), counts.subtasks_waiting.to_string())],
        );
        family(
            "miteos_subtasks_running",
            "gauge",
            "Subtasks running now.",
            &[(String::new(), counts.subtasks_running.to_string())],
        );
        family(
            "miteos_subtasks_queued",
            "gauge",
            "Subtasks handed out to the team's workers and not claimed yet (a shared database with a file store).",
            &[(String::new(), claims.queued.to_string())],
        );
        family(
            "miteos_subtasks_claimed",
            "gauge",
            "Subtasks a worker claimed from the queue and runs the agent of now.",
            &[(String::new(), claims.claimed.to_string())],
        );
        let slots = shared.provider_slots.in_flight();
        let per_provider = |value: fn(&(String, usize, usize)) -> usize| -> Vec<(String, String)> {
            slots
                .iter()
                .map(|s| {
                    (
                        format!("{{provider=\"{}\"}}", label(&s.0)),
                        value(s).to_string(),
                    )
                })
                .collect()
        };
        family(
            "miteos_model_calls_in_flight",
            "gauge",
            "Model calls in flight, by provider (its server for a local one).",
            &per_provider(|s| s.1),
        );
        family(
            "miteos_model_call_slots",
            "gauge",
            "Model calls a provider takes at once.",
            &per_provider(|s| s.2),
        );
        family(
            "miteos_events_journaled_total",
            "counter",
            "Events written to the journal since Miteos started.",
            &[(String::new(), shared.journal.written().to_string())],
        );
        family(
            "miteos_lease_takeovers_total",
            "counter",
            "Tasks a worker took over after the lease of the one running them lapsed (a shared database).",
            &[(String::new(), takeovers.to_string())],
        );
        family(
            "miteos_subtask_takeovers_total",
            "counter",
            "Subtasks a worker claimed after the lease of the worker running their agent lapsed.",
            &[(String::new(), claims.takeovers.to_string())],
        );
        Ok(out)
    }
}

/// A label value as the format wants it: backslash, quote and newline escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
