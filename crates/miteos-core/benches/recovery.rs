//! Recovery benchmark: a scripted provider whose agents fail on their first attempt at one
//! subtask in five (chosen by a hash of the task and subtask, so every run is the same). Twenty
//! tasks of five subtasks run with the living plan's recovery (the `max_revisions` setting at its
//! default, 2) and without it (0: the first failure fails the task, as before). Reports the share of
//! tasks that complete and the tokens recovery cost.
//!
//! `cargo bench -p miteos-core --bench recovery`

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::StreamExt;
use miteos_core::Miteos;
use miteos_core::domain::TaskStatus;
use miteos_core::providers::{
    ChatRequest, Message, ModelConfig, Provider, ProviderError, ProviderSource, ProviderStream,
    StreamItem, ToolCall, Usage,
};
use miteos_core::service::{NewTask, Options};
use serde_json::json;

const MODEL: &str = "openai::gpt-4.1-mini";
const TASKS: usize = 20;
const SUBTASKS: usize = 5;
const INPUT_TOKENS: i64 = 2_000;
const OUTPUT_TOKENS: i64 = 300;

/// A model that plans five subtasks, fails the first attempt at one in five of them, retries
/// what failed when asked to revise, and finds every result met.
struct Flaky {
    attempts: Arc<Mutex<HashMap<(String, String), u32>>>,
}

fn fails_once(task: &str, part: &str) -> bool {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (task, part).hash(&mut h);
    h.finish().is_multiple_of(5)
}

fn call(name: &str, arguments: serde_json::Value) -> StreamItem {
    StreamItem::ToolCall(ToolCall {
        id: "c1".into(),
        name: name.into(),
        arguments,
    })
}

#[async_trait]
impl Provider for Flaky {
    fn model(&self) -> &str {
        MODEL
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ProviderStream, ProviderError> {
        let usage = Ok(StreamItem::Usage(Usage {
            input_tokens: INPUT_TOKENS,
            output_tokens: OUTPUT_TOKENS,
        }));
        let first = match request.messages.first() {
            Some(Message::User(text)) => text.clone(),
            _ => String::new(),
        };
        let item = match request.force_tool.as_deref() {
            Some("submit_plan") => {
                let subtasks: Vec<_> = (1..=SUBTASKS)
                    .map(|i| json!({"id": format!("st-{i}"), "title": format!("Part {i}"),
                        "description": format!("Answer part {i}"), "agent_type": "researcher", "depends_on": []}))
                    .collect();
                call(
                    "submit_plan",
                    json!({"title": "Five parts", "subtasks": subtasks}),
                )
            }
            Some("revise_plan") => {
                let failed: Vec<String> = first
                    .lines()
                    .filter(|l| l.contains("(failed"))
                    .filter_map(|l| {
                        l.trim_start_matches("- ")
                            .split(' ')
                            .next()
                            .map(str::to_owned)
                    })
                    .collect();
                call(
                    "revise_plan",
                    json!({"decision": "revise", "reason": "a transient failure", "retry": failed}),
                )
            }
            Some("submit_check") => call("submit_check", json!({"unmet": []})),
            _ => {
                let part = first
                    .split("Your part of it (")
                    .nth(1)
                    .and_then(|r| r.split(')').next())
                    .unwrap_or("st-0")
                    .to_owned();
                let task = first.lines().next().unwrap_or("").to_owned();
                let attempt = {
                    let mut attempts = self.attempts.lock().unwrap();
                    let n = attempts.entry((task.clone(), part.clone())).or_insert(0);
                    *n += 1;
                    *n
                };
                if attempt == 1 && fails_once(&task, &part) {
                    return Err(ProviderError::BadRequest("scripted failure".into()));
                }
                StreamItem::Text(format!("{part} answered."))
            }
        };
        Ok(futures::stream::iter([Ok(item), usage]).boxed())
    }
}

struct Source(Arc<Mutex<HashMap<(String, String), u32>>>);

impl ProviderSource for Source {
    fn resolve_model(&self, _explicit: Option<&str>) -> miteos_core::Result<String> {
        Ok(MODEL.into())
    }
    fn provider(&self, _model: &str) -> miteos_core::Result<Arc<dyn Provider>> {
        Ok(Arc::new(Flaky {
            attempts: self.0.clone(),
        }))
    }
}

struct Outcome {
    completed: usize,
    tokens: i64,
    calls: i64,
}

async fn run(max_revisions: u32) -> Outcome {
    let dir = tempfile::tempdir().expect("temp dir");
    let miteos = Miteos::open(Options {
        providers: Some(Arc::new(Source(Arc::default()))),
        keys_in_file: true,
        ..Options::new(dir.path(), ModelConfig::default())
    })
    .await
    .expect("opening Miteos");
    let mut settings = serde_json::to_value(miteos.settings().await.unwrap()).unwrap();
    settings["plan"]["max_revisions"] = json!(max_revisions);
    settings["keys"] = json!([]);
    miteos
        .save_settings(serde_json::from_value(settings).unwrap())
        .await
        .expect("saving the settings");
    let mut out = Outcome {
        completed: 0,
        tokens: 0,
        calls: 0,
    };
    for n in 0..TASKS {
        let task = miteos
            .create_task(NewTask {
                prompt: format!("Answer the five parts of question {n}"),
                ..Default::default()
            })
            .await
            .expect("creating the task");
        let task = miteos.wait(&task.id).await.expect("waiting");
        if task.status == TaskStatus::Completed {
            out.completed += 1;
        }
        out.tokens += task.total_tokens_used;
        out.calls += task.steps;
    }
    miteos.shutdown().await;
    out
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let without = run(0).await;
        let with = run(2).await;
        let failing: usize = (0..TASKS)
            .filter(|n| {
                let task = format!("Answer the five parts of question {n}");
                (1..=SUBTASKS).any(|i| fails_once(&task, &format!("st-{i}")))
            })
            .count();
        println!("recovery: {TASKS} tasks of {SUBTASKS} subtasks; {failing} have a subtask that fails once");
        for (name, o) in [("without revisions (max 0)", &without), ("with revisions (max 2)", &with)] {
            println!(
                "  {name:<26} completed {:>2}/{TASKS} ({:>3.0}%) · {:>7} tokens · {:>3} model calls",
                o.completed,
                100.0 * o.completed as f64 / TASKS as f64,
                o.tokens,
                o.calls
            );
        }
        let extra = with.tokens - without.tokens;
        println!(
            "  recovery cost {extra} more tokens ({:+.1}%), {} more calls",
            100.0 * extra as f64 / without.tokens.max(1) as f64,
            with.calls - without.calls
        );
    });
}
