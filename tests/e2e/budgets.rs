//! Budgets over the API: the estimate before the run, the pause at 80% of a limit (raise and go
//! on, or stop keeping the deliverables), the stop at a limit (steps, tokens, time), and a
//! running tool call cut by the time limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Dialect, Reply, TestApp, fake_model, one_subtask_plan, tool};

/// A researcher that first writes `notes.md`, then reads a new page every turn and never
/// finishes; answers the app, the page URL and a counter of the agent's turns.
async fn endless_researcher(page_delay: Duration) -> (TestApp, Arc<AtomicUsize>) {
    let app = TestApp::start(Dialect::OpenAi).await;
    let page = app
        .page(
            "/pages/p",
            "<html><body><p>A page</p></body></html>",
            page_delay,
        )
        .await;
    app.script.on(
        fake_model::planner,
        one_subtask_plan("researcher", "Read pages", "read them all"),
    );
    let turns = Arc::new(AtomicUsize::new(0));
    for turn in 0..60 {
        let counter = turns.clone();
        let call = if turn == 0 {
            tool(
                "write_file",
                json!({"path": "notes.md", "content": "# Notes\nfirst findings"}),
            )
        } else {
            tool("fetch_url", json!({"url": format!("{page}?n={turn}")}))
        };
        app.script.once(
            move |body| {
                let agent = !fake_model::planner(body) && body.contains("Your part of it (st-1)");
                if agent {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                agent
            },
            Reply::ToolCalls(vec![call]),
        );
    }
    (app, turns)
}

/// A task of one researcher that answers at once.
async fn quick_researcher() -> TestApp {
    let app = TestApp::start(Dialect::OpenAi).await;
    app.script.on(
        fake_model::planner,
        one_subtask_plan("researcher", "Summarise", "say it"),
    );
    app.script
        .on(fake_model::agent_first("st-1"), Reply::Text("Done.".into()));
    app
}

async fn create(app: &TestApp, budget: Value) -> String {
    let (status, task) = app
        .post("/tasks", json!({"prompt": "Read pages", "budget": budget}))
        .await;
    assert_eq!(status, 201, "{task}");
    task["id"].as_str().unwrap().to_owned()
}

/// Polls until the task is paused on its budget; answers the task.
async fn wait_paused(app: &TestApp, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, task) = app.get(&format!("/tasks/{id}")).await;
        if !task["paused"].is_null() {
            return task;
        }
        assert!(Instant::now() < deadline, "never paused: {task}");
        assert!(
            matches!(task["status"].as_str(), Some("pending" | "running")),
            "ended without pausing: {task}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn at_80_percent_the_task_pauses_and_goes_on_when_raised_or_ends_when_stopped() {
    let (app, turns) = endless_researcher(Duration::ZERO).await;
    let id = create(&app, json!({})).await;

    // The default subtask limit is 12 steps: after 10 the task asks.
    let task = wait_paused(&app, &id).await;
    let pause = &task["paused"];
    assert_eq!(pause["scope"], "subtask", "{pause}");
    assert_eq!(pause["subtask_id"], "st-1");
    assert_eq!(pause["measure"], "steps");
    assert_eq!(
        (pause["used"].as_i64(), pause["limit"].as_i64()),
        (Some(10), Some(12))
    );
    assert!(
        pause["message"]
            .as_str()
            .unwrap()
            .contains("10 steps of its limit of 12 steps"),
        "{pause}"
    );
    // Paused means paused: no model call while it waits.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(turns.load(Ordering::SeqCst), 10);
    assert_eq!(
        app.get(&format!("/tasks/{id}")).await.1["status"],
        "running"
    );

    // A stop needs a pause; a raise without limits needs one too. Both answer while paused.
    let (status, task) = app
        .post(&format!("/tasks/{id}/budget"), json!({"decision": "raise"}))
        .await;
    assert_eq!(status, 200, "{task}");
    assert_eq!(
        task["budget"]["subtask"]["steps"], 24,
        "the limit asked about doubled"
    );
    assert!(task["paused"].is_null());

    // It goes on, and asks again at 80% of the new limit.
    let task = wait_paused(&app, &id).await;
    assert_eq!(task["paused"]["used"], 20);
    let (status, task) = app
        .post(&format!("/tasks/{id}/budget"), json!({"decision": "stop"}))
        .await;
    assert_eq!(status, 200, "{task}");
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "cancelled", "{task}");
    let error = task["error"].as_str().unwrap();
    assert!(
        error.contains("stopped by the user at its budget"),
        "{error}"
    );
    assert_eq!(turns.load(Ordering::SeqCst), 20);
    // What it made is kept.
    let (_, deliverables) = app.get(&format!("/tasks/{id}/deliverables")).await;
    assert_eq!(deliverables[0]["name"], "notes.md", "{deliverables}");

    let events = app.sse(&id, None).await;
    let names: Vec<&str> = events.iter().map(|(_, n, _)| n.as_str()).collect();
    let at = |name: &str| names.iter().position(|n| *n == name).unwrap();
    assert!(at("budget_estimated") < at("subtask_started"), "{names:?}");
    assert_eq!(names.iter().filter(|n| **n == "budget_paused").count(), 2);
    assert_eq!(names.iter().filter(|n| **n == "budget_decided").count(), 2);
    assert_eq!(names.last(), Some(&"task_finished"));

    // Answers to a finished task are refused.
    let (status, body) = app
        .post(&format!("/tasks/{id}/budget"), json!({"decision": "raise"}))
        .await;
    assert_eq!(status, 409, "{body}");
}

#[tokio::test]
async fn a_limit_reached_stops_without_asking_and_keeps_the_deliverables() {
    let (app, turns) = endless_researcher(Duration::ZERO).await;
    // 3 of 4 steps is 75%: under the question, so the limit itself stops the subtask.
    let id = create(&app, json!({"subtask": {"steps": 4}})).await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "failed", "{task}");
    let error = task["subtasks"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("stopped by its budget: subtask st-1 used 4 steps of its limit of 4 steps"),
        "{error}"
    );
    assert_eq!(turns.load(Ordering::SeqCst), 4);
    assert_eq!(task["subtasks"][0]["steps"], 4);
    let (_, deliverables) = app.get(&format!("/tasks/{id}/deliverables")).await;
    assert_eq!(deliverables.as_array().unwrap().len(), 1, "{deliverables}");

    // A task-wide limit ends the whole task: the plan took one step, the agent two.
    let (app, turns) = endless_researcher(Duration::ZERO).await;
    let id = create(
        &app,
        json!({"task": {"steps": 3}, "subtask": {"steps": null}}),
    )
    .await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "failed", "{task}");
    assert_eq!(
        task["error"],
        "stopped by its budget: the task used 3 steps of its limit of 3 steps"
    );
    assert_eq!(turns.load(Ordering::SeqCst), 2);
    // Totals add up: what the task says it used is what its calls used.
    let used: i64 = app
        .sse(&id, None)
        .await
        .iter()
        .filter(|(_, n, _)| n == "usage")
        .map(|(_, _, d)| d["input_tokens"].as_i64().unwrap() + d["output_tokens"].as_i64().unwrap())
        .sum();
    assert_eq!(task["total_tokens_used"], used);
    assert_eq!(task["steps"], 3);
}

#[tokio::test]
async fn an_estimate_above_the_limit_asks_before_any_subtask_runs() {
    let app = quick_researcher().await;
    // A typical subtask is estimated at 15,000 tokens, above this limit.
    let id = create(&app, json!({"task": {"tokens": 10_000}})).await;
    let task = wait_paused(&app, &id).await;
    let pause = &task["paused"];
    assert_eq!(pause["estimated"], true, "{pause}");
    assert_eq!(pause["measure"], "tokens");
    assert_eq!(
        task["estimate"]["tokens"], 16_500,
        "the plan's call plus one typical subtask"
    );
    assert_eq!(task["estimate"]["from_history"], 0);
    assert_eq!(task["subtasks"][0]["status"], "pending", "{task}");

    let (status, task) = app
        .post(&format!("/tasks/{id}/budget"), json!({"decision": "raise"}))
        .await;
    assert_eq!(status, 200, "{task}");
    assert!(task["budget"]["task"]["tokens"].as_i64().unwrap() > 16_500 * 5 / 4);
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");

    // The next estimate learns from this run: 1,500 tokens for a researcher, not 15,000.
    let (status, task) = app
        .post(
            "/tasks",
            json!({"prompt": "Again", "budget": {"task": {"tokens": 10_000}}}),
        )
        .await;
    assert_eq!(status, 201);
    let task = app.wait_final(task["id"].as_str().unwrap()).await;
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["estimate"]["tokens"], 3_000);
    assert_eq!(task["estimate"]["from_history"], 1);
}

#[tokio::test]
async fn time_limits_pause_the_task_and_cut_a_long_tool_call() {
    // Each page takes 10 s: the subtask's 1 s limit cuts the call that is running.
    let (app, _) = endless_researcher(Duration::from_secs(10)).await;
    let started = Instant::now();
    let id = create(&app, json!({"subtask": {"seconds": 1}})).await;
    let task = app.wait_final(&id).await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "cut, not waited out"
    );
    assert_eq!(task["status"], "failed", "{task}");
    let error = task["subtasks"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("stopped by its budget: subtask st-1 used 1 s of its limit of 1 s"),
        "{error}"
    );

    // The task's time limit asks at 80% (the watchdog does not wait for a checkpoint); a stop
    // ends it, also in the middle of a call.
    let (app, _) = endless_researcher(Duration::from_secs(10)).await;
    let id = create(&app, json!({"task": {"seconds": 2}})).await;
    let task = wait_paused(&app, &id).await;
    assert_eq!(task["paused"]["measure"], "time", "{task}");
    assert_eq!(task["paused"]["scope"], "task");
    let (status, _) = app
        .post(&format!("/tasks/{id}/budget"), json!({"decision": "stop"}))
        .await;
    assert_eq!(status, 200);
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "cancelled", "{task}");
}

#[tokio::test]
async fn budgets_are_validated_and_defaults_come_from_the_settings() {
    let app = quick_researcher().await;
    for bad in [
        json!({"task": {"cost_cents": 0}}),
        json!({"subtask": {"steps": -1}}),
        json!({"task": {"tokens": "many"}}),
    ] {
        let (status, body) = app
            .post("/tasks", json!({"prompt": "x", "budget": bad}))
            .await;
        assert_eq!(status, 400, "{bad} → {body}");
    }
    let (_, tasks) = app.get("/tasks").await;
    assert_eq!(tasks.as_array().unwrap().len(), 0, "nothing stored");

    let (_, mut settings) = app.get("/settings").await;
    assert_eq!(settings["budget"]["task"]["cost_cents"], 500, "{settings}");
    settings["budget"]["task"]["cost_cents"] = json!(125);
    settings["budget"]["subtask"]["seconds"] = json!(null);
    let update = json!({
        "providers": settings["providers"], "max_concurrency": settings["max_concurrency"],
        "api": settings["api"], "budget": settings["budget"],
    });
    let (status, saved) = app.put("/settings", update).await;
    assert_eq!(status, 200, "{saved}");
    let id = app.create_task("Summarise").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["budget"]["task"]["cost_cents"], 125);
    assert!(task["budget"]["subtask"]["seconds"].is_null());
    assert_eq!(task["status"], "completed");
}

#[tokio::test]
async fn miteos_run_stops_at_the_budget_without_a_terminal_and_raises_when_told() {
    let (app, turns) = endless_researcher(Duration::ZERO).await;
    let data = tempfile::tempdir().unwrap();
    let mut run = crate::support::served::miteos_on(&app, data.path());
    let out = tokio::task::spawn_blocking(move || {
        run.args(["run", "Read pages"])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("stopping at the budget: subtask st-1 used 10 steps"),
        "{stderr}"
    );
    assert!(stderr.contains("Estimate: 16,500 tokens"), "{stderr}");
    assert!(
        stdout.contains("cancelled") && stdout.contains("notes.md"),
        "{stdout}"
    );
    assert_eq!(turns.load(Ordering::SeqCst), 10);

    // `--over-budget raise` doubles the limit and goes on; the task's own limits come from flags.
    let (app, turns) = endless_researcher(Duration::ZERO).await;
    let mut run = crate::support::served::miteos_on(&app, data.path());
    let out = tokio::task::spawn_blocking(move || {
        run.args([
            "run",
            "--max-steps",
            "5",
            "--max-cost",
            "0.75",
            "--over-budget",
            "raise",
            "Read pages",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // 4 of 5 steps asks; raised to 10, 8 asks; raised to 20, … until the script runs out of turns.
    assert!(
        stderr.contains("↑ budget raised: task 2,000,000 tokens, $0.75, 100 steps, 60 min"),
        "{stderr}"
    );
    assert!(stderr.contains("10 steps"), "{stderr}");
    assert!(turns.load(Ordering::SeqCst) > 10, "{stderr}");

    let out = crate::support::served::miteos_on(&app, data.path())
        .args(["run", "--max-cost", "0", "Read pages"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-cost must be above 0"));
}
