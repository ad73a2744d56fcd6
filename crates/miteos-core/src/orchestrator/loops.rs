//! Loop detection for the agent loop. Agents that call the same tool with the same arguments
//! again and again (alone, or ping-ponging between two or three calls) burn tokens without
//! progress. The guard lets a repeated call run twice; the third identical call is not run and
//! the agent is told so (a chance to change course); a fourth stops the subtask with the reason.
//! Calls that differ in any argument are progress and never count as repeats — unless every one
//! of them fails: after [`FAILURES_WITHOUT_PROGRESS`] failed calls in a row the subtask stops.

use std::collections::HashMap;

use crate::providers::ToolCall;

/// Identical calls that run; the next one is refused with a warning.
const RUNS_ALLOWED: u32 = 2;
/// Identical calls after which the subtask stops.
const STOP_AT: u32 = 4;
/// Tool calls failing in a row (different ones) after which the subtask stops.
pub(crate) const FAILURES_WITHOUT_PROGRESS: u32 = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    Run,
    /// Do not run; tell the agent this (it may change course).
    Refuse(String),
    /// Stop the subtask; this is why.
    Stop(String),
}

#[derive(Default)]
pub(crate) struct LoopGuard {
    /// Times each (tool, canonical arguments) was asked for in this subtask.
    seen: HashMap<(String, String), u32>,
    /// Calls whose last run succeeded: repeating them changes nothing, so the work they did is done.
    succeeded: std::collections::HashSet<(String, String)>,
    /// Calls that ran and failed since the last one that worked.
    failures_in_a_row: u32,
}

fn key(call: &ToolCall) -> (String, String) {
    (call.name.clone(), canonical(&call.arguments))
}

impl LoopGuard {
    /// Remembers how a call that ran ended.
    pub(crate) fn record(&mut self, call: &ToolCall, ok: bool) {
        if ok {
            self.succeeded.insert(key(call));
            self.failures_in_a_row = 0;
        } else {
            self.succeeded.remove(&key(call));
            self.failures_in_a_row += 1;
        }
    }

    /// Why the subtask should stop when its calls keep failing, each one different.
    pub(crate) fn no_progress(&self) -> Option<String> {
        (self.failures_in_a_row >= FAILURES_WITHOUT_PROGRESS).then(|| {
            format!(
                "stopped: the agent's last {} tool calls all failed, so it was making no progress",
                self.failures_in_a_row
            )
        })
    }

    /// True when the call already ran successfully (stopping a loop of it loses no work).
    pub(crate) fn already_done(&self, call: &ToolCall) -> bool {
        self.succeeded.contains(&key(call))
    }

    pub(crate) fn check(&mut self, call: &ToolCall) -> Verdict {
        let n = self.seen.entry(key(call)).or_insert(0);
        *n += 1;
        match *n {
            n if n <= RUNS_ALLOWED => Verdict::Run,
            n if n < STOP_AT => Verdict::Refuse(format!(
                "not run: you already called {} with exactly these arguments {} times and have its result above. \
                 Use what you have, try something different, or finish with your answer.",
                call.name,
                n - 1
            )),
            n => Verdict::Stop(format!(
                "stopped: the agent called {} with the same arguments {n} times without making progress (a loop)",
                call.name
            )),
        }
    }
}

/// JSON with object keys sorted at every level, so equal arguments print equally whatever order
/// the model wrote them in (serde_json keeps insertion order when `preserve_order` is on).
fn canonical(value: &serde_json::Value) -> String {
    use serde_json::Value;
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), sorted(v)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn different_calls_that_all_fail_are_no_progress() {
        let mut guard = LoopGuard::default();
        let call = |n: u32| ToolCall {
            id: format!("c{n}"),
            name: "fetch_url".into(),
            arguments: json!({"url": format!("http://127.0.0.1/missing/{n}")}),
        };
        for n in 0..FAILURES_WITHOUT_PROGRESS - 1 {
            assert_eq!(guard.check(&call(n)), Verdict::Run);
            guard.record(&call(n), false);
        }
        assert!(guard.no_progress().is_none());
        guard.record(&call(100), true);
        for n in 0..FAILURES_WITHOUT_PROGRESS {
            guard.record(&call(200 + n), false);
        }
        assert!(guard.no_progress().unwrap().contains("all failed"));
    }

    fn call(name: &str, args: serde_json::Value) -> ToolCall {
        ToolCall {
            id: "c".into(),
            name: name.into(),
            arguments: args,
        }
    }

    #[test]
    fn the_same_call_runs_twice_is_refused_then_stops() {
        let mut guard = LoopGuard::default();
        let same = call("fetch_url", json!({"url": "http://a"}));
        assert_eq!(guard.check(&same), Verdict::Run);
        assert_eq!(guard.check(&same), Verdict::Run);
        assert!(matches!(guard.check(&same), Verdict::Refuse(_)));
        assert!(
            matches!(guard.check(&same), Verdict::Stop(r) if r.contains("fetch_url") && r.contains("loop"))
        );
    }

    #[test]
    fn ping_pong_between_two_calls_is_caught() {
        let mut guard = LoopGuard::default();
        let a = call("read_file", json!({"path": "a.md"}));
        let b = call("read_file", json!({"path": "b.md"}));
        let verdicts: Vec<Verdict> = (0..8)
            .map(|i| guard.check(if i % 2 == 0 { &a } else { &b }))
            .collect();
        assert!(
            matches!(verdicts.last(), Some(Verdict::Stop(_))),
            "{verdicts:?}"
        );
    }

    #[test]
    fn different_arguments_are_progress_and_key_order_does_not_matter() {
        let mut guard = LoopGuard::default();
        for page in 0..10 {
            assert_eq!(
                guard.check(&call(
                    "fetch_url",
                    json!({"url": format!("http://a/{page}")})
                )),
                Verdict::Run
            );
        }
        let mut guard = LoopGuard::default();
        guard.check(&call("write_file", json!({"path": "a", "content": "x"})));
        guard.check(&call("write_file", json!({"content": "x", "path": "a"})));
        assert!(matches!(
            guard.check(&call("write_file", json!({"path": "a", "content": "x"}))),
            Verdict::Refuse(_)
        ));
    }
}
