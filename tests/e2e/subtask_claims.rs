//! Subtasks claimed by any worker: an API server (this process) and `miteos worker` processes
//! on one real PostgreSQL database with a team's file store. The worker holding a task hands
//! its subtasks out; the others claim them under leases of their own, and everything a run
//! does across processes holds: a dead agent worker's subtask is taken over and completes once,
//! a cancel stops the agent on the other worker at once, an approval and a budget question
//! reach the agent that waits on them.

use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use miteos_store::testing::TestDatabase;

use crate::support::{Reply, TestApp, fake_model, script_example, tool};
use crate::workers::{Workers, count, event_names, plan_one_builder, wait_events, worker_taking};

/// A team on `database` with a file store: the API server (queues, runs nothing), and how to
/// start workers on it.
struct Team {
    app: TestApp,
    url: String,
    env: Vec<(String, String)>,
    _files: tempfile::TempDir,
    dirs: Vec<tempfile::TempDir>,
}

impl Team {
    async fn start(database: &TestDatabase) -> Team {
        let files = tempfile::tempdir().unwrap();
        let files_url = reqwest::Url::from_directory_path(files.path())
            .unwrap()
            .to_string();
        let app = TestApp::on_database(&database.url, |options| {
            options.queue_tasks = true;
            options.worker_tasks = 0;
            options.files_url = Some(files_url.clone());
        })
        .await;
        Team {
            app,
            url: database.url.clone(),
            env: vec![("MITEOS_FILES_URL".to_owned(), files_url)],
            _files: files,
            dirs: Vec::new(),
        }
    }

    /// A worker holding tasks only: it plans them and hands every subtask out.
    fn holder(&mut self) -> Child {
        self.worker(&["--tasks", "4", "--agents", "0"])
    }

    /// A worker running `n` of the team's subtasks' agents at once, and no task of its own.
    fn agents(&mut self, n: usize) -> Child {
        let n = n.to_string();
        self.worker(&["--tasks", "0", "--agents", &n])
    }

    fn worker(&mut self, takes: &[&str]) -> Child {
        let dir = tempfile::tempdir().unwrap();
        let child = worker_taking(&self.app, &self.url, dir.path(), &self.env, takes);
        self.dirs.push(dir);
        child
    }

    /// Whether worker `n`'s data directory has a folder for the task (its agents ran there).
    fn ran_on(&self, n: usize, id: &str) -> bool {
        self.dirs[n].path().join("tasks").join(id).exists()
    }
}

const EXAMPLE: &str =
    "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_tasks_subtasks_run_on_several_workers() {
    let database = TestDatabase::create().await;
    let mut team = Team::start(&database).await;
    // The two researchers take a while each: both are claimed at once, by the two workers.
    for st in ["st-1", "st-2"] {
        team.app.script.slow(
            fake_model::agent_first(st),
            Reply::ToolCalls(vec![tool(
                "fetch_url",
                json!({"url": team.app.url(&format!("/pages/{}", if st == "st-1" { "pricing" } else { "features" }))}),
            )]),
            Duration::from_millis(800),
        );
    }
    script_example(&team.app).await;
    let _workers = Workers(vec![team.holder(), team.agents(1), team.agents(1)]);
    let id = team.app.create_task(EXAMPLE).await;
    let task = team
        .app
        .wait_final_within(&id, Duration::from_secs(60))
        .await;
    assert_eq!(task["status"], "completed", "{task}");
    assert!(team.ran_on(0, &id), "the holder planned it");
    assert!(
        team.ran_on(1, &id) && team.ran_on(2, &id),
        "both agent workers ran some of it"
    );
    let events = event_names(&team.app, &id).await;
    for st in ["st-1", "st-2", "st-3"] {
        assert_eq!(count(&events, "subtask_started", st), 1, "{st}");
        assert_eq!(count(&events, "subtask_finished", st), 1, "{st}");
    }
    let seqs: Vec<i64> = events.iter().map(|(seq, _, _)| *seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(events.last().unwrap().1, "task_finished");
    // The analyst's spreadsheet, written on an agent worker, is handed over by the server.
    let (xlsx, bytes) = crate::support::served::deliverable_named(
        &team.app.client,
        &team.app.base,
        crate::support::TOKEN,
        &id,
        "comparison.xlsx",
    )
    .await;
    assert_eq!(bytes.len() as u64, xlsx["size_bytes"].as_u64().unwrap());
    assert!(bytes.starts_with(b"PK"), "a spreadsheet");
    let metrics = team.app.text("/metrics").await;
    assert!(
        metrics.contains("\nmiteos_subtasks_queued 0\n"),
        "{metrics}"
    );
}

/// The worker running a subtask's agent is SIGKILLed midway: once its claim's lease lapses
/// another worker claims the subtask and runs it to completion once; nothing journaled is lost
/// and the task's own worker never lost the task.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_agent_workers_subtask_is_taken_over_after_its_lease() {
    let database = TestDatabase::create().await;
    let mut team = Team::start(&database).await;
    team.app.script.slow(
        fake_model::agent_first("st-2"),
        Reply::ToolCalls(vec![tool(
            "fetch_url",
            json!({"url": team.app.url("/pages/features")}),
        )]),
        Duration::from_millis(1500),
    );
    script_example(&team.app).await;
    let _holder = Workers(vec![team.holder()]);
    let mut first = Workers(vec![team.agents(2)]);
    let id = team.app.create_task(EXAMPLE).await;
    wait_events(&team.app, &id, "st-2 started", |events| {
        count(events, "subtask_started", "st-2") == 1
    })
    .await;
    let before = event_names(&team.app, &id).await;
    let _rest = Workers(vec![team.agents(2)]);
    first.0[0].kill().unwrap();
    first.0[0].wait().unwrap();
    let killed = Instant::now();
    wait_events(&team.app, &id, "st-2 started again", |events| {
        count(events, "subtask_started", "st-2") == 2
    })
    .await;
    eprintln!(
        "st-2 taken over {:?} after the kill (leases of 2 s)",
        killed.elapsed()
    );
    let task = team
        .app
        .wait_final_within(&id, Duration::from_secs(60))
        .await;
    assert_eq!(task["status"], "completed", "{task}");
    let events = event_names(&team.app, &id).await;
    for (n, event) in before.iter().enumerate() {
        assert_eq!(&events[n], event, "event {n} kept as it was");
    }
    let finished: Vec<_> = events
        .iter()
        .filter(|(_, kind, data)| kind == "subtask_finished" && data["subtask_id"] == "st-2")
        .collect();
    assert_eq!(finished.len(), 1, "st-2 recorded once: {finished:?}");
    assert_eq!(finished[0].2["status"], "complete");
    assert!(
        !events.iter().any(|(_, kind, _)| kind == "task_resumed"),
        "the task's worker kept the task"
    );
    let metrics = team.app.text("/metrics").await;
    assert!(
        metrics.contains("\nmiteos_subtask_takeovers_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("\nmiteos_lease_takeovers_total 0\n"),
        "{metrics}"
    );
}

/// A cancel sent to the API server reaches the agent of a subtask on a third process: the task
/// ends cancelled at once, the agent's worker stops it (its one place takes the next task's
/// subtask instead of waiting out the model), and nothing of it is journaled after the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancel_reaches_a_subtask_on_another_worker() {
    let database = TestDatabase::create().await;
    let mut team = Team::start(&database).await;
    team.app.script.on(
        fake_model::planner,
        crate::support::one_subtask_plan("researcher", "Think at length", "think"),
    );
    team.app
        .script
        .on(fake_model::checker, crate::support::all_met());
    team.app.script.slow(
        |body| fake_model::agent_first("st-1")(body) && body.contains("Think at length about"),
        Reply::Text("never seen".into()),
        Duration::from_secs(60),
    );
    team.app.script.on(
        fake_model::agent_first("st-1"),
        Reply::Text("Quick.".into()),
    );
    let _workers = Workers(vec![team.holder(), team.agents(1)]);
    let id = team
        .app
        .create_task("Think at length about note apps")
        .await;
    wait_events(&team.app, &id, "st-1 started", |events| {
        count(events, "subtask_started", "st-1") > 0
    })
    .await;
    let asked = Instant::now();
    let (status, task) = team
        .app
        .post(&format!("/tasks/{id}/cancel"), json!({}))
        .await;
    let took = asked.elapsed();
    assert_eq!(status, 200, "{task}");
    assert_eq!(task["status"], "cancelled");
    eprintln!("cancelled across three processes in {took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");

    // The agent worker's one place is free again: the next task's subtask runs there now.
    let next = team.app.create_task("Answer quickly about note apps").await;
    let done = team
        .app
        .wait_final_within(&next, Duration::from_secs(20))
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    let events = event_names(&team.app, &id).await;
    assert_eq!(events.last().unwrap().1, "task_finished", "{events:?}");
}

/// A tool call waiting for approval on an agent worker is answered through the API server,
/// and a budget question met there is asked by the task's worker and answered the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn approvals_and_budget_questions_reach_a_subtask_on_another_worker() {
    let database = TestDatabase::create().await;
    let mut team = Team::start(&database).await;
    plan_one_builder(&team.app, "List the files");
    team.app.script.once(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool("run_command", json!({"command": "env"}))]),
    );
    // Then it writes notes, turn after turn, never finishing by itself.
    let turns = Arc::new(AtomicUsize::new(0));
    for turn in 0..40 {
        let counter = turns.clone();
        team.app.script.once(
            move |body| {
                let agent = body.contains("Your part of it (st-1)");
                if agent {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                agent
            },
            Reply::ToolCalls(vec![tool(
                "write_file",
                json!({"path": format!("notes-{turn}.md"), "content": "more"}),
            )]),
        );
    }
    let _workers = Workers(vec![team.holder(), team.agents(1)]);
    let id = team.app.create_task("List the files with the shell").await;
    let pending = team
        .app
        .pending_approval(&id, Duration::from_secs(20))
        .await;
    let (status, decided) = team
        .app
        .post(
            &format!("/tasks/{id}/approvals/{}", pending["id"].as_str().unwrap()),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["status"], "approved");

    // The default subtask limit is 12 steps: at 10 the task's worker asks.
    let deadline = Instant::now() + Duration::from_secs(30);
    let paused = loop {
        let (_, task) = team.app.get(&format!("/tasks/{id}")).await;
        if !task["paused"].is_null() {
            break task["paused"].clone();
        }
        assert!(Instant::now() < deadline, "never paused: {task}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(paused["subtask_id"], "st-1", "{paused}");
    assert_eq!(paused["measure"], "steps");
    // Paused means paused on the agent's worker too.
    let at_pause = turns.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(turns.load(Ordering::SeqCst), at_pause);
    let (status, raised) = team
        .app
        .post(&format!("/tasks/{id}/budget"), json!({"decision": "raise"}))
        .await;
    assert_eq!(status, 200, "{raised}");
    assert_eq!(raised["budget"]["subtask"]["steps"], 24);
    wait_events(&team.app, &id, "the agent went on", |events| {
        events
            .iter()
            .filter(|(_, kind, data)| kind == "tool_call_finished" && data["tool"] == "write_file")
            .count()
            > at_pause
    })
    .await;
    let (status, stopped) = team
        .app
        .post(&format!("/tasks/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200, "{stopped}");
    let events = event_names(&team.app, &id).await;
    let ran = events
        .iter()
        .find(|(_, kind, data)| kind == "tool_call_finished" && data["tool"] == "run_command")
        .expect("the command ran on the agent worker");
    assert_ne!(ran.2["is_error"], true, "{:?}", ran.2);
    assert_eq!(
        events
            .iter()
            .filter(|(_, kind, _)| kind == "budget_paused")
            .count(),
        1,
        "asked once"
    );
    assert_eq!(events.last().unwrap().1, "task_finished");
}

/// One wide task spreads over the team: a fan-out over 24 items, handed out, runs on all three
/// agent workers (more items at once than one process's provider calls), each item once, and
/// merges into one spreadsheet on the task's worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_wide_fan_out_spreads_over_the_team() {
    const ITEMS: usize = 24;
    let database = TestDatabase::create().await;
    let mut team = Team::start(&database).await;
    let plan = fake_model::suppliers_fan_out(&team.app.script, ITEMS, Duration::from_millis(600));
    team.app.script.on(
        fake_model::planner,
        Reply::ToolCalls(vec![tool("submit_plan", plan)]),
    );
    team.app
        .script
        .on(fake_model::checker, crate::support::all_met());
    let _workers = Workers(vec![
        team.holder(),
        team.agents(6),
        team.agents(6),
        team.agents(6),
    ]);
    let started = Instant::now();
    let id = team.app.create_task("Profile 24 suppliers").await;
    let task = team
        .app
        .wait_final_within(&id, Duration::from_secs(90))
        .await;
    eprintln!(
        "24 items of 600 ms over three agent workers: {:?}",
        started.elapsed()
    );
    assert_eq!(task["status"], "completed", "{task}");
    assert!(
        (1..=3).all(|n| team.ran_on(n, &id)),
        "every agent worker ran some items"
    );
    let events = event_names(&team.app, &id).await;
    let items: Vec<&str> = events
        .iter()
        .filter(|(_, kind, data)| kind == "subtask_finished" && data["status"] == "complete")
        .filter_map(|(_, _, data)| data["subtask_id"].as_str())
        .filter(|id| !["st-1", "st-2"].contains(id))
        .collect();
    assert_eq!(items.len(), ITEMS, "each item once: {items:?}");
    // More at once than one process's 8 provider calls: the item agents' requests overlapped.
    let arrivals = team.app.script.arrivals();
    let requests = team.app.script.requests();
    let item_starts: Vec<Instant> = requests
        .iter()
        .zip(&arrivals)
        .filter(|(body, _)| body.contains("Do this for one item only"))
        .map(|(_, at)| *at)
        .collect();
    let most_at_once = item_starts
        .iter()
        .map(|a| {
            item_starts
                .iter()
                .filter(|b| **b >= *a && b.duration_since(*a) < Duration::from_millis(500))
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(most_at_once > 8, "{most_at_once} item calls at once");
    let (_, deliverables) = team.app.get(&format!("/tasks/{id}/deliverables")).await;
    assert!(
        deliverables
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["name"] == "suppliers.xlsx"),
        "{deliverables}"
    );
}
