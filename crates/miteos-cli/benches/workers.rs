//! Workers benchmark (a bench binary, not a timed test): TASKS tasks queued on a real PostgreSQL
//! database (scripts/postgres.sh's server, a fresh database per run) and run by `miteos worker`
//! processes, once by one worker and once by three, against a scripted model whose every answer
//! takes LATENCY ms (a plan of one subtask, the agent's answer, the result check: three calls a
//! task).
//!
//! `cargo bench -p miteos-cli --bench workers -- [TASKS] [LATENCY_MS] [PER_WORKER] [SUBTASKS]
//! [hand-out|fan-out|fan-out-kept]` (defaults 1000, 200, 8, 1). Prints, for each run: the wall
//! time and throughput; the queue wait (created → started) p50/p99 of the burst; the claim
//! latency p50/p99 of tasks queued one at a time while workers are idle (created → started: the
//! signal, the claim, the start); and, in the three-worker run, the lease takeover time after one
//! worker is SIGKILLed halfway (kill → the last of its tasks resumed elsewhere, leases of
//! LEASE_SECONDS).
//!
//! SUBTASKS > 1 plans each task as that many parallel subtasks; `fan-out` plans it instead as a
//! researcher listing SUBTASKS items and a fan-out over them (wide tasks; 5 tasks one at a time
//! for the idle claim latency), and `fan-out-kept` the same without a file store. With
//! `hand-out` (and `fan-out`) the workers share a file store, so the worker holding a task hands
//! its subtasks out to any worker: the claim latency is then a subtask's (queued by its task's
//! worker → its agent started on the claiming one), and the takeover time is the killed worker's
//! subtasks' (kill → the last of them started again elsewhere).

#[path = "../../../tests/e2e/support/fake_model.rs"]
#[allow(dead_code)]
mod fake_model;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use fake_model::{Dialect, Reply, Script, tool};
use miteos_core::Miteos;
use miteos_core::events::EventKind;
use miteos_core::providers::ModelConfig;
use miteos_core::service::{NewTask, Options};
use miteos_store::testing::TestDatabase;

const LEASE_SECONDS: &str = "3";

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let tasks: usize = args.next().map_or(1000, |a| a.parse().expect("TASKS"));
    let latency: u64 = args.next().map_or(200, |a| a.parse().expect("LATENCY_MS"));
    let per_worker: usize = args.next().map_or(8, |a| a.parse().expect("PER_WORKER"));
    let subtasks: usize = args.next().map_or(1, |a| a.parse().expect("SUBTASKS"));
    let mode = args.next().unwrap_or_default();
    let fan_out = mode.starts_with("fan-out");
    let hand_out = mode == "hand-out" || mode == "fan-out";
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let mut walls = Vec::new();
        for workers in [1, 3] {
            let shape = Shape {
                tasks,
                latency: Duration::from_millis(latency),
                workers,
                per_worker,
                subtasks,
                hand_out,
                fan_out,
            };
            walls.push(run(&shape).await);
        }
        println!(
            "throughput, 3 workers vs 1: {:.2}x",
            walls[0].as_secs_f64() / walls[1].as_secs_f64()
        );
    });
}

/// One run: how many tasks of how many subtasks, through how many workers.
struct Shape {
    tasks: usize,
    latency: Duration,
    workers: usize,
    /// Tasks (and, handing out, subtasks' agents) a worker runs at once.
    per_worker: usize,
    subtasks: usize,
    hand_out: bool,
    /// The subtasks are a fan-out's items.
    fan_out: bool,
}

/// Queues the tasks and waits until the worker processes ran them; answers the wall time.
async fn run(shape: &Shape) -> Duration {
    let Shape {
        tasks,
        latency,
        workers,
        per_worker,
        ..
    } = *shape;
    let database = TestDatabase::create().await;
    let script = Script::default();
    let server = fake_model::start(Dialect::OpenAi, &script).await;
    let plan = match shape.fan_out {
        true => fake_model::suppliers_fan_out(&script, shape.subtasks, latency),
        false => {
            let subtasks: Vec<_> = (1..=shape.subtasks)
                .map(|n| {
                    json!({"id": format!("st-{n}"), "title": format!("Write note part {n}"),
                           "description": "write it", "agent_type": "builder", "depends_on": []})
                })
                .collect();
            json!({"title": "Note", "subtasks": subtasks})
        }
    };
    script.slow(
        fake_model::planner,
        Reply::ToolCalls(vec![tool("submit_plan", plan)]),
        latency,
    );
    script.slow(
        fake_model::checker,
        Reply::ToolCalls(vec![tool("submit_check", json!({"unmet": []}))]),
        latency,
    );
    script.slow(|_| true, Reply::Text("Done: the note.".into()), latency);
    let dir = tempfile::tempdir().expect("a temp dir");
    let files = shape.hand_out.then(|| {
        let url = reqwest::Url::from_directory_path(dir.path().join("files")).expect("a URL");
        url.to_string()
    });
    let models = ModelConfig {
        openai_api_key: Some("bench".into()),
        openai_base_url: Some(format!("{}/v1", server.uri())),
        model: Some("openai::gpt-4.1-mini".into()),
        ..ModelConfig::default()
    };
    // The API server's side: queues what it is given, runs nothing.
    let api = Miteos::open(Options {
        database_url: Some(database.url.clone()),
        queue_tasks: true,
        worker_tasks: 0,
        files_url: files.clone(),
        keys_in_file: true,
        resume_interrupted: false,
        compile_in_background: false,
        models_dir: Some(dir.path().join("models")),
        ..Options::new(dir.path(), models)
    })
    .await
    .expect("Miteos opens");

    let dirs: Vec<_> = (0..workers).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut children: Vec<Child> = dirs
        .iter()
        .map(|d| {
            worker(
                d.path(),
                &server.uri(),
                &database.url,
                per_worker,
                files.as_deref(),
            )
        })
        .collect();

    let started = Instant::now();
    let mut ids = Vec::with_capacity(tasks);
    for n in 0..tasks {
        ids.push(create(&api, n).await);
    }
    let mut killed = None;
    let mut done = 0;
    while done < ids.len() {
        done = 0;
        for id in &ids {
            if api.get_task(id).await.expect("a task").status.is_finished() {
                done += 1;
            }
        }
        // (One task alone is not cut: there is no halfway.)
        if workers > 1 && ids.len() > 1 && killed.is_none() && done >= ids.len() / 2 {
            children[0].kill().expect("SIGKILL a worker");
            children[0].wait().expect("it ends");
            killed = Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let wall = started.elapsed();
    let burst_waits = waits(&api, &ids).await;

    // Claim latency: one task at a time, every worker idle.
    let mut single = Vec::new();
    for n in 0..if shape.fan_out { 5 } else { 50 } {
        let id = create(&api, tasks + n).await;
        let _ = api.wait(&id).await;
        while !api
            .get_task(&id)
            .await
            .expect("a task")
            .status
            .is_finished()
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        single.push(id);
    }
    let claims = match shape.hand_out {
        true => subtask_claims(&api, &single).await,
        false => waits(&api, &single).await,
    };

    let mut failed = 0;
    for id in &ids {
        if api.get_task(id).await.expect("a task").status.as_str() != "completed" {
            failed += 1;
        }
    }
    println!(
        "{workers} worker(s) × {per_worker} at once, {tasks} tasks of {} subtask(s){}, model {} ms a call: {:.1} s, \
         {:.1} tasks/s ({failed} not completed); queue wait p50 {} p99 {}; claim latency (idle) p50 {} p99 {}",
        shape.subtasks,
        if shape.hand_out { " handed out" } else { "" },
        latency.as_millis(),
        wall.as_secs_f64(),
        tasks as f64 / wall.as_secs_f64(),
        ms(percentile(&burst_waits, 0.5)),
        ms(percentile(&burst_waits, 0.99)),
        ms(percentile(&claims, 0.5)),
        ms(percentile(&claims, 0.99)),
    );
    if let Some(killed) = killed {
        let taken = match shape.hand_out {
            true => {
                last_restart(
                    &api,
                    &ids,
                    |e| matches!(e, EventKind::SubtaskStarted { .. }),
                    2,
                )
                .await
            }
            false => {
                last_restart(
                    &api,
                    &ids,
                    |e| matches!(e, EventKind::TaskResumed { .. }),
                    1,
                )
                .await
            }
        }
        .map(|at| {
            let since = chrono::Utc::now() - at;
            killed
                .elapsed()
                .saturating_sub(since.to_std().unwrap_or_default())
        });
        println!(
            "   a worker SIGKILLed halfway: its {} all started again elsewhere {} after the kill (leases of {LEASE_SECONDS} s)",
            if shape.hand_out { "subtasks" } else { "tasks" },
            taken.map_or("(none were running)".into(), ms)
        );
    }
    for child in &mut children {
        let _ = child.kill();
        let _ = child.wait();
    }
    api.shutdown().await;
    wall
}

async fn create(api: &Miteos, n: usize) -> String {
    // No step limit: a fan-out of a hundred items takes more steps than a task's default.
    let unlimited = miteos_core::budget::LimitsChange {
        steps: Some(None),
        ..Default::default()
    };
    api.create_task(NewTask {
        prompt: format!("Write a short note, number {n}"),
        budget: Some(miteos_core::budget::BudgetChange {
            task: Some(unlimited),
            subtask: None,
        }),
        ..NewTask::default()
    })
    .await
    .expect("a task is queued")
    .id
}

/// When the last task or subtask the killed worker had was started again elsewhere: the
/// latest `nth` event of a kind (`task_resumed`, the first; a subtask's second
/// `subtask_started`), over every task.
async fn last_restart(
    api: &Miteos,
    ids: &[String],
    kind: impl Fn(&EventKind) -> bool,
    nth: usize,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let mut last = None;
    for id in ids {
        let mut by_subtask = std::collections::HashMap::<String, Vec<_>>::new();
        for e in api.events_after(id, 0, 100_000).await.expect("events") {
            if kind(&e.kind) {
                let key = match &e.kind {
                    EventKind::SubtaskStarted { subtask_id, .. } => subtask_id.clone(),
                    _ => String::new(),
                };
                by_subtask.entry(key).or_default().push(e.at);
            }
        }
        for starts in by_subtask.values() {
            last = last.max(starts.get(nth - 1).copied());
        }
    }
    last
}

/// Queued → its agent started on the worker that claimed it, for each subtask: the holder
/// marks a subtask running as it queues it; the claiming worker journals `subtask_started`.
async fn subtask_claims(api: &Miteos, ids: &[String]) -> Vec<Duration> {
    let mut out = Vec::new();
    for id in ids {
        let task = api.get_task(id).await.expect("a task");
        let events = api.events_after(id, 0, 100_000).await.expect("events");
        for st in &task.subtasks {
            let started = events.iter().find_map(|e| match &e.kind {
                EventKind::SubtaskStarted { subtask_id, .. } if *subtask_id == st.id => Some(e.at),
                _ => None,
            });
            if let (Some(queued), Some(started)) = (st.started_at, started) {
                out.push((started - queued).to_std().unwrap_or_default());
            }
        }
    }
    out.sort();
    out
}

/// Created → started, for each task.
async fn waits(api: &Miteos, ids: &[String]) -> Vec<Duration> {
    let mut out = Vec::new();
    for id in ids {
        let task = api.get_task(id).await.expect("a task");
        if let Some(started) = task.started_at {
            out.push((started - task.created_at).to_std().unwrap_or_default());
        }
    }
    out.sort();
    out
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn worker(
    dir: &std::path::Path,
    model: &str,
    database: &str,
    per_worker: usize,
    files: Option<&str>,
) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_miteos"));
    if let Some(files) = files {
        command.env("MITEOS_FILES_URL", files);
    }
    let mut child = command
        .env("MITEOS_DATA_DIR", dir)
        .env("MITEOS_MODELS_DIR", dir.join("models"))
        .env("MITEOS_DATABASE_URL", database)
        .env("MITEOS_SECRETS", "file")
        .env("OPENAI_BASE_URL", format!("{model}/v1"))
        .env("OPENAI_API_KEY", "bench")
        .env("MITEOS_MODEL", "openai::gpt-4.1-mini")
        .env("RUST_LOG", "error")
        .args([
            "worker",
            "--tasks",
            &per_worker.to_string(),
            "--agents",
            &per_worker.to_string(),
            "--lease-seconds",
            LEASE_SECONDS,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("miteos worker starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(|l| l.ok()).unwrap_or_default();
    assert!(first.starts_with("Miteos worker "), "{first}");
    std::thread::spawn(move || for _ in lines {});
    child
}
