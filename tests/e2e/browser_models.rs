//! "How should Miteos think?" in a real browser: Debian's Chromium, driven by playwright-core
//! (ui/tests/browser/models.mjs), against the real API serving the built UI. The machine has a
//! fake Ollama with two models and the packaged demo model; the catalog downloads from a slow
//! Hugging Face mirror on 127.0.0.1 that honours Range requests. The first-run card, a download
//! in progress (paused, resumed, cancelled), choosing Ollama's model, the model picker in Settings
//! and a price set there.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::models::fake_gguf;
use crate::support::TestApp;
use crate::support::fake_model::Script;

/// Bytes of every file the slow mirror serves, and how fast: about 2.5 MB/s.
const SIZE: usize = 40 << 20;
const CHUNK: usize = 256 << 10;
const EVERY: Duration = Duration::from_millis(100);

/// A mirror serving a GGUF-headed file of `SIZE` bytes at any path, slowly, from the offset a
/// Range request asks for; it stops when the client goes away.
async fn slow_mirror() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 2048];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request).to_lowercase();
                let start = text
                    .lines()
                    .find_map(|l| l.strip_prefix("range: bytes="))
                    .and_then(|r| r.trim().trim_end_matches('-').parse::<usize>().ok())
                    .unwrap_or(0);
                let head = if start > 0 {
                    format!(
                        "HTTP/1.1 206 Partial Content\r\ncontent-length: {}\r\ncontent-range: bytes {start}-{}/{SIZE}\r\nconnection: close\r\n\r\n",
                        SIZE - start,
                        SIZE - 1
                    )
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {SIZE}\r\nconnection: close\r\n\r\n"
                    )
                };
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let mut at = start;
                while at < SIZE {
                    let end = (at + CHUNK).min(SIZE);
                    let mut chunk = vec![0u8; end - at];
                    if at == 0 {
                        chunk[..4].copy_from_slice(b"GGUF");
                    }
                    if socket.write_all(&chunk).await.is_err() {
                        return;
                    }
                    at = end;
                    tokio::time::sleep(EVERY).await;
                }
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_run_the_downloads_and_the_model_picker_in_chromium() {
    let ollama = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/tags"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"models": [
            {"name": "qwen3:8b"}, {"name": "llama3.2:3b"}
        ]})))
        .mount(&ollama)
        .await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("models")).unwrap();
    std::fs::write(
        dir.path().join("models/SmolLM2-135M-Instruct.Q4_1.gguf"),
        fake_gguf(21),
    )
    .unwrap();
    let mirror = slow_mirror().await;
    let models = miteos_core::providers::ModelConfig {
        ollama_host: Some(ollama.uri()),
        ..Default::default()
    };
    let app = TestApp::start_with_options(
        models,
        Script::default(),
        MockServer::start().await,
        dir,
        |o| o.hf_endpoint = Some(mirror),
    )
    .await;
    let status = crate::browser::run_script(&app, "models.mjs", Duration::from_secs(180)).await;
    assert!(
        status.success(),
        "the models' browser test failed (its steps are printed above)"
    );
    let (_, settings) = app.get("/settings").await;
    assert_eq!(settings["default_model"], "ollama::qwen3:8b", "{settings}");
    let (_, prices) = app.get("/prices").await;
    assert_eq!(
        prices[0]["model"], "openrouter::mystery/model-x",
        "{prices}"
    );
}
