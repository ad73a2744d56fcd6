//! Research tools against fixtures served from 127.0.0.1: web search through each provider's
//! documented response format (SearXNG, Brave, Tavily), configured in settings with keys kept in
//! the key store, and a researcher that searches, reads a result and cites it.

use miteos_core::tools::{SearchEngine, SearchKind};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{Dialect, Reply, TestApp, fake_model, one_subtask_plan, tool};

/// A recorded search response, its result URLs pointing at `base`.
fn fixture(name: &str, base: &str) -> Value {
    let file = format!(
        "{}/../../tests/fixtures/search/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text.replace("{{base}}", base)).unwrap()
}

/// The settings update that keeps everything as it is except `search` and `keys`.
async fn settings_with(app: &TestApp, search: Value, keys: Value) -> (u16, Value) {
    let (_, current) = app.get("/settings").await;
    app.put(
        "/settings",
        json!({
            "providers": current["providers"],
            "max_concurrency": current["max_concurrency"],
            "api": current["api"],
            "staging": current["staging"],
            "search": search,
            "keys": keys,
        }),
    )
    .await
}

const CODA_HTML: &str = "<html><head><title>Coda pricing</title></head><body><article><h1>Coda pricing</h1>\
    <p>Coda's Pro plan costs $10 per doc maker per month, billed annually. Team is $30 per doc maker.</p>\
    <p>Editors and viewers are free on every plan, so only doc makers are counted.</p></article></body></html>";

#[tokio::test]
async fn a_researcher_searches_reads_a_result_and_cites_it() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let base = app.model_server.uri();
    Mock::given(method("GET"))
        .and(path("/searx/search"))
        .and(query_param("q", "notion competitors"))
        .and(query_param("format", "json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("searxng.json", &base)))
        .mount(&app.model_server)
        .await;
    let coda = app
        .page("/pages/coda", CODA_HTML, std::time::Duration::ZERO)
        .await;
    let (status, settings) = settings_with(
        &app,
        json!({"provider": "searxng", "url": format!("{base}/searx")}),
        json!([]),
    )
    .await;
    assert_eq!(status, 200, "{settings}");
    assert_eq!(settings["search"]["provider"], "searxng");
    assert_eq!(settings["search_error"], Value::Null);

    let s = &app.script;
    s.on(
        fake_model::planner,
        one_subtask_plan("researcher", "Find competitors", "Search and read"),
    );
    s.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool(
            "web_search",
            json!({"query": "notion competitors", "count": 3}),
        )]),
    );
    s.once(
        fake_model::agent_after_tools("st-1"),
        Reply::ToolCalls(vec![tool("fetch_url", json!({"url": coda}))]),
    );
    s.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text(format!(
            "Coda Pro costs $10 per doc maker per month. Source: {coda}"
        )),
    );

    let id = app.create_task("Research the competitors of Notion").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");
    assert!(
        task["subtasks"][0]["output"]
            .as_str()
            .unwrap()
            .contains(&coda),
        "the finding keeps its source: {task}"
    );

    let finished = app.finished_calls(&id).await;
    let search = finished
        .iter()
        .find(|e| e["tool"] == "web_search")
        .expect("web_search ran");
    assert_eq!(search["ok"], true, "{search}");
    let result = search["result"].as_str().unwrap();
    assert!(
        result.contains("1. Coda: Your all-in-one collaborative workspace")
            && result.contains(&format!("Source: {coda}"))
            && result.contains(&format!("Source: {base}/pages/confluence")),
        "{result}"
    );
    let fetch = finished.iter().find(|e| e["tool"] == "fetch_url").unwrap();
    assert_eq!(fetch["ok"], true, "{fetch}");

    // The model saw the results as untrusted data, with their sources.
    let second_turn = app
        .script
        .requests()
        .into_iter()
        .find(|b| fake_model::agent_after_tools("st-1")(b))
        .unwrap();
    assert!(second_turn.contains("<tool_result tool=\\\"web_search\\\" ok=\\\"true\\\">"));
    assert!(second_turn.contains("untrusted data"));
    assert!(second_turn.contains(&coda));
}

#[tokio::test]
async fn brave_and_tavily_send_their_keys_and_read_their_formats() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let base = app.model_server.uri();
    Mock::given(method("GET"))
        .and(path("/brave/res/v1/web/search"))
        .and(query_param("q", "notion competitors"))
        .and(query_param("count", "2"))
        .and(header("X-Subscription-Token", "brave-test-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("brave.json", &base)))
        .mount(&app.model_server)
        .await;
    Mock::given(method("POST"))
        .and(path("/tavily/search"))
        .and(header("Authorization", "Bearer tvly-test-key"))
        .and(body_partial_json(
            json!({"query": "notion competitors", "max_results": 2}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("tavily.json", &base)))
        .mount(&app.model_server)
        .await;
    Mock::given(method("GET"))
        .and(path("/brave/res/v1/web/search"))
        .respond_with(ResponseTemplate::new(401).set_body_string("{\"error\":\"bad key\"}"))
        .mount(&app.model_server)
        .await;

    let http = reqwest::Client::new();
    let brave = SearchEngine::new(
        SearchKind::Brave,
        Some(&format!("{base}/brave/res/v1/web/search")),
        Some("brave-test-key".into()),
    )
    .unwrap()
    .unwrap();
    let hits = brave.search(&http, "notion competitors", 2).await.unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].url, format!("{base}/pages/coda"));
    assert_eq!(
        hits[0].snippet,
        "Coda brings docs, tables & automations together."
    );

    let wrong_key = SearchEngine::new(
        SearchKind::Brave,
        Some(&format!("{base}/brave/res/v1/web/search")),
        Some("wrong".into()),
    )
    .unwrap()
    .unwrap();
    let err = wrong_key
        .search(&http, "notion competitors", 2)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("401") && err.contains("API key"), "{err}");

    let tavily = SearchEngine::new(
        SearchKind::Tavily,
        Some(&format!("{base}/tavily/search")),
        Some("tvly-test-key".into()),
    )
    .unwrap()
    .unwrap();
    let hits = tavily.search(&http, "notion competitors", 2).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].title, "ClickUp: one app to replace them all");
}

#[tokio::test]
async fn search_settings_are_validated_and_keys_never_come_back() {
    let app = TestApp::start(Dialect::OpenAi).await;
    // Brave without a key is refused, and nothing is saved.
    let (status, body) = settings_with(&app, json!({"provider": "brave"}), json!([])).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_input");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("brave_api_key")
    );
    let (status, body) = settings_with(&app, json!({"provider": "searxng"}), json!([])).await;
    assert_eq!(status, 400, "SearXNG needs its address: {body}");
    let (status, body) = settings_with(
        &app,
        json!({"provider": "searxng", "url": "ftp://127.0.0.1"}),
        json!([]),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = settings_with(&app, json!({"provider": "google"}), json!([])).await;
    assert!(status == 400 || status == 422, "{status} {body}");
    let (_, settings) = app.get("/settings").await;
    assert_eq!(settings["search"]["provider"], "none");

    // With its key it is saved; the key is kept out of the answer and the database.
    let key = "tvly-secret-0123456789";
    let (status, settings) = settings_with(
        &app,
        json!({"provider": "tavily", "url": null}),
        json!([{"name": "tavily_api_key", "value": key}]),
    )
    .await;
    assert_eq!(status, 200, "{settings}");
    assert_eq!(settings["search"]["provider"], "tavily");
    assert_eq!(settings["search_error"], Value::Null);
    let state = settings["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "tavily_api_key")
        .unwrap();
    assert_eq!(state["saved"], true);
    assert_eq!(state["hint"], "6789");
    assert!(!settings.to_string().contains(key));
    let db = std::fs::read(app.dir.path().join("miteos.db")).unwrap();
    assert!(
        !String::from_utf8_lossy(&db).contains(key),
        "keys never reach the database"
    );

    // Leaving `search` out of an update keeps it.
    let (_, current) = app.get("/settings").await;
    let (status, settings) = app
        .put(
            "/settings",
            json!({"providers": current["providers"], "max_concurrency": 3, "api": current["api"]}),
        )
        .await;
    assert_eq!(status, 200, "{settings}");
    assert_eq!(settings["search"]["provider"], "tavily");
}

#[tokio::test]
async fn without_a_search_provider_the_agent_is_told_how_to_go_on() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let s = &app.script;
    s.on(
        fake_model::planner,
        one_subtask_plan("researcher", "Search", "Search"),
    );
    s.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool("web_search", json!({"query": "notion"}))]),
    );
    s.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Search is not available here.".into()),
    );
    let id = app.create_task("Search for Notion").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");
    let calls = app.finished_calls(&id).await;
    let search = calls.iter().find(|c| c["tool"] == "web_search").unwrap();
    assert_eq!(search["ok"], false);
    assert!(
        search["result"]
            .as_str()
            .unwrap()
            .contains("no web search provider is configured"),
        "{search}"
    );
}
