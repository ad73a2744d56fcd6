//! The team's server: the same API over a real PostgreSQL database (scripts/postgres.sh's
//! server, a database of its own per test) instead of the data directory's SQLite file.

use std::time::{Duration, Instant};

use miteos_store::testing::TestDatabase;

use crate::support::served::{create_task, get_task, miteos, serve_with};
use crate::support::{Dialect, TestApp, model_config, parse_sse, script_example};

/// Miteos and its API in this process on the database at `url`; `runner`: it resumes the
/// database's unfinished tasks.
async fn on_database(url: &str, runner: bool) -> TestApp {
    TestApp::on_database(url, |options| options.resume_interrupted = runner).await
}

#[tokio::test]
async fn a_task_runs_on_postgresql_and_its_history_outlives_the_server() {
    let database = TestDatabase::create().await;
    let url = database.url.clone();
    let app = on_database(&url, true).await;
    assert!(app.miteos.database().starts_with("postgres://miteos:***@"));
    script_example(&app).await;
    let prompt =
        "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet";
    let id = app.create_task(prompt).await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");
    assert!(task["total_tokens_used"].as_u64().unwrap() > 0);
    assert!(
        !app.dir.path().join("miteos.db").exists(),
        "nothing is kept in a SQLite file"
    );
    let events = app.sse(&id, None).await;
    assert!(events.iter().any(|(_, kind, _)| kind == "task_finished"));
    let seqs: Vec<i64> = events.iter().map(|(seq, _, _)| *seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "events in order");
    // Resuming the stream after an event sends only what follows it.
    let after = app.sse(&id, Some(seqs[2])).await;
    assert_eq!(after.len(), seqs.len() - 3);

    let (status, page) = app.get("/tasks?q=notion").await;
    assert_eq!(status, 200);
    assert_eq!(page[0]["id"], id.as_str(), "{page}");
    let (_, none) = app.get("/tasks?q=zebra").await;
    assert_eq!(none.as_array().unwrap().len(), 0);
    let (_, files) = app.get(&format!("/tasks/{id}/deliverables")).await;
    assert!(!files.as_array().unwrap().is_empty(), "{files}");

    // Another server, another machine's data directory, the same database: the same history.
    let (script, server, _dir) = app.stop().await;
    let other = TestApp::start_with_options(
        model_config(Dialect::OpenAi, &server),
        script,
        server,
        tempfile::tempdir().unwrap(),
        |options| options.database_url = Some(url.clone()),
    )
    .await;
    let (status, again) = other.get(&format!("/tasks/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(again["status"], "completed");
    assert_eq!(again["subtasks"], task["subtasks"]);
    let replayed = parse_sse(
        &other
            .client
            .get(other.url(&format!("/tasks/{id}/events")))
            .bearer_auth(crate::support::TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(
        replayed.len(),
        events.len(),
        "the journal is the database's"
    );
}

/// Two processes on one database: the task runs in `miteos serve` (the runner), a second API
/// server shows its events live as they are journaled, and a cancel sent to the second stops
/// the model stream in the first within a second.
#[tokio::test]
async fn another_server_streams_a_task_live_and_its_cancel_reaches_the_runner() {
    let database = TestDatabase::create().await;
    let url = database.url.clone();
    // This process's Miteos: an API server that is not the runner.
    let viewer = on_database(&url, false).await;
    viewer.script.on(
        crate::support::fake_model::planner,
        crate::support::one_subtask_plan("researcher", "Think at length", "think"),
    );
    viewer.script.slow(
        crate::support::fake_model::agent_first("st-1"),
        crate::support::Reply::Text("never seen".into()),
        Duration::from_secs(60),
    );
    let runner_dir = tempfile::tempdir().unwrap();
    let mut command = miteos(runner_dir.path());
    command.env("MITEOS_DATABASE_URL", &url);
    let (mut runner, addr, token) = serve_with(&viewer, command);
    let client = reqwest::Client::new();
    let id = create_task(&client, &addr, &token, "Think at length about note apps").await;

    // The viewer's live stream shows the runner's events as they come.
    let mut stream = viewer
        .client
        .get(viewer.url(&format!("/tasks/{id}/events")))
        .bearer_auth(crate::support::TOKEN)
        .send()
        .await
        .unwrap();
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !text.contains("event: subtask_started") {
        let chunk = tokio::time::timeout_at(deadline.into(), stream.chunk())
            .await
            .expect("the runner's subtask_started reached the viewer's stream")
            .unwrap()
            .expect("the stream stays open");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }

    // Cancel through the viewer: the runner's model stream (60 s) stops at once.
    let asked = Instant::now();
    let (status, task) = viewer
        .post(&format!("/tasks/{id}/cancel"), serde_json::json!({}))
        .await;
    assert_eq!(status, 200, "{task}");
    assert_eq!(task["status"], "cancelled", "{task}");
    let took = asked.elapsed();
    eprintln!("a cancel through another server took {took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    while !text.contains("event: task_finished") {
        let chunk = tokio::time::timeout_at(deadline.into(), stream.chunk())
            .await
            .expect("the end reached the viewer's stream")
            .unwrap();
        let Some(chunk) = chunk else { break };
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let events = parse_sse(&text);
    assert_eq!(
        events
            .iter()
            .filter(|(_, kind, _)| kind == "cancel_requested")
            .count(),
        1,
        "the runner took the cancel up once"
    );
    let seqs: Vec<i64> = events.iter().map(|(seq, _, _)| *seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "in order, none twice: {seqs:?}"
    );
    let (_, last, _) = events.last().unwrap();
    assert_eq!(last, "task_finished");
    let runner_task = get_task(&client, &addr, &token, &id).await;
    assert_eq!(runner_task["status"], "cancelled");
    assert_eq!(runner_task["subtasks"][0]["status"], "cancelled");
    runner.kill().unwrap();
    runner.wait().unwrap();
}

/// A team's server reached by a name (`miteos.internal`) answers to it once allowed; other names
/// are still refused, as a page rebinding its own name to the server would send.
#[tokio::test]
async fn a_team_server_answers_to_the_names_it_is_given() {
    let app = TestApp::start(crate::support::Dialect::OpenAi).await;
    let dir = tempfile::tempdir().unwrap();
    let mut command = miteos(dir.path());
    command.env("MITEOS_ALLOWED_HOSTS", "miteos.internal, Team.Example:8443");
    let (mut server, addr, token) = serve_with(&app, command);
    let client = reqwest::Client::new();
    for (host, origin, want) in [
        ("miteos.internal", None, 200),
        ("miteos.internal:7411", Some("https://miteos.internal"), 200),
        ("team.example", Some("https://team.example:8443"), 200),
        ("evil.example", None, 403),
        ("miteos.internal", Some("https://evil.example"), 403),
    ] {
        let mut request = client
            .get(format!("{addr}/tasks"))
            .bearer_auth(&token)
            .header("host", host);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let status = request.send().await.unwrap().status().as_u16();
        assert_eq!(status, want, "Host {host}, Origin {origin:?}");
    }
    server.kill().unwrap();
    server.wait().unwrap();
}
