//! The `miteos` binary: run, tasks and serve, as a user types them.

use std::process::Stdio;
use std::time::Duration;

use crate::support::served::{miteos, miteos_on, serve};
use crate::support::{Dialect, TestApp, script_example};

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
    assert!(
        stderr.contains("miteos models get"),
        "it names the local model to get: {stderr}"
    );
    // `serve` starts anyway (history, deliverables, settings): model_setup.rs tests it.
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
async fn serve_names_its_address_and_token_file_never_the_token() {
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

#[tokio::test]
async fn skills_compile_match_show_and_run_from_a_terminal() {
    let app = TestApp::start(Dialect::OpenAi).await;
    script_example(&app).await;
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_owned();
    let cli = move |args: Vec<String>| {
        let mut command = miteos_on(&app, &dir);
        tokio::task::spawn_blocking(move || {
            let out = command.args(&args).output().unwrap();
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
            assert!(
                out.status.success(),
                "{args:?}\nstdout: {stdout}\nstderr: {stderr}"
            );
            (stdout, stderr)
        })
    };
    let kind = |n: u32, x: &str| format!("Compare the top {n} note apps like {x} in a spreadsheet");
    for (n, x) in [(5, "Notion"), (3, "Coda")] {
        cli(vec!["run".into(), kind(n, x)]).await.unwrap();
    }
    let (out, _) = cli(vec!["skills".into(), "compile".into()]).await.unwrap();
    assert!(
        out.contains("compiled ") && out.contains("validation: completed"),
        "{out}"
    );
    let (list, _) = cli(vec!["skills".into(), "list".into()]).await.unwrap();
    let id = list
        .split_whitespace()
        .find(|w| w.starts_with("sk-"))
        .unwrap_or_else(|| panic!("a skill id in {list}"))
        .trim_end_matches([':', ',', ')'])
        .to_owned();
    let (show, _) = cli(vec!["skills".into(), "show".into(), id]).await.unwrap();
    assert!(
        show.contains("Compare the top {{count}} note apps like {{subject}} in a spreadsheet")
            && show.contains("[reused without the model]"),
        "{show}"
    );
    let (matched, _) = cli(vec!["skills".into(), "match".into(), kind(7, "Airtable")])
        .await
        .unwrap();
    assert!(matched.contains("count=7, subject=Airtable"), "{matched}");
    let (close, _) = cli(vec![
        "skills".into(),
        "match".into(),
        "Make a spreadsheet comparing the top 4 note apps similar to Bear".into(),
    ])
    .await
    .unwrap();
    assert!(close.contains("Close to skill"), "{close}");
    let (_, progress) = cli(vec!["run".into(), kind(7, "Airtable")]).await.unwrap();
    assert!(
        progress.contains("Running from skill") && progress.contains("no planning call"),
        "{progress}"
    );
}
