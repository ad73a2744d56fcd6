//! The desktop on a team's server: one Miteos (the desktop's) connects to another's API (the
//! team server's, real HTTP on 127.0.0.1) with a member's token, carries requests to it — a
//! task started, its live events, a deliverable saved — switches back to its own store and
//! forgets the server.

use futures::StreamExt;
use serde_json::{Value, json};

use miteos_core::ErrorCode;
use miteos_core::service::{Caller, TeamRequest};

use crate::support::{Dialect, Reply, TestApp, all_met, fake_model, one_subtask_plan, tool};

/// A request through the desktop: status and the whole body.
async fn through(
    desktop: &TestApp,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Vec<u8>) {
    let response = desktop
        .miteos
        .team_request(TeamRequest {
            method: method.into(),
            path: path.into(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                // Not passed on: the desktop sends its own token.
                ("Authorization".into(), "Bearer stolen".into()),
            ],
            body: body.map(|b| b.to_string().into_bytes()),
        })
        .await
        .expect("the team server answers");
    let mut bytes = Vec::new();
    let mut stream = response.body;
    while let Some(chunk) = stream.next().await {
        bytes.extend(chunk.expect("the body arrives"));
    }
    (response.status, bytes)
}

/// Why the desktop refuses to carry `method path`.
async fn refusal(desktop: &TestApp, method: &str, path: &str) -> ErrorCode {
    let request = TeamRequest {
        method: method.into(),
        path: path.into(),
        ..Default::default()
    };
    match desktop.miteos.team_request(request).await {
        Ok(response) => panic!("{method} {path} was carried: HTTP {}", response.status),
        Err(e) => e.code(),
    }
}

async fn json_through(
    desktop: &TestApp,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, bytes) = through(desktop, method, path, body).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_desktop_works_on_a_team_server_and_switches_back() {
    let server = TestApp::start(Dialect::OpenAi).await;
    server.script.on(
        fake_model::planner,
        one_subtask_plan("builder", "Team notes", "Write notes.md"),
    );
    server.script.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![tool(
            "write_file",
            json!({"path": "notes.md", "content": "# Notes\n\nShipped on Friday.\n"}),
        )]),
    );
    server.script.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Wrote notes.md.".into()),
    );
    server.script.on(fake_model::checker, all_met());
    let (ada, token) = server
        .miteos
        .create_account(&Caller::Server, "Ada", false)
        .await
        .unwrap();
    let desktop = TestApp::start(Dialect::OpenAi).await;

    // Wrong address, wrong token, no server: refused with words that say what to do.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let nobody = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    for (url, token, says) in [
        (nobody.as_str(), token.as_str(), "could not reach"),
        (
            server.base.as_str(),
            "mt_not-a-real-token",
            "does not know this token",
        ),
        (server.base.as_str(), "", "access token"),
        ("ftp://example.com", token.as_str(), "only http and https"),
    ] {
        let e = desktop
            .miteos
            .connect_team_server(url, token)
            .await
            .expect_err("refused");
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{url}: {e}");
        assert!(e.to_string().contains(says), "{url}: {e}");
    }
    assert_eq!(desktop.miteos.team_server().await.unwrap(), None);
    assert_eq!(
        refusal(&desktop, "GET", "/tasks").await,
        ErrorCode::Conflict
    );

    // Connected as Ada, typed as people type addresses.
    let typed = format!("{}/", server.base.trim_start_matches("http://"));
    let connected = desktop
        .miteos
        .connect_team_server(&typed, &token)
        .await
        .unwrap();
    assert_eq!(connected.url, server.base);
    assert_eq!(connected.account.as_deref(), Some("Ada"));
    assert!(connected.active && !connected.admin);
    let kept = std::fs::read_to_string(desktop.dir.path().join("secrets.json")).unwrap();
    assert!(kept.contains(&token), "the token is in the key store");
    let (_, settings) = desktop.get("/settings").await;
    assert!(!settings.to_string().contains(&token), "and nowhere else");

    // A task started through the desktop is Ada's on the server, not the desktop's.
    let (status, task) = json_through(
        &desktop,
        "POST",
        "/tasks",
        Some(json!({"prompt": "Write the team's notes"})),
    )
    .await;
    assert_eq!(status, 201, "{task}");
    assert_eq!(task["owner"], ada.id.as_str());
    let id = task["id"].as_str().unwrap().to_owned();
    let (_, local) = desktop.get("/tasks").await;
    assert!(local.as_array().unwrap().is_empty(), "{local}");

    // Its live events arrive through the desktop as the server streams them.
    let events = desktop
        .miteos
        .team_request(TeamRequest {
            method: "GET".into(),
            path: format!("/tasks/{id}/events"),
            headers: vec![("Accept".into(), "text/event-stream".into())],
            body: None,
        })
        .await
        .unwrap();
    assert_eq!(events.status, 200);
    assert!(
        events
            .headers
            .iter()
            .any(|(n, v)| n == "content-type" && v.starts_with("text/event-stream")),
        "{:?}",
        events.headers
    );
    let mut text = String::new();
    let mut body = events.body;
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Some(chunk) = body.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if text.contains("event: task_finished") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the stream reached task_finished: {text}");
    let seqs: Vec<i64> = crate::support::parse_sse(&text)
        .iter()
        .map(|(seq, _, _)| *seq)
        .collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    let direct = server
        .client
        .get(server.url(&format!("/tasks/{id}/events")))
        .bearer_auth(crate::support::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        direct
            .headers()
            .get("x-accel-buffering")
            .map(|v| v.as_bytes()),
        Some(&b"no"[..]),
        "a proxy in front of the server streams the events unbuffered"
    );
    let finished = server.wait_final(&id).await;
    assert_eq!(finished["status"], "completed", "{finished}");

    // Its deliverable saved on the desktop's disk; nothing half-written is left on failure.
    let (_, deliverables) =
        json_through(&desktop, "GET", &format!("/tasks/{id}/deliverables"), None).await;
    let notes = deliverables
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "notes.md")
        .expect("notes.md delivered")
        .clone();
    let saved = desktop.dir.path().join("notes.md");
    let path = format!(
        "/tasks/{id}/deliverables/{}/download",
        notes["id"].as_str().unwrap()
    );
    let size = desktop.miteos.team_download(&path, &saved).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(&saved).unwrap(),
        "# Notes\n\nShipped on Friday.\n"
    );
    assert_eq!(size, notes["size_bytes"].as_u64().unwrap());
    let missing = desktop.dir.path().join("missing.md");
    let e = desktop
        .miteos
        .team_download(&format!("/tasks/{id}/deliverables/nope/download"), &missing)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{e}");
    assert!(!missing.exists() && !desktop.dir.path().join("missing.md.part").exists());

    // The server's rules hold: Ada cannot manage accounts, and another member's task is not there.
    let (status, refused) = json_through(&desktop, "GET", "/accounts", None).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (status, theirs) = server
        .post("/tasks", json!({"prompt": "The server's own work"}))
        .await;
    assert_eq!(status, 201, "{theirs}");
    let (status, _) = json_through(
        &desktop,
        "GET",
        &format!("/tasks/{}", theirs["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(status, 404, "the server's own task is not Ada's");

    // Paths and methods outside the API are refused before they leave the desktop.
    for (method, path) in [
        ("GET", "//evil.example/x"),
        ("GET", "tasks"),
        ("TRACE", "/tasks"),
    ] {
        assert_eq!(
            refusal(&desktop, method, path).await,
            ErrorCode::InvalidInput,
            "{method} {path}"
        );
    }

    // Back to this computer, and to the server again without the token typed twice.
    let local = desktop
        .miteos
        .use_team_server(false)
        .await
        .unwrap()
        .unwrap();
    assert!(!local.active);
    assert_eq!(
        refusal(&desktop, "GET", "/tasks").await,
        ErrorCode::Conflict
    );
    assert!(
        desktop
            .miteos
            .use_team_server(true)
            .await
            .unwrap()
            .unwrap()
            .active
    );
    let (status, listed) = json_through(&desktop, "GET", "/tasks", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "Ada's task alone: {listed}"
    );

    // Forgotten: no server, no token kept.
    desktop.miteos.forget_team_server().await.unwrap();
    assert_eq!(desktop.miteos.team_server().await.unwrap(), None);
    let kept = std::fs::read_to_string(desktop.dir.path().join("secrets.json")).unwrap();
    assert!(!kept.contains(&token));
    let e = desktop.miteos.use_team_server(true).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
}
