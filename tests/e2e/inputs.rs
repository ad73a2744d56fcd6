//! Bad input gets the right 4xx JSON error and changes nothing stored.

use serde_json::{Value, json};

use crate::support::{Dialect, TOKEN, TestApp, script_example};

async fn task_count(app: &TestApp) -> usize {
    app.get("/tasks?limit=100")
        .await
        .1
        .as_array()
        .unwrap()
        .len()
}

fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"]["code"], want_code, "{body}");
    assert!(
        !body["error"]["message"].as_str().unwrap_or("").is_empty(),
        "errors say what is wrong"
    );
}

#[tokio::test]
async fn bad_requests_get_json_errors_and_store_nothing() {
    let app = TestApp::start(Dialect::OpenAi).await;
    script_example(&app).await;
    let done = app.create_task("compare Notion competitors").await;
    app.wait_final(&done).await;
    let before = task_count(&app).await;

    let (s, b) = app.post("/tasks", json!({"prompt": ""})).await;
    assert_error(s, &b, 400, "invalid_input");
    let (s, b) = app.post("/tasks", json!({"prompt": "   \n "})).await;
    assert_error(s, &b, 400, "invalid_input");
    let (s, b) = app.post("/tasks", json!({"prompt": 42})).await;
    assert_error(s, &b, 400, "invalid_input");
    let (s, b) = app
        .post("/tasks", json!({"prompt": "x", "workspace_id": "../etc"}))
        .await;
    assert_error(s, &b, 400, "invalid_input");
    let (s, b) = app
        .post("/tasks", json!({"prompt": "x", "model": "nosuch::model"}))
        .await;
    assert_error(s, &b, 400, "invalid_input");

    let big = "a".repeat(1024 * 1024);
    let (s, b) = app.post("/tasks", json!({ "prompt": big })).await;
    assert_error(s, &b, 413, "too_large");
    let (s, b) = app
        .post("/tasks", json!({ "prompt": "a".repeat(40 * 1024) }))
        .await;
    assert_error(s, &b, 413, "too_large");

    let r = app
        .client
        .post(app.url("/tasks"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{\"prompt\": \"unterminated")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_error(status, &r.json().await.unwrap(), 400, "invalid_input");

    for path in [
        "/tasks/task-0000000000000000000000000000000a",
        "/tasks/not-a-task",
        "/tasks/task-x/deliverables",
        "/tasks/task-x/events",
        "/tasks/task-x/deliverables/dlv-1/download",
        "/nowhere",
    ] {
        let (s, b) = app.get(path).await;
        assert_error(s, &b, 404, "not_found");
    }
    let (s, b) = app
        .post(
            "/tasks/task-0000000000000000000000000000000a/cancel",
            json!({}),
        )
        .await;
    assert_error(s, &b, 404, "not_found");
    let (s, b) = app
        .get(&format!("/tasks/{done}/deliverables/dlv-nope/download"))
        .await;
    assert_error(s, &b, 404, "not_found");

    for query in ["limit=0", "limit=101", "limit=abc", "offset=-1"] {
        let (s, b) = app.get(&format!("/tasks?{query}")).await;
        assert_error(s, &b, 400, "invalid_input");
    }
    let r = app
        .client
        .get(app.url("/tasks/x/events"))
        .bearer_auth(TOKEN)
        .header("last-event-id", "abc")
        .send()
        .await
        .unwrap();
    assert!(r.status() == 404 || r.status() == 400);

    let (s, b) = app.post(&format!("/tasks/{done}/cancel"), json!({})).await;
    assert_error(s, &b, 409, "conflict");

    assert_eq!(
        task_count(&app).await,
        before,
        "no bad request may store a task"
    );
    let (_, task) = app.get(&format!("/tasks/{done}")).await;
    assert_eq!(
        task["status"], "completed",
        "no bad request may change a stored task"
    );
}

#[tokio::test]
async fn missing_or_wrong_token_is_401_and_foreign_host_is_403() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let r = app.client.get(app.url("/tasks")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "unauthorized"
    );
    let r = app
        .client
        .post(app.url("/tasks"))
        .bearer_auth("wrong")
        .json(&json!({"prompt": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        task_count(&app).await,
        0,
        "an unauthorized create stores nothing"
    );

    // A page on another origin that rebinds its DNS name to 127.0.0.1 still sends its own Host.
    let r = app
        .client
        .get(app.url("/tasks"))
        .bearer_auth(TOKEN)
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .client
        .get(app.url("/tasks"))
        .bearer_auth(TOKEN)
        .header("host", "localhost:1234")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let r = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), 200, "health needs no token");

    // Another web page's requests are refused, token or not; the API's own page and the app's
    // webview are not. No CORS header lets another origin read an answer.
    // A deployment on the staging server (same host, its own port) is another site too.
    let staging = app.staging.trim_end_matches('/').to_owned();
    for (origin, want) in [
        ("http://evil.example", 403),
        ("null", 403),
        ("http://127.0.0.1.evil.example", 403),
        (staging.as_str(), 403),
        (app.base.as_str(), 200),
        ("tauri://localhost", 200),
    ] {
        let r = app
            .client
            .get(app.url("/tasks"))
            .bearer_auth(TOKEN)
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), want, "Origin {origin}");
        assert!(r.headers().get("access-control-allow-origin").is_none());
    }
}

#[tokio::test]
async fn a_client_over_its_rate_gets_429_with_retry_after() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let state =
        miteos_api::ApiState::new(app.miteos.clone(), TOKEN, "127.0.0.1").with_rate_limit(1, 5);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(miteos_api::serve(listener, state, std::future::pending()));
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..8 {
        let r = app
            .client
            .get(format!("{base}/tasks"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            retry_after = r.headers().get("retry-after").cloned();
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited");
        }
    }
    assert_eq!(&statuses[..5], &[200; 5], "the burst passes: {statuses:?}");
    assert!(statuses[5..].contains(&429), "{statuses:?}");
    assert_eq!(retry_after.unwrap(), "1");
}

/// A team behind one address (a reverse proxy): each member's rate is their own, so one
/// member's flood does not stop the others.
#[tokio::test]
async fn each_member_has_a_rate_of_their_own() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let server = miteos_core::service::Caller::Server;
    let (_, ada) = app
        .miteos
        .create_account(&server, "Ada", false)
        .await
        .unwrap();
    let (_, bo) = app
        .miteos
        .create_account(&server, "Bo", false)
        .await
        .unwrap();
    let state =
        miteos_api::ApiState::new(app.miteos.clone(), TOKEN, "127.0.0.1").with_rate_limit(1, 3);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(miteos_api::serve(listener, state, std::future::pending()));
    let statuses = |token: String| {
        let (client, base) = (app.client.clone(), base.clone());
        async move {
            let mut out = Vec::new();
            for _ in 0..5 {
                let r = client
                    .get(format!("{base}/tasks"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                out.push(r.status().as_u16());
            }
            out
        }
    };
    let flooded = statuses(ada).await;
    assert_eq!(&flooded[..3], &[200; 3], "{flooded:?}");
    assert!(flooded[3..].contains(&429), "{flooded:?}");
    let other = statuses(bo).await;
    assert_eq!(&other[..3], &[200; 3], "Bo's rate is his own: {other:?}");
    let own = statuses(TOKEN.to_owned()).await;
    assert_eq!(&own[..3], &[200; 3], "so is the server's token's: {own:?}");
}

#[tokio::test]
async fn openapi_document_lists_every_endpoint() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let (status, doc) = app.get("/openapi.json").await;
    assert_eq!(status, 200);
    for path in [
        "/tasks",
        "/tasks/completed",
        "/tasks/{task_id}",
        "/tasks/{task_id}/cancel",
        "/tasks/{task_id}/events",
        "/tasks/{task_id}/deliverables",
        "/tasks/{task_id}/deliverables/{deliverable_id}/download",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    assert!(doc["components"]["schemas"]["Task"].is_object());
}
