//! How Miteos thinks, end to end: detection of a fake Ollama and a fake OpenAI-compatible
//! server, the choice (a pasted key checked with one call), a catalog download through the API
//! from a Hugging Face mirror on 127.0.0.1 (progress, pause, resume), one models folder for every
//! data dir, `serve` with no model at all, prices (unknown is not $0; a price the user sets
//! applies), and a one-slot local server that is never sent more than one call at a time.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::models::fake_gguf;
use crate::support::fake_model::{self, Dialect, Reply, Script};
use crate::support::plans::{events_of, of_type, plan};
use crate::support::served::{miteos, serve_bare};
use crate::support::{TestApp, all_met, model_config, tool};

/// A fake Ollama (`/api/tags`, `/api/show`) and a fake llama.cpp server (`/v1/models` with its
/// `meta`, `/props` with one slot).
async fn fake_servers() -> (MockServer, MockServer) {
    let ollama = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/tags"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"models": [
            {"name": "qwen3:8b", "size": 5_200_000_000u64},
            {"name": "llama3.2:3b", "size": 2_000_000_000u64}
        ]})))
        .mount(&ollama)
        .await;
    let llama = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": [
                {"id": "qwen3-4b", "object": "model", "owned_by": "llamacpp",
                 "meta": {"n_params": 4_020_000_000u64, "n_ctx_train": 32768}}
            ]})),
        )
        .mount(&llama)
        .await;
    (ollama, llama)
}

#[tokio::test]
async fn detection_finds_ollama_and_a_compatible_server_and_the_choice_sticks() {
    let (ollama, llama) = fake_servers().await;
    let models = miteos_core::providers::ModelConfig {
        ollama_host: Some(ollama.uri()),
        openai_base_url: Some(format!("{}/v1", llama.uri())),
        ..Default::default()
    };
    let app = TestApp::start_configured(
        models,
        Script::default(),
        MockServer::start().await,
        tempfile::tempdir().unwrap(),
    )
    .await;
    let (status, setup) = app.get("/models/setup").await;
    assert_eq!(status, 200, "{setup}");
    assert_eq!(setup["chosen"], false, "nothing chosen yet: {setup}");
    let servers = setup["servers"].as_array().unwrap();
    let ollama_found = servers
        .iter()
        .find(|s| s["kind"] == "ollama")
        .expect("ollama");
    assert_eq!(
        ollama_found["models"],
        json!(["ollama::qwen3:8b", "ollama::llama3.2:3b"])
    );
    let llama_found = servers
        .iter()
        .find(|s| s["kind"] == "llama.cpp")
        .expect("llama.cpp");
    assert_eq!(llama_found["models"], json!(["openai::qwen3-4b"]));

    let (status, chosen) = app
        .post(
            "/models/choice",
            json!({"model": "ollama::qwen3:8b", "ollama_host": ollama.uri()}),
        )
        .await;
    assert_eq!(status, 200, "{chosen}");
    assert_eq!(chosen["chosen"], true);
    assert_eq!(chosen["current"], "ollama::qwen3:8b");
    let (_, settings) = app.get("/settings").await;
    assert_eq!(settings["default_model"], "ollama::qwen3:8b");

    let (status, bad) = app.post("/models/choice", json!({"model": "qwen"})).await;
    assert_eq!(status, 400, "{bad}");
}

#[tokio::test]
async fn a_pasted_key_is_checked_with_one_call_before_it_is_kept() {
    let provider = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("authorization", "Bearer sk-proj-0000-good"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .mount(&provider)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"error": {"message": "bad key"}})),
        )
        .mount(&provider)
        .await;
    let app = nothing_configured(|_| {}).await;
    let base = format!("{}/v1", provider.uri());
    let (status, refused) = app
        .post("/models/choice", json!({"model": "openai::gpt-4.1-mini", "base_url": base, "api_key": "sk-proj-0000-bad"}))
        .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("refused the key"),
        "{refused}"
    );
    let (_, settings) = app.get("/settings").await;
    assert!(
        settings["default_model"].is_null(),
        "nothing saved: {settings}"
    );

    let (status, chosen) = app
        .post("/models/choice", json!({"model": "openai::gpt-4.1-mini", "base_url": base, "api_key": "sk-proj-0000-good"}))
        .await;
    assert_eq!(status, 200, "{chosen}");
    let (_, settings) = app.get("/settings").await;
    let key = settings["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "openai_api_key")
        .unwrap();
    assert_eq!(key["saved"], true, "{settings}");
    assert_eq!(key["hint"], "good");
}

#[tokio::test]
async fn a_catalog_model_downloads_from_a_mirror_with_progress_pause_and_resume() {
    let mirror = MockServer::start().await;
    let body = fake_gguf(11);
    let route = "/Qwen/Qwen3-0.6B-GGUF/resolve/main/Qwen3-0.6B-Q8_0.gguf";
    // The first answer is slow enough to be paused.
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(body.clone(), "application/octet-stream")
                .set_delay(Duration::from_secs(3)),
        )
        .up_to_n_times(1)
        .mount(&mirror)
        .await;
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body.clone(), "application/octet-stream"),
        )
        .mount(&mirror)
        .await;
    let app = with_mirror(&mirror).await;
    let (status, catalog) = app.get("/models/catalog").await;
    assert_eq!(status, 200);
    assert!(catalog["machine"]["memory_bytes"].as_u64().unwrap() > 0);
    assert!(catalog["models"].as_array().unwrap().len() >= 8);

    let (status, started) = app
        .post("/models/downloads", json!({"name": "Qwen3-0.6B-Q8_0"}))
        .await;
    assert_eq!(status, 202, "{started}");
    assert_eq!(started["state"], "running");
    let (status, again) = app
        .post("/models/downloads", json!({"name": "Qwen3-0.6B-Q8_0"}))
        .await;
    assert_eq!(status, 409, "one download of a model at a time: {again}");
    let (status, _) = app
        .post("/models/downloads/Qwen3-0.6B-Q8_0/pause", json!({}))
        .await;
    assert_eq!(status, 200);
    let paused = wait_download(&app, "paused").await;
    assert_eq!(paused["name"], "Qwen3-0.6B-Q8_0");

    let (status, _) = app
        .post("/models/downloads", json!({"name": "Qwen3-0.6B-Q8_0"}))
        .await;
    assert_eq!(status, 202);
    let done = wait_download(&app, "complete").await;
    assert_eq!(done["done_bytes"], body.len());
    let (_, catalog) = app.get("/models/catalog").await;
    let entry = catalog["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"]["name"] == "Qwen3-0.6B-Q8_0")
        .unwrap();
    assert_eq!(entry["installed"], true, "{entry}");
    assert_eq!(
        std::fs::read(app.dir.path().join("models/Qwen3-0.6B-Q8_0.gguf")).unwrap(),
        body
    );
    let (status, unknown) = app
        .post("/models/downloads", json!({"name": "gpt-9"}))
        .await;
    assert_eq!(status, 404, "{unknown}");
}

/// Miteos with no provider configured, its options changed by `tweak`.
async fn nothing_configured(tweak: impl FnOnce(&mut miteos_core::service::Options)) -> TestApp {
    TestApp::start_with_options(
        Default::default(),
        Script::default(),
        MockServer::start().await,
        tempfile::tempdir().unwrap(),
        tweak,
    )
    .await
}

/// Miteos with nothing configured whose downloads come from `mirror`.
async fn with_mirror(mirror: &MockServer) -> TestApp {
    let uri = mirror.uri();
    nothing_configured(|o| o.hf_endpoint = Some(uri)).await
}

async fn wait_download(app: &TestApp, state: &str) -> Value {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, list) = app.get("/models/downloads").await;
        if let Some(d) = list
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["state"] == state)
        {
            return d.clone();
        }
        assert!(Instant::now() < until, "no download became {state}: {list}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn every_data_dir_finds_the_installed_models_and_serve_starts_with_no_model() {
    let shared = tempfile::tempdir().unwrap();
    std::fs::write(shared.path().join("tiny-model.gguf"), fake_gguf(12)).unwrap();
    for _ in 0..2 {
        let data = tempfile::tempdir().unwrap();
        let out = miteos(data.path())
            .env("MITEOS_MODELS_DIR", shared.path())
            .args(["models", "list"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("local::tiny-model"),
            "a fresh data dir lists it: {stdout}"
        );
    }

    // No provider, no model: the server starts, serves history and settings, and a task is
    // refused with how to configure one.
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr, token) = serve_bare(miteos(data.path()));
    let client = reqwest::Client::new();
    let tasks = client
        .get(format!("{addr}/tasks"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(tasks.status(), 200);
    let refused = client
        .post(format!("{addr}/tasks"))
        .bearer_auth(&token)
        .json(&json!({"prompt": "anything"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_configured", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("miteos models get"),
        "{body}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn an_unpriced_model_costs_unknown_until_the_user_prices_it() {
    let script = Script::default();
    let server = fake_model::start(Dialect::OpenAi, &script).await;
    let models = miteos_core::providers::ModelConfig {
        model: Some("openrouter::mystery/model-x".into()),
        openrouter_api_key: Some("test-key".into()),
        openrouter_base_url: Some(format!("{}/v1", server.uri())),
        ..model_config(Dialect::OpenAi, &server)
    };
    let app = TestApp::start_configured(models, script, server, tempfile::tempdir().unwrap()).await;
    app.script.on(
        fake_model::planner,
        plan(json!([{"id": "st-1", "title": "Note", "description": "Write note.md", "agent_type": "researcher", "depends_on": []}])),
    );
    app.script.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool(
            "write_file",
            json!({"path": "note.md", "content": "# Note\nDone."}),
        )]),
    );
    app.script.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Wrote note.md.".into()),
    );
    app.script.on(fake_model::checker, all_met());

    let id = app.create_task("Write a note").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["cost_unknown"], true, "{task}");
    assert!(task["total_tokens_used"].as_i64().unwrap() > 0);
    assert_eq!(
        task["total_cost_cents"], 0,
        "only priced calls are in the total"
    );
    let events = events_of(&app, &id).await;
    assert!(
        of_type(&events, "usage")
            .iter()
            .all(|e| e["cost_unknown"] == true)
    );
    assert_eq!(of_type(&events, "task_finished")[0]["cost_unknown"], true);

    let (status, prices) = app
        .put(
            "/prices",
            json!({"model": "openrouter::mystery/model-x", "input": 2.0, "output": 8.0}),
        )
        .await;
    assert_eq!(status, 200, "{prices}");
    assert_eq!(prices[0]["source"], "user");
    let id = app.create_task("Write another note").await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["cost_unknown"], false, "{task}");
    assert!(task["total_cost_usd"].as_f64().unwrap() > 0.0, "{task}");
    let (status, bad) = app
        .put(
            "/prices",
            json!({"model": "x", "input": -1.0, "output": 1.0}),
        )
        .await;
    assert_eq!(status, 400, "{bad}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_slot_server_gets_one_call_at_a_time_and_four_parallel_subtasks_complete() {
    let script = Script::default();
    let server = fake_model::start(Dialect::OpenAi, &script).await;
    // llama.cpp's server with one slot.
    Mock::given(method("GET"))
        .and(path("/props"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "total_slots": 1, "default_generation_settings": {"n_ctx": 8192}
        })))
        .mount(&server)
        .await;
    let mut models = model_config(Dialect::OpenAi, &server);
    models.model = Some("openai::qwen3-4b".into());
    let app = TestApp::start_configured(models, script, server, tempfile::tempdir().unwrap()).await;
    let delay = Duration::from_millis(300);
    let ids = ["st-1", "st-2", "st-3", "st-4"];
    app.script.on(
        fake_model::planner,
        plan(json!(ids.iter().map(|id| json!({"id": id, "title": format!("Part {id}"), "description": format!("Note part {id}."), "agent_type": "researcher", "depends_on": []})).collect::<Vec<_>>())),
    );
    for id in ids {
        app.script.slow(
            fake_model::agent_first(id),
            Reply::Text(format!("Part {id} noted.")),
            delay,
        );
    }
    app.script.on(fake_model::checker, all_met());

    let id = app.create_task("Note four parts").await;
    let task = app.wait_final_within(&id, Duration::from_secs(60)).await;
    assert_eq!(task["status"], "completed", "{task}");
    // One call at a time: each agent call arrived after the one before it was answered.
    let requests = app.script.requests();
    let arrivals = app.script.arrivals();
    let agent: Vec<Instant> = requests
        .iter()
        .zip(&arrivals)
        .filter(|(body, _)| {
            ids.iter()
                .any(|id| body.contains(&format!("Your part of it ({id})")))
        })
        .map(|(_, at)| *at)
        .collect();
    assert_eq!(agent.len(), 4);
    for pair in agent.windows(2) {
        assert!(
            pair[1] - pair[0] >= delay - Duration::from_millis(20),
            "a second call reached the one-slot server while the first was in it: {:?}",
            pair[1] - pair[0]
        );
    }
}

#[tokio::test]
async fn a_small_model_behind_llama_cpp_gets_the_small_model_pipeline() {
    let script = Script::default();
    let server = fake_model::start(Dialect::OpenAi, &script).await;
    // llama.cpp says what it serves: a 135M-parameter model.
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"id": "smollm2-135m", "object": "model", "owned_by": "llamacpp", "meta": {"n_params": 134_515_008u64, "n_ctx_train": 8192}}
        ]})))
        .mount(&server)
        .await;
    let mut models = model_config(Dialect::OpenAi, &server);
    models.model = Some("openai::smollm2-135m".into());
    let app = TestApp::start_configured(models, script, server, tempfile::tempdir().unwrap()).await;
    app.script.on(
        |body: &str| body.contains("Write checklist.md now"),
        Reply::ToolCalls(vec![tool(
            "write_file",
            json!({"path": "checklist.md", "content": "# Packing\n- socks\n- charger\n- toothbrush\n- a book for the train ride home"}),
        )]),
    );
    let id = app
        .create_task("Write a packing checklist as checklist.md")
        .await;
    let task = app.wait_final(&id).await;
    assert_eq!(task["status"], "completed", "{task}");
    assert!(
        !app.script.requests().iter().any(|r| fake_model::planner(r)),
        "no planning call for a small model"
    );
    let (_, files) = app.get(&format!("/tasks/{id}/deliverables")).await;
    assert_eq!(files[0]["name"], "checklist.md", "{files}");
    let request = app.script.requests().last().cloned().unwrap();
    assert!(
        request.contains(r#""const":"checklist.md""#),
        "the file name is fixed in the schema: {request}"
    );
}

#[tokio::test]
async fn a_task_on_an_unreachable_server_says_what_to_do() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let script = Script::default();
    let server = fake_model::start(Dialect::OpenAi, &script).await;
    let mut models = model_config(Dialect::OpenAi, &server);
    models.openai_base_url = Some(format!("http://{closed}/v1"));
    let app = TestApp::start_configured(models, script, server, tempfile::tempdir().unwrap()).await;
    let id = app.create_task("Write a note").await;
    let task = app.wait_final_within(&id, Duration::from_secs(60)).await;
    assert_eq!(task["status"], "failed", "{task}");
    let error = task["error"].as_str().unwrap();
    assert!(
        error.contains("is running and reachable") && error.contains("Settings → Models"),
        "{error}"
    );
}

#[tokio::test]
async fn quitting_pauses_a_download_instead_of_waiting_for_it() {
    let mirror = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fake_gguf(13), "application/octet-stream")
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&mirror)
        .await;
    let app = with_mirror(&mirror).await;
    let (status, _) = app
        .post("/models/downloads", json!({"name": "Qwen3-4B-Q4_K_M"}))
        .await;
    assert_eq!(status, 202);
    let started = Instant::now();
    app.miteos.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "quitting waited for the download"
    );
    let paused = app.miteos.downloads();
    assert_eq!(
        paused[0].state,
        miteos_core::domain::models::DownloadState::Paused,
        "{paused:?}"
    );
}

#[tokio::test]
async fn any_gguf_url_downloads_through_the_api_and_a_wrong_checksum_fails_it() {
    let files = MockServer::start().await;
    let body = fake_gguf(14);
    Mock::given(method("GET"))
        .and(path("/files/my-model.gguf"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body.clone(), "application/octet-stream"),
        )
        .mount(&files)
        .await;
    let app = nothing_configured(|_| {}).await;
    let url = format!("{}/files/my-model.gguf", files.uri());
    let (status, started) = app
        .post(
            "/models/downloads",
            json!({"url": url, "sha256": "0".repeat(64)}),
        )
        .await;
    assert_eq!(status, 202, "{started}");
    assert_eq!(started["name"], "my-model");
    let failed = wait_download(&app, "failed").await;
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("checksum mismatch"),
        "{failed}"
    );
    let (status, _) = app.post("/models/downloads", json!({"url": url})).await;
    assert_eq!(status, 202);
    wait_download(&app, "complete").await;
    let (_, setup) = app.get("/models/setup").await;
    assert!(
        setup["local"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["model"] == "local::my-model"),
        "{setup}"
    );
    let (status, bad) = app
        .post("/models/downloads", json!({"url": "file:///etc/passwd"}))
        .await;
    assert_eq!(status, 400, "{bad}");
}
