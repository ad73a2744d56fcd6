//! The app on a team's server: a `miteos serve` of the team's (in this process, on 127.0.0.1)
//! with an account for Ada; the window connects to it from Settings with the address and Ada's
//! token, shows the team's history, runs a task there live, and switches back to this computer.

use std::time::{Duration, Instant};

use miteos_core::Miteos;
use miteos_core::providers::ModelConfig;
use miteos_core::service::{Caller, Options};
use serde_json::{Value, json};

use crate::fake_model::{self, Dialect, Reply, Script, tool};
use crate::webdriver::{Display, Driver};
use crate::{app_env, plan_one_builder_subtask, run_to_completed};

/// The team's server: Miteos on its own data directory behind the HTTP API.
struct TeamServer {
    miteos: Miteos,
    base: String,
    _dir: tempfile::TempDir,
}

impl TeamServer {
    async fn start(model_uri: &str) -> TeamServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let models = ModelConfig {
            model: Some("openai::gpt-4.1-mini".into()),
            openai_api_key: Some("test-key".into()),
            openai_base_url: Some(format!("{model_uri}/v1")),
            ..Default::default()
        };
        let options = Options {
            keys_in_file: true,
            models_dir: Some(dir.path().join("models")),
            hf_endpoint: None,
            ..Options::new(dir.path(), models)
        };
        let miteos = Miteos::open(options)
            .await
            .expect("the team's Miteos opens");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = miteos_api::ApiState::new(
            miteos.clone(),
            "team-server-token-0123456789abcdef",
            "127.0.0.1",
        );
        tokio::spawn(miteos_api::serve(listener, state, miteos.closed()));
        TeamServer {
            miteos,
            base,
            _dir: dir,
        }
    }

    /// `GET path` as the holder of `token`.
    async fn get(&self, token: &str, path: &str) -> Value {
        reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_works_on_a_team_server_and_switches_back() {
    let script = Script::default();
    let model = fake_model::start(Dialect::OpenAi, &script).await;
    plan_one_builder_subtask(
        &script,
        "Team launch notes",
        "Write the notes",
        "Write notes.md",
    );
    script.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool(
            "write_file",
            json!({"path": "notes.md", "content": "# Launch\n\nFriday, 10:00.\n"}),
        )]),
    );
    script.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Wrote notes.md.".into()),
    );
    script.on(
        |b| b.contains("\"submit_check\""),
        Reply::ToolCalls(vec![tool("submit_check", json!({"unmet": []}))]),
    );
    let team = TeamServer::start(&model.uri()).await;
    let (_, token) = team
        .miteos
        .create_account(&Caller::Server, "Ada", false)
        .await
        .unwrap();
    // Ada's history on the server: one task from the day before.
    let earlier = reqwest::Client::new()
        .post(format!("{}/tasks", team.base))
        .bearer_auth(&token)
        .json(&json!({"prompt": "Draft yesterday's launch notes"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let earlier = earlier["id"].as_str().expect("a task").to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    while team.get(&token, &format!("/tasks/{earlier}")).await["status"] != "completed" {
        assert!(
            Instant::now() < deadline,
            "the team's first task did not complete"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let data = tempfile::tempdir().expect("temp dir");
    let display = Display::start().await;
    let env = app_env(data.path(), &display, &model.uri());
    let driver = Driver::start(env!("CARGO_BIN_EXE_miteos-app"), &env).await;
    driver.wait_for("#prompt", Duration::from_secs(60)).await;

    // Settings → Team server: the address as people type it, and Ada's token.
    let settings = driver
        .wait_for("[data-page=\"settings\"]", Duration::from_secs(10))
        .await;
    driver.click(&settings).await;
    let url = driver
        .wait_for(
            "[data-testid=\"team-server\"] input[name=\"team-url\"]",
            Duration::from_secs(10),
        )
        .await;
    driver
        .send_keys(&url, team.base.trim_start_matches("http://"))
        .await;
    let field = driver
        .wait_for(
            "[data-testid=\"team-server\"] input[name=\"team-token\"]",
            Duration::from_secs(10),
        )
        .await;
    driver.send_keys(&field, &token).await;
    if let Some(dir) = std::env::var_os("MITEOS_SCREENSHOTS") {
        driver
            .screenshot(&std::path::Path::new(&dir).join("app-team-connect.png"))
            .await;
    }
    let connect = driver
        .wait_for("[data-testid=\"connect-team\"]", Duration::from_secs(10))
        .await;
    driver.click(&connect).await;

    // The window reloads onto the server: Ada, where, and her history.
    driver
        .wait_for("[data-testid=\"signed-in\"]", Duration::from_secs(30))
        .await;
    let who = driver.text_of("[data-testid=\"signed-in\"]").await;
    assert!(
        who.contains("Ada") && who.contains(team.base.trim_start_matches("http://")),
        "{who}"
    );
    assert!(who.contains("Use this computer"), "{who}");
    // (WebKit's driver answers no text for labels that clip theirs: their titles are read.)
    let first = driver.attribute_of("nav.rail li button", "title").await;
    assert_eq!(first.as_deref(), Some("Draft yesterday's launch notes"));

    // A task typed into the window runs on the server, its tree live in the window.
    let prompt = driver.wait_for("#prompt", Duration::from_secs(10)).await;
    run_to_completed(
        &driver,
        &prompt,
        "Write this week's launch notes",
        "notes.md",
    )
    .await;
    let row = driver
        .text_of("[data-subtask=\"st-1\"][data-status=\"complete\"]")
        .await;
    assert!(row.contains("builder"), "{row}");
    let tasks = team.get(&token, "/tasks").await;
    let prompts: Vec<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["prompt"].as_str())
        .collect();
    assert!(
        prompts.contains(&"Write this week's launch notes") && prompts.len() == 2,
        "the task is Ada's on the server: {prompts:?}"
    );
    if let Some(dir) = std::env::var_os("MITEOS_SCREENSHOTS") {
        tokio::time::sleep(Duration::from_millis(500)).await;
        driver
            .screenshot(&std::path::Path::new(&dir).join("app-team.png"))
            .await;
    }

    // Back to this computer: its own (empty) history, the server a switch away.
    let back = driver
        .wait_for(
            "[data-testid=\"signed-in\"] button",
            Duration::from_secs(10),
        )
        .await;
    driver.click(&back).await;
    driver
        .wait_gone("[data-testid=\"signed-in\"]", Duration::from_secs(30))
        .await;
    driver.wait_for("#prompt", Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rail = driver.text_of("nav.rail").await;
    assert!(
        !rail.contains("launch notes"),
        "this computer's history: {rail}"
    );
    let settings = driver
        .wait_for("[data-page=\"settings\"]", Duration::from_secs(10))
        .await;
    driver.click(&settings).await;
    let status = driver.text_of("[data-testid=\"team-status\"]").await;
    assert!(status.contains("a switch away"), "{status}");

    // Back on the server, without the token typed again; then the server goes away: the window
    // says so at its next start, and goes back to this computer in one click.
    let again = driver
        .wait_for("[data-testid=\"use-team\"]", Duration::from_secs(10))
        .await;
    driver.click(&again).await;
    driver
        .wait_for("[data-testid=\"signed-in\"]", Duration::from_secs(30))
        .await;
    team.miteos.shutdown().await;
    driver.refresh().await;
    let banner = driver.text_of("[data-testid=\"team-unreachable\"]").await;
    assert!(banner.contains("could not reach"), "{banner}");
    if let Some(dir) = std::env::var_os("MITEOS_SCREENSHOTS") {
        driver
            .screenshot(&std::path::Path::new(&dir).join("app-team-unreachable.png"))
            .await;
    }
    let local = driver
        .wait_for(
            "[data-testid=\"team-unreachable\"] button",
            Duration::from_secs(10),
        )
        .await;
    driver.click(&local).await;
    driver
        .wait_gone(
            "[data-testid=\"team-unreachable\"]",
            Duration::from_secs(30),
        )
        .await;
    driver.wait_for("#prompt", Duration::from_secs(30)).await;
    driver.stop().await;
}
