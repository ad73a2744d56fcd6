//! Durable, bounded, safe execution through the real `miteos` process: fuzzing the API from its
//! OpenAPI document, a SIGKILL mid-run and the resume, quitting cleanly, and secrets that never
//! leave the key store.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::served::{
    create_task, events_within, get_task, miteos, miteos_on, serve, serve_with, venv_program,
    wait_final,
};
use crate::support::{Dialect, Reply, TestApp, fake_model, one_subtask_plan, script_example, tool};

/// Schemathesis (from PyPI, installed by scripts/setup.sh into a virtualenv) fuzzes `miteos serve`
/// from its OpenAPI document: no answer may be a 5xx, and no operation may succeed without the
/// token. MCP server configuration is left out: fuzzing it would start random programs.
#[tokio::test]
async fn the_api_survives_fuzzing_from_its_openapi_document() {
    let schemathesis = venv_program("MITEOS_SCHEMATHESIS", "schemathesis");
    let app = TestApp::start(Dialect::OpenAi).await;
    // OpenRouter's price list and the catalog's downloads come from the scripted server (an
    // empty list; 404 for any model file), never from the internet.
    Mock::given(method("GET"))
        .and(path("/openrouter/models"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .mount(&app.model_server)
        .await;
    let data = tempfile::tempdir().unwrap();
    let mut command = miteos(data.path());
    command
        .env(
            "OPENROUTER_BASE_URL",
            format!("{}/openrouter", app.model_server.uri()),
        )
        .env("HF_ENDPOINT", app.model_server.uri());
    let (mut child, addr, token) = serve_with(&app, command);
    let work = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(&schemathesis)
        .current_dir(work.path())
        .args(["run", &format!("{addr}/openapi.json")])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "not_a_server_error,ignored_auth"])
        .args(["--exclude-path", "/mcp-servers"])
        .args(["--max-examples", "25", "--workers", "2", "--seed", "7411"])
        .output()
        .await
        .unwrap();
    let _ = child.kill();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("passed"), "{report}");
}

/// A real crash: `miteos serve` is SIGKILLed while three tasks run (two subtasks of each done,
/// the third mid-call), then started again on the same data directory. Every task completes; no
/// finished subtask is run (or paid for) again; every event streamed before the crash is in the
/// journal after it, and the stream goes on from there.
#[tokio::test]
async fn after_a_sigkill_running_tasks_resume_without_redoing_finished_work() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let crashed = Arc::new(AtomicBool::new(false));
    let s = &app.script;
    s.on(
        fake_model::planner,
        Reply::ToolCalls(vec![tool(
            "submit_plan",
            json!({"title": "Crash test", "subtasks": [
                {"id": "st-1", "title": "Find prices", "description": "answer", "agent_type": "researcher", "depends_on": []},
                {"id": "st-2", "title": "Find features", "description": "answer", "agent_type": "researcher", "depends_on": []},
                {"id": "st-3", "title": "Compare", "description": "answer", "agent_type": "analyst", "depends_on": ["st-1", "st-2"]}
            ]}),
        )]),
    );
    s.on(
        |b| !fake_model::planner(b) && b.contains("Your part of it (st-1)"),
        Reply::Text("Coda $10.".into()),
    );
    s.on(
        |b| !fake_model::planner(b) && b.contains("Your part of it (st-2)"),
        Reply::Text("Coda has docs.".into()),
    );
    let before_crash = crashed.clone();
    s.slow(
        move |b| {
            !before_crash.load(Ordering::SeqCst)
                && !fake_model::planner(b)
                && b.contains("Your part of it (st-3)")
        },
        Reply::Text("never seen".into()),
        Duration::from_secs(600),
    );
    s.on(
        |b| !fake_model::planner(b) && b.contains("Your part of it (st-3)"),
        Reply::Text("Coda: $10, docs.".into()),
    );

    let data = tempfile::tempdir().unwrap();
    let (mut child, addr, token) = serve(&app, data.path());
    let client = reqwest::Client::new();
    // The tasks are of one kind: no skill is compiled (and validated) from them meanwhile.
    let settings: Value = client
        .get(format!("{addr}/settings"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let saved = client
        .put(format!("{addr}/settings"))
        .bearer_auth(&token)
        .json(&json!({"providers": settings["providers"], "max_concurrency": settings["max_concurrency"],
                      "api": settings["api"], "skills": {"compile_after": 0}}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(create_task(&client, &addr, &token, &format!("Crash test task {n}")).await);
    }
    // Wait until every task's first two subtasks are complete and the third is running.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    for id in &ids {
        loop {
            let task = get_task(&client, &addr, &token, id).await;
            let states: Vec<&str> = task["subtasks"]
                .as_array()
                .map(|a| a.iter().map(|s| s["status"].as_str().unwrap()).collect())
                .unwrap_or_default();
            if states == ["complete", "complete", "running"] {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{id}: {states:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let mut streamed = Vec::new();
    for id in &ids {
        streamed.push(events_within(&addr, &token, id, Duration::from_millis(300)).await);
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    crashed.store(true, Ordering::SeqCst);

    // A short command on the data directory lists the tasks but does not start them (it would
    // only cut them again when it exits).
    let asked = app.script.requests().len();
    let out = miteos_on(&app, data.path())
        .args(["tasks"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("running")
            .count(),
        3,
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        app.script.requests().len(),
        asked,
        "no model call from `miteos tasks`"
    );

    let (mut child, addr, token) = serve(&app, data.path());
    for (id, before) in ids.iter().zip(&streamed) {
        let task = wait_final(&client, &addr, &token, id).await;
        assert_eq!(task["status"], "completed", "{task}");
        let after = events_within(&addr, &token, id, Duration::from_millis(500)).await;
        for event in before {
            assert!(
                after.contains(event),
                "{event:?} was streamed, so it is in the journal"
            );
        }
        let last_before = before.last().unwrap().0;
        let resumed = after.iter().position(|(_, n)| n == "task_resumed").unwrap();
        assert!(
            after[resumed].0 > last_before,
            "the stream goes on after the crash"
        );
        assert_eq!(after.last().unwrap().1, "task_finished");
        let names: Vec<&str> = after.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            names.iter().filter(|n| **n == "plan_ready").count(),
            1,
            "no second plan"
        );
    }
    let _ = child.kill();

    // Finished work was not done (or paid for) twice; only the cut call was made again.
    let requests = app.script.requests();
    for n in 0..3 {
        let prompt = format!("Crash test task {n}");
        let count = |part: &str| {
            requests
                .iter()
                .filter(|b| b.contains(&prompt) && b.contains(part))
                .count()
        };
        assert_eq!(count("submit_plan"), 1, "{prompt}: planned once");
        assert_eq!(count("Your part of it (st-1)"), 1, "{prompt}: st-1 once");
        assert_eq!(count("Your part of it (st-2)"), 1, "{prompt}: st-2 once");
        assert_eq!(
            count("Your part of it (st-3)"),
            2,
            "{prompt}: st-3 cut, then again"
        );
    }
}

/// API keys never leave the key store: not in debug logs, the journal, the database, answers,
/// bundles or share pages — while the model provider does receive them.
#[tokio::test]
async fn secrets_stay_out_of_logs_journal_database_exports_and_share_pages() {
    use std::io::Read;

    const MODEL_KEY: &str = "sk-audit-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    const SEARCH_KEY: &str = "tvly-audit-9a8b7c6d5e4f3a2b1c0d";
    let app = TestApp::start(Dialect::OpenAi).await;
    script_example(&app).await;
    let data = tempfile::tempdir().unwrap();
    let log_file = data.path().join("serve.log");
    let mut command = miteos(data.path());
    command
        .env("RUST_LOG", "debug")
        .env("OPENAI_API_KEY", "placeholder-replaced-by-settings")
        .stderr(std::fs::File::create(&log_file).unwrap());
    let (mut child, addr, token) = serve_with(&app, command);
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str| {
        client
            .request(method, format!("{addr}{path}"))
            .bearer_auth(&token)
    };
    let current: serde_json::Value = call(reqwest::Method::GET, "/settings")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let saved = call(reqwest::Method::PUT, "/settings")
        .json(&json!({"providers": current["providers"], "max_concurrency": 4, "api": current["api"],
            "search": {"provider": "tavily", "url": null},
            "keys": [{"name": "openai_api_key", "value": MODEL_KEY}, {"name": "tavily_api_key", "value": SEARCH_KEY}]}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let id = create_task(
        &client,
        &addr,
        &token,
        "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet",
    )
    .await;
    let task = wait_final(&client, &addr, &token, &id).await;
    assert_eq!(task["status"], "completed", "{task}");

    // Everything a key could leak into.
    let mut places: Vec<(String, Vec<u8>)> =
        vec![("PUT /settings answer".into(), saved.into_bytes())];
    for path in [
        format!("/tasks/{id}"),
        format!("/tasks/{id}/deliverables"),
        "/settings".to_owned(),
    ] {
        let body = call(reqwest::Method::GET, &path)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        places.push((path, body.to_vec()));
    }
    let journal = events_within(&addr, &token, &id, Duration::from_millis(500)).await;
    assert_eq!(journal.last().unwrap().1, "task_finished");
    let events = call(reqwest::Method::GET, &format!("/tasks/{id}/events"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    places.push(("the journal (SSE)".into(), events.to_vec()));
    let zip = call(
        reqwest::Method::GET,
        &format!("/tasks/{id}/deliverables/bundle.zip"),
    )
    .send()
    .await
    .unwrap()
    .bytes()
    .await
    .unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.to_vec())).unwrap();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        places.push((
            format!("bundle.zip/{}", file.name().unwrap_or_default()),
            bytes,
        ));
    }
    let deliverables: serde_json::Value =
        call(reqwest::Method::GET, &format!("/tasks/{id}/deliverables"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let did = deliverables[0]["id"].as_str().unwrap();
    let share: serde_json::Value = call(
        reqwest::Method::POST,
        &format!("/tasks/{id}/deliverables/{did}/share"),
    )
    .json(&json!({"include_replay": true}))
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let page = reqwest::get(share["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    places.push(("the share page with its replay".into(), page.to_vec()));
    let _ = child.kill();
    let _ = child.wait();
    places.push((
        "miteos.db".into(),
        std::fs::read(data.path().join("miteos.db")).unwrap(),
    ));
    let log = std::fs::read(&log_file).unwrap();
    assert!(log.len() > 1000, "the debug log has content");
    places.push(("the debug log".into(), log));

    for (place, bytes) in &places {
        let text = String::from_utf8_lossy(bytes);
        for key in [MODEL_KEY, SEARCH_KEY] {
            assert!(!text.contains(key), "a key leaked into {place}");
        }
    }
    // The provider did get the key it needs.
    let sent = app
        .model_server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .any(|r| {
            r.headers
                .get("authorization")
                .is_some_and(|v| v.to_str().unwrap_or("") == format!("Bearer {MODEL_KEY}"))
        });
    assert!(sent, "the model provider received the saved key");
}

/// Quitting (SIGTERM) stops every agent and tool process. By default the task stays `running`
/// and goes on at the next start; with `on_quit: cancel` it ends `cancelled`.
#[tokio::test]
async fn quitting_stops_everything_and_tasks_resume_or_end_cancelled_as_set() {
    let app = TestApp::start(Dialect::OpenAi).await;
    const COMMAND: &str = "sleep 331";
    let restarted = script_long_command(&app, COMMAND);

    for (on_quit, want) in [("resume", "completed"), ("cancel", "cancelled")] {
        restarted.store(false, Ordering::SeqCst);
        let data = tempfile::tempdir().unwrap();
        let (child, addr, token) = serve(&app, data.path());
        let client = reqwest::Client::new();
        let id = start_long_command(&client, &addr, &token, on_quit, COMMAND).await;
        let status = terminate(child).await;
        assert!(
            status.success(),
            "{on_quit}: serve exits cleanly on SIGTERM: {status}"
        );
        assert_eq!(
            crate::support::processes_with(COMMAND),
            0,
            "{on_quit}: the tool process was stopped"
        );

        restarted.store(true, Ordering::SeqCst);
        let (mut child, addr, token) = serve(&app, data.path());
        let task = wait_final(&client, &addr, &token, &id).await;
        assert_eq!(task["status"], want, "{on_quit}: {task}");
        let _ = child.kill();
    }
}

/// Scripts a one-subtask task whose agent runs `command` (a `sleep` unique to the test, so its
/// process can be found) until the answered flag is set (the served process was restarted):
/// then the agent finishes at once.
pub fn script_long_command(app: &TestApp, command: &'static str) -> Arc<AtomicBool> {
    let restarted = Arc::new(AtomicBool::new(false));
    app.script.on(
        fake_model::planner,
        one_subtask_plan("builder", "Wait", "sleep a while"),
    );
    let first = restarted.clone();
    app.script.on(
        move |b| !first.load(Ordering::SeqCst) && fake_model::agent_first("st-1")(b),
        Reply::ToolCalls(vec![tool(
            "run_command",
            json!({"command": command, "timeout_seconds": 600}),
        )]),
    );
    app.script.on(
        fake_model::agent_first("st-1"),
        Reply::Text("Waited.".into()),
    );
    app.script.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Waited.".into()),
    );
    restarted
}

/// Sets `on_quit` (and allows `sleep`) on a served Miteos, starts the long-running task and waits
/// until its `command` runs. Answers the task's id.
pub async fn start_long_command(
    client: &reqwest::Client,
    addr: &str,
    token: &str,
    on_quit: &str,
    command: &str,
) -> String {
    let current: serde_json::Value = client
        .get(format!("{addr}/settings"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut allow = current["shell_allow"].as_array().unwrap().clone();
    allow.push(json!("sleep"));
    let r = client
        .put(format!("{addr}/settings"))
        .bearer_auth(token)
        .json(
            &json!({"providers": current["providers"], "max_concurrency": 4, "api": current["api"],
            "shell_allow": allow, "on_quit": on_quit}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = create_task(client, addr, token, "Wait a while").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while crate::support::processes_with(command) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the command did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    id
}

/// Sends SIGTERM to a served Miteos and waits for it to exit.
pub async fn terminate(child: std::process::Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let mut child = child;
    tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap()
}
