//! Cancel stops every agent: model streams, running tools; no tool starts after it.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{Dialect, Reply, TestApp, fake_model, tool};

async fn wait_for_event(app: &TestApp, id: &str, what: impl Fn(&serde_json::Value) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let events = app.miteos.events_after(id, 0, 10_000).await.unwrap();
        if events
            .iter()
            .any(|e| what(&serde_json::to_value(e).unwrap()))
        {
            return;
        }
        assert!(Instant::now() < deadline, "the awaited event never came");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn cancel_mid_run_stops_model_streams_and_tools() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let slow_page = app
        .page(
            "/pages/slow",
            "<html><body>late</body></html>",
            Duration::from_secs(60),
        )
        .await;
    let s = &app.script;
    s.on(fake_model::planner, Reply::ToolCalls(vec![tool("submit_plan", json!({"title": "t", "subtasks": [
        {"id": "a", "title": "Read a slow page", "description": "fetch", "agent_type": "researcher", "depends_on": []},
        {"id": "b", "title": "Think slowly", "description": "think", "agent_type": "researcher", "depends_on": []},
        {"id": "c", "title": "Summarise", "description": "sum", "agent_type": "builder", "depends_on": ["a", "b"]}
    ]}))]));
    s.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool("fetch_url", json!({"url": slow_page}))]),
    );
    s.slow(
        fake_model::agent_first("st-2"),
        Reply::Text("never seen".into()),
        Duration::from_secs(60),
    );
    let id = app.create_task("Read a slow page and think slowly").await;

    // st-1 is inside its tool, st-2 is waiting on the model.
    wait_for_event(&app, &id, |e| {
        e["type"] == "tool_call_started" && e["subtask_id"] == "st-1"
    })
    .await;
    wait_for_event(&app, &id, |e| {
        e["type"] == "subtask_started" && e["subtask_id"] == "st-2"
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let asked = Instant::now();
    let (status, task) = app.post(&format!("/tasks/{id}/cancel"), json!({})).await;
    let took = asked.elapsed();
    assert_eq!(status, 200, "{task}");
    assert_eq!(
        task["status"], "cancelled",
        "the answer already shows the task cancelled"
    );
    assert!(
        took < Duration::from_secs(5),
        "cancel must not wait for the 60 s tool or model ({took:?})"
    );
    for st in task["subtasks"].as_array().unwrap() {
        assert_eq!(st["status"], "cancelled", "{st}");
    }

    // Nothing starts after the cancel, and the journal ends with the final state.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let events: Vec<serde_json::Value> = app
        .miteos
        .events_after(&id, 0, 10_000)
        .await
        .unwrap()
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    let cancel_at = events
        .iter()
        .position(|e| e["type"] == "cancel_requested")
        .expect("cancel is journaled");
    assert!(
        !events[cancel_at..]
            .iter()
            .any(|e| e["type"] == "tool_call_started" || e["type"] == "subtask_started"),
        "no tool call or subtask may start after the cancel"
    );
    assert_eq!(events.last().unwrap()["type"], "task_finished");
    assert_eq!(events.last().unwrap()["status"], "cancelled");
    assert_eq!(
        app.script.requests().len(),
        3,
        "no model call after the cancel (plan + st-1 + st-2)"
    );

    let (again, body) = app.post(&format!("/tasks/{id}/cancel"), json!({})).await;
    assert_eq!(again, 409, "cancelling a finished task is a conflict");
    assert_eq!(body["error"]["code"], "conflict");
}
