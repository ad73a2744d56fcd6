//! The desktop on a team's server (a bench binary, not a timed test): what carrying the window's
//! requests through the app (`Miteos::team_request`, the core of the `team_fetch` command) costs
//! against asking the server directly, over real HTTP on 127.0.0.1. A team server (Miteos on
//! SQLite behind its API) and a desktop Miteos connected to it with a member's token.
//!
//! `cargo bench -p miteos-cli --bench team_proxy -- [REQUESTS]` (default 1000). Prints, direct
//! and through the desktop: a small request's latency p50/p99 (`GET /tasks/{id}`), a large
//! answer (`GET /openapi.json`, ~100 KB), and a finished task's event stream replayed
//! to its end (`GET /tasks/{id}/events`).

#[path = "../../../tests/e2e/support/fake_model.rs"]
#[allow(dead_code)]
mod fake_model;

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;

use fake_model::{Dialect, Reply, Script, tool};
use miteos_core::Miteos;
use miteos_core::providers::ModelConfig;
use miteos_core::service::{Caller, NewTask, Options, TeamRequest};

const SERVER_TOKEN: &str = "bench-server-token-0123456789abcdef";

fn main() {
    let requests: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map_or(1000, |a| a.parse().expect("REQUESTS"));
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(run(requests));
}

fn open(dir: &std::path::Path, models: ModelConfig) -> Options {
    Options {
        keys_in_file: true,
        resume_interrupted: false,
        compile_in_background: false,
        models_dir: Some(dir.join("models")),
        hf_endpoint: None,
        ..Options::new(dir, models)
    }
}

async fn run(requests: usize) {
    let script = Script::default();
    let model = fake_model::start(Dialect::OpenAi, &script).await;
    let plan = json!({"title": "Notes", "subtasks": [
        {"id": "st-1", "title": "Write the notes", "description": "write them", "agent_type": "builder", "depends_on": []}
    ]});
    script.on(
        fake_model::planner,
        Reply::ToolCalls(vec![tool("submit_plan", plan)]),
    );
    script.on(
        fake_model::checker,
        Reply::ToolCalls(vec![tool("submit_check", json!({"unmet": []}))]),
    );
    script.on(|_| true, Reply::Text("Done: the notes. ".repeat(200)));
    let models = ModelConfig {
        openai_api_key: Some("bench".into()),
        openai_base_url: Some(format!("{}/v1", model.uri())),
        model: Some("openai::gpt-4.1-mini".into()),
        ..ModelConfig::default()
    };

    let server_dir = tempfile::tempdir().expect("a temp dir");
    let server = Miteos::open(open(server_dir.path(), models.clone()))
        .await
        .expect("the team's Miteos opens");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    // The bench asks faster than the API lets one address ask by default (100/s).
    let state = miteos_api::ApiState::new(server.clone(), SERVER_TOKEN, "127.0.0.1")
        .with_rate_limit(1_000_000, 1_000_000);
    tokio::spawn(miteos_api::serve(listener, state, server.closed()));
    let (ada, token) = server
        .create_account(&Caller::Server, "Ada", false)
        .await
        .expect("an account");
    let task = server
        .create_task(NewTask {
            prompt: "Write the team's notes".into(),
            owner: Some(ada.id),
            ..Default::default()
        })
        .await
        .expect("a task");
    server.wait(&task.id).await.expect("it ends");

    let desktop_dir = tempfile::tempdir().expect("a temp dir");
    let desktop = Miteos::open(open(desktop_dir.path(), models))
        .await
        .expect("the desktop's Miteos opens");
    desktop
        .connect_team_server(&base, &token)
        .await
        .expect("connected");
    let client = reqwest::Client::new();

    let small = format!("/tasks/{}", task.id);
    let events = format!("/tasks/{}/events", task.id);
    println!("{requests} requests each; direct vs through the desktop (team_request)");
    for (what, path, rounds) in [
        ("GET /tasks/{id}", small.as_str(), requests),
        ("GET /openapi.json", "/openapi.json", requests / 10),
        (
            "GET /tasks/{id}/events (replayed)",
            events.as_str(),
            requests / 10,
        ),
    ] {
        let mut direct = Vec::with_capacity(rounds);
        let mut carried = Vec::with_capacity(rounds);
        let mut bytes = 0;
        for _ in 0..rounds {
            let started = Instant::now();
            let body = client
                .get(format!("{base}{path}"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("an answer")
                .bytes()
                .await
                .expect("a body");
            direct.push(started.elapsed());
            bytes = body.len();

            let started = Instant::now();
            let response = desktop
                .team_request(TeamRequest {
                    method: "GET".into(),
                    path: path.to_owned(),
                    ..Default::default()
                })
                .await
                .expect("carried");
            let mut body = response.body;
            let mut got = 0;
            while let Some(chunk) = body.next().await {
                got += chunk.expect("a chunk").len();
            }
            carried.push(started.elapsed());
            assert_eq!(got, bytes, "the same answer either way");
        }
        let (d50, d99) = percentiles(&mut direct);
        let (c50, c99) = percentiles(&mut carried);
        println!(
            "{what} ({bytes} bytes): direct p50 {:.2} ms p99 {:.2} ms; through the desktop p50 {:.2} ms p99 {:.2} ms ({:+.2} ms at p50)",
            ms(d50),
            ms(d99),
            ms(c50),
            ms(c99),
            ms(c50) - ms(d50)
        );
    }
    desktop.shutdown().await;
    server.shutdown().await;
}

fn percentiles(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    (at(0.50), at(0.99))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
