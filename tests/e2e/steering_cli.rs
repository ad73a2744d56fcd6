//! `miteos run --review`, `miteos retry` and `miteos follow-up`, as a user types them (no
//! terminal: `--approve all` approves the plan).

use serde_json::json;

use crate::support::plans::{plan, revise};
use crate::support::served::miteos_on;
use crate::support::{Dialect, Reply, TestApp, all_met, fake_model, tool};

async fn run_cli(app: &TestApp, data: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let mut command = miteos_on(app, data);
    command.args(args);
    let out = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn review_retry_and_follow_up_from_the_command_line() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let s = &app.script;
    s.on(
        fake_model::planner,
        plan(json!([
            {"id": "st-1", "title": "Find prices", "description": "Note the prices.", "agent_type": "researcher", "depends_on": []},
            {"id": "st-2", "title": "Sum them up", "description": "Sum them from the PDF.", "agent_type": "researcher", "depends_on": ["st-1"]}
        ])),
    );
    s.on(
        fake_model::agent_first("st-1"),
        Reply::Text("Coda $10, Notion $8.".into()),
    );
    s.on(
        |b: &str| b.contains("Your part of it (st-2)") && b.contains("from the notes"),
        Reply::Text("Sum: $18.".into()),
    );
    s.on(fake_model::agent_first("st-2"), Reply::Status(400, None));
    s.on(
        |b: &str| fake_model::reviser(b) && b.contains("add a table"),
        revise(json!({"decision": "revise", "reason": "a table of the sum",
            "add": [{"id": "new-1", "title": "Table", "description": "Write sum.csv.", "agent_type": "analyst", "depends_on": ["st-2"]}]})),
    );
    s.on(
        fake_model::reviser,
        revise(json!({"decision": "give_up", "reason": "the PDF is not there"})),
    );
    s.on(
        fake_model::agent_first("st-3"),
        Reply::ToolCalls(vec![tool(
            "write_spreadsheet",
            json!({"path": "sum.csv", "columns": ["Sum"], "rows": [[18]]}),
        )]),
    );
    s.on(
        fake_model::agent_after_tools("st-3"),
        Reply::Text("Wrote sum.csv.".into()),
    );
    s.on(fake_model::checker, all_met());
    let data = tempfile::tempdir().unwrap();

    let (code, stdout, stderr) = run_cli(
        &app,
        data.path(),
        &["run", "--review", "--approve", "all", "Sum the prices"],
    )
    .await;
    assert_eq!(code, 1, "the task fails: {stderr}");
    assert!(stderr.contains("Plan approved"), "{stderr}");
    assert!(stdout.contains("gave up: the PDF is not there"), "{stdout}");
    let id = stderr
        .lines()
        .find_map(|l| l.strip_prefix("Task "))
        .and_then(|l| l.split(' ').next())
        .expect("the task id is printed")
        .to_owned();

    let (code, stdout, stderr) = run_cli(
        &app,
        data.path(),
        &[
            "retry",
            &id,
            "st-2",
            "--description",
            "Sum them from the notes.",
        ],
    )
    .await;
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("completed"), "{stdout}");

    let (code, stdout, stderr) =
        run_cli(&app, data.path(), &["follow-up", &id, "add", "a", "table"]).await;
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert!(stderr.contains("Follow-up: add a table"), "{stderr}");
    assert!(
        stderr.contains("+ st-3"),
        "the added subtask is shown: {stderr}"
    );
    assert!(stdout.contains("sum.csv"), "{stdout}");
}
