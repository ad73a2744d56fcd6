//! Orchestration benchmark (a bench binary, not a timed test): a real store in a temp dir, the
//! real orchestrator, and an in-process scripted provider with fixed latencies.
//!
//! `cargo bench -p miteos-core --bench orchestration` prints the figures recorded in
//! docs/benchmarks.md:
//! - overhead per subtask with a zero-latency provider (10 subtasks, chained and independent);
//! - wall time of 5 independent subtasks of 200 ms model latency against plan + 200 ms;
//! - cancel latency (p50/p99) with 20 agents mid-stream.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use miteos_core::Miteos;
use miteos_core::domain::TaskStatus;
use miteos_core::events::EventKind;
use miteos_core::orchestrator::Limits;
use miteos_core::providers::{
    ChatRequest, ModelConfig, Provider, ProviderError, ProviderSource, ProviderStream, StreamItem,
    ToolCall, Usage,
};
use miteos_core::service::{NewTask, Options};
use serde_json::json;

/// What the scripted agents do.
#[derive(Clone, Copy)]
enum AgentBehaviour {
    /// Answer after this latency.
    Answer(Duration),
    /// Stream a token every 5 ms, forever.
    StreamForever,
}

#[derive(Clone, Copy)]
struct Scripted {
    subtasks: usize,
    chained: bool,
    agent: AgentBehaviour,
}

#[async_trait]
impl Provider for Scripted {
    fn model(&self) -> &str {
        "bench::scripted"
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ProviderStream, ProviderError> {
        let usage = StreamItem::Usage(Usage {
            input_tokens: 100,
            output_tokens: 20,
        });
        if request.force_tool.as_deref() == Some("submit_plan") {
            let subtasks: Vec<_> = (1..=self.subtasks)
                .map(|i| {
                    let deps = if self.chained && i > 1 { vec![format!("st-{}", i - 1)] } else { vec![] };
                    json!({"id": format!("st-{i}"), "title": format!("Step {i}"), "description": "do it",
                           "agent_type": "researcher", "depends_on": deps})
                })
                .collect();
            let call = ToolCall {
                id: "plan".into(),
                name: "submit_plan".into(),
                arguments: json!({"title": "bench", "subtasks": subtasks}),
            };
            return Ok(futures::stream::iter([Ok(StreamItem::ToolCall(call)), Ok(usage)]).boxed());
        }
        match self.agent {
            AgentBehaviour::Answer(latency) => {
                tokio::time::sleep(latency).await;
                Ok(futures::stream::iter([Ok(StreamItem::Text("done".into())), Ok(usage)]).boxed())
            }
            AgentBehaviour::StreamForever => Ok(futures::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Some((Ok(StreamItem::Text("token ".into())), ()))
            })
            .boxed()),
        }
    }
}

impl ProviderSource for Scripted {
    fn resolve_model(&self, _explicit: Option<&str>) -> miteos_core::Result<String> {
        Ok("bench::scripted".into())
    }
    fn provider(&self, _model: &str) -> miteos_core::Result<Arc<dyn Provider>> {
        Ok(Arc::new(*self))
    }
}

async fn open(script: Scripted, dir: &std::path::Path) -> Miteos {
    let limits = Limits {
        max_concurrency: 20,
        max_subtasks: 20,
        max_provider_calls: 20,
        ..Limits::default()
    };
    let options = Options {
        providers: Some(Arc::new(script)),
        limits,
        keys_in_file: true,
        ..Options::new(dir, ModelConfig::default())
    };
    Miteos::open(options).await.expect("open")
}

async fn run_once(miteos: &Miteos) -> (Duration, Duration) {
    let mut live = miteos.subscribe();
    let started = Instant::now();
    let task = miteos
        .create_task(NewTask {
            prompt: "bench".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut plan_ready = Duration::ZERO;
    while let Ok(e) = live.recv().await {
        if e.task_id != task.id {
            continue;
        }
        match &e.kind {
            EventKind::PlanReady { .. } => plan_ready = started.elapsed(),
            EventKind::TaskFinished { status, .. } => {
                assert_eq!(*status, TaskStatus::Completed);
                break;
            }
            _ => {}
        }
    }
    (started.elapsed(), plan_ready)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();

        for chained in [true, false] {
            let miteos = open(Scripted { subtasks: 10, chained, agent: AgentBehaviour::Answer(Duration::ZERO) }, &dir.path().join(format!("overhead-{chained}"))).await;
            run_once(&miteos).await; // warm-up
            let mut walls: Vec<Duration> = Vec::new();
            for _ in 0..20 {
                walls.push(run_once(&miteos).await.0);
            }
            walls.sort();
            let p50 = percentile(&walls, 0.5);
            println!(
                "overhead, 10 {} subtasks, zero-latency provider: task p50 {} -> {} per subtask (p90 task {})",
                if chained { "chained" } else { "independent" },
                ms(p50),
                ms(p50 / 10),
                ms(percentile(&walls, 0.9))
            );
        }

        let latency = Duration::from_millis(200);
        let miteos = open(Scripted { subtasks: 5, chained: false, agent: AgentBehaviour::Answer(latency) }, &dir.path().join("parallel")).await;
        let mut ratios = Vec::new();
        for _ in 0..10 {
            let (wall, plan) = run_once(&miteos).await;
            ratios.push(wall.as_secs_f64() / (plan + latency).as_secs_f64());
        }
        ratios.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "5 independent subtasks x 200 ms: wall / (plan + 200 ms) median {:.3}x, worst {:.3}x (target <= 1.15x)",
            ratios[ratios.len() / 2],
            ratios[ratios.len() - 1]
        );

        let miteos = open(Scripted { subtasks: 20, chained: false, agent: AgentBehaviour::StreamForever }, &dir.path().join("cancel")).await;
        let mut latencies = Vec::new();
        for _ in 0..30 {
            let mut live = miteos.subscribe();
            let task = miteos.create_task(NewTask { prompt: "bench".into(), ..Default::default() }).await.unwrap();
            let mut streaming = std::collections::HashSet::new();
            while let Ok(e) = live.recv().await {
                if let (true, EventKind::AgentOutput { subtask_id, .. }) = (e.task_id == task.id, &e.kind) {
                    streaming.insert(subtask_id.clone());
                    if streaming.len() == 20 {
                        break;
                    }
                }
            }
            let asked = Instant::now();
            let done = miteos.cancel_task(&task.id).await.unwrap();
            latencies.push(asked.elapsed());
            assert_eq!(done.status, TaskStatus::Cancelled);
        }
        latencies.sort();
        println!(
            "cancel with 20 agents mid-stream: p50 {}, p99 {}, max {} (target p99 <= 250 ms)",
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99)),
            ms(*latencies.last().unwrap())
        );
    });
}
