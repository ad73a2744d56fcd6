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
    /// `false`: no subtask fails (the baseline).
    failing: bool,
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
                if self.failing && attempt == 1 && fails_once(&task, &part) {
                    return Err(ProviderError::BadRequest("scripted failure".into()));
                }
                StreamItem::Text(format!("{part} answered."))
            }
        };
        Ok(futures::stream::iter([Ok(item), usage]).boxed())
    }
}

struct Source(Arc<Mutex<HashMap<(String, String), u32>>>, bool);

impl ProviderSource for Source {
    fn resolve_model(&self, _explicit: Option<&str>) -> miteos_core::Result<String> {
        Ok(MODEL.into())
    }
    fn provider(&self, _model: &str) -> miteos_core::Result<Arc<dyn Provider>> {
        Ok(Arc::new(Flaky {
            attempts: self.0.clone(),
            failing: self.1,
        }))
    }
}

struct Outcome {
    completed: usize,
    tokens: i64,
    calls: i64,
}

async fn run(max_revisions: u32, failing: bool) -> Outcome {
    let dir = tempfile::tempdir().expect("temp dir");
    let miteos = Miteos::open(Options {
        providers: Some(Arc::new(Source(Arc::default(), failing))),
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
        let task =
            match tokio::time::timeout(std::time::Duration::from_secs(30), miteos.wait(&task.id))
                .await
            {
                Ok(task) => task.expect("waiting"),
                Err(_) => {
                    let events = miteos.events_after(&task.id, 0, 1000).await.unwrap();
                    let kinds: Vec<String> = events
                        .iter()
                        .map(|e| {
                            serde_json::to_string(&e.kind)
                                .unwrap()
                                .chars()
                                .take(160)
                                .collect()
                        })
                        .collect();
                    panic!("task {n} did not end: {}", kinds.join("\n"))
                }
            };
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
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .init();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let baseline = run(2, false).await;
        let without = run(0, true).await;
        let with = run(2, true).await;
        // The key the model uses: the first line of an agent's brief.
        let key = |n: usize| format!("The user's task: Answer the five parts of question {n}");
        let failures: usize = (0..TASKS)
            .map(|n| (1..=SUBTASKS).filter(|i| fails_once(&key(n), &format!("st-{i}"))).count())
            .sum();
        let hit = (0..TASKS)
            .filter(|n| (1..=SUBTASKS).any(|i| fails_once(&key(*n), &format!("st-{i}"))))
            .count();
        println!(
            "recovery: {TASKS} tasks of {SUBTASKS} subtasks; {failures} subtasks fail once, in {hit} tasks"
        );
        for (name, o) in [
            ("no failures (baseline)", &baseline),
            ("without revisions (max 0)", &without),
            ("with revisions (max 2)", &with),
        ] {
            println!(
                "  {name:<26} completed {:>2}/{TASKS} ({:>3.0}%) · {:>7} tokens · {:>3} model calls",
                o.completed,
                100.0 * o.completed as f64 / TASKS as f64,
                o.tokens,
                o.calls
            );
        }
        let extra = with.tokens - baseline.tokens;
        println!(
            "  recovery cost {extra} tokens over the baseline ({:+.1}%), {} more calls: {:.0} tokens per failed subtask",
            100.0 * extra as f64 / baseline.tokens.max(1) as f64,
            with.calls - baseline.calls,
            extra as f64 / failures.max(1) as f64
        );
    });
}
