//! The War Room in a real browser: Debian's Chromium, driven by playwright-core
//! (ui/tests/browser/war-room.mjs), against the real API serving the built UI, with a scripted
//! model. Submits the example prompt and watches it complete, previews and downloads the
//! spreadsheet, cancels a running task, approves a command, answers a task paused on its budget,
//! compiles a skill and runs prompts from it (one worded otherwise), and pages through history.

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;

use crate::support::{Dialect, Reply, TOKEN, TestApp, fake_model, script_example, tool};

/// The repository's root (the e2e tests are a target of crates/miteos-cli).
fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs one of ui/tests/browser/ with node against the app (its steps printed), passing on
/// MITEOS_SCREENSHOTS; answers how it exited.
pub(crate) async fn run_script(
    app: &TestApp,
    name: &str,
    limit: Duration,
) -> std::process::ExitStatus {
    run_script_with(app, name, limit, &[]).await
}

/// [`run_script`] with more environment for the script.
pub(crate) async fn run_script_with(
    app: &TestApp,
    name: &str,
    limit: Duration,
    env: &[(&str, &str)],
) -> std::process::ExitStatus {
    let mut command = tokio::process::Command::new("node");
    command
        .envs(env.iter().copied())
        .arg(repo_root().join("ui/tests/browser").join(name))
        .env("MITEOS_URL", &app.base)
        .env("MITEOS_TOKEN", TOKEN)
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    if let Some(dir) = std::env::var_os("MITEOS_SCREENSHOTS") {
        command.env("MITEOS_SCREENSHOTS", dir);
    }
    tokio::time::timeout(limit, command.status())
        .await
        .unwrap_or_else(|_| panic!("{name} finishes within {limit:?}"))
        .expect("running node (installed by scripts/setup.sh)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn war_room_runs_cancels_downloads_and_pages_history_in_chromium() {
    let app = TestApp::start(Dialect::OpenAi).await;
    // Its skill is compiled when the page asks (tests/e2e/browser_skills.rs has the compiler's own).
    app.set_compile_after(0).await;
    let slow_page = app
        .page(
            "/pages/slow",
            "<html><body>slow</body></html>",
            Duration::from_secs(120),
        )
        .await;
    // The slow task's rules come first: the first matching rule answers.
    app.script.on(
        |b| fake_model::planner(b) && b.contains("Watch a slow page"),
        Reply::ToolCalls(vec![tool(
            "submit_plan",
            json!({"title": "Watch a slow page", "subtasks": [
                {"id": "watch", "title": "Read the slow page", "description": "fetch it", "agent_type": "researcher", "depends_on": []}
            ]}),
        )]),
    );
    // Plans are renumbered st-1…, so the slow agent is recognised by its subtask's title.
    app.script.on(
        |b| {
            !fake_model::planner(b)
                && b.contains("Read the slow page")
                && !b.contains("<tool_result")
        },
        Reply::ToolCalls(vec![tool("fetch_url", json!({"url": slow_page}))]),
    );
    // A task whose command needs the user's approval, given in the browser.
    app.script.on(
        |b| fake_model::planner(b) && b.contains("Check the machine"),
        crate::support::one_subtask_plan("builder", "Report the machine's kernel", "run uname"),
    );
    app.script.on(
        |b| {
            !fake_model::planner(b)
                && b.contains("Report the machine's kernel")
                && !b.contains("<tool_result")
        },
        Reply::ToolCalls(vec![tool("run_command", json!({"command": "uname -s"}))]),
    );
    app.script.on(
        |b| !fake_model::planner(b) && b.contains("Report the machine's kernel"),
        Reply::Text("The kernel is Linux.".into()),
    );
    // A task that never finishes: it pauses on its budget (10 of 12 steps), is raised, then stopped.
    let page = app
        .page(
            "/pages/any",
            "<html><body>a page</body></html>",
            Duration::ZERO,
        )
        .await;
    app.script.on(
        |b| fake_model::planner(b) && b.contains("Read every page"),
        crate::support::one_subtask_plan("researcher", "Read all the pages", "one by one"),
    );
    for n in 0..40 {
        app.script.once(
            |b| !fake_model::planner(b) && b.contains("Read all the pages"),
            Reply::ToolCalls(vec![tool(
                "fetch_url",
                json!({"url": format!("{page}?n={n}")}),
            )]),
        );
    }
    // A prompt worded otherwise than the skill the browser compiles: the binding call's answer.
    app.script.on(
        |b| b.contains("submit_binding") && b.contains("similar to Bear"),
        Reply::ToolCalls(vec![tool(
            "submit_binding",
            json!({"same_kind": true, "confidence": 0.85, "parameters": {"count": "4", "subject": "Bear"}}),
        )]),
    );
    script_example(&app).await;

    let status = run_script(&app, "war-room.mjs", Duration::from_secs(240)).await;
    assert!(
        status.success(),
        "the War Room browser test failed (its steps are printed above)"
    );
}
