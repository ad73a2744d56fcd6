//! Documents the user attaches, and the whole example task with every kind of tool: a researcher
//! searches and reads (sources kept), an analyst writes a spreadsheet with a native chart, an SVG
//! chart and a SQL summary, and a builder writes a static page that cites the sources.

use std::io::Read;

use base64::Engine;
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{Dialect, Reply, TestApp, fake_model, one_subtask_plan, tool};

fn fixture(name: &str) -> Vec<u8> {
    let file = format!(
        "{}/../../tests/fixtures/documents/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn attached_documents_are_saved_and_read_as_text() {
    let app = TestApp::start(Dialect::OpenAi).await;
    app.script.on(
        fake_model::planner,
        one_subtask_plan("researcher", "Read the brief", "read the attachments"),
    );
    app.script.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![
            tool("read_file", json!({"path": "inputs/brief.pdf"})),
            tool("read_file", json!({"path": "inputs/notes.html"})),
            tool("read_file", json!({"path": "inputs/passwd"})),
        ]),
    );
    app.script.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Coda Pro is $10 (inputs/brief.pdf).".into()),
    );
    let (status, task) = app
        .post(
            "/tasks",
            json!({"prompt": "Summarise what I attached", "attachments": [
                {"name": "brief.pdf", "content_base64": b64(&fixture("brief.pdf"))},
                {"name": "notes.html", "content_base64": b64(&fixture("notes.html"))},
                {"name": "../../etc/passwd", "content_base64": b64(b"root:x:0:0")}
            ]}),
        )
        .await;
    assert_eq!(status, 201, "{task}");
    let id = task["id"].as_str().unwrap().to_owned();
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");
    let inputs = app.miteos.task_dir(&id).join("inputs");
    assert!(inputs.join("brief.pdf").is_file());
    assert!(
        inputs.join("passwd").is_file(),
        "a path in a name keeps only the file name"
    );
    assert!(!app.dir.path().join("etc").exists());

    let calls = app.finished_calls(&id).await;
    let result = |path: &str| {
        calls
            .iter()
            .find(|c| c["result"].as_str().unwrap().contains(path) || c["ok"] == false)
            .map(|c| c["result"].as_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let pdf = result("Source: inputs/brief.pdf");
    assert!(
        pdf.contains("Coda Pro costs $10 per doc maker per month."),
        "the PDF's text: {pdf}"
    );
    let html = result("Source: inputs/notes.html");
    assert!(
        html.starts_with("# Meeting notes") && html.contains("**Coda**") && !html.contains("<p>"),
        "the HTML as Markdown: {html}"
    );
    // The planner was told what was attached.
    let planner = app
        .script
        .requests()
        .into_iter()
        .find(|b| fake_model::planner(b))
        .unwrap();
    assert!(planner.contains("inputs/brief.pdf"), "{planner}");

    // Bad attachments are refused and nothing is created.
    let (status, body) = app
        .post(
            "/tasks",
            json!({"prompt": "x", "attachments": [{"name": "a.txt", "content_base64": "not base64!"}]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = app
        .post(
            "/tasks",
            json!({"prompt": "x", "attachments": [{"name": "..", "content_base64": ""}]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let big = b64(&vec![0u8; 26 * 1024 * 1024]);
    let (status, body) = app
        .post(
            "/tasks",
            json!({"prompt": "x", "attachments": [{"name": "big.bin", "content_base64": big}]}),
        )
        .await;
    assert_eq!(status, 413, "{body}");
    let (_, tasks) = app.get("/tasks").await;
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
}

/// The researcher's page on the fixture server.
const PRICING_HTML: &str = "<html><head><title>SaaS pricing 2026</title></head><body><article>\
    <h1>SaaS pricing 2026</h1><p>Coda Pro costs $10 per doc maker per month. Confluence Standard is $5.16 \
    per user per month. ClickUp Unlimited is $7 per user per month, and Obsidian Sync is $4 per month.</p>\
    </article></body></html>";

#[tokio::test]
async fn the_example_task_uses_search_fetch_charts_sql_and_a_cited_page() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let base = app.model_server.uri();
    let pricing = app
        .page("/pages/pricing", PRICING_HTML, std::time::Duration::ZERO)
        .await;
    Mock::given(method("GET"))
        .and(path("/searx/search"))
        .and(query_param("format", "json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "query": "notion competitors pricing",
            "results": [{"url": pricing, "title": "SaaS pricing 2026", "content": "Coda, Confluence, ClickUp, Obsidian prices", "engine": "brave"}]
        })))
        .mount(&app.model_server)
        .await;
    let (_, current) = app.get("/settings").await;
    let (status, body) = app
        .put(
            "/settings",
            json!({"providers": current["providers"], "max_concurrency": 4, "api": current["api"],
                   "search": {"provider": "searxng", "url": format!("{base}/searx")}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let s = &app.script;
    s.on(
        fake_model::planner,
        Reply::ToolCalls(vec![tool(
            "submit_plan",
            json!({"title": "Notion competitors: feature comparison", "subtasks": [
                {"id": "st-1", "title": "Research competitors and prices", "description": "Search, read the best source, note prices with their source URL.", "agent_type": "researcher", "depends_on": []},
                {"id": "st-2", "title": "Build the comparison spreadsheet and chart", "description": "comparison.xlsx with a chart, price-chart.svg, and the cheapest plans via SQL.", "agent_type": "analyst", "depends_on": ["st-1"]},
                {"id": "st-3", "title": "Build a comparison page", "description": "site/index.html citing the sources.", "agent_type": "builder", "depends_on": ["st-2"]}
            ]}),
        )]),
    );
    s.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool(
            "web_search",
            json!({"query": "notion competitors pricing"}),
        )]),
    );
    s.once(
        fake_model::agent_after_tools("st-1"),
        Reply::ToolCalls(vec![tool("fetch_url", json!({"url": pricing}))]),
    );
    s.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text(format!(
            "Coda $10, Confluence $5.16, ClickUp $7, Obsidian $4 per month. Source: {pricing}"
        )),
    );
    let columns = json!(["Product", "Price (USD/month)", "Source"]);
    let rows = json!([
        ["Coda", 10, pricing],
        ["Confluence", 5.16, pricing],
        ["ClickUp", 7, pricing],
        ["Obsidian", 4, pricing]
    ]);
    s.on(
        fake_model::agent_first("st-2"),
        Reply::ToolCalls(vec![
            tool("write_spreadsheet", json!({"path": "comparison.xlsx", "columns": columns, "rows": rows,
                "chart": {"type": "column", "title": "Price per month", "category_column": "Product", "value_columns": ["Price (USD/month)"]}})),
            tool("write_spreadsheet", json!({"path": "comparison.csv", "columns": columns, "rows": rows})),
            tool("write_chart", json!({"path": "price-chart.svg", "columns": columns, "rows": rows,
                "chart": {"type": "bar", "title": "Price per month (USD)"}})),
            tool("write_chart", json!({"path": "price-share.png", "columns": columns, "rows": rows,
                "chart": {"type": "pie", "title": "Share of the total price"}})),
        ]),
    );
    s.once(
        fake_model::agent_after_tools("st-2"),
        Reply::ToolCalls(vec![tool(
            "query_data",
            json!({"sql": "SELECT Product, \"Price (USD/month)\" AS price FROM comparison ORDER BY price LIMIT 2", "save_as": "cheapest.csv"}),
        )]),
    );
    s.on(
        fake_model::agent_after_tools("st-2"),
        Reply::Text("Wrote comparison.xlsx (with a chart), comparison.csv, price-chart.svg; cheapest: Obsidian, Confluence.".into()),
    );
    let page = format!(
        "<!doctype html><html><head><title>Notion competitors</title></head><body><h1>Notion competitors</h1>\
         <img src=\"../price-chart.svg\" alt=\"Price chart\"><table><tr><th>Product</th><th>Price</th></tr>\
         <tr><td>Coda</td><td>$10</td></tr></table><p>Source: <a href=\"{pricing}\">{pricing}</a></p></body></html>"
    );
    s.on(
        fake_model::agent_first("st-3"),
        Reply::ToolCalls(vec![tool(
            "write_file",
            json!({"path": "site/index.html", "content": page}),
        )]),
    );
    s.on(
        fake_model::agent_after_tools("st-3"),
        Reply::Text("Wrote site/index.html, citing the pricing source.".into()),
    );

    let id = app
        .create_task(
            "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet",
        )
        .await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");

    let calls = app.finished_calls(&id).await;
    for c in &calls {
        assert_eq!(c["ok"], true, "every call worked: {c}");
    }
    let tools: Vec<&str> = calls.iter().map(|c| c["tool"].as_str().unwrap()).collect();
    for t in [
        "web_search",
        "fetch_url",
        "write_spreadsheet",
        "write_chart",
        "query_data",
        "write_file",
    ] {
        assert!(tools.contains(&t), "{t} was used: {tools:?}");
    }
    let sql = calls.iter().find(|c| c["tool"] == "query_data").unwrap();
    assert!(
        sql["result"].as_str().unwrap().contains("| Obsidian | 4 |"),
        "{sql}"
    );

    let dir = app.miteos.task_dir(&id);
    let (_, deliverables) = app.get(&format!("/tasks/{id}/deliverables")).await;
    let names: Vec<&str> = deliverables
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    for want in [
        "comparison.xlsx",
        "comparison.csv",
        "price-chart.svg",
        "price-share.png",
        "cheapest.csv",
        "site/index.html",
    ] {
        assert!(names.contains(&want), "{want} is a deliverable: {names:?}");
    }
    let mut xlsx =
        zip::ZipArchive::new(std::fs::File::open(dir.join("comparison.xlsx")).unwrap()).unwrap();
    let mut chart = String::new();
    xlsx.by_name("xl/charts/chart1.xml")
        .expect("the workbook has a native chart")
        .read_to_string(&mut chart)
        .unwrap();
    assert!(chart.contains("Price per month"));
    let svg = std::fs::read_to_string(dir.join("price-chart.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Obsidian"));
    let png = std::fs::read(dir.join("price-share.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    // The deliverables cite their sources.
    let csv = std::fs::read_to_string(dir.join("comparison.csv")).unwrap();
    assert!(csv.contains(&pricing), "{csv}");
    let html = std::fs::read_to_string(dir.join("site/index.html")).unwrap();
    assert!(html.contains(&format!("href=\"{pricing}\"")), "{html}");
    // And the provenance of the page traces back to the source that was read.
    let page_id = deliverables
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "site/index.html")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, provenance) = app
        .get(&format!("/tasks/{id}/deliverables/{page_id}/provenance"))
        .await;
    assert!(
        provenance.to_string().contains(&pricing),
        "provenance lists the source: {provenance}"
    );
}
