//! A team's workers: an API server that only queues (this process) and `miteos worker`
//! processes on one real PostgreSQL database, claiming tasks under leases.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use miteos_store::testing::TestDatabase;

use crate::support::served::miteos_on;
use crate::support::{Reply, TestApp, fake_model, script_example};

/// Leases short enough for a takeover within the test.
const LEASE_SECONDS: &str = "2";

/// This process's Miteos on the database: an API server that queues what it is given and runs
/// nothing itself.
pub(crate) async fn api_server(url: &str) -> TestApp {
    TestApp::on_database(url, |options| {
        options.queue_tasks = true;
        options.worker_tasks = 0;
    })
    .await
}

/// `miteos worker` on its own data directory, with the test's scripted model; once it says it
/// is working.
fn worker(app: &TestApp, url: &str, dir: &std::path::Path) -> Child {
    worker_with(app, url, dir, &[])
}

/// `worker`, with more environment (the team's file store: `MITEOS_FILES_URL`, `AWS_*`).
pub(crate) fn worker_with(
    app: &TestApp,
    url: &str,
    dir: &std::path::Path,
    env: &[(String, String)],
) -> Child {
    worker_taking(app, url, dir, env, &["--tasks", "4"])
}

/// `worker_with`, told how much it takes (`--tasks N`, `--agents N`).
pub(crate) fn worker_taking(
    app: &TestApp,
    url: &str,
    dir: &std::path::Path,
    env: &[(String, String)],
    takes: &[&str],
) -> Child {
    let mut command = miteos_on(app, dir);
    let mut child = command
        .envs(env.iter().cloned())
        .env("MITEOS_DATABASE_URL", url)
        .env("MITEOS_SECRETS", "file")
        .args(["worker", "--lease-seconds", LEASE_SECONDS])
        .args(takes)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("Miteos worker "), "{first}");
    std::thread::spawn(move || for _ in lines {});
    child
}

/// The task's journal as it is now: seq, type and the event as JSON.
pub(crate) async fn event_names(app: &TestApp, id: &str) -> Vec<(i64, String, serde_json::Value)> {
    let events = app.miteos.events_after(id, 0, 100_000).await.unwrap();
    events
        .iter()
        .map(|e| {
            let value = serde_json::to_value(e).unwrap();
            (e.seq, value["type"].as_str().unwrap().to_owned(), value)
        })
        .collect()
}

/// Every task is planned as one builder's subtask titled `title`, and its result check is met.
pub(crate) fn plan_one_builder(app: &TestApp, title: &str) {
    app.script.on(
        fake_model::planner,
        crate::support::one_subtask_plan("builder", title, "do it"),
    );
    app.script
        .on(fake_model::checker, crate::support::all_met());
}

/// Polls the task's journal until `ready` holds (30 s at most, else fails saying `what`).
pub(crate) async fn wait_events(
    app: &TestApp,
    id: &str,
    what: &str,
    ready: impl Fn(&[(i64, String, serde_json::Value)]) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let events = event_names(app, id).await;
        if ready(&events) {
            return;
        }
        assert!(Instant::now() < deadline, "never {what}: {events:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls the task until `ready` holds (30 s at most, else fails saying `what`).
async fn wait_task(
    app: &TestApp,
    id: &str,
    what: &str,
    ready: impl Fn(&serde_json::Value) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, task) = app.get(&format!("/tasks/{id}")).await;
        if ready(&task) {
            return;
        }
        assert!(Instant::now() < deadline, "never {what}: {task}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Worker processes, killed when the test ends however it ends.
pub(crate) struct Workers(pub(crate) Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub(crate) fn count(
    events: &[(i64, String, serde_json::Value)],
    name: &str,
    subtask: &str,
) -> usize {
    events
        .iter()
        .filter(|(_, kind, data)| kind == name && data["subtask_id"] == subtask)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_workers_complete_fifty_tasks_each_run_once() {
    let database = TestDatabase::create().await;
    let app = api_server(&database.url).await;
    script_example(&app).await;
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let _workers = Workers(
        dirs.iter()
            .map(|d| worker(&app, &database.url, d.path()))
            .collect(),
    );
    let mut ids = Vec::new();
    for n in 0..50 {
        ids.push(
            app.create_task(&format!(
                "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet, take {n}"
            ))
            .await,
        );
    }
    for id in &ids {
        let task = app.wait_final_within(id, Duration::from_secs(120)).await;
        assert_eq!(task["status"], "completed", "{task}");
        let events = event_names(&app, id).await;
        for st in ["st-1", "st-2", "st-3"] {
            assert_eq!(count(&events, "subtask_started", st), 1, "{id} {st}");
            assert_eq!(count(&events, "subtask_finished", st), 1, "{id} {st}");
        }
        let seqs: Vec<i64> = events.iter().map(|(seq, _, _)| *seq).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    }
    // The three shared them: each made the folders of the tasks it ran.
    let ran: Vec<usize> = dirs
        .iter()
        .map(|d| std::fs::read_dir(d.path().join("tasks")).map_or(0, |entries| entries.count()))
        .collect();
    assert!(ran.iter().filter(|&&n| n > 0).count() >= 2, "{ran:?}");
    assert!(ran.iter().sum::<usize>() >= 50, "{ran:?}");
}

/// A worker SIGKILLed in the middle of a subtask: once its lease lapses another worker takes
/// the task over, finished subtasks stand, the cut one runs again to completion once, and the
/// journal keeps everything the dead worker wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_workers_task_is_taken_over_after_its_lease() {
    let database = TestDatabase::create().await;
    let app = api_server(&database.url).await;
    // st-2's model answers after 1.5 s: long enough to kill its worker in the middle. (The
    // first rule that matches answers, so it goes before the example's.)
    app.script.slow(
        fake_model::agent_first("st-2"),
        Reply::ToolCalls(vec![crate::support::tool(
            "fetch_url",
            json!({"url": app.url("/pages/features")}),
        )]),
        Duration::from_millis(1500),
    );
    script_example(&app).await;
    let first_dir = tempfile::tempdir().unwrap();
    let mut first = Workers(vec![worker(&app, &database.url, first_dir.path())]);
    let id = app
        .create_task("Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet")
        .await;
    wait_events(&app, &id, "st-2 started after st-1 finished", |events| {
        count(events, "subtask_finished", "st-1") == 1
            && count(events, "subtask_started", "st-2") == 1
    })
    .await;
    let before = event_names(&app, &id).await;
    let others: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let _rest = Workers(
        others
            .iter()
            .map(|d| worker(&app, &database.url, d.path()))
            .collect(),
    );
    first.0[0].kill().unwrap();
    first.0[0].wait().unwrap();
    let killed = Instant::now();
    while !event_names(&app, &id)
        .await
        .iter()
        .any(|(_, kind, _)| kind == "task_resumed")
    {
        assert!(
            killed.elapsed() < Duration::from_secs(30),
            "never taken over"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = killed.elapsed();
    eprintln!("taken over {took:?} after the kill (leases of {LEASE_SECONDS} s)");

    let task = app.wait_final_within(&id, Duration::from_secs(60)).await;
    assert_eq!(task["status"], "completed", "{task}");
    let events = event_names(&app, &id).await;
    let resumed = events
        .iter()
        .position(|(_, kind, _)| kind == "task_resumed")
        .expect("another worker resumed it");
    // Nothing the dead worker journaled is lost; it comes first, in order.
    for (n, event) in before.iter().enumerate() {
        assert_eq!(&events[n], event, "event {n} kept as it was");
    }
    assert!(resumed >= before.len());
    assert_eq!(
        events[resumed].2["completed"],
        json!(["st-1"]),
        "st-1's result stands"
    );
    assert_eq!(
        count(&events, "subtask_finished", "st-1"),
        1,
        "st-1 ran once"
    );
    let st2_finished: Vec<_> = events
        .iter()
        .filter(|(_, kind, data)| kind == "subtask_finished" && data["subtask_id"] == "st-2")
        .collect();
    assert_eq!(
        st2_finished.len(),
        1,
        "st-2 completed once: {st2_finished:?}"
    );
    assert_eq!(st2_finished[0].2["status"], "complete");
    let seqs: Vec<i64> = events.iter().map(|(seq, _, _)| *seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));

    let metrics = app.text("/metrics").await;
    assert!(
        metrics.contains("\nmiteos_lease_takeovers_total 1\n"),
        "{metrics}"
    );
}

/// A cancel sent to the API server reaches the worker running the task.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancel_reaches_the_worker_running_the_task() {
    let database = TestDatabase::create().await;
    let app = api_server(&database.url).await;
    app.script.on(
        fake_model::planner,
        crate::support::one_subtask_plan("researcher", "Think at length", "think"),
    );
    app.script.slow(
        fake_model::agent_first("st-1"),
        Reply::Text("never seen".into()),
        Duration::from_secs(60),
    );
    let dir = tempfile::tempdir().unwrap();
    let _worker = Workers(vec![worker(&app, &database.url, dir.path())]);
    let id = app.create_task("Think at length about note apps").await;
    wait_events(&app, &id, "st-1 started", |events| {
        count(events, "subtask_started", "st-1") > 0
    })
    .await;
    let asked = Instant::now();
    let (status, task) = app.post(&format!("/tasks/{id}/cancel"), json!({})).await;
    assert_eq!(status, 200, "{task}");
    assert_eq!(task["status"], "cancelled");
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    let events = event_names(&app, &id).await;
    assert_eq!(
        events
            .iter()
            .filter(|(_, k, _)| k == "cancel_requested")
            .count(),
        1
    );
}

/// With a team's file store, the worker gets the attachments the server took, and the server
/// hands over the files the worker's agents wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_file_store_carries_attachments_and_deliverables_between_machines() {
    use base64::Engine;
    let database = TestDatabase::create().await;
    let store = tempfile::tempdir().unwrap();
    let files = reqwest::Url::from_directory_path(store.path())
        .unwrap()
        .to_string();
    let app = TestApp::on_database(&database.url, |options| {
        options.queue_tasks = true;
        options.worker_tasks = 0;
        options.files_url = Some(files.clone());
    })
    .await;
    script_example(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let env = [("MITEOS_FILES_URL".to_owned(), files.clone())];
    let _worker = Workers(vec![worker_with(&app, &database.url, dir.path(), &env)]);
    let notes = base64::engine::general_purpose::STANDARD.encode("Coda, Confluence, ClickUp");
    let (status, task) = app
        .post(
            "/tasks",
            json!({"prompt": "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet",
                   "attachments": [{"name": "notes.txt", "content_base64": notes}]}),
        )
        .await;
    assert_eq!(status, 201, "{task}");
    let id = task["id"].as_str().unwrap().to_owned();
    let done = app.wait_final_within(&id, Duration::from_secs(60)).await;
    assert_eq!(done["status"], "completed", "{done}");
    let worker_folder = dir.path().join("tasks").join(&id);
    assert_eq!(
        std::fs::read_to_string(worker_folder.join("inputs/notes.txt")).unwrap(),
        "Coda, Confluence, ClickUp",
        "the worker had the attachment"
    );
    let server_folder = app.dir.path().join("tasks").join(&id);
    assert!(
        !server_folder.join("comparison.xlsx").exists(),
        "written on the worker"
    );

    let (xlsx, bytes) = crate::support::served::deliverable_named(
        &app.client,
        &app.base,
        crate::support::TOKEN,
        &id,
        "comparison.xlsx",
    )
    .await;
    assert_eq!(
        bytes,
        std::fs::read(worker_folder.join("comparison.xlsx")).unwrap(),
        "the server hands over the worker's file"
    );
    assert_eq!(bytes.len() as u64, xlsx["size_bytes"].as_u64().unwrap());
}

/// A task a worker runs is steered through the API server: its plan approved after review, a
/// tool call's approval answered — the worker hears both and goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_task_on_a_worker_is_steered_through_the_server() {
    let database = TestDatabase::create().await;
    let app = api_server(&database.url).await;
    plan_one_builder(&app, "List the files");
    app.script.once(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![crate::support::tool(
            "run_command",
            json!({"command": "env"}),
        )]),
    );
    app.script.on(|_| true, Reply::Text("Listed.".into()));
    let dir = tempfile::tempdir().unwrap();
    let _worker = Workers(vec![worker(&app, &database.url, dir.path())]);
    let (status, task) = app
        .post(
            "/tasks",
            json!({"prompt": "List the files with the shell", "plan_review": "always"}),
        )
        .await;
    assert_eq!(status, 201, "{task}");
    let id = task["id"].as_str().unwrap().to_owned();
    wait_task(&app, &id, "the plan waits for review", |task| {
        task["awaiting_review"] == true
    })
    .await;
    let (status, approved) = app.post(&format!("/tasks/{id}/plan"), json!({})).await;
    assert_eq!(status, 200, "{approved}");

    let pending = app.pending_approval(&id, Duration::from_secs(20)).await;
    let asked = Instant::now();
    let (status, decided) = app
        .post(
            &format!("/tasks/{id}/approvals/{}", pending["id"].as_str().unwrap()),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["status"], "approved");
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    let done = app.wait_final_within(&id, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "completed", "{done}");
    let events = event_names(&app, &id).await;
    let ran = events
        .iter()
        .find(|(_, kind, data)| kind == "tool_call_finished" && data["tool"] == "run_command")
        .expect("the command ran on the worker");
    assert_ne!(ran.2["is_error"], true, "{:?}", ran.2);
}

/// A worker's task paused on its budget is answered through the server: the raise (with the
/// limits the person chose) reaches the worker, which goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_budget_question_on_a_worker_is_answered_through_the_server() {
    let database = TestDatabase::create().await;
    let app = api_server(&database.url).await;
    plan_one_builder(&app, "Write the note");
    app.script.on(|_| true, Reply::Text("Written.".into()));
    let dir = tempfile::tempdir().unwrap();
    let _worker = Workers(vec![worker(&app, &database.url, dir.path())]);
    // A typical subtask is estimated above this limit: it asks before any subtask runs.
    let (status, task) = app
        .post(
            "/tasks",
            json!({"prompt": "Write a note", "budget": {"task": {"tokens": 10000}}}),
        )
        .await;
    assert_eq!(status, 201, "{task}");
    let id = task["id"].as_str().unwrap().to_owned();
    wait_task(&app, &id, "paused on its budget", |task| {
        !task["paused"].is_null()
    })
    .await;
    let (status, raised) = app
        .post(
            &format!("/tasks/{id}/budget"),
            json!({"decision": "raise", "budget": {"task": {"tokens": 100000, "cost_cents": null}}}),
        )
        .await;
    assert_eq!(status, 200, "{raised}");
    assert_eq!(raised["budget"]["task"]["tokens"], 100000);
    assert!(
        raised["budget"]["task"]["cost_cents"].is_null(),
        "null removed the limit"
    );
    let done = app.wait_final_within(&id, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "completed", "{done}");
}
