//! The `miteos` binary: run, tasks and serve, as a user types them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{Dialect, TestApp, script_example};

const PROVIDER_VARS: &[&str] = &[
    "MITEOS_MODEL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENROUTER_API_KEY",
    "OLLAMA_HOST",
];

/// `miteos` on `data_dir`, talking to the test's scripted model server.
fn miteos_on(app: &TestApp, data_dir: &std::path::Path) -> Command {
    let mut cmd = miteos(data_dir);
    cmd.env("OPENAI_BASE_URL", format!("{}/v1", app.model_server.uri()))
        .env("OPENAI_API_KEY", "test-key")
        .env("MITEOS_MODEL", "openai::gpt-4.1-mini");
    cmd
}

/// `miteos serve --port 0` on `data_dir` with the scripted model; answers the process, the API's
/// address and its token, as printed.
fn serve(app: &TestApp, data_dir: &std::path::Path) -> (std::process::Child, String, String) {
    serve_with(app, miteos(data_dir))
}

/// `serve`, from a prepared `miteos` command (extra environment, captured stderr).
fn serve_with(app: &TestApp, mut command: Command) -> (std::process::Child, String, String) {
    let mut child = command
        .env("OPENAI_BASE_URL", format!("{}/v1", app.model_server.uri()))
        .env("MITEOS_MODEL", "openai::gpt-4.1-mini")
        .env("MITEOS_SECRETS", "file")
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    let addr = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    let token = second.split_whitespace().nth(1).unwrap().to_owned();
    // Keep reading what it prints, so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, addr, token)
}

fn miteos(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_miteos"));
    for var in PROVIDER_VARS {
        cmd.env_remove(var);
    }
    cmd.env("MITEOS_DATA_DIR", data_dir).env("RUST_LOG", "warn");
    cmd
}

#[test]
fn without_a_provider_run_says_how_to_configure_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = miteos(dir.path()).args(["run", "hello"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no model provider is configured") && stderr.contains("OPENAI_API_KEY"),
        "{stderr}"
    );
    let out = miteos(dir.path())
        .args(["serve", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "serve needs a provider too");
}

#[tokio::test]
async fn run_prints_the_deliverables_and_tasks_lists_it() {
    let app = TestApp::start(Dialect::OpenAi).await;
    script_example(&app).await;
    let data = tempfile::tempdir().unwrap();
    let mut run = miteos_on(&app, data.path());
    let out = tokio::task::spawn_blocking(move || {
        run.args(["run", "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stderr.contains("Plan: Notion competitors"),
        "the plan is shown: {stderr}"
    );
    assert!(
        stderr.contains("st-3 completed") || stderr.contains("st-3 complete"),
        "subtask states are shown: {stderr}"
    );
    let xlsx = stdout
        .lines()
        .find(|l| l.trim_start().contains("comparison.xlsx"))
        .expect("the xlsx path is printed");
    let path = xlsx.trim().split("  (").next().unwrap();
    assert!(std::path::Path::new(path).is_file(), "{path} exists");
    assert!(stdout.contains("comparison.csv"));

    let out = miteos(data.path())
        .args(["tasks", "--limit", "5"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        listing.contains("completed") && listing.contains("Notion competitors"),
        "{listing}"
    );
}

#[tokio::test]
async fn serve_prints_address_and_token_and_keeps_it_private() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr, token) = serve(&app, data.path());
    assert_eq!(
        std::fs::read_to_string(data.path().join("api-token")).unwrap(),
        token
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.path().join("api-token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let client = reqwest::Client::new();
    let ok = client
        .get(format!("{addr}/tasks"))
        .bearer_auth(&token)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let denied = client.get(format!("{addr}/tasks")).send().await.unwrap();
    assert_eq!(denied.status(), 401);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn run_attaches_files_denies_risky_calls_without_a_terminal_and_mcp_servers_are_managed() {
    use crate::support::{Reply, fake_model, one_subtask_plan, tool};
    use serde_json::json;

    let app = TestApp::start(Dialect::OpenAi).await;
    app.script.on(
        fake_model::planner,
        one_subtask_plan("builder", "Archive the notes", "zip them with git"),
    );
    app.script.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![
            tool("read_file", json!({"path": "inputs/notes.md"})),
            tool("run_command", json!({"command": "git init"})),
        ]),
    );
    app.script.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Read the notes; git was not allowed.".into()),
    );
    let data = tempfile::tempdir().unwrap();
    let notes = data.path().join("notes.md");
    std::fs::write(&notes, "Coda costs $10.").unwrap();
    let mut run = miteos_on(&app, data.path());
    let out = tokio::task::spawn_blocking(move || {
        run.args(["run", "--attach"])
            .arg(&notes)
            .arg("Archive my notes")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("✗ denied run_command"), "{stderr}");
    let requests = app.script.requests();
    let after = requests
        .iter()
        .find(|b| fake_model::agent_after_tools("st-1")(b))
        .unwrap();
    assert!(after.contains("Coda costs $10."), "the attachment was read");
    assert!(after.contains("the user denied this call"));

    // MCP servers from the command line: added, listed with their tools, removed.
    let server = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/mcp/node_modules/@modelcontextprotocol/server-everything/dist/index.js");
    let out = miteos(data.path())
        .args(["mcp", "add", "everything", "--env", "LOG=1", "--", "node"])
        .arg(&server)
        .arg("stdio")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("everything__get-sum (read-only)"),
        "{stdout}"
    );
    let config = std::fs::read_to_string(data.path().join("mcp.json")).unwrap();
    assert!(
        config.contains("\"mcpServers\"") && config.contains("\"LOG\": \"1\""),
        "{config}"
    );
    let out = miteos(data.path())
        .args(["mcp", "remove", "everything"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("No MCP servers"));
    let out = miteos(data.path())
        .args(["mcp", "remove", "everything"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "removing a missing server fails"
    );
}

/// Schemathesis (from PyPI, installed by scripts/setup.sh into a virtualenv) fuzzes `miteos serve`
/// from its OpenAPI document: no answer may be a 5xx, and no operation may succeed without the
/// token. MCP server configuration is left out: fuzzing it would start random programs.
#[tokio::test]
async fn the_api_survives_fuzzing_from_its_openapi_document() {
    let schemathesis = std::env::var_os("MITEOS_SCHEMATHESIS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dirs_cache().join("miteos/venv/bin/schemathesis"));
    assert!(
        schemathesis.is_file(),
        "{} is missing: run scripts/setup.sh",
        schemathesis.display()
    );
    let app = TestApp::start(Dialect::OpenAi).await;
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr, token) = serve(&app, data.path());
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

/// `$XDG_CACHE_HOME`, or `~/.cache`.
fn dirs_cache() -> std::path::PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache")
        })
}

async fn get_task(
    client: &reqwest::Client,
    addr: &str,
    token: &str,
    id: &str,
) -> serde_json::Value {
    client
        .get(format!("{addr}/tasks/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Polls a task until it has ended (60 s at most).
async fn wait_final(
    client: &reqwest::Client,
    addr: &str,
    token: &str,
    id: &str,
) -> serde_json::Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let task = get_task(client, addr, token, id).await;
        if task["status"] != "running" && task["status"] != "pending" {
            return task;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{id} is stuck: {task}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads a task's SSE stream for `window` and answers the events it carried.
async fn events_within(addr: &str, token: &str, id: &str, window: Duration) -> Vec<(i64, String)> {
    use futures::StreamExt;
    let response = reqwest::Client::new()
        .get(format!("{addr}/tasks/{id}/events"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    // Only whole events (a block cut by the window is left out).
    let whole = &text[..text.rfind("\n\n").map_or(0, |i| i + 2)];
    crate::support::parse_sse(whole)
        .into_iter()
        .map(|(seq, name, _)| (seq, name))
        .collect()
}

/// A real crash: `miteos serve` is SIGKILLed while three tasks run (two subtasks of each done,
/// the third mid-call), then started again on the same data directory. Every task completes; no
/// finished subtask is run (or paid for) again; every event streamed before the crash is in the
/// journal after it, and the stream goes on from there.
#[tokio::test]
async fn after_a_sigkill_running_tasks_resume_without_redoing_finished_work() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use crate::support::{Reply, fake_model, tool};
    use serde_json::{Value, json};

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
    let mut ids = Vec::new();
    for n in 0..3 {
        let task: Value = client
            .post(format!("{addr}/tasks"))
            .bearer_auth(&token)
            .json(&json!({"prompt": format!("Crash test task {n}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(task["id"].as_str().unwrap().to_owned());
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
    use serde_json::json;
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
    let task: serde_json::Value = call(reqwest::Method::POST, "/tasks")
        .json(&json!({"prompt": "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = task["id"].as_str().unwrap().to_owned();
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
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use crate::support::{Reply, fake_model, one_subtask_plan, tool};
    use serde_json::json;

    let app = TestApp::start(Dialect::OpenAi).await;
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
            json!({"command": "sleep 331", "timeout_seconds": 600}),
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

    for (on_quit, want) in [("resume", "completed"), ("cancel", "cancelled")] {
        restarted.store(false, Ordering::SeqCst);
        let data = tempfile::tempdir().unwrap();
        let (mut child, addr, token) = serve(&app, data.path());
        let client = reqwest::Client::new();
        let current: serde_json::Value = client
            .get(format!("{addr}/settings"))
            .bearer_auth(&token)
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
            .bearer_auth(&token)
            .json(&json!({"providers": current["providers"], "max_concurrency": 4, "api": current["api"],
                "shell_allow": allow, "on_quit": on_quit}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let task: serde_json::Value = client
            .post(format!("{addr}/tasks"))
            .bearer_auth(&token)
            .json(&json!({"prompt": "Wait a while"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = task["id"].as_str().unwrap().to_owned();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while crate::support::processes_with("sleep 331") == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the command did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let pid = child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
            .await
            .unwrap();
        assert!(
            status.success(),
            "{on_quit}: serve exits cleanly on SIGTERM: {status}"
        );
        assert_eq!(
            crate::support::processes_with("sleep 331"),
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
