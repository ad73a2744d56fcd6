//! Wide research over the API, with a scripted model: a researcher lists 30 suppliers and a
//! fan-out profiles each of them with an agent of its own, more at once than a task's usual
//! four; two items that fail are retried, one that keeps failing is marked missing in the merged
//! spreadsheet; cancel stops every item; a SIGKILL in the middle resumes without doing finished
//! items again.

use std::io::Cursor;
use std::time::{Duration, Instant};

use calamine::{Reader, Xlsx};
use serde_json::{Value, json};

use crate::support::plans::{events_of, of_type, plan, subtask};
use crate::support::{Dialect, Reply, TestApp, all_met, fake_model};

const ITEMS: usize = 30;

fn supplier(n: usize) -> String {
    format!("Supplier {n:02}")
}

/// The request of the agent doing `item` (the brief names it), before any tool result.
fn item_agent(item: String) -> impl Fn(&str) -> bool {
    move |body| {
        !fake_model::planner(body) && body.contains(&format!("Do this for one item only: {item}."))
    }
}

/// The answer of the agent doing item `n`: a summary and its row.
fn item_answer(n: usize) -> Reply {
    Reply::Text(format!(
        "{} makes parts. See https://suppliers.example/{n}.\n{}",
        supplier(n),
        json!({"item": supplier(n), "Country": format!("Country {n}"), "Founded": 1900 + n,
               "sources": [format!("https://registry.example/{n}")]})
    ))
}

/// A researcher (st-1) lists the suppliers; st-2 fans out over its list.
fn script_fan_out(app: &TestApp, delay: Duration) {
    let s = &app.script;
    s.on(
        fake_model::planner,
        plan(json!([
            {"id": "st-1", "title": "List the suppliers", "description": "List 30 suppliers.",
             "agent_type": "researcher", "depends_on": []},
            {"id": "st-2", "title": "Profile each supplier", "description": "Find the supplier's country and founding year.",
             "agent_type": "researcher", "depends_on": [],
             "for_each": {"from": "st-1", "columns": ["Country", "Founded"], "deliverable": "suppliers.xlsx"}}
        ])),
    );
    let list: Vec<String> = (1..=ITEMS)
        .map(|n| format!("{n}. **{}** — a parts maker", supplier(n)))
        .collect();
    s.on(
        fake_model::agent_first("st-1"),
        Reply::Text(format!("The suppliers:\n\n{}", list.join("\n"))),
    );
    s.on(fake_model::checker, all_met());
    // Two items fail once, one always.
    for n in [5, 9] {
        s.once(item_agent(supplier(n)), Reply::Status(400, None));
    }
    s.on(item_agent(supplier(13)), Reply::Status(400, None));
    for n in 1..=ITEMS {
        s.slow(item_agent(supplier(n)), item_answer(n), delay);
    }
}

/// The items of fan-out `fan_out` in a task as the API answers it, in the list's order.
fn items_of<'a>(task: &'a Value, fan_out: &str) -> Vec<&'a Value> {
    task["subtasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["parent"] == fan_out)
        .collect()
}

fn item_requests(app: &TestApp, n: usize) -> usize {
    let item = item_agent(supplier(n));
    app.script.requests().iter().filter(|b| item(b)).count()
}

#[tokio::test]
async fn a_thirty_item_fan_out_merges_into_one_spreadsheet_with_a_row_per_item() {
    let app = TestApp::start(Dialect::OpenAi).await;
    script_fan_out(&app, Duration::from_millis(300));
    let started = Instant::now();
    let id = app.create_task("Profile our 30 suppliers").await;
    let task = app.wait_final(&id).await;
    let took = started.elapsed();
    assert_eq!(task["status"], "completed", "{task:#}");

    // The fan-out was expanded into 30 children: a revision by fan_out, children with a parent.
    let children = items_of(&task, "st-2");
    assert_eq!(children.len(), ITEMS);
    assert_eq!(children[0]["item"], supplier(1));
    assert_eq!(children[0]["agent_type"], "researcher");
    assert_eq!(task["revisions"][0]["by"], "fan_out");
    assert_eq!(
        task["revisions"][0]["reason"],
        "st-2 fans out over 30 items from st-1's result"
    );
    let item = |n: usize| *children.iter().find(|c| c["item"] == supplier(n)).unwrap();
    for n in [5, 9] {
        assert_eq!(item(n)["status"], "complete", "{:#}", item(n));
        assert_eq!(item(n)["attempt"], 2, "retried once");
    }
    assert_eq!(item(13)["status"], "failed");
    assert_eq!(item(13)["attempt"], 3, "tried three times");
    assert_eq!(item_requests(&app, 13), 3);
    assert_eq!(item_requests(&app, 1), 1, "an item that worked ran once");
    let fan_out = subtask(&task, "st-2");
    assert_eq!(fan_out["status"], "complete");
    assert!(
        fan_out["output"]
            .as_str()
            .unwrap()
            .starts_with("Merged 29 of 30 items into suppliers.xlsx. Missing: Supplier 13"),
        "{fan_out:#}"
    );
    let unmet = task["unmet"].as_array().unwrap();
    assert!(
        unmet
            .iter()
            .any(|u| u.as_str().unwrap().starts_with("item Supplier 13 (")),
        "a missing item is said: {unmet:?}"
    );

    // 30 items of 300 ms each, several at once: far below 30 × 0.3 s one after another, and
    // below 4 at a time (the task's usual limit) would allow.
    assert!(
        took < Duration::from_secs_f64(ITEMS as f64 * 0.3 / 4.0 + 4.0),
        "the items ran {took:?}"
    );

    // The merged spreadsheet: a header and a row per item, in the list's order, with sources.
    let (status, body) = app.get(&format!("/tasks/{id}/deliverables")).await;
    assert_eq!(status, 200);
    let dlv = body
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "suppliers.xlsx")
        .expect("the merged deliverable")
        .clone();
    assert_eq!(dlv["subtask_id"], "st-2");
    let bytes = app
        .client
        .get(app.url(&format!(
            "/tasks/{id}/deliverables/{}/download",
            dlv["id"].as_str().unwrap()
        )))
        .bearer_auth(crate::support::TOKEN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut book = Xlsx::new(Cursor::new(bytes.to_vec())).expect("the XLSX opens");
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.get_size(), (ITEMS + 1, 5), "header + a row per item");
    let cell = |r: usize, c: usize| sheet.get((r, c)).unwrap().to_string();
    assert_eq!(
        (0..5).map(|c| cell(0, c)).collect::<Vec<_>>(),
        ["Item", "Country", "Founded", "Sources", "Status"]
    );
    assert_eq!(cell(7, 0), supplier(7));
    assert_eq!(cell(7, 1), "Country 7");
    assert_eq!(cell(7, 2), "1907");
    assert_eq!(
        cell(7, 3),
        "https://registry.example/7\nhttps://suppliers.example/7"
    );
    assert_eq!(cell(7, 4), "done");
    assert_eq!(cell(13, 0), supplier(13));
    assert!(
        cell(13, 4).starts_with("missing: failed after 3 attempts"),
        "{}",
        cell(13, 4)
    );

    // The journal: a row per item as it ended, a retry revision per failed attempt.
    let events = events_of(&app, &id).await;
    let merged = of_type(&events, "item_merged");
    assert_eq!(merged.len(), ITEMS);
    assert_eq!(merged.iter().filter(|e| !e["missing"].is_null()).count(), 1);
    let retries = of_type(&events, "plan_revised")
        .into_iter()
        .filter(|e| e["by"] == "fan_out" && !e["diff"]["rerun"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(retries, 4, "5 and 9 once, 13 twice");
    // Provenance of the merged file reaches the items and the pages they named.
    let (_, provenance) = app
        .get(&format!(
            "/tasks/{id}/deliverables/{}/provenance",
            dlv["id"].as_str().unwrap()
        ))
        .await;
    let steps = provenance["subtasks"].as_array().unwrap();
    assert!(steps.len() >= ITEMS + 2, "{provenance:#}");
}

/// The most items of the fan-out that ran at once, watched until the task ended.
async fn most_items_at_once(app: &TestApp) -> usize {
    let id = app.create_task("Profile our 30 suppliers").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut most = 0;
    loop {
        let (_, task) = app.get(&format!("/tasks/{id}")).await;
        let running = items_of(&task, "st-2")
            .iter()
            .filter(|s| s["status"] == "running")
            .count();
        most = most.max(running);
        if task["status"] != "running" && task["status"] != "pending" {
            break;
        }
        assert!(Instant::now() < deadline, "the task did not end");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    most
}

#[tokio::test]
async fn as_many_items_run_at_once_as_the_provider_takes_calls() {
    let app = TestApp::start(Dialect::OpenAi).await;
    script_fan_out(&app, Duration::from_millis(800));
    // The provider's limit (8 calls at once by default), not the task's 4.
    assert_eq!(most_items_at_once(&app).await, 8);

    // The setting changes it at once.
    let (_, current) = app.get("/settings").await;
    assert_eq!(current["plan"]["provider_calls"], 8);
    let mut plan = current["plan"].clone();
    plan["provider_calls"] = json!(12);
    let (status, body) = app.put_settings("plan", plan.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plan"]["provider_calls"], 12);
    assert_eq!(most_items_at_once(&app).await, 12);
    plan["provider_calls"] = json!(0);
    let (status, body) = app.put_settings("plan", plan).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("plan.provider_calls"), "{body}");
}

#[tokio::test]
async fn cancel_stops_every_item() {
    let app = TestApp::start(Dialect::OpenAi).await;
    script_fan_out(&app, Duration::from_secs(60));
    let id = app.create_task("Profile our 30 suppliers").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let events = app.miteos.events_after(&id, 0, 10_000).await.unwrap();
        let started = events
            .iter()
            .filter(|e| {
                matches!(&e.kind, miteos_core::events::EventKind::SubtaskStarted { subtask_id, .. }
                    if subtask_id != "st-1" && subtask_id != "st-2")
            })
            .count();
        if started >= 8 {
            break;
        }
        assert!(Instant::now() < deadline, "the items did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let asked = Instant::now();
    let (status, task) = app.post(&format!("/tasks/{id}/cancel"), json!({})).await;
    assert_eq!(status, 200, "{task}");
    assert!(asked.elapsed() < Duration::from_secs(5));
    assert_eq!(task["status"], "cancelled");
    let requests = app.script.requests().len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, task) = app.get(&format!("/tasks/{id}")).await;
    // Nothing is left running or waiting: the items that were at work are cancelled (those
    // scripted to fail may have failed before the cancel; they are not tried again after it).
    for st in task["subtasks"].as_array().unwrap() {
        let fails = ["Supplier 05", "Supplier 09", "Supplier 13"]
            .contains(&st["item"].as_str().unwrap_or(""));
        match st["status"].as_str().unwrap() {
            "cancelled" => {}
            "complete" => assert!(st["parent"].is_null(), "{st}"),
            "failed" => assert!(fails, "{st}"),
            _ => panic!("{st}"),
        }
    }
    assert_eq!(
        app.script.requests().len(),
        requests,
        "no model call starts after the cancel"
    );
}

#[tokio::test]
async fn a_sigkill_in_the_middle_resumes_without_redoing_finished_items() {
    use crate::support::served::{get_task, serve, wait_final};

    let app = TestApp::start(Dialect::OpenAi).await;
    script_fan_out(&app, Duration::from_millis(400));
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr, token) = serve(&app, data.path());
    let client = reqwest::Client::new();
    let id =
        crate::support::served::create_task(&client, &addr, &token, "Profile our 30 suppliers")
            .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let done_before: Vec<String> = loop {
        let task = get_task(&client, &addr, &token, &id).await;
        let done: Vec<String> = items_of(&task, "st-2")
            .iter()
            .filter(|s| s["status"] == "complete")
            .map(|s| s["item"].as_str().unwrap().to_owned())
            .collect();
        if done.len() >= 10 {
            break done;
        }
        assert!(Instant::now() < deadline, "items did not complete: {task}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    child.kill().unwrap(); // SIGKILL, with items in flight
    child.wait().unwrap();

    let (mut child, addr, token) = serve(&app, data.path());
    let task = wait_final(&client, &addr, &token, &id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    let task = get_task(&client, &addr, &token, &id).await;
    let children = items_of(&task, "st-2");
    assert_eq!(children.len(), ITEMS, "the fan-out was not expanded twice");
    for item in &done_before {
        let n: usize = item.trim_start_matches("Supplier ").parse().unwrap();
        if n == 5 || n == 9 {
            continue; // these fail once by design
        }
        assert_eq!(
            item_requests(&app, n),
            1,
            "{item} ran again after the restart"
        );
    }
    assert_eq!(
        app.script
            .requests()
            .iter()
            .filter(|b| fake_model::agent_first("st-1")(b))
            .count(),
        1,
        "the list was not made again"
    );
    assert!(
        subtask(&task, "st-2")["output"]
            .as_str()
            .unwrap()
            .starts_with("Merged 29 of 30 items"),
        "{task:#}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn miteos_run_tells_a_fan_out_as_it_goes_and_prints_the_merged_file() {
    use crate::support::served::miteos_on;

    let app = TestApp::start(Dialect::OpenAi).await;
    script_fan_out(&app, Duration::from_millis(50));
    let data = tempfile::tempdir().unwrap();
    let mut run = miteos_on(&app, data.path());
    let out = tokio::task::spawn_blocking(move || {
        run.args(["run", "Profile our 30 suppliers"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(
            "Plan revised (1, by fan_out): st-2 fans out over 30 items from st-1's result"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("st-2: Supplier 13 is missing (failed after 3 attempts:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("· 30 researchers: 29 done, 1 failed"),
        "the last item's line sums the fan-out up: {stderr}"
    );
    assert!(
        !stderr.contains("+ st-3 "),
        "items are not listed one by one: {stderr}"
    );
    assert!(stdout.contains("suppliers.xlsx"), "{stdout}");
}

#[tokio::test]
async fn a_fan_out_over_an_attached_table_merges_into_a_document() {
    use base64::Engine;

    let app = TestApp::start(Dialect::OpenAi).await;
    let s = &app.script;
    s.on(
        fake_model::planner,
        plan(json!([
            {"id": "st-1", "title": "Summarise each paper", "description": "Summarise the paper in two sentences.",
             "agent_type": "researcher", "depends_on": [],
             "for_each": {"from": "inputs/papers.csv", "deliverable": "summaries.md"}}
        ])),
    );
    for (title, summary) in [
        (
            "Attention Is All You Need",
            "Transformers replace recurrence.",
        ),
        ("BERT", "Bidirectional pretraining."),
        ("GPT-3", "Few-shot learning at scale."),
    ] {
        s.on(
            item_agent(title.to_owned()),
            Reply::Text(format!(
                "{summary} See https://papers.example/{}.",
                title.len()
            )),
        );
    }
    s.on(fake_model::checker, all_met());
    let table = "title,year\nAttention Is All You Need,2017\nBERT,2018\nGPT-3,2020\n";
    let (status, task) = app
        .post(
            "/tasks",
            json!({"prompt": "Summarise each paper I attached", "attachments": [
                {"name": "papers.csv",
                 "content_base64": base64::engine::general_purpose::STANDARD.encode(table)}
            ]}),
        )
        .await;
    assert_eq!(status, 201, "{task}");
    let id = task["id"].as_str().unwrap().to_owned();
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    let items: Vec<&str> = items_of(&task, "st-1")
        .iter()
        .map(|s| s["item"].as_str().unwrap())
        .collect();
    assert_eq!(items, ["Attention Is All You Need", "BERT", "GPT-3"]);
    assert_eq!(
        task["revisions"][0]["reason"],
        "st-1 fans out over 3 items from inputs/papers.csv"
    );
    let doc = std::fs::read_to_string(app.miteos.task_dir(&id).join("summaries.md")).unwrap();
    assert!(
        doc.starts_with("## Attention Is All You Need\n\nTransformers replace recurrence."),
        "{doc}"
    );
    assert!(
        doc.contains("## GPT-3\n\nFew-shot learning at scale."),
        "{doc}"
    );
    assert!(
        doc.contains("Sources:\n- https://papers.example/5\n"),
        "{doc}"
    );
}

#[tokio::test]
async fn a_list_in_prose_is_read_by_the_model_and_a_retried_missing_item_is_merged_again() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let app = TestApp::start(Dialect::OpenAi).await;
    let s = &app.script;
    s.on(
        fake_model::planner,
        plan(json!([
            {"id": "st-1", "title": "Find the leaders", "description": "Name the market leaders.",
             "agent_type": "researcher", "depends_on": []},
            {"id": "st-2", "title": "Price each leader", "description": "Find its entry price.",
             "agent_type": "researcher", "depends_on": ["st-1"],
             "for_each": {"from": "st-1", "columns": ["Price"], "deliverable": "prices.csv"}}
        ])),
    );
    s.on(
        fake_model::agent_first("st-1"),
        Reply::Text("The leaders today are Coda, Confluence and ClickUp, in that order.".into()),
    );
    s.on(
        |b| b.contains("\"submit_items\""),
        Reply::ToolCalls(vec![crate::support::tool(
            "submit_items",
            json!({"items": ["Coda", "Confluence", "ClickUp"]}),
        )]),
    );
    let fixed = Arc::new(AtomicBool::new(false));
    let broken = fixed.clone();
    s.on(
        move |b| !broken.load(Ordering::SeqCst) && item_agent("ClickUp".into())(b),
        Reply::Status(400, None),
    );
    for (name, price) in [("Coda", "$10"), ("Confluence", "$6"), ("ClickUp", "$7")] {
        s.on(
            item_agent(name.into()),
            Reply::Text(json!({"item": name, "Price": price, "sources": []}).to_string()),
        );
    }
    s.on(fake_model::checker, all_met());
    let id = app.create_task("Price the market leaders").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    assert_eq!(
        task["revisions"][0]["reason"],
        "st-2 fans out over 3 items from st-1's result"
    );
    let csv = || std::fs::read_to_string(app.miteos.task_dir(&id).join("prices.csv")).unwrap();
    assert!(
        csv().contains("ClickUp,,,\"missing: failed after 3 attempts"),
        "{}",
        csv()
    );
    let clickup = task["subtasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["item"] == "ClickUp")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The user retries the missing item: it runs, and the fan-out merges again.
    fixed.store(true, Ordering::SeqCst);
    let (status, body) = app
        .post(&format!("/tasks/{id}/subtasks/{clickup}/retry"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task:#}");
    assert_eq!(
        subtask(&task, "st-2")["output"]
            .as_str()
            .unwrap()
            .lines()
            .next()
            .unwrap(),
        "Merged 3 of 3 items into prices.csv."
    );
    assert!(csv().contains("ClickUp,$7,,done"), "{}", csv());
}
