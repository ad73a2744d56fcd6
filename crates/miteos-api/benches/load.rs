//! Load benchmark (a bench binary, not a timed test): 500 tasks submitted at once over the real
//! HTTP API (127.0.0.1), a real SQLite file, the real orchestrator, and a scripted in-process
//! provider answering every model call after 50 ms. While they run, clients poll
//! `GET /tasks/{id}` of random tasks.
//!
//! `cargo bench -p miteos-api --bench load` prints, for the default per-provider concurrency
//! (8 calls in flight) and a generous one (64): time to submit, time until every task ended,
//! throughput, p50/p99 latency of `GET /tasks/{id}` under that load, and the process's peak RSS
//! (server and load generator together). The figures are recorded in docs/benchmarks.md.

#[path = "../../miteos-core/benches/support/memory.rs"]
mod memory;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use miteos_api::{self as api, ApiState};
use miteos_core::Miteos;
use miteos_core::domain::TaskStatus;
use miteos_core::orchestrator::Limits;
use miteos_core::providers::ModelConfig;
use miteos_core::providers::scripted::{AgentBehaviour, Scripted};
use miteos_core::service::Options;

const TASKS: usize = 500;
const SUBTASKS: usize = 3;
const LATENCY: Duration = Duration::from_millis(50);
const POLLERS: usize = 4;
const TOKEN: &str = "load-bench-token";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn run(provider_calls: usize, dir: &std::path::Path) {
    let scripted = Scripted {
        subtasks: SUBTASKS,
        chained: false,
        plan_latency: LATENCY,
        fan_out: 0,
        agent: AgentBehaviour::Answer(LATENCY),
    };
    let options = Options {
        providers: Some(Arc::new(scripted)),
        limits: Limits {
            max_provider_calls: provider_calls,
            ..Limits::default()
        },
        keys_in_file: true,
        ..Options::new(dir, ModelConfig::default())
    };
    let miteos = Miteos::open(options).await.expect("open");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // The per-client rate limit would throttle this one client; the benchmark measures what
    // is behind it.
    let state =
        ApiState::new(miteos.clone(), TOKEN, "127.0.0.1").with_rate_limit(1_000_000, 1_000_000);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(api::serve(listener, state, async {
        let _ = stop_rx.await;
    }));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();

    let started = Instant::now();
    let submits: Vec<_> = (0..TASKS)
        .map(|n| {
            let (client, base) = (client.clone(), base.clone());
            tokio::spawn(async move {
                let r = client
                    .post(format!("{base}/tasks"))
                    .bearer_auth(TOKEN)
                    .json(&serde_json::json!({"prompt": format!("load task {n}")}))
                    .send()
                    .await
                    .expect("POST /tasks");
                assert_eq!(r.status(), 201);
                let task: serde_json::Value = r.json().await.unwrap();
                task["id"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    let mut ids = Vec::with_capacity(TASKS);
    for s in submits {
        ids.push(s.await.unwrap());
    }
    let submitted = started.elapsed();

    let ids = Arc::new(ids);
    let done = Arc::new(AtomicBool::new(false));
    let pollers: Vec<_> = (0..POLLERS)
        .map(|p| {
            let (client, base, ids, done) =
                (client.clone(), base.clone(), ids.clone(), done.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut i = p * 7919;
                while !done.load(Ordering::Relaxed) {
                    i = (i + 104_729) % ids.len();
                    let asked = Instant::now();
                    let r = client
                        .get(format!("{base}/tasks/{}", ids[i]))
                        .bearer_auth(TOKEN)
                        .send()
                        .await
                        .expect("GET /tasks/{id}");
                    assert_eq!(r.status(), 200);
                    let _ = r.bytes().await.unwrap();
                    latencies.push(asked.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut failed = 0;
    for id in ids.iter() {
        if miteos.wait(id).await.unwrap().status != TaskStatus::Completed {
            failed += 1;
        }
    }
    let all_done = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for p in pollers {
        latencies.extend(p.await.unwrap());
    }
    latencies.sort();
    let calls = TASKS * (SUBTASKS + 1);
    println!(
        "{TASKS} tasks × ({SUBTASKS} subtasks + plan), {}-ms provider, {provider_calls} calls in flight per provider:",
        LATENCY.as_millis()
    );
    println!(
        "  submitted in {}; all ended in {:.2} s ({failed} not completed): {:.1} tasks/s, {:.0} model calls/s (ideal {:.0})",
        ms(submitted),
        all_done.as_secs_f64(),
        TASKS as f64 / all_done.as_secs_f64(),
        calls as f64 / all_done.as_secs_f64(),
        provider_calls as f64 / LATENCY.as_secs_f64()
    );
    println!(
        "  GET /tasks/{{id}} under load: {} requests, p50 {}, p99 {}, max {}",
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap())
    );
    println!("  peak RSS so far: {:.0} MiB", memory::peak_rss_mib());
    let _ = stop_tx.send(());
    let _ = server.await;
    miteos.shutdown().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        for provider_calls in [8, 64] {
            run(
                provider_calls,
                &dir.path().join(format!("calls-{provider_calls}")),
            )
            .await;
        }
    });
}
