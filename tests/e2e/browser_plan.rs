//! The living plan in a real browser: Debian's Chromium, driven by playwright-core
//! (ui/tests/browser/living-plan.mjs), against the real API serving the built UI, with a
//! scripted model: a plan reviewed and edited before it runs, a failed subtask replanned, a
//! failed node edited and rerun, a follow-up on a finished task.

use std::time::Duration;

use serde_json::json;

use crate::support::plans::{plan, revise};
use crate::support::{Dialect, Reply, TestApp, all_met, fake_model, tool};

/// The agent of subtask `id` in the task whose prompt is `prompt`.
fn agent(prompt: &'static str, id: &'static str) -> impl Fn(&str) -> bool {
    move |b: &str| {
        b.contains(&format!("The user's task: {prompt}"))
            && b.contains(&format!("Your part of it ({id})"))
    }
}

fn two_researchers(first: &str, second: &str) -> Reply {
    plan(json!([
        {"id": "st-1", "title": first, "description": "Find it.", "agent_type": "researcher", "depends_on": []},
        {"id": "st-2", "title": second, "description": "Summarise it from the PDF.", "agent_type": "researcher", "depends_on": ["st-1"]}
    ]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_living_plan_in_chromium() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let s = &app.script;
    // Reviewed: three subtasks; st-2 answers as edited, st-3 is removed.
    s.on(
        |b| fake_model::planner(b) && b.contains("Review this launch plan"),
        plan(json!([
            {"id": "st-1", "title": "Scan the market", "description": "Scan it.", "agent_type": "researcher", "depends_on": []},
            {"id": "st-2", "title": "Read the analysts", "description": "Read any sources.", "agent_type": "researcher", "depends_on": []},
            {"id": "st-3", "title": "Poll customers", "description": "Not wanted.", "agent_type": "researcher", "depends_on": []}
        ])),
    );
    s.on(
        agent("Review this launch plan", "st-1"),
        Reply::Text("Market scanned.".into()),
    );
    s.on(
        |b| agent("Review this launch plan", "st-2")(b) && b.contains("Only primary sources"),
        Reply::Text("Primary sources only.".into()),
    );
    // Under review, st-1 is removed though st-2 depends on it: refused, naming st-2.
    s.on(
        |b| fake_model::planner(b) && b.contains("Review a dependent plan"),
        plan(json!([
            {"id": "st-1", "title": "Gather the sources", "description": "Gather them.", "agent_type": "researcher", "depends_on": []},
            {"id": "st-2", "title": "Summarise them", "description": "Summarise.", "agent_type": "researcher", "depends_on": ["st-1"]}
        ])),
    );
    // Replanned: st-2 fails on the PDF, the revision points it at the notes.
    for prompt in ["Recover from a failure", "Give up on a failure"] {
        s.on(
            move |b| fake_model::planner(b) && b.contains(prompt),
            two_researchers("Find prices", "Sum them up"),
        );
    }
    s.on(
        agent("Recover from a failure", "st-1"),
        Reply::Text("Coda $10.".into()),
    );
    s.on(
        agent("Give up on a failure", "st-1"),
        Reply::Text("Coda $10.".into()),
    );
    s.on(
        |b| b.contains("Your part of it (st-2)") && b.contains("from the notes"),
        Reply::Text("Sum: $10, from the notes.".into()),
    );
    s.on(
        |b| b.contains("Your part of it (st-2)") && b.contains("from the PDF"),
        Reply::Status(400, None),
    );
    s.on(
        |b| fake_model::reviser(b) && b.contains("The task: Recover from a failure"),
        revise(
            json!({"decision": "revise", "reason": "use st-1's notes instead",
            "change": [{"id": "st-2", "description": "Summarise it from the notes."}]}),
        ),
    );
    s.on(
        |b| fake_model::reviser(b) && b.contains("add a pricing table"),
        revise(
            json!({"decision": "revise", "reason": "a table from the sum",
            "add": [{"id": "new-1", "title": "Pricing table", "description": "Write pricing.csv.",
                     "agent_type": "analyst", "depends_on": ["st-2"]}]}),
        ),
    );
    s.on(
        |b| fake_model::reviser(b) && b.contains("The task: Give up on a failure"),
        revise(json!({"decision": "give_up", "reason": "the PDF is not there"})),
    );
    s.on(
        |b| agent("Give up on a failure", "st-3")(b) && !b.contains("<tool_result"),
        Reply::ToolCalls(vec![tool(
            "write_spreadsheet",
            json!({"path": "pricing.csv", "columns": ["Product", "Price"], "rows": [["Coda", 10]]}),
        )]),
    );
    s.on(
        agent("Give up on a failure", "st-3"),
        Reply::Text("Wrote pricing.csv.".into()),
    );
    s.on(fake_model::checker, all_met());

    let status =
        crate::browser::run_script(&app, "living-plan.mjs", Duration::from_secs(180)).await;
    assert!(
        status.success(),
        "the living plan's browser test failed (its steps are printed above)"
    );
}
