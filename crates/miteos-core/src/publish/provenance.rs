//! Provenance and replay, read from a task's journal: which subtasks led to a deliverable (the
//! one that wrote it and everything it depended on) and which sources they read; and a
//! read-only, redacted account of how the task ran, for share pages.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::domain::{Deliverable, Provenance, ProvenanceStep};
use crate::events::{Event, EventKind, PlannedSubtask};

/// Longest piece of text (tool arguments, agent output) a replay step shows.
const REPLAY_TEXT: usize = 1_500;

/// One line of a replay.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayStep {
    /// When, as `HH:MM:SS` UTC.
    pub at: String,
    pub summary: String,
    pub detail: Option<String>,
}

/// The plan as the journal last has it: the last plan made, with what its revisions added
/// (the children of a fan-out among them) and changed.
fn plan(events: &[Event]) -> Vec<PlannedSubtask> {
    let mut plan: Vec<PlannedSubtask> = Vec::new();
    for event in events {
        match &event.kind {
            EventKind::PlanReady { subtasks, .. } => plan = subtasks.clone(),
            EventKind::PlanRevised { diff, .. } => {
                for changed in &diff.changed {
                    if let Some(s) = plan.iter_mut().find(|s| s.id == changed.id) {
                        *s = changed.clone();
                    }
                }
                plan.extend(diff.added.iter().cloned());
            }
            _ => {}
        }
    }
    plan
}

/// The deliverable's subtasks (its writer and, transitively, what that depended on, in plan
/// order) and the sources they read (URLs fetched, files read), first read first.
pub fn provenance(deliverable: &Deliverable, events: &[Event]) -> Provenance {
    let plan = plan(events);
    let by_id: HashMap<&str, &PlannedSubtask> = plan.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut wanted = BTreeSet::new();
    let mut stack: Vec<&str> = match deliverable.subtask_id.as_deref() {
        Some(id) => vec![id],
        None => plan.iter().map(|s| s.id.as_str()).collect(),
    };
    while let Some(id) = stack.pop() {
        if wanted.insert(id.to_owned())
            && let Some(s) = by_id.get(id)
        {
            stack.extend(s.depends_on.iter().map(String::as_str));
            // A fan-out's result is its children's work.
            stack.extend(
                plan.iter()
                    .filter(|c| c.parent.as_deref() == Some(id))
                    .map(|c| c.id.as_str()),
            );
        }
    }
    let subtasks = plan
        .iter()
        .filter(|s| wanted.contains(&s.id))
        .map(|s| ProvenanceStep {
            id: s.id.clone(),
            title: s.title.clone(),
            agent_type: s.agent_type.clone(),
        })
        .collect();

    let sources = sources_read(events, |id| wanted.contains(id));
    Provenance { subtasks, sources }
}

/// The sources (URLs fetched, files read) the `wanted` subtasks read with success, first read
/// first.
pub(crate) fn sources_read(events: &[Event], wanted: impl Fn(&str) -> bool) -> Vec<String> {
    // Call ids are unique within a subtask only.
    let mut started: HashMap<(&str, &str), String> = HashMap::new();
    let mut sources: Vec<String> = Vec::new();
    for event in events {
        match &event.kind {
            EventKind::ToolCallStarted {
                subtask_id,
                call_id,
                tool,
                arguments,
            } if wanted(subtask_id) => {
                let source = match tool.as_str() {
                    "fetch_url" => arguments["url"].as_str(),
                    "read_file" => arguments["path"].as_str(),
                    _ => None,
                };
                if let Some(source) = source {
                    started.insert((subtask_id.as_str(), call_id.as_str()), source.to_owned());
                }
            }
            EventKind::ToolCallFinished {
                subtask_id,
                call_id,
                ok: true,
                ..
            } => {
                if let Some(source) = started.remove(&(subtask_id.as_str(), call_id.as_str()))
                    && !sources.contains(&source)
                {
                    sources.push(source);
                }
            }
            _ => {}
        }
    }
    sources
}

/// How the task ran, step by step, with `secrets` and anything shaped like a key redacted.
pub fn replay(events: &[Event], secrets: &[String]) -> Vec<ReplayStep> {
    let clip =
        |text: &str| -> String { crate::tools::ellipsized(&redact(text, secrets), REPLAY_TEXT) };
    let mut outputs: HashMap<&str, String> = HashMap::new();
    let mut steps = Vec::new();
    for event in events {
        let at = event.at.format("%H:%M:%S").to_string();
        let step = |summary: String, detail: Option<String>| ReplayStep {
            at: at.clone(),
            summary,
            detail,
        };
        match &event.kind {
            EventKind::TaskCreated { prompt, .. } => {
                steps.push(step("Task given".into(), Some(clip(prompt))));
            }
            EventKind::PlanReady { title, subtasks } => {
                let lines: Vec<String> = subtasks
                    .iter()
                    .map(|s| {
                        let deps = if s.depends_on.is_empty() {
                            String::new()
                        } else {
                            format!(" (after {})", s.depends_on.join(", "))
                        };
                        format!("{} · {} · {}{deps}", s.id, s.agent_type, s.title)
                    })
                    .collect();
                steps.push(step(
                    format!("Planned: {}", clip(title)),
                    Some(lines.join("\n")),
                ));
            }
            EventKind::SubtaskStarted {
                subtask_id,
                agent_type,
                model,
            } => {
                let on = if model.is_empty() {
                    String::new()
                } else {
                    format!(", {model}")
                };
                steps.push(step(
                    format!("{subtask_id} started ({agent_type}{on})"),
                    None,
                ));
            }
            EventKind::AgentOutput { subtask_id, text } => {
                outputs
                    .entry(subtask_id.as_str())
                    .or_default()
                    .push_str(text);
            }
            EventKind::ToolCallStarted {
                subtask_id,
                tool,
                arguments,
                ..
            } => {
                steps.push(step(
                    format!("{subtask_id} called {tool}"),
                    Some(clip(&arguments.to_string())),
                ));
            }
            EventKind::ToolCallFinished {
                subtask_id,
                tool,
                ok,
                ..
            } => {
                let how = if *ok { "answered" } else { "failed" };
                steps.push(step(format!("{subtask_id}: {tool} {how}"), None));
            }
            EventKind::SubtaskFinished {
                subtask_id,
                status,
                error,
                output,
            } => {
                // Each attempt's own answer when the event has it (a rerun replaces the stored one).
                let said = match output {
                    Some(o) => Some(clip(o)),
                    None => outputs.remove(subtask_id.as_str()).map(|o| clip(&o)),
                };
                let mut summary = format!("{subtask_id} {}", status.as_str());
                if let Some(e) = error {
                    summary.push_str(&format!(": {}", clip(e)));
                }
                steps.push(step(summary, said));
            }
            EventKind::DeliverableAdded { deliverable } => {
                steps.push(step(format!("Wrote {}", deliverable.name), None));
            }
            EventKind::PlanRevised {
                revision, reason, ..
            } => {
                steps.push(step(
                    format!("Plan revised ({revision}): {}", clip(reason)),
                    None,
                ));
            }
            EventKind::TaskFinished { status, .. } => {
                steps.push(step(format!("Task {}", status.as_str()), None));
            }
            _ => {}
        }
    }
    steps
}

/// Replaces each known secret, and anything that looks like an API key or bearer token, with
/// `[redacted]`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        out = out.replace(secret.as_str(), "[redacted]");
    }
    // Key-shaped words: sk-…, sk-ant-…, or-…; and what follows "Bearer ".
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(start) = find_key(rest) {
        result.push_str(&rest[..start.0]);
        result.push_str("[redacted]");
        rest = &rest[start.0 + start.1..];
    }
    result.push_str(rest);
    result
}

/// `value` with [`redact`] applied to every string in it (a tool call's arguments).
pub fn redact_json(value: &serde_json::Value, secrets: &[String]) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(redact(s, secrets)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| redact_json(v, secrets)).collect())
        }
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), redact_json(v, secrets)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The first key-shaped run in `text`: (byte offset, byte length).
fn find_key(text: &str) -> Option<(usize, usize)> {
    let token_len = |s: &str| {
        s.bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            .count()
    };
    let mut best: Option<(usize, usize)> = None;
    for prefix in ["sk-", "mt_", "Bearer ", "bearer "] {
        let mut from = 0;
        while let Some(i) = text[from..].find(prefix) {
            let at = from + i;
            let body = token_len(&text[at + prefix.len()..]);
            // A key starts a word: `task-0193…` holds `sk-` and is an id, not a key.
            let starts_word = !text[..at]
                .bytes()
                .next_back()
                .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            // Short runs are ordinary words ("sk-1" in a list), not keys.
            if body >= 16 && starts_word {
                let skip = if prefix.starts_with('B') || prefix.starts_with('b') {
                    prefix.len()
                } else {
                    0
                };
                let candidate = (at + skip, prefix.len() - skip + body);
                if best.is_none_or(|b| candidate.0 < b.0) {
                    best = Some(candidate);
                }
                break;
            }
            from = at + prefix.len();
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_removes_known_secrets_and_key_shaped_words() {
        let text = "key sk-abcdefghijklmnopqrstuvwx and Authorization: Bearer 0123456789abcdef0123 and my-own-secret-value, st-1 ok";
        let out = redact(text, &["my-own-secret-value".to_owned()]);
        assert!(!out.contains("sk-abcdef"), "{out}");
        assert!(!out.contains("0123456789abcdef"), "{out}");
        assert!(!out.contains("my-own-secret-value"), "{out}");
        assert!(
            out.contains("Bearer [redacted]") && out.contains("st-1 ok"),
            "{out}"
        );
        let member = format!("token mt_{}", "ab12".repeat(16));
        assert_eq!(
            redact(&member, &[]),
            "token [redacted]",
            "an account token's shape"
        );
        let args = serde_json::json!({"url": "https://x.example/?key=my-own-secret-value", "n": 3});
        let clean = redact_json(&args, &["my-own-secret-value".to_owned()]);
        assert_eq!(clean["url"], "https://x.example/?key=[redacted]");
        assert_eq!(clean["n"], 3);
    }
}
