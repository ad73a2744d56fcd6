//! The living plan over the API, with a scripted model: a subtask given an agent type without
//! the tools it needs moves to one that has them; a failed subtask is replanned while its
//! siblings keep running and the task completes; revisions run out and the task says why; the
//! result check finds a short spreadsheet and a missing file and revises; a SIGKILL during a
//! revision resumes. (The user's steering is in steering.rs.)

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::plans::{
    agent_calls, events_of, failing_middle, of_type, plan, revise, subtask,
};
use crate::support::{Dialect, Reply, TestApp, all_met, fake_model, tool};

#[tokio::test]
async fn a_failed_subtask_is_replanned_while_its_siblings_run_and_the_task_completes() {
    let app = TestApp::start(Dialect::OpenAi).await;
    failing_middle(&app).await;
    app.script.once(
        fake_model::reviser,
        revise(json!({"decision": "revise", "reason": "there is no PDF; use st-1's notes",
            "change": [{"id": "st-2", "description": "Summarise the prices from the notes of st-1."}]})),
    );
    let id = app.create_task("Compare prices").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    assert_eq!(task["revision"], 1);
    assert_eq!(task["revisions"][0]["by"], "orchestrator");
    assert!(
        task["revisions"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("st-2 failed"),
        "{task:#}"
    );
    assert_eq!(subtask(&task, "st-2")["attempt"], 2);
    assert_eq!(subtask(&task, "st-2")["output"], "Prices summed: $18.");
    assert_eq!(
        subtask(&task, "st-3")["status"],
        "complete",
        "the sibling kept running"
    );
    assert_eq!(
        agent_calls(&app, "st-1"),
        1,
        "completed work does not run again"
    );
    assert_eq!(agent_calls(&app, "st-3"), 1);
    let events = events_of(&app, &id).await;
    let revised = of_type(&events, "plan_revised");
    assert_eq!(revised.len(), 1);
    assert_eq!(revised[0]["diff"]["rerun"], json!(["st-2"]));
    // st-3 was not cancelled on st-2's failure: it ended once, complete.
    let st3_ends: Vec<_> = of_type(&events, "subtask_finished")
        .into_iter()
        .filter(|e| e["subtask_id"] == "st-3")
        .collect();
    assert_eq!(st3_ends.len(), 1);
    assert_eq!(st3_ends[0]["status"], "complete");
}

#[tokio::test]
async fn a_task_whose_revisions_run_out_fails_and_says_why() {
    let app = TestApp::start(Dialect::OpenAi).await;
    failing_middle(&app).await;
    // Every revision retries st-2 as it is; it keeps failing.
    app.script.on(
        fake_model::reviser,
        revise(json!({"decision": "revise", "reason": "try again", "retry": ["st-2"]})),
    );
    let id = app.create_task("Compare prices").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "failed", "{task:#}");
    let error = task["error"].as_str().unwrap();
    assert!(error.contains("st-2 failed"), "{error}");
    assert!(error.contains("no revisions left (2 of 2 used)"), "{error}");
    assert_eq!(task["revision"], 2);
    assert_eq!(subtask(&task, "st-2")["attempt"], 3);
}

#[tokio::test]
async fn a_subtask_planned_for_a_type_without_its_tools_moves_to_one_that_has_them() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let s = &app.script;
    s.on(
        fake_model::planner,
        plan(json!([
            {"id": "st-1", "title": "Tabulate", "description": "Write table.xlsx with the products.", "agent_type": "researcher", "depends_on": []}
        ])),
    );
    s.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool(
            "write_spreadsheet",
            json!({"path": "table.xlsx", "columns": ["Product"], "rows": [["Coda"], ["Notion"]]}),
        )]),
    );
    s.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Wrote table.xlsx.".into()),
    );
    s.on(fake_model::checker, all_met());
    let id = app.create_task("Tabulate the products").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    assert_eq!(subtask(&task, "st-1")["agent_type"], "analyst");
    assert_eq!(subtask(&task, "st-1")["needs"], json!(["spreadsheet"]));
    let events = events_of(&app, &id).await;
    let moved = of_type(&events, "subtask_reassigned");
    assert_eq!(moved.len(), 1, "{events:#?}");
    assert_eq!(moved[0]["from"], "researcher");
    assert_eq!(moved[0]["to"], "analyst");
    assert_eq!(moved[0]["reason"], "it writes a spreadsheet");
    // The agent ran as an analyst, with write_spreadsheet among its tools.
    let request = app
        .script
        .requests()
        .into_iter()
        .find(|r| r.contains("Your part of it (st-1)"))
        .unwrap();
    assert!(request.contains("You are a careful analyst"));
}

#[tokio::test]
async fn the_result_check_finds_a_short_spreadsheet_and_a_missing_file_and_revises() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let s = &app.script;
    s.on(
        fake_model::planner,
        plan(json!([
            {"id": "st-1", "title": "Compare", "description": "Write comparison.csv and notes.md.", "agent_type": "analyst", "depends_on": []}
        ])),
    );
    let rows = |n: usize| -> Value {
        json!(
            (0..n)
                .map(|i| json!([format!("Product {i}"), i]))
                .collect::<Vec<_>>()
        )
    };
    // The first attempt writes 2 rows and no notes.md; the rerun (told of the gaps) writes 5
    // rows and the notes.
    s.on(
        |b: &str| {
            b.contains("Your part of it (st-1)")
                && b.contains("all 5")
                && !b.contains("<tool_result")
        },
        Reply::ToolCalls(vec![
            tool(
                "write_spreadsheet",
                json!({"path": "comparison.csv", "columns": ["Product", "Price"], "rows": rows(5)}),
            ),
            tool(
                "write_file",
                json!({"path": "notes.md", "content": "# Notes\nFive products."}),
            ),
        ]),
    );
    s.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool(
            "write_spreadsheet",
            json!({"path": "comparison.csv", "columns": ["Product", "Price"], "rows": rows(2)}),
        )]),
    );
    s.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Done.".into()),
    );
    s.on(fake_model::checker, all_met());
    s.once(
        |b: &str| fake_model::reviser(b) && b.contains("has 2 rows; the task asks for 5") && b.contains("notes.md"),
        revise(json!({"decision": "revise", "reason": "the table is short",
            "change": [{"id": "st-1", "description": "Write comparison.csv with all 5 competitors, and notes.md."}],
            "rerun": ["st-1"]})),
    );
    let id = app
        .create_task("Compare the top 5 competitors of Notion")
        .await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    assert_eq!(task["unmet"], json!([]), "{task:#}");
    assert_eq!(task["revision"], 1);
    let events = events_of(&app, &id).await;
    let checks = of_type(&events, "result_checked");
    assert_eq!(checks.len(), 2);
    let first: Vec<String> = serde_json::from_value(checks[0]["unmet"].clone()).unwrap();
    assert!(
        first
            .iter()
            .any(|u| u.contains("comparison.csv has 2 rows")),
        "{first:?}"
    );
    assert!(first.iter().any(|u| u.contains("notes.md")), "{first:?}");
    assert_eq!(checks[1]["unmet"], json!([]));
    let csv = std::fs::read_to_string(app.miteos.task_dir(&id).join("comparison.csv")).unwrap();
    assert_eq!(csv.lines().count(), 6);
}

#[tokio::test]
async fn a_sigkill_during_a_revision_resumes() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use crate::support::served::{create_task, get_task, serve, wait_final};

    let app = TestApp::start(Dialect::OpenAi).await;
    let crashed = Arc::new(AtomicBool::new(false));
    let s = &app.script;
    s.on(
        fake_model::planner,
        plan(json!([
            {"id": "st-1", "title": "Flaky", "description": "Answer.", "agent_type": "researcher", "depends_on": []},
            {"id": "st-2", "title": "Steady", "description": "Answer.", "agent_type": "researcher", "depends_on": []}
        ])),
    );
    let before = crashed.clone();
    s.on(
        move |b: &str| !before.load(Ordering::SeqCst) && b.contains("Your part of it (st-1)"),
        Reply::Status(400, None),
    );
    s.on(
        fake_model::agent_first("st-1"),
        Reply::Text("Flaky, then fine.".into()),
    );
    s.on(
        fake_model::agent_first("st-2"),
        Reply::Text("Steady.".into()),
    );
    s.slow(
        fake_model::reviser,
        revise(json!({"decision": "give_up", "reason": "never seen"})),
        Duration::from_secs(600),
    );
    s.on(fake_model::checker, all_met());

    let data = tempfile::tempdir().unwrap();
    let (mut child, addr, token) = serve(&app, data.path());
    let client = reqwest::Client::new();
    let id = create_task(&client, &addr, &token, "Answer twice").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    // The revision is being asked for, and st-2 (which ran beside the failing st-1) is complete.
    loop {
        let asked = app.script.requests().iter().any(|r| fake_model::reviser(r));
        let task = get_task(&client, &addr, &token, &id).await;
        let st2_done = task["subtasks"].as_array().is_some_and(|s| {
            s.iter()
                .any(|s| s["id"] == "st-2" && s["status"] == "complete")
        });
        if asked && st2_done {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no revision was asked for, or st-2 did not complete: {task}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL, while the revision is asked for
    child.wait().unwrap();
    crashed.store(true, Ordering::SeqCst);

    let (mut child, addr, token) = serve(&app, data.path());
    let task = wait_final(&client, &addr, &token, &id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    let task = get_task(&client, &addr, &token, &id).await;
    assert_eq!(subtask(&task, "st-1")["output"], "Flaky, then fine.");
    assert_eq!(agent_calls(&app, "st-2"), 1, "completed work is not redone");
    assert_eq!(task["revision"], 0, "the cut revision was never stored");
    child.kill().unwrap();
    child.wait().unwrap();
}
