//! Shared test harness: a real Miteos (real SQLite file in a temp dir) behind the real HTTP API on
//! 127.0.0.1:0, talking to a scripted fake model server.

pub mod fake_model;
pub mod plans;
mod processes;
pub mod served;
pub use processes::processes_with;

use std::time::{Duration, Instant};

use miteos_api::{self as api, ApiState};
use miteos_core::Miteos;
use miteos_core::providers::ModelConfig;
use miteos_core::providers::config::RetryPolicy;
use miteos_core::service::Options;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub use fake_model::{Dialect, Reply, Script, tool};

pub const TOKEN: &str = "test-token-0123456789abcdef0123456789abcdef";

pub struct TestApp {
    pub base: String,
    /// The staging/share server (deployments at /d/…, share links at /s/…).
    pub staging: String,
    pub client: reqwest::Client,
    pub miteos: Miteos,
    pub model_server: MockServer,
    pub script: Script,
    pub dir: tempfile::TempDir,
    shutdown: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    staging_shutdown: oneshot::Sender<()>,
    staging_server: tokio::task::JoinHandle<()>,
}

/// Provider configuration pointing at the fake model server.
pub fn model_config(dialect: Dialect, server: &MockServer) -> ModelConfig {
    let fast_retries = RetryPolicy {
        max_retries: 3,
        min_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(2),
    };
    let base = format!("{}/v1", server.uri());
    match dialect {
        Dialect::OpenAi => ModelConfig {
            model: Some("openai::gpt-4.1-mini".into()),
            openai_api_key: Some("test-key".into()),
            openai_base_url: Some(base),
            retry: fast_retries,
            timeout: Some(Duration::from_secs(30)),
            ..Default::default()
        },
        Dialect::Anthropic => ModelConfig {
            model: Some("anthropic::claude-sonnet-4-5".into()),
            anthropic_api_key: Some("test-key".into()),
            anthropic_base_url: Some(base),
            retry: fast_retries,
            timeout: Some(Duration::from_secs(30)),
            ..Default::default()
        },
    }
}

impl TestApp {
    pub async fn start(dialect: Dialect) -> TestApp {
        let script = Script::default();
        let model_server = fake_model::start(dialect, &script).await;
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_with(dialect, script, model_server, dir).await
    }

    /// Miteos and its API on the PostgreSQL database at `url`, with a scripted model, the
    /// options changed by `tweak`.
    pub async fn on_database(url: &str, tweak: impl FnOnce(&mut Options)) -> TestApp {
        let script = Script::default();
        let server = fake_model::start(Dialect::OpenAi, &script).await;
        let models = model_config(Dialect::OpenAi, &server);
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_with_options(models, script, server, dir, |options| {
            options.database_url = Some(url.to_owned());
            tweak(options);
        })
        .await
    }

    /// Starts (or restarts) Miteos and the API on an existing data dir and model server.
    pub async fn start_with(
        dialect: Dialect,
        script: Script,
        model_server: MockServer,
        dir: tempfile::TempDir,
    ) -> TestApp {
        let models = model_config(dialect, &model_server);
        Self::start_configured(models, script, model_server, dir).await
    }

    /// Miteos with no provider configured and the embedded model installed (as a link to `model`).
    pub async fn start_local(model: &std::path::Path) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let models = dir.path().join("models");
        std::fs::create_dir_all(&models).unwrap();
        std::os::unix::fs::symlink(model, models.join(model.file_name().unwrap())).unwrap();
        let unused_model_server = MockServer::start().await;
        Self::start_configured(
            ModelConfig::default(),
            Script::default(),
            unused_model_server,
            dir,
        )
        .await
    }

    pub async fn start_configured(
        models: ModelConfig,
        script: Script,
        model_server: MockServer,
        dir: tempfile::TempDir,
    ) -> TestApp {
        Self::start_with_options(models, script, model_server, dir, |_| {}).await
    }

    /// `start_configured`, with the options changed by `tweak` before Miteos opens.
    pub async fn start_with_options(
        models: ModelConfig,
        script: Script,
        model_server: MockServer,
        dir: tempfile::TempDir,
        tweak: impl FnOnce(&mut Options),
    ) -> TestApp {
        let mut options = Options {
            keys_in_file: true,
            // Only the models the test put there, never the user's.
            models_dir: Some(dir.path().join("models")),
            hf_endpoint: None,
            ..Options::new(dir.path(), models)
        };
        tweak(&mut options);
        let miteos = Miteos::open(options).await.expect("open miteos");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let staging = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind staging");
        let (staging_tx, staging_rx) = oneshot::channel::<()>();
        let (staging, staging_server) = miteos_api::staging::serve_on(
            staging,
            std::net::IpAddr::from([127, 0, 0, 1]),
            miteos.clone(),
            async {
                let _ = staging_rx.await;
            },
        )
        .expect("staging server");
        let (tx, rx) = oneshot::channel();
        let mut state = ApiState::new(miteos.clone(), TOKEN, "127.0.0.1");
        // The built War Room, when there is one (scripts/test.sh builds it first).
        let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist");
        if ui.join("index.html").is_file() {
            state = state.with_ui(ui);
        }
        let server = tokio::spawn(api::serve(listener, state, async {
            let _ = rx.await;
        }));
        let app = TestApp {
            base,
            staging,
            client: reqwest::Client::new(),
            miteos,
            model_server,
            script,
            dir,
            shutdown: tx,
            server,
            staging_shutdown: staging_tx,
            staging_server,
        };
        // Fixture pages are served from 127.0.0.1, which agents may not fetch unless the user
        // allows it (tests/e2e/red_team/ checks that default): these tests allow it.
        if app.miteos.fetch_allow().await.expect("settings").is_empty() {
            let (status, body) = app.put_settings("fetch_allow", json!(["127.0.0.1"])).await;
            assert_eq!(status, 200, "allowing the fixtures' address: {body}");
        }
        app
    }

    /// Stops the API and closes Miteos (releasing the data directory), keeping what a restart
    /// on the same directory needs.
    pub async fn stop(self) -> (Script, MockServer, tempfile::TempDir) {
        let _ = self.shutdown.send(());
        let _ = self.server.await;
        let _ = self.staging_shutdown.send(());
        let _ = self.staging_server.await;
        drop(self.miteos);
        // A finished run's background task drops its handle a moment after the task is final;
        // the directory is free once the last handle is gone.
        let lock = self.dir.path().join("miteos.lock");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let file = std::fs::File::open(&lock).expect("the lock file exists");
            if file.try_lock().is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "Miteos still holds its data directory 10 s after stopping"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (self.script, self.model_server, self.dir)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// One authorised JSON request: its status and JSON body (`null` when the body is not JSON).
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let r = request.send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.request(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.request(reqwest::Method::PUT, path, Some(body)).await
    }

    /// The names of the task's deliverables.
    pub async fn deliverable_names(&self, id: &str) -> Vec<String> {
        let (_, deliverables) = self.get(&format!("/tasks/{id}/deliverables")).await;
        deliverables
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The task's first pending approval, waited for up to `limit`.
    pub async fn pending_approval(&self, id: &str, limit: Duration) -> Value {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let (_, list) = self.get(&format!("/tasks/{id}/approvals")).await;
            if let Some(p) = list
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["status"] == "pending")
            {
                return p.clone();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "task {id} asked for no approval within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sets after how many completed tasks of one kind the Skill Compiler runs by itself (0:
    /// only when asked).
    pub async fn set_compile_after(&self, n: u32) {
        let (status, body) = self
            .put_settings("skills", json!({"compile_after": n}))
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// PUTs the settings as they are with one optional part (`skills`, `plan`, …) replaced.
    pub async fn put_settings(&self, part: &str, value: Value) -> (u16, Value) {
        let (_, current) = self.get("/settings").await;
        let mut body = json!({"providers": current["providers"],
            "max_concurrency": current["max_concurrency"], "api": current["api"]});
        body[part] = value;
        self.put("/settings", body).await
    }

    /// The body of an authorized GET as text (`/metrics`).
    pub async fn text(&self, path: &str) -> String {
        self.client
            .get(self.url(path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.request(reqwest::Method::GET, path, None).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.request(reqwest::Method::DELETE, path, None).await
    }

    pub async fn create_task(&self, prompt: &str) -> String {
        let (status, task) = self.post("/tasks", json!({"prompt": prompt})).await;
        assert_eq!(status, 201, "creating a task answers 201: {task}");
        task["id"].as_str().expect("task id").to_owned()
    }

    /// Polls until the task is final (completed, failed, cancelled) and returns it.
    pub async fn wait_final(&self, id: &str) -> Value {
        self.wait_final_within(id, Duration::from_secs(30)).await
    }

    pub async fn wait_final_within(&self, id: &str, limit: Duration) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let (_, task) = self.get(&format!("/tasks/{id}")).await;
            if matches!(
                task["status"].as_str(),
                Some("completed" | "failed" | "cancelled")
            ) {
                return task;
            }
            assert!(
                Instant::now() < deadline,
                "task {id} did not finish in 30 s: {task}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The task's whole event stream over SSE (it ends after task_finished), as (id, event name, data).
    pub async fn sse(&self, id: &str, last_event_id: Option<i64>) -> Vec<(i64, String, Value)> {
        let mut req = self
            .client
            .get(self.url(&format!("/tasks/{id}/events")))
            .bearer_auth(TOKEN);
        if let Some(last) = last_event_id {
            req = req.header("Last-Event-ID", last.to_string());
        }
        let response = tokio::time::timeout(Duration::from_secs(60), async {
            req.send().await.unwrap().text().await.unwrap()
        })
        .await
        .expect("the SSE stream ends after task_finished");
        parse_sse(&response)
    }

    /// The `tool_call_finished` events of a task, in order.
    pub async fn finished_calls(&self, id: &str) -> Vec<Value> {
        self.sse(id, None)
            .await
            .into_iter()
            .filter(|(_, name, _)| name == "tool_call_finished")
            .map(|(_, _, data)| data)
            .collect()
    }

    /// Waits for the task's next pending approval and answers it with `decision` (`approve`,
    /// `deny`): answers the approval as it was asked, and as it was decided.
    pub async fn decide_next_approval(&self, id: &str, decision: &str) -> (Value, Value) {
        let pending = self.pending_approval(id, Duration::from_secs(20)).await;
        let (status, decided) = self
            .post(
                &format!("/tasks/{id}/approvals/{}", pending["id"].as_str().unwrap()),
                json!({ "decision": decision }),
            )
            .await;
        assert_eq!(status, 200, "{decided}");
        (pending, decided)
    }

    /// A task (`task`: the body of `POST /tasks`) of one subtask for an `agent_type` agent that
    /// answers its turns with `turns`, in order, then a summary.
    pub async fn one_agent_task(&self, agent_type: &str, task: Value, turns: Vec<Reply>) -> String {
        let prompt = task["prompt"].as_str().expect("a prompt").to_owned();
        self.script.on(
            fake_model::planner,
            one_subtask_plan(agent_type, "Do the work", &prompt),
        );
        let is_agent = |b: &str| !fake_model::planner(b) && b.contains("Your part of it (st-1)");
        for reply in turns {
            self.script.once(is_agent, reply);
        }
        self.script.on(is_agent, Reply::Text("Done.".into()));
        let (status, created) = self.post("/tasks", task).await;
        assert_eq!(status, 201, "creating a task answers 201: {created}");
        created["id"].as_str().expect("task id").to_owned()
    }

    /// Serves an HTML fixture page from the fake model server (127.0.0.1), optionally slowly.
    pub async fn page(&self, route: &str, html: &str, delay: Duration) -> String {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(html.to_owned(), "text/html; charset=utf-8")
                    .set_delay(delay),
            )
            .mount(&self.model_server)
            .await;
        format!("{}{route}", self.model_server.uri())
    }
}

pub fn parse_sse(text: &str) -> Vec<(i64, String, Value)> {
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let (mut id, mut name, mut data) = (None, String::new(), String::new());
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("id:") {
                id = v.trim().parse().ok();
            } else if let Some(v) = line.strip_prefix("event:") {
                name = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim_start());
            }
        }
        if let Some(id) = id {
            out.push((
                id,
                name,
                serde_json::from_str(&data).expect("SSE data is JSON"),
            ));
        }
    }
    out
}

/// A plan of one subtask, `st-1`, for `agent_type`.
pub fn one_subtask_plan(agent_type: &str, title: &str, description: &str) -> Reply {
    Reply::ToolCalls(vec![tool(
        "submit_plan",
        json!({"title": title, "subtasks": [
            {"id": "st-1", "title": title, "description": description, "agent_type": agent_type, "depends_on": []}
        ]}),
    )])
}

/// The plan of the example task: two researchers in parallel, then an analyst that needs both.
pub fn example_plan() -> Reply {
    Reply::ToolCalls(vec![tool(
        "submit_plan",
        json!({"title": "Notion competitors: feature comparison", "subtasks": [
            {"id": "st-1", "title": "Research competitor pricing", "description": "Fetch the pricing page and note each product's price.", "agent_type": "researcher", "depends_on": []},
            {"id": "st-2", "title": "Research competitor features", "description": "Fetch the features page and note each product's features.", "agent_type": "researcher", "depends_on": []},
            {"id": "st-3", "title": "Build the comparison spreadsheet", "description": "Write comparison.xlsx and comparison.csv.", "agent_type": "analyst", "depends_on": ["st-1", "st-2"]}
        ]}),
    )])
}

pub const PRICING_HTML: &str = "<html><head><title>Pricing</title></head><body><article><h1>Pricing</h1>\
    <p>Coda costs $10 per doc maker per month. Confluence Standard costs $5.16 per user per month.</p>\
    <p>ClickUp Unlimited is $7 per user per month, and Obsidian Sync is $4 per month.</p></article></body></html>";

pub const FEATURES_HTML: &str = "<html><head><title>Features</title></head><body><article><h1>Features</h1>\
    <p>Coda has docs, tables and automations. Confluence has wikis and Jira integration.</p>\
    <p>ClickUp has tasks and docs. Obsidian has local Markdown files and plugins.</p></article></body></html>";

/// Scripts the whole example task: plan, two research agents using fetch_url on fixture pages,
/// and an analyst writing an XLSX and a CSV in parallel tool calls.
pub async fn script_example(app: &TestApp) {
    let pricing = app
        .page("/pages/pricing", PRICING_HTML, Duration::ZERO)
        .await;
    let features = app
        .page("/pages/features", FEATURES_HTML, Duration::ZERO)
        .await;
    let s = &app.script;
    s.on(fake_model::planner, example_plan());
    s.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool("fetch_url", json!({"url": pricing}))]),
    );
    s.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Coda $10/doc maker; Confluence $5.16/user. Source: pricing page.".into()),
    );
    s.on(
        fake_model::agent_first("st-2"),
        Reply::ToolCalls(vec![tool("fetch_url", json!({"url": features}))]),
    );
    s.on(
        fake_model::agent_after_tools("st-2"),
        Reply::Text("Coda: docs, tables; Confluence: wikis. Source: features page.".into()),
    );
    let columns = json!(["Product", "Price (USD/month)", "Key features"]);
    let rows = json!([
        ["Coda", 10, "docs, tables, automations"],
        ["Confluence", 5.16, "wikis, Jira"],
        ["ClickUp", 7, "tasks, docs"],
        ["Obsidian", 4, "local Markdown, plugins"],
        ["Evernote", 14.99, "notes, web clipper"]
    ]);
    s.on(
        fake_model::agent_first("st-3"),
        Reply::ToolCalls(vec![
            tool("write_spreadsheet", json!({"path": "comparison.xlsx", "columns": columns, "rows": rows, "sheet_name": "Comparison"})),
            tool("write_spreadsheet", json!({"path": "comparison.csv", "columns": columns, "rows": rows})),
        ]),
    );
    s.on(
        fake_model::agent_after_tools("st-3"),
        Reply::Text("Wrote comparison.xlsx and comparison.csv.".into()),
    );
    s.on(fake_model::checker, all_met());
}

/// The result check's answer: every part of the request is met.
pub fn all_met() -> Reply {
    Reply::ToolCalls(vec![tool("submit_check", json!({"unmet": []}))])
}
