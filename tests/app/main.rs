//! End-to-end through the real app window: the `miteos-app` binary under Xvfb, driven by
//! tauri-driver and WebKitWebDriver (the W3C WebDriver protocol, spoken here over reqwest),
//! against a scripted model server. A task typed into the prompt bar runs to `completed`; closing
//! the window while a task streams ends the process; the window works on a team's server
//! (team.rs).

#[path = "../e2e/support/fake_model.rs"]
#[allow(dead_code)]
mod fake_model;
#[path = "../e2e/support/processes.rs"]
mod processes;
mod team;
mod webdriver;

use std::time::{Duration, Instant};

use serde_json::json;

use fake_model::{Dialect, Reply, Script, tool};
use webdriver::{Display, Driver};

const PROMPT: &str = "Summarise the competitor pricing into a report";

/// The app's environment: its own data directory, the scripted model, keys in a file, the display.
fn app_env(data: &std::path::Path, display: &Display, model_uri: &str) -> Vec<(String, String)> {
    [
        ("MITEOS_DATA_DIR", data.display().to_string()),
        ("MITEOS_MODEL", "openai::gpt-4.1-mini".to_owned()),
        ("OPENAI_API_KEY", "test-key".to_owned()),
        ("OPENAI_BASE_URL", format!("{model_uri}/v1")),
        ("MITEOS_SECRETS", "file".to_owned()),
        ("DISPLAY", display.name.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Scripts the planner to answer a one-subtask plan for the builder.
fn plan_one_builder_subtask(script: &Script, title: &str, subtask: &str, description: &str) {
    script.on(
        fake_model::planner,
        Reply::ToolCalls(vec![tool(
            "submit_plan",
            json!({"title": title, "subtasks": [
                {"id": "st-1", "title": subtask, "description": description, "agent_type": "builder", "depends_on": []}
            ]}),
        )]),
    );
}

/// Types `task` into the prompt bar and waits until it completed with `deliverable`.
async fn run_to_completed(driver: &Driver, prompt: &str, task: &str, deliverable: &str) {
    driver.send_keys(prompt, &format!("{task}\u{E007}")).await;
    driver
        .wait_for(
            "[data-testid=\"task-status\"][data-status=\"completed\"]",
            Duration::from_secs(60),
        )
        .await;
    driver
        .wait_for(
            &format!("[data-deliverable=\"{deliverable}\"]"),
            Duration::from_secs(10),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_typed_into_the_window_runs_to_completed() {
    let script = Script::default();
    let model = fake_model::start(Dialect::OpenAi, &script).await;
    plan_one_builder_subtask(
        &script,
        "Competitor pricing report",
        "Write the report",
        "Write report.md",
    );
    script.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool(
            "write_file",
            json!({"path": "report.md", "content": "# Pricing\n\nCoda $10, Confluence $5.16.\n"}),
        )]),
    );
    script.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Wrote report.md.".into()),
    );

    let data = tempfile::tempdir().expect("temp dir");
    let display = Display::start().await;
    let env = app_env(data.path(), &display, &model.uri());
    let started = Instant::now();
    let driver = Driver::start(env!("CARGO_BIN_EXE_miteos-app"), &env).await;
    let prompt = driver.wait_for("#prompt", Duration::from_secs(60)).await;
    println!(
        "window ready for input {} ms after the session was requested",
        started.elapsed().as_millis()
    );

    run_to_completed(&driver, &prompt, PROMPT, "report.md").await;
    if let Some(dir) = std::env::var_os("MITEOS_SCREENSHOTS") {
        driver
            .screenshot(&std::path::Path::new(&dir).join("app-window.png"))
            .await;
    }
    let row = driver
        .text_of("[data-subtask=\"st-1\"][data-status=\"complete\"]")
        .await;
    assert!(
        row.contains("builder"),
        "the tree shows the plan's subtask and its agent type: {row}"
    );
    let detail = driver.text_of("section.detail h3").await;
    assert_eq!(
        detail, "Write the report",
        "the detail panel opens the subtask"
    );

    // The Skills page through the app's own commands: the library and its agent types.
    let skills = driver
        .wait_for("[data-page=\"skills\"]", Duration::from_secs(10))
        .await;
    driver.click(&skills).await;
    driver
        .wait_for("[data-testid=\"import-folder\"]", Duration::from_secs(10))
        .await;
    let page = driver.text_of("section.skills").await;
    assert!(page.contains("No skills yet"), "{page}");
    if let Some(dir) = std::env::var_os("MITEOS_SCREENSHOTS") {
        driver
            .screenshot(&std::path::Path::new(&dir).join("app-skills.png"))
            .await;
    }
    driver.stop().await;
}

/// A fan-out in the real window: one node with its items' count, a grid and the merged table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fan_out_shows_as_one_node_in_the_window() {
    let script = Script::default();
    let model = fake_model::start(Dialect::OpenAi, &script).await;
    let items = [
        "Coda",
        "Confluence",
        "ClickUp",
        "Obsidian",
        "Evernote",
        "Slite",
    ];
    script.on(
        fake_model::planner,
        Reply::ToolCalls(vec![tool(
            "submit_plan",
            json!({"title": "Notion competitors, priced", "subtasks": [
                {"id": "st-1", "title": "Price each competitor", "description": "Find its entry price.",
                 "agent_type": "researcher", "depends_on": [],
                 "for_each": {"items": items, "columns": ["Price"], "deliverable": "prices.xlsx"}}
            ]}),
        )]),
    );
    for (i, item) in items.iter().enumerate() {
        let marker = format!("Do this for one item only: {item}.");
        script.on(
            move |b| b.contains(&marker),
            Reply::Text(
                json!({"item": item, "Price": format!("${}", 5 + i), "sources": []}).to_string(),
            ),
        );
    }
    script.on(
        |b| b.contains("\"submit_check\""),
        Reply::ToolCalls(vec![tool("submit_check", json!({"unmet": []}))]),
    );

    let data = tempfile::tempdir().expect("temp dir");
    let display = Display::start().await;
    let env = app_env(data.path(), &display, &model.uri());
    let driver = Driver::start(env!("CARGO_BIN_EXE_miteos-app"), &env).await;
    let prompt = driver.wait_for("#prompt", Duration::from_secs(60)).await;
    run_to_completed(
        &driver,
        &prompt,
        "Price each of the six Notion competitors",
        "prices.xlsx",
    )
    .await;
    if let Some(dir) = std::env::var_os("MITEOS_SCREENSHOTS") {
        // WebKit's driver captures the last frame painted: let the final one be painted.
        tokio::time::sleep(Duration::from_millis(500)).await;
        driver
            .screenshot(&std::path::Path::new(&dir).join("app-fan-out.png"))
            .await;
    }
    let summary = driver
        .text_of("[data-fan-out=\"st-1\"] [data-testid=\"fan-out-summary\"]")
        .await;
    assert_eq!(summary, "6 researchers: 6 done");
    // The grid has a cell per item; the merged table a row per item as it ended (WebKit's
    // driver answers no text for table cells that clip theirs, so their titles are read).
    let cell = driver
        .attribute_of("[data-fan-out=\"st-1\"] .cell:nth-child(4)", "aria-label")
        .await;
    assert_eq!(cell.as_deref(), Some("Obsidian: complete"));
    let row = driver
        .attribute_of(
            "[data-fan-out=\"st-1\"] tbody tr:nth-child(4)",
            "data-row-state",
        )
        .await;
    let price = driver
        .attribute_of(
            "[data-fan-out=\"st-1\"] tbody tr:nth-child(4) td:nth-child(2)",
            "title",
        )
        .await;
    assert_eq!(
        (row.as_deref(), price.as_deref()),
        (Some("done"), Some("$8"))
    );
    driver.stop().await;
}

/// Closing the window while a task runs and the window follows its events ends the process: the
/// shutdown sequence ends the window's streams, stops the servers and the run, and exits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_window_while_a_task_streams_exits_the_app() {
    // In the app's command line (the task it starts), so its process can be found.
    const MARKER: &str = "Draft the slow quarterly memo 5187";
    let script = Script::default();
    let model = fake_model::start(Dialect::OpenAi, &script).await;
    plan_one_builder_subtask(&script, "Quarterly memo", "Draft the memo", "Write memo.md");
    // The agent's model call is still streaming when the window closes.
    script.slow(
        fake_model::agent_first("st-1"),
        Reply::Text("Drafted.".into()),
        Duration::from_secs(300),
    );

    let data = tempfile::tempdir().expect("temp dir");
    let display = Display::start().await;
    let env = app_env(data.path(), &display, &model.uri());
    let driver = Driver::start_with_args(env!("CARGO_BIN_EXE_miteos-app"), &[MARKER], &env).await;
    driver
        .wait_for(
            "[data-subtask=\"st-1\"][data-status=\"running\"]",
            Duration::from_secs(60),
        )
        .await;
    assert!(
        processes::processes_with(MARKER) > 0,
        "the app runs, started with the task"
    );

    let closed = Instant::now();
    driver.close_window().await;
    let deadline = closed + Duration::from_secs(10);
    while processes::processes_with(MARKER) > 0 {
        assert!(
            Instant::now() < deadline,
            "the app was still running 10 s after its window closed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "the app exited {} ms after its window closed",
        closed.elapsed().as_millis()
    );
}
