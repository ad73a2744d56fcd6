//! `miteos` as a separate process: the binary on a data directory, `miteos serve` on a free port
//! talking to the scripted model, and reading what it serves.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::TestApp;

const PROVIDER_VARS: &[&str] = &[
    "MITEOS_MODEL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENROUTER_API_KEY",
    "OLLAMA_HOST",
];

/// `miteos` on `data_dir`, talking to the test's scripted model server.
pub fn miteos_on(app: &TestApp, data_dir: &std::path::Path) -> Command {
    let mut cmd = miteos(data_dir);
    cmd.env("OPENAI_BASE_URL", format!("{}/v1", app.model_server.uri()))
        .env("OPENAI_API_KEY", "test-key")
        .env("MITEOS_MODEL", "openai::gpt-4.1-mini");
    cmd
}

/// `miteos serve --port 0` on `data_dir` with the scripted model; answers the process, the API's
/// address and its token, as printed.
pub fn serve(app: &TestApp, data_dir: &std::path::Path) -> (std::process::Child, String, String) {
    serve_with(app, miteos(data_dir))
}

/// `serve`, from a prepared `miteos` command (extra environment, captured stderr).
pub fn serve_with(app: &TestApp, mut command: Command) -> (std::process::Child, String, String) {
    command
        .env("OPENAI_BASE_URL", format!("{}/v1", app.model_server.uri()))
        .env("MITEOS_MODEL", "openai::gpt-4.1-mini");
    serve_bare(command)
}

/// `miteos serve --port 0` from `command` as it is (no model configured unless it says so).
pub fn serve_bare(mut command: Command) -> (std::process::Child, String, String) {
    let mut child = command
        .env("MITEOS_SECRETS", "file")
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    let addr = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    // Its output is not a terminal: it names the token's file, never the token.
    let file = second
        .strip_prefix("Token: in ")
        .and_then(|rest| rest.split(" (").next())
        .unwrap_or_else(|| panic!("the token's file is named: {second}"));
    let token = std::fs::read_to_string(file).unwrap().trim().to_owned();
    assert!(!second.contains(&token), "the admin token is never printed");
    // Keep reading what it prints, so it never blocks on a full pipe; none of it is the token.
    let secret = token.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            assert!(
                !line.contains(&secret),
                "the admin token is never printed: {line}"
            );
        }
    });
    (child, addr, token)
}

pub fn miteos(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_miteos"));
    for var in PROVIDER_VARS {
        cmd.env_remove(var);
    }
    // The test's own data directory holds the store, never a database the user set.
    cmd.env_remove("MITEOS_DATABASE_URL");
    // Only the models the test puts in the data dir's models/, never the user's.
    cmd.env("MITEOS_DATA_DIR", data_dir)
        .env("MITEOS_MODELS_DIR", data_dir.join("models"))
        .env("RUST_LOG", "warn")
        // Fixture pages are served from 127.0.0.1, which agents reach only when allowed.
        .env("MITEOS_FETCH_ALLOW", "127.0.0.1");
    cmd
}

/// `$XDG_CACHE_HOME`, or `~/.cache`.
pub fn dirs_cache() -> std::path::PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache")
        })
}

/// A program scripts/setup.sh installs into its virtualenv (`name`), or the one `variable` names.
pub fn venv_program(variable: &str, name: &str) -> std::path::PathBuf {
    let program = std::env::var_os(variable)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dirs_cache().join("miteos/venv/bin").join(name));
    assert!(
        program.is_file(),
        "{} is missing: run scripts/setup.sh",
        program.display()
    );
    program
}

/// Creates a task with `prompt` on a served Miteos; answers its id.
pub async fn create_task(
    client: &reqwest::Client,
    addr: &str,
    token: &str,
    prompt: &str,
) -> String {
    let task: serde_json::Value = client
        .post(format!("{addr}/tasks"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "prompt": prompt }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    task["id"].as_str().expect("the task's id").to_owned()
}

pub async fn get_task(
    client: &reqwest::Client,
    addr: &str,
    token: &str,
    id: &str,
) -> serde_json::Value {
    client
        .get(format!("{addr}/tasks/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A deliverable of a task on a served Miteos, found by name: its record and its bytes, as
/// downloaded.
pub async fn deliverable_named(
    client: &reqwest::Client,
    addr: &str,
    token: &str,
    task_id: &str,
    name: &str,
) -> (serde_json::Value, Vec<u8>) {
    let get = |path: String| {
        client
            .get(format!("{addr}{path}"))
            .bearer_auth(token)
            .send()
    };
    let listed: serde_json::Value = get(format!("/tasks/{task_id}/deliverables"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let found = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("{name} is a deliverable: {listed}"))
        .clone();
    let id = found["id"].as_str().unwrap();
    let response = get(format!("/tasks/{task_id}/deliverables/{id}/download"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{name} downloads");
    (found, response.bytes().await.unwrap().to_vec())
}

/// Polls a task until it has ended (60 s at most).
pub async fn wait_final(
    client: &reqwest::Client,
    addr: &str,
    token: &str,
    id: &str,
) -> serde_json::Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let task = get_task(client, addr, token, id).await;
        if task["status"] != "running" && task["status"] != "pending" {
            return task;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{id} is stuck: {task}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads a task's SSE stream for `window` and answers the events it carried.
pub async fn events_within(
    addr: &str,
    token: &str,
    id: &str,
    window: Duration,
) -> Vec<(i64, String)> {
    use futures::StreamExt;
    let response = reqwest::Client::new()
        .get(format!("{addr}/tasks/{id}/events"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    // Only whole events (a block cut by the window is left out).
    let whole = &text[..text.rfind("\n\n").map_or(0, |i| i + 2)];
    super::parse_sse(whole)
        .into_iter()
        .map(|(seq, name, _)| (seq, name))
        .collect()
}
