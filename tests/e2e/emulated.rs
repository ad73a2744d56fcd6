//! Tool calling through structured output, for servers whose model has no native tool calling.

use std::time::Duration;

use serde_json::json;

use crate::support::{Dialect, PRICING_HTML, Reply, Script, TestApp, fake_model, model_config};

fn answer(v: serde_json::Value) -> Reply {
    Reply::Text(v.to_string())
}

#[tokio::test]
async fn emulated_tool_calls_run_a_task_end_to_end() {
    let script = Script::default();
    let server = fake_model::start(Dialect::OpenAi, &script).await;
    let mut config = model_config(Dialect::OpenAi, &server);
    config.emulate_tools = true;
    let app = TestApp::start_configured(config, script, server, tempfile::tempdir().unwrap()).await;
    let page = app
        .page("/pages/pricing", PRICING_HTML, Duration::ZERO)
        .await;
    let s = &app.script;
    s.on(fake_model::planner, answer(json!({"tool": "submit_plan", "arguments": {"title": "Pricing table", "subtasks": [
        {"id": "st-1", "title": "Research pricing", "description": "Fetch the pricing page.", "agent_type": "researcher", "depends_on": []},
        {"id": "st-2", "title": "Tabulate", "description": "Write prices.xlsx.", "agent_type": "analyst", "depends_on": ["st-1"]}
    ]}})));
    s.on(
        fake_model::agent_first("st-1"),
        answer(json!({"tool": "fetch_url", "arguments": {"url": page}})),
    );
    s.on(
        fake_model::agent_after_tools("st-1"),
        answer(json!({"final_answer": "Coda costs $10 per doc maker."})),
    );
    s.on(
        fake_model::agent_first("st-2"),
        answer(json!({"tool": "write_spreadsheet", "arguments":
        {"path": "prices.xlsx", "columns": ["Product", "USD"], "rows": [["Coda", 10]]}})),
    );
    s.on(
        fake_model::agent_after_tools("st-2"),
        answer(json!({"final_answer": "Wrote \"prices.xlsx\"."})),
    );

    let id = app
        .create_task("Make a pricing table of Notion competitors")
        .await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    assert_eq!(task["subtasks"][1]["output"], "Wrote \"prices.xlsx\".");

    for body in app.script.requests() {
        let request: serde_json::Value = serde_json::from_str(body.as_str()).unwrap();
        assert!(
            request.get("tools").is_none(),
            "no native tools are sent in emulation"
        );
        assert_eq!(
            request["response_format"]["type"], "json_schema",
            "the answer is constrained by a schema"
        );
    }
    let (_, deliverables) = app.get(&format!("/tasks/{id}/deliverables")).await;
    assert_eq!(deliverables[0]["name"], "prices.xlsx");
    let outputs: String = app
        .sse(&id, None)
        .await
        .into_iter()
        .filter(|(_, name, d)| name == "agent_output" && d["subtask_id"] == "st-1")
        .map(|(_, _, d)| d["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        outputs, "Coda costs $10 per doc maker.",
        "the final answer streams as text, not as JSON"
    );
}
