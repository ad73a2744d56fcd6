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

/// A burst of tasks shares each provider's capacity: with 2 calls per provider allowed, no more
/// than 2 requests are ever in flight at the model server, however many subtasks are ready.
#[tokio::test]
async fn a_burst_of_tasks_keeps_within_the_providers_concurrency() {
    use std::time::Duration;

    use miteos_core::Miteos;
    use miteos_core::orchestrator::Limits;
    use miteos_core::service::{NewTask, Options};

    let script = crate::support::Script::default();
    let server = fake_model::start(Dialect::OpenAi, &script).await;
    script.on(
        fake_model::planner,
        Reply::ToolCalls(vec![tool(
            "submit_plan",
            json!({"title": "Fan out", "subtasks": [
                {"id": "st-1", "title": "One", "description": "answer", "agent_type": "researcher", "depends_on": []},
                {"id": "st-2", "title": "Two", "description": "answer", "agent_type": "researcher", "depends_on": []},
                {"id": "st-3", "title": "Three", "description": "answer", "agent_type": "researcher", "depends_on": []}
            ]}),
        )]),
    );
    let latency = Duration::from_millis(250);
    script.slow(
        |b| !fake_model::planner(b),
        Reply::Text("Done.".into()),
        latency,
    );
    let dir = tempfile::tempdir().unwrap();
    let miteos = Miteos::open(Options {
        keys_in_file: true,
        limits: Limits {
            max_concurrency: 8,
            max_provider_calls: 2,
            ..Limits::default()
        },
        ..Options::new(
            dir.path(),
            crate::support::model_config(Dialect::OpenAi, &server),
        )
    })
    .await
    .unwrap();
    let mut ids = Vec::new();
    for n in 0..4 {
        let task = miteos
            .create_task(NewTask {
                prompt: format!("Fan out {n}"),
                ..Default::default()
            })
            .await
            .unwrap();
        ids.push(task.id);
    }
    for id in &ids {
        let task = miteos.wait(id).await.unwrap();
        assert_eq!(
            task.status,
            miteos_core::domain::TaskStatus::Completed,
            "{task:?}"
        );
    }
    // Agent calls last `latency`; a third call inside that window would mean 3 in flight.
    let agents: Vec<std::time::Instant> = script
        .requests()
        .iter()
        .zip(script.arrivals())
        .filter(|(body, _)| !fake_model::planner(body))
        .map(|(_, at)| at)
        .collect();
    assert_eq!(agents.len(), 12);
    let window = latency.mul_f64(0.9);
    let most = agents
        .iter()
        .map(|start| {
            agents
                .iter()
                .filter(|t| **t >= *start && **t < *start + window)
                .count()
        })
        .max()
        .unwrap();
    assert!(most <= 2, "{most} agent calls in flight at once");
    assert_eq!(most, 2, "the provider's two slots are used");
}
