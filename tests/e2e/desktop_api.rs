//! What the War Room needs from the API beyond the task basics: history filters, previews,
//! settings (keys never returned, changes validated and applied live), agent types, the UI page
//! itself, and one owner per data directory.

use serde_json::json;

use crate::support::{Dialect, TOKEN, TestApp, script_example};

const PROMPT: &str =
    "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet";

#[tokio::test]
async fn history_filters_by_state_and_searches_prompts() {
    let app = TestApp::start(Dialect::OpenAi).await;
    // Before anything is scripted, the model refuses: this task fails.
    let other = app
        .create_task("Draft a 100% honest_review of our Q3")
        .await;
    assert_eq!(app.wait_final(&other).await["status"], "failed");
    script_example(&app).await;
    let done = app.create_task(PROMPT).await;
    assert_eq!(app.wait_final(&done).await["status"], "completed");

    let (status, completed) = app.get("/tasks?status=completed").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = completed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![done.as_str()],
        "only completed tasks: {completed}"
    );

    let (_, found) = app.get("/tasks?q=NOTION").await;
    assert_eq!(
        found.as_array().unwrap().len(),
        1,
        "search ignores ASCII case"
    );
    // LIKE wildcards in the search text are literal.
    let (_, found) = app.get("/tasks?q=100%25%20honest_review").await;
    assert_eq!(found[0]["id"], other.as_str());
    let (_, none) = app.get("/tasks?q=%25").await;
    assert_eq!(
        none.as_array().unwrap().len(),
        1,
        "'%' matches only prompts containing '%'"
    );
    let (status, _) = app.get("/tasks?status=exploded").await;
    assert_eq!(status, 400, "an unknown state is bad input");
}

#[tokio::test]
async fn deliverables_preview_as_tables_and_text() {
    let app = TestApp::start(Dialect::OpenAi).await;
    script_example(&app).await;
    let id = app.create_task(PROMPT).await;
    app.wait_final(&id).await;
    let (_, deliverables) = app.get(&format!("/tasks/{id}/deliverables")).await;
    let xlsx = deliverables
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "comparison.xlsx")
        .expect("the spreadsheet is a deliverable");
    let (status, preview) = app
        .get(&format!(
            "/tasks/{id}/deliverables/{}/preview",
            xlsx["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["kind"], "table");
    assert_eq!(preview["sheets"][0]["name"], "Comparison");
    assert_eq!(preview["sheets"][0]["rows"][0][0], "Product");
    assert_eq!(preview["sheets"][0]["rows"][2][1], "5.16");
    let (status, _) = app
        .get(&format!("/tasks/{id}/deliverables/dlv-nope/preview"))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn settings_keep_keys_secret_validate_everything_and_apply_at_once() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let (status, settings) = app.get("/settings").await;
    assert_eq!(status, 200, "{settings}");
    assert_eq!(settings["default_model"], "openai::gpt-4.1-mini");
    assert_eq!(settings["max_concurrency"], 4);

    let key = "sk-test-abcdefghijklmnop-WXYZ";
    let update = json!({
        "providers": {"model": "anthropic::claude-sonnet-4-5", "openai_base_url": null,
                      "anthropic_base_url": null, "ollama_host": null, "emulate_tools": false},
        "keys": [{"name": "anthropic_api_key", "value": key}],
        "max_concurrency": 2,
        "api": {"host": "127.0.0.1", "port": 7500}
    });
    let (status, saved) = app.put("/settings", update.clone()).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        saved["default_model"], "anthropic::claude-sonnet-4-5",
        "applied at once"
    );
    assert_eq!(saved["max_concurrency"], 2);
    assert_eq!(
        saved["staging"],
        json!({"lan": false, "port": 7412}),
        "a staging address left out keeps the default"
    );
    assert_eq!(
        saved["staging_url"],
        app.staging.as_str(),
        "where deployments are served now"
    );
    let anthropic = saved["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "anthropic_api_key")
        .unwrap();
    assert_eq!(anthropic["saved"], true);
    assert_eq!(anthropic["hint"], "WXYZ");
    let (_, again) = app.get("/settings").await;
    assert!(
        !again.to_string().contains(key),
        "the key never comes back whole"
    );
    let secrets = std::fs::read_to_string(app.dir.path().join("secrets.json")).unwrap_or_default();
    let db = std::fs::read(app.dir.path().join("miteos.db")).unwrap();
    assert!(
        !String::from_utf8_lossy(&db).contains(key),
        "keys are not stored in the database"
    );
    if !secrets.is_empty() {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(app.dir.path().join("secrets.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the key file is private");
    }

    // Invalid input is refused whole: nothing of it is saved.
    for (field, value) in [
        ("max_concurrency", json!(0)),
        (
            "providers",
            json!({"model": null, "openai_base_url": "ftp://x", "anthropic_base_url": null, "ollama_host": null, "emulate_tools": false}),
        ),
        ("api", json!({"host": "evil.example", "port": 1})),
    ] {
        let mut bad = update.clone();
        bad[field] = value;
        bad["keys"] = json!([{"name": "openai_api_key", "value": "sk-should-not-be-saved-0000"}]);
        let (status, body) = app.put("/settings", bad).await;
        assert_eq!(status, 400, "{field}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let (_, after) = app.get("/settings").await;
    let openai = after["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "openai_api_key")
        .unwrap();
    assert_eq!(openai["saved"], false, "a refused update saves no key");
    assert_eq!(after["max_concurrency"], 2);

    // A default model that cannot run is refused (no key for OpenRouter).
    let mut unusable = update.clone();
    unusable["providers"]["model"] = json!("openrouter::openai/gpt-4.1-mini");
    unusable["keys"] = json!([]);
    let (status, _) = app.put("/settings", unusable).await;
    assert_eq!(status, 503);

    // Forgetting the key.
    let mut forget = update;
    forget["providers"]["model"] = json!(null);
    forget["keys"] = json!([{"name": "anthropic_api_key", "value": null}]);
    let (status, forgot) = app.put("/settings", forget).await;
    assert_eq!(status, 200, "{forgot}");
    assert_eq!(forgot["default_model"], "openai::gpt-4.1-mini");
}

#[tokio::test]
async fn agent_types_and_their_models_over_http() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let (status, types) = app.get("/agent-types").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = types
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for builtin in ["researcher", "analyst", "builder"] {
        assert!(names.contains(&builtin), "{builtin} is listed: {names:?}");
    }
    let (status, analyst) = app
        .put(
            "/agent-types/analyst/model",
            json!({"model": "openai::gpt-4o-mini"}),
        )
        .await;
    assert_eq!(status, 200, "{analyst}");
    assert_eq!(analyst["model"], "openai::gpt-4o-mini");
    let (status, _) = app
        .put("/agent-types/wizard/model", json!({"model": null}))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_war_room_page_loads_without_the_token_and_the_api_still_needs_it() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let page = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<div id=\"app\">"),
        "the page is the War Room"
    );
    assert!(!html.contains(TOKEN), "the page carries no token");
    let api = app.client.get(app.url("/tasks")).send().await.unwrap();
    assert_eq!(api.status(), 401, "the API still needs the token");
    let traversal = app
        .client
        .get(app.url("/assets/..%2f..%2fCargo.toml"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        traversal.status(),
        404,
        "assets cannot reach outside ui/dist"
    );
}

#[tokio::test]
async fn one_process_owns_a_data_directory() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let mut options = miteos_core::service::Options::new(app.dir.path(), Default::default());
    options.keys_in_file = true;
    let second = miteos_core::Miteos::open(options).await;
    let Err(e) = second else {
        panic!("a second Miteos on the same data directory must be refused")
    };
    assert_eq!(e.code(), miteos_core::ErrorCode::Conflict);
    assert!(
        e.to_string().contains(&std::process::id().to_string()),
        "the refusal names the owner's pid: {e}"
    );
    let (script, server, dir) = app.stop().await;
    let _ = (script, server);
    let mut options = miteos_core::service::Options::new(dir.path(), Default::default());
    options.keys_in_file = true;
    assert!(
        miteos_core::Miteos::open(options).await.is_ok(),
        "the directory is free again once its owner stops"
    );
}

#[tokio::test]
async fn users_define_agent_types_and_the_planner_offers_them() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let (status, tools) = app.get("/tools").await;
    assert_eq!(status, 200);
    assert!(tools.as_array().unwrap().iter().any(|t| t == "write_file"));

    let editor = json!({
        "name": "editor",
        "description": "Edits drafts into clear, short prose",
        "system_prompt": "You edit text. Keep it short.",
        "tools": ["read_file", "write_file"],
        "model": null
    });
    let (status, created) = app.post("/agent-types", editor.clone()).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["builtin"], false);
    let (status, _) = app.post("/agent-types", editor.clone()).await;
    assert_eq!(status, 409, "names are unique");

    for (field, value) in [
        ("name", json!("Bad Name!")),
        ("description", json!("")),
        ("tools", json!(["launch_rockets"])),
    ] {
        let mut bad = editor.clone();
        bad[field] = value;
        bad["name"] = if field == "name" {
            bad["name"].clone()
        } else {
            json!("other")
        };
        let (status, body) = app.post("/agent-types", bad).await;
        assert_eq!(status, 400, "{field}: {body}");
    }

    // The planner's catalogue follows: its next request offers the new type.
    let s = &app.script;
    s.on(
        crate::support::fake_model::planner,
        crate::support::one_subtask_plan("editor", "Edit the draft", "Write draft.md"),
    );
    s.on(
        crate::support::fake_model::agent_first("st-1"),
        crate::support::Reply::ToolCalls(vec![crate::support::tool(
            "write_file",
            json!({"path": "draft.md", "content": "Short."}),
        )]),
    );
    s.on(
        crate::support::fake_model::agent_after_tools("st-1"),
        crate::support::Reply::Text("Edited.".into()),
    );
    let id = app.create_task("Edit my draft").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["subtasks"][0]["agent_type"], "editor");
    let planner = app
        .script
        .requests()
        .into_iter()
        .find(|b| crate::support::fake_model::planner(b))
        .unwrap();
    assert!(planner.contains("Edits drafts into clear, short prose"));

    // Built-ins can be edited but not deleted; user types can be deleted.
    let mut researcher = editor.clone();
    researcher["description"] = json!("Finds facts on the web, citing sources");
    researcher["tools"] = json!(["fetch_url"]);
    let (status, edited) = app.put("/agent-types/researcher", researcher).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["name"], "researcher", "a name never changes");
    assert_eq!(edited["builtin"], true);
    let (status, _) = app.delete("/agent-types/researcher").await;
    assert_eq!(status, 409);
    let (status, _) = app.delete("/agent-types/editor").await;
    assert_eq!(status, 204);
    let (_, types) = app.get("/agent-types").await;
    assert!(
        !types
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "editor")
    );
}
