//! The user steers a task's plan over the API, with a scripted model: plan review waits and an
//! edited plan runs as edited; retry and edit-and-rerun run only what they should; one subtask is
//! cancelled and the task goes on without it; a follow-up adds subtasks and deliverables to the
//! same task.

use std::time::Duration;

use serde_json::json;

use crate::support::plans::{
    agent_calls, events_of, failing_middle, of_type, plan, revise, subtask,
};
use crate::support::{Dialect, Reply, TestApp, all_met, fake_model, tool};

#[tokio::test]
async fn plan_review_waits_and_the_edited_plan_runs_as_edited() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let s = &app.script;
    s.on(
        fake_model::planner,
        plan(json!([
            {"id": "st-1", "title": "Research", "description": "Research widely.", "agent_type": "researcher", "depends_on": []},
            {"id": "st-2", "title": "Extra", "description": "Something not wanted.", "agent_type": "researcher", "depends_on": []}
        ])),
    );
    s.on(
        |b: &str| b.contains("Your part of it (st-1)") && b.contains("Only primary sources"),
        Reply::Text("Primary findings.".into()),
    );
    s.on(fake_model::checker, all_met());
    let (status, task) = app
        .post(
            "/tasks",
            json!({"prompt": "Research it", "plan_review": "always"}),
        )
        .await;
    assert_eq!(status, 201, "{task}");
    let id = task["id"].as_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, task) = app.get(&format!("/tasks/{id}")).await;
        if task["awaiting_review"] == true {
            assert_eq!(task["status"], "running");
            assert_eq!(task["subtasks"].as_array().unwrap().len(), 2);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never waited for review: {task}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        agent_calls(&app, "st-1"),
        0,
        "nothing runs before the review"
    );
    // A bad edit is refused with its problems, and nothing changes.
    let (status, body) = app
        .post(
            &format!("/tasks/{id}/plan"),
            json!({"change": [{"id": "st-9", "title": "x"}]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("st-9"),
        "{body}"
    );
    // Each problem names the subtask and the field a client can point at.
    let (status, body) = app
        .post(
            &format!("/tasks/{id}/plan"),
            json!({"change": [{"id": "st-2", "agent_type": "wizard", "depends_on": ["st-2"]}]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_input");
    let fields: Vec<(&str, &str)> = body["error"]["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("problems: {body}"))
        .iter()
        .map(|p| (p["subtask"].as_str().unwrap(), p["field"].as_str().unwrap()))
        .collect();
    assert!(fields.contains(&("st-2", "agent_type")), "{body}");
    assert!(fields.contains(&("st-2", "depends_on")), "{body}");
    let (status, body) = app
        .post(
            &format!("/tasks/{id}/plan"),
            json!({"change": [{"id": "st-1", "description": "Only primary sources."}], "drop": ["st-2"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    assert_eq!(subtask(&task, "st-1")["output"], "Primary findings.");
    assert_eq!(subtask(&task, "st-2")["dropped"], true);
    assert_eq!(
        agent_calls(&app, "st-2"),
        0,
        "the removed subtask never ran"
    );
    let events = events_of(&app, &id).await;
    assert_eq!(of_type(&events, "plan_review_requested").len(), 1);
    assert_eq!(of_type(&events, "plan_approved")[0]["edited"], true);
    // The edited plan is estimated again: one subtask left to run instead of two.
    let estimates = of_type(&events, "budget_estimated");
    assert_eq!(estimates.len(), 2);
    assert_eq!(estimates[0]["estimate"]["subtasks"], 2);
    assert_eq!(estimates[1]["estimate"]["subtasks"], 1);
    assert_eq!(of_type(&events, "plan_revised")[0]["by"], "user");
}

#[tokio::test]
async fn retry_and_edit_and_rerun_run_only_what_they_should() {
    let app = TestApp::start(Dialect::OpenAi).await;
    failing_middle(&app).await;
    app.script.on(
        fake_model::reviser,
        revise(json!({"decision": "give_up", "reason": "the PDF is not there"})),
    );
    let id = app.create_task("Compare prices").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "failed", "{task:#}");
    assert!(
        task["error"]
            .as_str()
            .unwrap()
            .contains("gave up: the PDF is not there")
    );

    // Retry st-2 with other instructions: only st-2 runs; the task completes.
    let (status, body) = app
        .post(
            &format!("/tasks/{id}/subtasks/st-2/retry"),
            json!({"description": "Summarise the prices from the notes."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    assert_eq!(subtask(&task, "st-2")["output"], "Prices summed: $18.");
    assert_eq!(agent_calls(&app, "st-1"), 1);
    // st-3 was cut short when the task gave up: it runs again, as a new attempt.
    assert_eq!(agent_calls(&app, "st-3"), 2);
    assert_eq!(subtask(&task, "st-3")["attempt"], 2);

    // Rerun st-1 with edited instructions: st-1 and its dependant st-2 run again, st-3 is kept.
    app.script.on(
        |b: &str| b.contains("Your part of it (st-1)") && b.contains("in euros"),
        Reply::Text("Coda €9, Notion €7.".into()),
    );
    let (status, body) = app
        .post(
            &format!("/tasks/{id}/subtasks/st-1/rerun"),
            json!({"description": "Note the prices in euros."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    assert_eq!(subtask(&task, "st-1")["output"], "Coda €9, Notion €7.");
    assert_eq!(subtask(&task, "st-1")["attempt"], 2);
    assert_eq!(subtask(&task, "st-3")["attempt"], 2);
    assert_eq!(agent_calls(&app, "st-1"), 2);
    assert_eq!(
        agent_calls(&app, "st-3"),
        2,
        "the unrelated subtask is kept"
    );
    // The old output stays in the journal.
    let events = events_of(&app, &id).await;
    assert!(
        of_type(&events, "subtask_finished")
            .iter()
            .any(|e| e["subtask_id"] == "st-1" && e["output"] == "Coda $10, Notion $8.")
    );
    assert_eq!(of_type(&events, "task_reopened").len(), 2);
    // Retrying a running subtask or an unknown one is refused.
    let (status, _) = app
        .post(&format!("/tasks/{id}/subtasks/st-9/retry"), json!({}))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_follow_up_adds_subtasks_and_deliverables_to_the_same_task() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let s = &app.script;
    s.on(
        fake_model::planner,
        plan(json!([
            {"id": "st-1", "title": "Write the brief", "description": "Write brief.md.", "agent_type": "builder", "depends_on": []}
        ])),
    );
    s.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool(
            "write_file",
            json!({"path": "brief.md", "content": "# Brief\nNotion competitors."}),
        )]),
    );
    s.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Wrote brief.md.".into()),
    );
    s.on(fake_model::checker, all_met());
    let id = app
        .create_task("Write a brief on Notion's competitors")
        .await;
    let first = app.wait_final(&id).await;
    assert_eq!(first["status"], "completed", "{first:#}");

    s.once(
        |b: &str| fake_model::reviser(b) && b.contains("add a pricing table"),
        revise(json!({"decision": "revise", "reason": "a table from the brief",
            "add": [{"id": "new-1", "title": "Pricing table", "description": "Write pricing.csv from brief.md.",
                     "agent_type": "analyst", "depends_on": ["st-1"], "needs": ["spreadsheet"]}]})),
    );
    s.on(
        fake_model::agent_first("st-2"),
        Reply::ToolCalls(vec![tool(
            "write_spreadsheet",
            json!({"path": "pricing.csv", "columns": ["Product", "Price"], "rows": [["Coda", 10]]}),
        )]),
    );
    s.on(
        fake_model::agent_after_tools("st-2"),
        Reply::Text("Wrote pricing.csv.".into()),
    );
    // A follow-up on a running task, or an empty one, is refused.
    let (status, _) = app
        .post(&format!("/tasks/{id}/messages"), json!({"message": "  "}))
        .await;
    assert_eq!(status, 400);
    let (status, body) = app
        .post(
            &format!("/tasks/{id}/messages"),
            json!({"message": "add a pricing table"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    assert_eq!(task["id"], id);
    assert_eq!(task["follow_ups"][0]["message"], "add a pricing table");
    assert_eq!(task["follow_ups"][0]["revision"], 1);
    assert_eq!(subtask(&task, "st-2")["revision"], 1);
    assert_eq!(subtask(&task, "st-2")["depends_on"], json!(["st-1"]));
    assert_eq!(agent_calls(&app, "st-1"), 2, "st-1's two turns, once");
    assert!(
        task["total_tokens_used"].as_i64().unwrap() > first["total_tokens_used"].as_i64().unwrap(),
        "the follow-up's tokens add to the task's"
    );
    let names = app.deliverable_names(&id).await;
    assert!(
        names.iter().any(|n| n == "brief.md") && names.iter().any(|n| n == "pricing.csv"),
        "{names:?}"
    );
    let events = events_of(&app, &id).await;
    assert_eq!(of_type(&events, "follow_up_received").len(), 1);
    assert_eq!(of_type(&events, "plan_revised")[0]["by"], "follow_up");
    assert_eq!(events.last().unwrap()["type"], "task_finished");
}

#[tokio::test]
async fn cancelling_one_subtask_leaves_the_task_running_without_it() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let s = &app.script;
    s.on(
        fake_model::planner,
        plan(json!([
            {"id": "st-1", "title": "Slow research", "description": "Read everything.", "agent_type": "researcher", "depends_on": []},
            {"id": "st-2", "title": "Summarise it", "description": "Summarise st-1.", "agent_type": "researcher", "depends_on": ["st-1"]},
            {"id": "st-3", "title": "Quick research", "description": "Read one page.", "agent_type": "researcher", "depends_on": []}
        ])),
    );
    s.slow(
        fake_model::agent_first("st-1"),
        Reply::Text("never seen".into()),
        Duration::from_secs(600),
    );
    s.slow(
        fake_model::agent_first("st-3"),
        Reply::Text("One page read.".into()),
        Duration::from_millis(800),
    );
    s.on(fake_model::checker, all_met());
    let id = app.create_task("Research widely").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while agent_calls(&app, "st-1") == 0 {
        assert!(std::time::Instant::now() < deadline, "st-1 never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, body) = app
        .post(&format!("/tasks/{id}/subtasks/st-1/cancel"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    assert_eq!(subtask(&task, "st-1")["status"], "cancelled");
    assert_eq!(subtask(&task, "st-1")["error"], "cancelled by the user");
    assert_eq!(subtask(&task, "st-2")["status"], "cancelled");
    assert_eq!(subtask(&task, "st-3")["status"], "complete");
    let unmet: Vec<String> = serde_json::from_value(task["unmet"].clone()).unwrap();
    assert!(unmet.iter().any(|u| u.starts_with("st-1")), "{unmet:?}");
    assert!(
        unmet.iter().any(|u| u.contains("depends on st-1")),
        "{unmet:?}"
    );
    assert_eq!(agent_calls(&app, "st-2"), 0);
    // Cancelling a subtask of a finished task is refused.
    let (status, _) = app
        .post(&format!("/tasks/{id}/subtasks/st-3/cancel"), json!({}))
        .await;
    assert_eq!(status, 409);
}
