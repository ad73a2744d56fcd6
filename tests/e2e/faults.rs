//! Provider faults and bad plans: retried, repaired, or failed with a reason.

use serde_json::json;

use crate::support::{Dialect, Reply, TestApp, example_plan, fake_model, script_example, tool};

async fn events_of(app: &TestApp, id: &str) -> Vec<serde_json::Value> {
    app.sse(id, None)
        .await
        .into_iter()
        .map(|(_, _, data)| data)
        .collect()
}

#[tokio::test]
async fn provider_500_then_200_is_retried() {
    let app = TestApp::start(Dialect::OpenAi).await;
    app.script
        .once(fake_model::planner, Reply::Status(500, None));
    script_example(&app).await;
    let id = app.create_task("compare Notion competitors").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");
    let retries: Vec<_> = events_of(&app, &id)
        .await
        .into_iter()
        .filter(|e| e["type"] == "provider_retry")
        .collect();
    assert_eq!(retries.len(), 1);
    assert!(retries[0]["reason"].as_str().unwrap().contains("500"));
    assert_eq!(
        app.script.requests().len(),
        8,
        "the failed call plus the 7 of the run"
    );
}

#[tokio::test]
async fn rate_limit_retry_honours_retry_after() {
    let app = TestApp::start(Dialect::Anthropic).await;
    app.script
        .once(fake_model::planner, Reply::Status(429, Some(1)));
    script_example(&app).await;
    let id = app.create_task("compare Notion competitors").await;
    assert_eq!(app.wait_final(&id).await["status"], "completed");
    let retry = events_of(&app, &id)
        .await
        .into_iter()
        .find(|e| e["type"] == "provider_retry")
        .unwrap();
    assert_eq!(retry["delay_ms"], 1000, "Retry-After: 1 means one second");
}

#[tokio::test]
async fn provider_that_keeps_failing_fails_the_task_with_the_reason() {
    let app = TestApp::start(Dialect::OpenAi).await;
    app.script.on(fake_model::planner, Reply::Status(503, None));
    let id = app.create_task("compare Notion competitors").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "failed");
    let error = task["error"].as_str().unwrap();
    assert!(
        error.contains("503") && error.contains("after 3 retries"),
        "{error}"
    );
    assert_eq!(app.script.requests().len(), 4, "one call and three retries");
}

#[tokio::test]
async fn refused_credentials_are_not_retried() {
    let app = TestApp::start(Dialect::OpenAi).await;
    app.script.on(fake_model::planner, Reply::Status(401, None));
    let id = app.create_task("compare Notion competitors").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "failed");
    assert!(
        task["error"].as_str().unwrap().contains("credentials"),
        "{task}"
    );
    assert_eq!(app.script.requests().len(), 1);
}

#[tokio::test]
async fn invalid_plan_is_repaired_by_the_model() {
    let app = TestApp::start(Dialect::OpenAi).await;
    app.script.once(
        fake_model::planner,
        Reply::ToolCalls(vec![tool("submit_plan", json!({"title": "t", "subtasks": [
            {"id": "st-1", "title": "Do magic", "description": "d", "agent_type": "wizard", "depends_on": ["st-3"]}
        ]}))]),
    );
    app.script.once(fake_model::planner_repair, example_plan());
    script_example(&app).await;
    let id = app.create_task("compare Notion competitors").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");
    let rejected = events_of(&app, &id)
        .await
        .into_iter()
        .find(|e| e["type"] == "plan_rejected")
        .unwrap();
    let problems = rejected["problems"].to_string();
    assert!(
        problems.contains("wizard") && problems.contains("st-3"),
        "{problems}"
    );
    let repair = app
        .script
        .requests()
        .into_iter()
        .find(|b| fake_model::planner_repair(b))
        .unwrap();
    assert!(
        repair.contains("wizard"),
        "the model is told what was wrong"
    );
}

#[tokio::test]
async fn plan_that_stays_invalid_fails_with_the_problems() {
    let app = TestApp::start(Dialect::OpenAi).await;
    app.script.on(
        fake_model::planner,
        Reply::Text("I would rather chat about it.".into()),
    );
    let id = app.create_task("compare Notion competitors").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "failed");
    assert!(
        task["error"]
            .as_str()
            .unwrap()
            .contains("did not produce a valid plan"),
        "{task}"
    );
    assert_eq!(
        app.script.requests().len(),
        3,
        "the first try and two repairs"
    );
}
