//! Prompts worded otherwise than a skill's template, over the API with a scripted model: the
//! prompt bar's answer without a model call, the short binding call that runs a close prompt from
//! the skill, and the declines (another kind of task, a value the prompt does not contain, skill
//! use turned off).

use serde_json::json;

use crate::skills::{planner_calls, prompt, run, skill_of_two_runs};
use crate::support::{Dialect, Reply, TestApp, fake_model, tool};

#[tokio::test]
async fn a_prompt_worded_otherwise_runs_from_the_skill_a_short_model_call_binds() {
    let app = TestApp::start(Dialect::OpenAi).await;
    app.set_compile_after(0).await;
    // The binding call: the same kind of task for a spreadsheet of features, not for a memo.
    app.script.on(
        |b| b.contains("submit_binding") && b.contains("The request: Find the top four"),
        Reply::ToolCalls(vec![tool(
            "submit_binding",
            json!({"same_kind": true, "confidence": 0.9,
                   "parameters": {"count": "four", "subject": "Coda"}}),
        )]),
    );
    app.script.on(
        |b| b.contains("submit_binding") && b.contains("memo"),
        Reply::ToolCalls(vec![tool(
            "submit_binding",
            json!({"same_kind": false, "confidence": 0.8, "parameters": {"count": "4", "subject": "Coda"}}),
        )]),
    );
    app.script.on(
        |b| b.contains("submit_binding") && b.contains("The request: List"),
        Reply::ToolCalls(vec![tool(
            "submit_binding",
            json!({"same_kind": true, "confidence": 0.9, "parameters": {"count": "4", "subject": "Notion"}}),
        )]),
    );
    let st2 = fake_model::agent_first("st-2");
    app.script.on(
        move |b| st2(b) && b.contains("competitors of Coda"),
        Reply::ToolCalls(vec![tool(
            "write_spreadsheet",
            json!({"path": "comparison.xlsx", "columns": ["Product", "Price"], "rows": [["Coda", 10.0]]}),
        )]),
    );
    let (skill_id, skill) = skill_of_two_runs(&app).await;
    assert_eq!(skill["status"], "active", "{skill}");

    let loose = "Find the top four SaaS competitors of Coda and make a spreadsheet comparing their features";
    // The prompt bar, without a model call: close to the skill, to be bound when it runs.
    let (_, pending) = app
        .get(&format!(
            "/skills/match?prompt={}",
            loose.replace(' ', "%20")
        ))
        .await;
    assert_eq!(pending["skill_id"], skill_id.as_str());
    assert_eq!(pending["bound_by"], "pending");
    assert_eq!(pending["confidence"], 0.625, "5 of the skill's 8 words");
    assert_eq!(pending["parameters"], json!({}));
    let (_, exact) = app
        .get(&format!(
            "/skills/match?prompt={}",
            prompt(4, "Coda").replace(' ', "%20")
        ))
        .await;
    assert_eq!(
        (exact["bound_by"].as_str(), exact["confidence"].as_f64()),
        (Some("pattern"), Some(1.0))
    );

    let planned_before = planner_calls(&app);
    let task = run(&app, json!({"prompt": loose})).await;
    assert_eq!(task["skill_id"], skill_id.as_str());
    assert_eq!(planner_calls(&app), planned_before, "no planning call");
    let id = task["id"].as_str().unwrap();
    let events = app.sse(id, None).await;
    let applied = &events
        .iter()
        .find(|(_, n, _)| n == "skill_applied")
        .expect("skill_applied")
        .2;
    assert_eq!(applied["bound_by"], "model");
    assert_eq!(applied["confidence"], 0.9);
    assert_eq!(
        applied["parameters"],
        json!({"count": "4", "subject": "Coda"}),
        "the number word as digits"
    );
    assert!(
        events.iter().any(|(_, n, d)| n == "tool_call_started"
            && d["arguments"]["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/pages/Coda"))),
        "the research step replayed with the bound subject"
    );
    let (_, deliverables) = app.get(&format!("/tasks/{id}/deliverables")).await;
    assert_eq!(deliverables[0]["name"], "comparison.xlsx");
    // The binding call (planning usage) plus the agents' calls: still fewer than planning fresh.
    assert_eq!(
        task["steps"], 4,
        "binding + 3 agent calls; a fresh run takes 5"
    );

    // The model says a memo is another kind of task: planned as usual, the decline journaled.
    let memo = "Find the top 4 SaaS competitors of Coda and write a memo comparing their features";
    let (status, task) = app.post("/tasks", json!({"prompt": memo})).await;
    assert_eq!(status, 201);
    let task = app.wait_final(task["id"].as_str().unwrap()).await;
    assert!(task["skill_id"].is_null(), "{task}");
    assert_eq!(planner_calls(&app), planned_before + 1);
    let events = app.sse(task["id"].as_str().unwrap(), None).await;
    let declined = &events
        .iter()
        .find(|(_, n, _)| n == "skill_declined")
        .expect("skill_declined")
        .2;
    assert_eq!(declined["skill_id"], skill_id.as_str());
    assert!(
        declined["reason"]
            .as_str()
            .unwrap()
            .contains("different kind"),
        "{declined}"
    );

    // A value the prompt does not contain is not taken from the model.
    let list = "List the top 4 SaaS competitors of Coda and create a spreadsheet of their features";
    let (_, task) = app.post("/tasks", json!({"prompt": list})).await;
    let task = app.wait_final(task["id"].as_str().unwrap()).await;
    assert!(task["skill_id"].is_null(), "{task}");
    let events = app.sse(task["id"].as_str().unwrap(), None).await;
    assert!(events.iter().any(|(_, n, d)| {
        n == "skill_declined"
            && d["reason"]
                .as_str()
                .unwrap()
                .contains("\"Notion\" is not in the request")
    }));

    // Turned off for a task, no binding call is made.
    let bindings_before = app
        .script
        .requests()
        .iter()
        .filter(|b| b.contains("submit_binding"))
        .count();
    let (_, task) = app
        .post("/tasks", json!({"prompt": loose, "use_skills": false}))
        .await;
    let task = app.wait_final(task["id"].as_str().unwrap()).await;
    assert!(task["skill_id"].is_null(), "{task}");
    let bindings_after = app
        .script
        .requests()
        .iter()
        .filter(|b| b.contains("submit_binding"))
        .count();
    assert_eq!(bindings_after, bindings_before);
}
