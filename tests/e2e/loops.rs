//! Agents that loop are stopped with the reason shown on the subtask: the same call forever,
//! ping-pong between two calls, and calls that all fail. (An agent that never finishes meets its
//! budget's step limit: budgets.rs.) A loop of calls that already succeeded ends the subtask with
//! its work kept; a loop of failing calls fails it.

use serde_json::{Value, json};

use crate::support::{Dialect, Reply, TestApp, fake_model, one_subtask_plan, tool};

fn one_researcher() -> Reply {
    one_subtask_plan("researcher", "Read the page", "fetch it")
}

/// Runs a task whose researcher answers every turn with `next(turn)`; answers the failed
/// subtask and how many model turns the agent took.
async fn run_looping_agent(
    next: impl Fn(usize) -> Value + Send + Sync + 'static,
) -> (Value, usize) {
    let app = TestApp::start(Dialect::OpenAi).await;
    let a = app
        .page(
            "/pages/a",
            "<html><body><p>Page A</p></body></html>",
            std::time::Duration::ZERO,
        )
        .await;
    let b = app
        .page(
            "/pages/b",
            "<html><body><p>Page B</p></body></html>",
            std::time::Duration::ZERO,
        )
        .await;
    app.script.on(fake_model::planner, one_researcher());
    let turns = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for turn in 0..30 {
        let url = next(turn)
            .as_str()
            .unwrap()
            .replace("{a}", &a)
            .replace("{b}", &b);
        let counter = turns.clone();
        app.script.once(
            move |body| {
                let is_agent =
                    !fake_model::planner(body) && body.contains("Your part of it (st-1)");
                if is_agent {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                is_agent
            },
            Reply::ToolCalls(vec![tool("fetch_url", json!({ "url": url }))]),
        );
    }
    let id = app.create_task("Read the page").await;
    let task = app.wait_final(&id).await;
    (task, turns.load(std::sync::atomic::Ordering::SeqCst))
}

#[tokio::test]
async fn repeating_a_successful_call_is_stopped_and_its_work_kept() {
    let (task, turns) = run_looping_agent(|_| json!("{a}")).await;
    assert_eq!(task["status"], "completed", "{task}");
    let output = task["subtasks"][0]["output"].as_str().unwrap();
    assert!(
        output.contains("fetch_url") && output.contains("loop"),
        "{output}"
    );
    assert_eq!(turns, 4, "two runs, one warning, then the stop");
}

#[tokio::test]
async fn repeating_a_failing_call_fails_the_subtask_as_a_loop() {
    let (task, turns) = run_looping_agent(|_| json!("{a}-missing")).await;
    assert_eq!(task["status"], "failed", "{task}");
    let error = task["subtasks"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("fetch_url") && error.contains("loop"),
        "{error}"
    );
    assert_eq!(turns, 4);
}

#[tokio::test]
async fn ping_pong_between_two_calls_is_stopped_as_a_loop() {
    let (task, turns) =
        run_looping_agent(|turn| json!(if turn % 2 == 0 { "{a}" } else { "{b}" })).await;
    let output = task["subtasks"][0]["output"].as_str().unwrap_or_default();
    assert!(output.contains("loop"), "{task}");
    assert!(turns <= 8, "stopped within 8 turns, took {turns}");
}

// An agent that never finishes (every turn reads a new page, progress by the guard's measure)
// is caught by its budget's step limit: see budgets.rs.

#[tokio::test]
async fn an_agent_whose_calls_all_fail_is_stopped_for_no_progress() {
    // Every turn asks for a different missing page: no repeat, but nothing works either.
    let (task, turns) = run_looping_agent(|turn| json!(format!("{{a}}-missing-{turn}"))).await;
    assert_eq!(task["status"], "failed", "{task}");
    let error = task["subtasks"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("all failed") && error.contains("no progress"),
        "{error}"
    );
    assert_eq!(
        turns, 8,
        "stopped after 8 failed calls, before the step cap"
    );
}
