//! The embedded model, for real: SmolLM2-135M-Instruct through llama.cpp. `.ci/run` installs it
//! (scripts/install-model.sh); these tests fail, not skip, when it is missing.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures::StreamExt;
use miteos_core::local_model::{LocalEngine, LocalProvider, LocalSettings};
use miteos_core::models::{DEFAULT_MODEL, DEFAULT_MODEL_SHA256};
use miteos_core::providers::{ChatRequest, Message, Provider, StreamItem, ToolSpec};
use miteos_core::tools::{Tool, ToolCtx, WriteFile};
use serde_json::{Value, json};

use crate::support::TestApp;

/// The installed default model: `MITEOS_TEST_MODEL`, or where scripts/install-model.sh caches it.
pub fn model_path() -> PathBuf {
    let path = std::env::var_os("MITEOS_TEST_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache")
                });
            cache
                .join("miteos/models")
                .join(format!("{DEFAULT_MODEL}.gguf"))
        });
    assert!(
        path.is_file(),
        "the embedded model is not installed at {}: run `bash scripts/install-model.sh`",
        path.display()
    );
    path
}

/// One embedded-model test at a time: on 2 cores, two models generating at once would measure
/// each other rather than Miteos.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn provider() -> LocalProvider {
    let settings = LocalSettings::default();
    LocalProvider::new(
        LocalEngine::start(model_path(), settings),
        format!("local::{DEFAULT_MODEL}"),
        settings,
    )
}

#[test]
fn the_installed_model_is_the_verified_default() {
    let (_, sha) = miteos_core::digest::sha256_file(&model_path()).unwrap();
    assert_eq!(sha, DEFAULT_MODEL_SHA256);
}

#[tokio::test]
async fn a_forced_tool_call_is_schema_valid_and_runs() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let provider = provider();
    let write = WriteFile;
    let request = ChatRequest {
        system: "You write files.".into(),
        messages: vec![Message::User(
            "Write a file named notes.md that says hello.".into(),
        )],
        tools: vec![write.spec()],
        force_tool: Some("write_file".into()),
        max_tokens: Some(300),
    };
    let answer = provider
        .complete(&request)
        .await
        .expect("the local model answers");
    assert_eq!(
        answer.tool_calls.len(),
        1,
        "a forced tool call comes back as a tool call: {answer:?}"
    );
    let call = &answer.tool_calls[0];
    assert_eq!(call.name, "write_file");
    assert!(
        call.arguments["path"].is_string() && call.arguments["content"].is_string(),
        "{}",
        call.arguments
    );
    assert!(answer.usage.input_tokens > 0 && answer.usage.output_tokens > 0);

    let dir = tempfile::tempdir().unwrap();
    let ctx = ToolCtx::new(dir.path(), reqwest::Client::new());
    let out = write.call(call.arguments.clone(), &ctx).await;
    // The path the model chose may be refused (e.g. absolute); refusing is the tool working.
    match out {
        Ok(out) => assert!(dir.path().join(&out.files_written[0]).is_file()),
        Err(e) => assert!(
            e.to_string().contains("refused") || e.to_string().contains("invalid"),
            "{e}"
        ),
    }
}

#[tokio::test]
async fn an_agent_turn_is_a_tool_call_or_a_streamed_answer() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let provider = provider();
    let request = ChatRequest {
        system: "You are a helpful assistant.".into(),
        messages: vec![Message::User(
            "What is the capital of France? Answer briefly.".into(),
        )],
        tools: vec![ToolSpec {
            name: "fetch_url".into(),
            description: "Fetch a web page".into(),
            parameters: json!({"type": "object", "properties": {"url": {"type": "string"}}, "required": ["url"]}),
        }],
        force_tool: None,
        max_tokens: Some(80),
    };
    let mut stream = provider.stream(&request).await.unwrap();
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item.expect("no stream error"));
    }
    let texts = items
        .iter()
        .filter(|i| matches!(i, StreamItem::Text(_)))
        .count();
    let calls = items
        .iter()
        .filter(|i| matches!(i, StreamItem::ToolCall(_)))
        .count();
    assert!(
        calls == 1 || texts >= 1,
        "either a tool call or an answer: {items:?}"
    );
    assert!(
        matches!(items.last(), Some(StreamItem::Usage(_))),
        "usage comes last"
    );
}

#[tokio::test]
async fn dropping_the_stream_stops_generation_within_250ms() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let provider = provider();
    let request = ChatRequest {
        system: "You are a storyteller.".into(),
        messages: vec![Message::User(
            "Tell a very long story about a lighthouse keeper.".into(),
        )],
        max_tokens: Some(2000),
        ..Default::default()
    };
    let mut stream = provider.stream(&request).await.unwrap();
    for _ in 0..5 {
        assert!(matches!(stream.next().await, Some(Ok(StreamItem::Text(_)))));
    }
    assert!(provider.engine().is_busy());
    let dropped = Instant::now();
    drop(stream);
    while provider.engine().is_busy() {
        assert!(
            dropped.elapsed() < Duration::from_millis(250),
            "generation must stop within 250 ms of a cancel"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn a_whole_task_runs_offline_on_the_embedded_model() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::start_local(&model_path()).await;
    let (status, task) = app
        .post("/tasks", json!({"prompt": "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet"}))
        .await;
    assert_eq!(status, 201, "{task}");
    assert_eq!(
        task["model"],
        format!("local::{DEFAULT_MODEL}"),
        "with nothing configured the embedded model is the default"
    );
    let id = task["id"].as_str().unwrap().to_owned();
    let task = app.wait_final_within(&id, Duration::from_secs(600)).await;
    let events: Vec<Value> = app
        .sse(&id, None)
        .await
        .into_iter()
        .map(|(_, _, d)| d)
        .collect();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    // The small-model pipeline: one subtask planned in code, the spreadsheet written first.
    let plan = events
        .iter()
        .find(|e| e["type"] == "plan_ready")
        .expect("a plan");
    assert_eq!(plan["subtasks"].as_array().unwrap().len(), 1, "{plan}");
    assert_eq!(
        task["status"], "completed",
        "the first run ends in a deliverable: {task:#}"
    );
    let names = app.deliverable_names(&id).await;
    assert_eq!(names, ["feature-comparison.xlsx"], "{kinds:?}");
    assert!(task["total_tokens_used"].as_i64().unwrap() > 0);
    assert_eq!(
        task["total_cost_cents"], 0,
        "the embedded model costs nothing"
    );
}
