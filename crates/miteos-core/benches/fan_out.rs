//! Wide research benchmark (a bench binary, not a timed test): a real store in a temp dir, the
//! real orchestrator, and an in-process scripted provider whose agents stream for 1 s.
//!
//! `cargo bench -p miteos-core --bench fan_out -- [items] [provider limit]` (defaults 100 and
//! 20) prints the figures recorded in docs/benchmarks.md:
//! - a fan-out over `items` at the provider's limit: wall time against the ideal (plan +
//!   items / limit × 1 s + merge), orchestration overhead per item, peak memory;
//! - the same with every item in flight at once, each streaming a 400-character piece (one
//!   event each) every millisecond, as fast as its journal appends return: the events per second
//!   the journal sustained meanwhile.

#[path = "support/memory.rs"]
mod memory;

use std::sync::Arc;
use std::time::{Duration, Instant};

use miteos_core::Miteos;
use miteos_core::budget::{BudgetChange, LimitsChange};
use miteos_core::domain::TaskStatus;
use miteos_core::events::EventKind;
use miteos_core::orchestrator::Limits;
use miteos_core::providers::ModelConfig;
use miteos_core::providers::scripted::{AgentBehaviour, Scripted};
use miteos_core::service::{NewTask, Options};
use tokio::sync::broadcast::error::RecvError;

const LATENCY: Duration = Duration::from_secs(1);

async fn open(items: usize, limit: usize, agent: AgentBehaviour, dir: &std::path::Path) -> Miteos {
    let script = Scripted {
        subtasks: 0,
        chained: false,
        plan_latency: Duration::ZERO,
        fan_out: items,
        agent,
    };
    let options = Options {
        providers: Some(Arc::new(script)),
        limits: Limits {
            max_provider_calls: limit,
            ..Limits::default()
        },
        keys_in_file: true,
        compile_in_background: false,
        ..Options::new(dir, ModelConfig::default())
    };
    Miteos::open(options).await.expect("open")
}

/// When things happened in one run, from the task's creation.
#[derive(Default, Debug)]
struct Run {
    wall: Duration,
    plan: Duration,
    first_item: Option<Duration>,
    last_item: Duration,
    merged: Duration,
    last_output: Duration,
    events: u64,
    outputs: u64,
}

async fn run(miteos: &Miteos) -> Run {
    let mut live = miteos.subscribe();
    let started = Instant::now();
    let task = miteos
        .create_task(NewTask {
            prompt: "bench: profile each item".into(),
            // Many items take more model calls than a task's default 100 steps: the task would
            // pause at 80 to ask. No limits here: what is measured is the fan-out.
            budget: Some(BudgetChange {
                task: Some(LimitsChange {
                    tokens: Some(None),
                    cost_cents: Some(None),
                    steps: Some(None),
                    seconds: Some(None),
                }),
                subtask: None,
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut run = Run::default();
    loop {
        let e = match live.recv().await {
            Ok(e) => e,
            Err(RecvError::Lagged(n)) => {
                run.events += n;
                continue;
            }
            Err(RecvError::Closed) => panic!("the journal closed"),
        };
        if e.task_id != task.id {
            continue;
        }
        run.events += 1;
        let now = started.elapsed();
        match &e.kind {
            EventKind::PlanReady { .. } => run.plan = now,
            EventKind::SubtaskStarted { subtask_id, .. } if subtask_id != "st-1" => {
                run.first_item.get_or_insert(now);
            }
            EventKind::AgentOutput { .. } => {
                run.outputs += 1;
                run.last_output = now;
            }
            EventKind::ItemMerged { .. } => run.last_item = now,
            EventKind::DeliverableAdded { .. } => run.merged = now,
            EventKind::TaskFinished { status, error, .. } => {
                assert_eq!(*status, TaskStatus::Completed, "{error:?}");
                break;
            }
            _ => {}
        }
    }
    run.wall = started.elapsed();
    run
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let items = args.first().copied().unwrap_or(100);
    let limit = args.get(1).copied().unwrap_or(20);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let streaming = AgentBehaviour::Stream {
            latency: LATENCY,
            every: Duration::from_millis(100),
            chars: 160,
        };
        let miteos = open(items, limit, streaming, &dir.path().join("limit")).await;
        for attempt in 0..3 {
            let r = run(&miteos).await;
            let waves = items.div_ceil(limit) as u32;
            let merge = r.merged.saturating_sub(r.last_item);
            let ideal = r.plan + LATENCY * waves + merge;
            println!(
                "run {}: {items} items, provider limit {limit}: wall {} vs ideal {} (plan {} + {waves} × 1 s + merge {}) = {:.3}x; \
                 overhead {:.1} ms per item; {} events ({} agent_output); peak memory {:.0} MiB",
                attempt + 1,
                secs(r.wall),
                secs(ideal),
                secs(r.plan),
                secs(merge),
                r.wall.as_secs_f64() / ideal.as_secs_f64(),
                r.wall.saturating_sub(ideal).as_secs_f64() * 1000.0 / items as f64,
                r.events,
                r.outputs,
                memory::peak_rss_mib()
            );
        }

        let flood = AgentBehaviour::Stream {
            latency: LATENCY,
            every: Duration::from_millis(1),
            chars: 400,
        };
        let miteos = open(items, items, flood, &dir.path().join("flood")).await;
        for attempt in 0..3 {
            let r = run(&miteos).await;
            let window = r.last_output.saturating_sub(r.first_item.unwrap_or_default());
            println!(
                "run {}: {items} items all in flight, each streaming 400 chars a millisecond: {} agent_output events in {} \
                 = {:.0} events/s journaled; wall {} (last item merged at {}); peak memory {:.0} MiB",
                attempt + 1,
                r.outputs,
                secs(window),
                r.outputs as f64 / window.as_secs_f64(),
                secs(r.wall),
                secs(r.last_item),
                memory::peak_rss_mib()
            );
        }
    });
}
