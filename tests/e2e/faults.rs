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
        9,
        "the failed call plus the 8 of the run (plan, 6 agent turns, result check)"
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
        // Its tasks are of one kind: no skill is compiled from them meanwhile.
        compile_in_background: false,
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
        .filter(|(body, _)| body.contains("Your part of it"))
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

/// Sums of a task's `usage` events: (all tokens, planner tokens, cost in USD).
fn usage_sums(events: &[serde_json::Value]) -> (i64, i64, f64) {
    let usage = events.iter().filter(|e| e["type"] == "usage");
    let tokens = |e: &serde_json::Value| {
        e["input_tokens"].as_i64().unwrap() + e["output_tokens"].as_i64().unwrap()
    };
    let all = usage.clone().map(tokens).sum();
    let planner = usage
        .clone()
        .filter(|e| e["subtask_id"].is_null())
        .map(tokens)
        .sum();
    let cost = usage.map(|e| e["cost_usd"].as_f64().unwrap()).sum();
    (all, planner, cost)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifth_of_calls_failing_in_every_way_still_ends_every_task_with_totals_that_add_up() {
    use crate::support::fake_model::Fault;
    for (dialect, seed) in [(Dialect::OpenAi, 7), (Dialect::Anthropic, 11)] {
        let script = crate::support::fake_model::Script::default();
        let server = fake_model::start(dialect, &script).await;
        let mut models = crate::support::model_config(dialect, &server);
        // Timeouts are injected as answers slower than this.
        models.timeout = Some(std::time::Duration::from_secs(1));
        let app =
            TestApp::start_configured(models, script, server, tempfile::tempdir().unwrap()).await;
        script_example(&app).await;
        let kinds = [
            Fault::RateLimited,
            Fault::ServerError,
            Fault::Timeout(std::time::Duration::from_secs(3)),
            Fault::CutStream,
            Fault::MalformedToolCall,
        ];
        app.script.inject_faults(0.2, seed, &kinds);

        let mut ids = Vec::new();
        for n in 0..10 {
            ids.push(
                app.create_task(&format!("compare Notion competitors, run {n}"))
                    .await,
            );
        }
        let (mut completed, mut failed) = (0, 0);
        for id in &ids {
            let task = app
                .wait_final_within(id, std::time::Duration::from_secs(180))
                .await;
            match task["status"].as_str().unwrap() {
                "completed" => completed += 1,
                "failed" => {
                    failed += 1;
                    println!("failed: {}", task["error"]);
                    assert!(
                        !task["error"].as_str().unwrap_or_default().is_empty(),
                        "a failed task says why: {task}"
                    );
                }
                other => panic!("task ended {other}: {task}"),
            }
            // Totals add up: the task's counters are the sum of its calls, and the subtasks'
            // plus the planner's make the task's.
            let events = events_of(&app, id).await;
            let (tokens, planner, cost) = usage_sums(&events);
            assert_eq!(task["total_tokens_used"], tokens, "{task}");
            let subtasks: i64 = task["subtasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["tokens_used"].as_i64().unwrap())
                .sum();
            assert_eq!(subtasks + planner, tokens);
            assert!((task["total_cost_usd"].as_f64().unwrap() - cost).abs() < 1e-9);
            assert_eq!(
                events.last().unwrap()["type"],
                "task_finished",
                "the journal ends with the end"
            );
        }
        let injected = app.script.injected();
        for kind in kinds {
            assert!(
                injected.contains(&kind),
                "{kind:?} was injected: {injected:?}"
            );
        }
        let (status, _) = app.get("/health").await;
        assert_eq!(status, 200, "the server is still up");
        println!(
            "{} of {} requests faulty: {completed} tasks completed, {failed} failed",
            injected.len(),
            app.script.requests().len()
        );
        assert!(
            completed >= 8,
            "retries carry most tasks through: {completed} of 10"
        );
    }
}

#[tokio::test]
async fn an_agent_whose_model_keeps_failing_goes_on_with_its_fallback_model() {
    let app = TestApp::start(Dialect::OpenAi).await;
    // The researcher's usual model (the task's) always fails; gpt-4.1 answers.
    app.script.on(
        |b| !fake_model::planner(b) && b.contains(r#""model":"gpt-4.1-mini""#),
        Reply::Status(500, None),
    );
    app.script.on(
        fake_model::planner,
        crate::support::one_subtask_plan("researcher", "Summarise", "say it"),
    );
    app.script.on(
        fake_model::agent_first("st-1"),
        Reply::Text("Done on the fallback.".into()),
    );
    let researcher = app
        .miteos
        .agent_types()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.name == "researcher")
        .unwrap();
    let (status, body) = app
        .put(
            "/agent-types/researcher",
            json!({"name": "researcher", "description": researcher.description,
                   "system_prompt": researcher.system_prompt, "tools": researcher.tools,
                   "model": null, "fallback_model": "openai::gpt-4.1"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["fallback_model"], "openai::gpt-4.1");

    let id = app.create_task("Summarise").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["subtasks"][0]["output"], "Done on the fallback.");
    let events = events_of(&app, &id).await;
    let fallback = events
        .iter()
        .find(|e| e["type"] == "model_fallback")
        .expect("a model_fallback event");
    assert_eq!(fallback["from"], "openai::gpt-4.1-mini");
    assert_eq!(fallback["to"], "openai::gpt-4.1");
    assert!(
        fallback["reason"]
            .as_str()
            .unwrap()
            .contains("after 3 retries")
    );
    // The failed calls were retried first (3 retries), then the fallback answered.
    let retries = events
        .iter()
        .filter(|e| e["type"] == "provider_retry" && e["subtask_id"] == "st-1")
        .count();
    assert_eq!(retries, 3);
}
