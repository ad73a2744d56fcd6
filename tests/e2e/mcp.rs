//! MCP servers, real ones from npm (installed into tests/mcp by scripts/setup.sh): configured
//! through the API, their tools listed with schemas, granted to an agent type and called from a
//! scripted agent run; a call that changes things waits for approval; a server that dies is
//! restarted; the streamable HTTP transport works too; nothing is left running.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Dialect, Reply, TestApp, fake_model, one_subtask_plan, tool};

fn server_js(package: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/mcp/node_modules/@modelcontextprotocol")
        .join(package)
        .join("dist/index.js");
    assert!(
        path.is_file(),
        "{} is missing: run `npm --prefix tests/mcp ci` (scripts/setup.sh does)",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

/// server-everything over stdio and server-filesystem on `dir`, both untrusted, their
/// processes marked with `marker` in their environment (tests run side by side).
fn servers(dir: &std::path::Path, marker: &str) -> Value {
    json!([
        {"name": "everything", "command": "node", "args": [server_js("server-everything"), "stdio"],
         "env": {"MITEOS_TEST_MARKER": format!("{marker}-everything")}},
        {"name": "files", "command": "node", "args": [server_js("server-filesystem"), dir],
         "env": {"MITEOS_TEST_MARKER": format!("{marker}-files")}}
    ])
}

/// A marker no other test's processes carry.
fn marker() -> String {
    format!("mcp-test-{}", miteos_core::ids::random_token(8))
}

/// Processes whose environment carries `marker`.
fn processes_with(marker: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let environ = std::fs::read(e.path().join("environ")).ok()?;
            String::from_utf8_lossy(&environ)
                .contains(marker)
                .then_some(pid)
        })
        .collect()
}

async fn agent_type_with(app: &TestApp, tools: Value) {
    let (status, body) = app
        .post(
            "/agent-types",
            json!({"name": "operator", "description": "Uses MCP tools", "system_prompt": "Use your tools.", "tools": tools}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn servers_are_configured_listed_and_their_tools_granted() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let shared = tempfile::tempdir().unwrap();
    let mark = marker();
    let (status, states) = app.put("/mcp-servers", servers(shared.path(), &mark)).await;
    assert_eq!(status, 200, "{states}");
    let everything = &states[0];
    assert_eq!(everything["error"], Value::Null, "{everything}");
    let names: Vec<&str> = everything["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"everything__get-sum"), "{names:?}");
    let files = &states[1];
    let write = files["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "files__write_file")
        .expect("server-filesystem offers write_file");
    assert_eq!(write["read_only"], false);

    // The catalogue lists them; an agent type can be given them; unknown ones are refused.
    let (_, tools) = app.get("/tools").await;
    assert!(
        tools
            .as_array()
            .unwrap()
            .contains(&json!("files__read_text_file"))
    );
    let (status, body) = app
        .post(
            "/agent-types",
            json!({"name": "bad", "description": "d", "system_prompt": "p", "tools": ["files__no_such_tool"]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("has no tool no_such_tool")
    );

    // Bad configurations are refused, and the file keeps the good one.
    let (status, _) = app
        .put(
            "/mcp-servers",
            json!([{"name": "Bad Name", "command": "x"}]),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .put(
            "/mcp-servers",
            json!([{"name": "both", "command": "x", "url": "http://127.0.0.1:1/mcp"}]),
        )
        .await;
    assert_eq!(status, 400);
    let file = std::fs::read_to_string(app.dir.path().join("mcp.json")).unwrap();
    assert!(
        file.contains("\"everything\"") && file.contains("server-filesystem"),
        "{file}"
    );

    // A server that cannot start says why; the others are unaffected.
    let mut with_broken = servers(shared.path(), &mark);
    with_broken
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "broken", "command": "/nonexistent/mcp-server"}));
    let (status, states) = app.put("/mcp-servers", with_broken).await;
    assert_eq!(status, 200);
    assert!(
        states[2]["error"].as_str().unwrap().contains("cannot run"),
        "{}",
        states[2]
    );
    assert_eq!(states[0]["error"], Value::Null);

    assert!(!processes_with(&mark).is_empty(), "the servers run");
    app.miteos.shutdown().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !processes_with(&mark).is_empty() {
        assert!(
            Instant::now() < deadline,
            "shutdown stops every server and its children"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_agent_calls_mcp_tools_with_approval_for_writes_and_survives_a_server_crash() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let shared = tempfile::tempdir().unwrap();
    std::fs::write(
        shared.path().join("notes.md"),
        "Coda costs $10 per doc maker.",
    )
    .unwrap();
    let mark = marker();
    let (status, _) = app.put("/mcp-servers", servers(shared.path(), &mark)).await;
    assert_eq!(status, 200);
    agent_type_with(
        &app,
        json!([
            "everything__get-sum",
            "files__read_text_file",
            "files__write_file"
        ]),
    )
    .await;
    let s = &app.script;
    s.on(
        fake_model::planner,
        one_subtask_plan("operator", "Use MCP tools", "add, read, write"),
    );
    let is_agent = |b: &str| !fake_model::planner(b) && b.contains("Your part of it (st-1)");
    let notes = shared.path().join("notes.md");
    let out = shared.path().join("out.md");
    s.once(
        is_agent,
        Reply::ToolCalls(vec![
            tool("everything__get-sum", json!({"a": 2, "b": 3})),
            tool("files__read_text_file", json!({"path": notes})),
        ]),
    );
    s.once(
        is_agent,
        Reply::ToolCalls(vec![tool(
            "files__write_file",
            json!({"path": out, "content": "# Summary\nCoda: $10"}),
        )]),
    );
    s.once(
        is_agent,
        Reply::ToolCalls(vec![tool("everything__get-sum", json!({"a": 40, "b": 2}))]),
    );
    s.on(
        is_agent,
        Reply::Text("Sum is 5; notes read; summary written.".into()),
    );

    let id = app.create_task("Use the MCP servers").await;
    // The write waits for approval; the crash happens meanwhile (the reads are done).
    let pending = app.pending_approval(&id, Duration::from_secs(60)).await;
    assert_eq!(pending["tool"], "files__write_file");
    assert!(
        pending["reason"].as_str().unwrap().contains("not trusted"),
        "{pending}"
    );
    let pids = processes_with(&format!("{mark}-everything"));
    assert!(!pids.is_empty(), "the everything server runs");
    for pid in pids {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    }
    let (status, _) = app
        .post(
            &format!("/tasks/{id}/approvals/{}", pending["id"].as_str().unwrap()),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(status, 200);

    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");
    let calls = app.finished_calls(&id).await;
    let of = |tool: &str| -> Vec<&Value> { calls.iter().filter(|c| c["tool"] == tool).collect() };
    let text = |c: &Value| c["result"].as_str().unwrap().to_owned();
    let sums = of("everything__get-sum");
    assert!(text(sums[0]).contains('5'), "get-sum: {}", sums[0]);
    let read = of("files__read_text_file")[0];
    assert!(text(read).contains("Coda costs $10"), "read: {read}");
    let write = of("files__write_file")[0];
    assert_eq!(write["ok"], true, "write: {write}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "# Summary\nCoda: $10"
    );
    assert_eq!(
        sums[1]["ok"], true,
        "after the crash the server was restarted: {}",
        sums[1]
    );
    assert!(text(sums[1]).contains("42"), "{}", sums[1]);
    app.miteos.shutdown().await;
}

#[tokio::test]
async fn a_streamable_http_server_works_too() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = tokio::process::Command::new("node")
        .args([server_js("server-everything"), "streamableHttp".into()])
        .env("PORT", port.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the HTTP server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let app = TestApp::start(Dialect::OpenAi).await;
    let (status, states) = app
        .put(
            "/mcp-servers",
            json!([{"name": "remote", "url": format!("http://127.0.0.1:{port}/mcp"), "trusted": true}]),
        )
        .await;
    assert_eq!(status, 200, "{states}");
    assert_eq!(states[0]["error"], Value::Null, "{states}");
    assert!(
        states[0]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "remote__echo")
    );
    agent_type_with(&app, json!(["remote__echo"])).await;
    app.script.on(
        fake_model::planner,
        one_subtask_plan("operator", "Echo", "echo it"),
    );
    app.script.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool(
            "remote__echo",
            json!({"message": "hello over HTTP"}),
        )]),
    );
    app.script.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Echoed.".into()),
    );
    let id = app.create_task("Echo over HTTP").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");
    let calls = app.finished_calls(&id).await;
    let echo = calls.iter().find(|c| c["tool"] == "remote__echo").unwrap();
    assert!(
        echo["result"].as_str().unwrap().contains("hello over HTTP"),
        "{echo}"
    );
    app.miteos.shutdown().await;
    let _ = server.kill().await;
}
