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

use miteos_core::Miteos;
use miteos_core::domain::TaskStatus;
use miteos_core::events::EventKind;
use miteos_core::orchestrator::Limits;
use miteos_core::providers::ModelConfig;
use miteos_core::providers::scripted::{AgentBehaviour, Scripted};
use miteos_core::service::{NewTask, Options};

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
            let miteos = open(Scripted { subtasks: 10, chained, plan_latency: Duration::ZERO, fan_out: 0, agent: AgentBehaviour::Answer(Duration::ZERO) }, &dir.path().join(format!("overhead-{chained}"))).await;
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
        let miteos = open(Scripted { subtasks: 5, chained: false, plan_latency: Duration::ZERO, fan_out: 0, agent: AgentBehaviour::Answer(latency) }, &dir.path().join("parallel")).await;
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

        let miteos = open(Scripted { subtasks: 20, chained: false, plan_latency: Duration::ZERO, fan_out: 0, agent: AgentBehaviour::StreamForever }, &dir.path().join("cancel")).await;
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
