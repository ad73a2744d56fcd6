//! Helpers of the living plan's tests: scripted plans and revisions, the failing middle
//! subtask, and reading tasks and events.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Reply, TestApp, all_met, fake_model, tool};

pub async fn events_of(app: &TestApp, id: &str) -> Vec<Value> {
    app.sse(id, None)
        .await
        .into_iter()
        .map(|(_, _, data)| data)
        .collect()
}

pub fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

/// Model requests made for subtask `id`'s agent.
pub fn agent_calls(app: &TestApp, id: &str) -> usize {
    let mark = format!("Your part of it ({id})");
    app.script
        .requests()
        .iter()
        .filter(|r| r.contains(&mark))
        .count()
}

pub fn plan(subtasks: Value) -> Reply {
    titled_plan("Living plan", subtasks)
}

pub fn titled_plan(title: &str, subtasks: Value) -> Reply {
    Reply::ToolCalls(vec![tool(
        "submit_plan",
        json!({"title": title, "subtasks": subtasks}),
    )])
}

pub fn revise(args: Value) -> Reply {
    Reply::ToolCalls(vec![tool("revise_plan", args)])
}

pub fn subtask<'a>(task: &'a Value, id: &str) -> &'a Value {
    task["subtasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {task}"))
}

/// st-1 and st-3 research (st-3 slowly); st-2 depends on st-1 and fails its first attempt.
pub async fn failing_middle(app: &TestApp) {
    let s = &app.script;
    s.on(
        fake_model::planner,
        plan(json!([
            {"id": "st-1", "title": "Find prices", "description": "Note the prices.", "agent_type": "researcher", "depends_on": []},
            {"id": "st-2", "title": "Sum them up", "description": "Summarise the prices from the PDF.", "agent_type": "researcher", "depends_on": ["st-1"]},
            {"id": "st-3", "title": "Find features", "description": "Note the features.", "agent_type": "researcher", "depends_on": []}
        ])),
    );
    // The first instructions only: a rerun with others is scripted by its test.
    s.on(
        |b: &str| b.contains("Your part of it (st-1)") && b.contains("Note the prices."),
        Reply::Text("Coda $10, Notion $8.".into()),
    );
    s.slow(
        fake_model::agent_first("st-3"),
        Reply::Text("Coda has tables.".into()),
        Duration::from_millis(1500),
    );
    s.on(
        |b: &str| b.contains("Your part of it (st-2)") && b.contains("from the notes"),
        Reply::Text("Prices summed: $18.".into()),
    );
    s.on(fake_model::agent_first("st-2"), Reply::Status(400, None));
    s.on(fake_model::checker, all_met());
}
