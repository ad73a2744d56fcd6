//! People on a team's server (PostgreSQL): accounts with their own tokens, tasks private to
//! their owner unless shared with the team, an admin who manages accounts and sees everything.

use serde_json::{Value, json};

use miteos_store::testing::TestDatabase;

use crate::support::{Reply, TOKEN, TestApp, all_met, fake_model, one_subtask_plan};

/// A request with `token`: status and JSON body (`null` when there is none).
pub(crate) async fn call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub(crate) async fn account(app: &TestApp, name: &str, admin: bool) -> (String, String) {
    let (status, created) = call(
        app,
        TOKEN,
        reqwest::Method::POST,
        "/accounts",
        Some(json!({"name": name, "admin": admin})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(created["token"].as_str().unwrap().starts_with("mt_"));
    (
        created["account"]["id"].as_str().unwrap().to_owned(),
        created["token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_members_task_is_theirs_unless_shared_and_an_admin_sees_all() {
    let database = TestDatabase::create().await;
    let app = TestApp::on_database(&database.url, |_| {}).await;
    app.script.on(
        fake_model::planner,
        one_subtask_plan("builder", "Write the note", "write it"),
    );
    app.script.on(fake_model::checker, all_met());
    app.script.on(|_| true, Reply::Text("Done.".into()));
    let (a_id, a) = account(&app, "Ada", false).await;
    let (_, b) = account(&app, "Bo", false).await;
    let (_, admin) = account(&app, "Root", true).await;
    let (status, _) = call(
        &app,
        TOKEN,
        reqwest::Method::POST,
        "/accounts",
        Some(json!({"name": "Ada"})),
    )
    .await;
    assert_eq!(status, 409, "names are unique");
    let (status, refused) = call(
        &app,
        &a,
        reqwest::Method::POST,
        "/accounts",
        Some(json!({"name": "Eve"})),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "members do not make accounts"
    );

    let (status, me) = call(&app, &a, reqwest::Method::GET, "/me", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (me["account"]["name"].as_str(), me["admin"].as_bool()),
        (Some("Ada"), Some(false))
    );

    let (status, task) = call(
        &app,
        &a,
        reqwest::Method::POST,
        "/tasks",
        Some(json!({"prompt": "Write a note about Ada's plans"})),
    )
    .await;
    assert_eq!(status, 201, "{task}");
    assert_eq!(task["owner"], a_id.as_str());
    let id = task["id"].as_str().unwrap().to_owned();
    let finished = app.wait_final(&id).await;
    assert_eq!(finished["status"], "completed", "{finished}");

    // B: the task does not exist, whatever the route.
    for (method, path, body) in [
        (reqwest::Method::GET, format!("/tasks/{id}"), None),
        (reqwest::Method::GET, format!("/tasks/{id}/events"), None),
        (
            reqwest::Method::GET,
            format!("/tasks/{id}/deliverables"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/tasks/{id}/cancel"),
            Some(json!({})),
        ),
        (
            reqwest::Method::POST,
            format!("/tasks/{id}/shares"),
            Some(json!({"deliverable_id": "x"})),
        ),
        (
            reqwest::Method::POST,
            format!("/tasks/{id}/messages"),
            Some(json!({"message": "more"})),
        ),
        (
            reqwest::Method::POST,
            format!("/tasks/{id}/team"),
            Some(json!({"shared": true})),
        ),
    ] {
        let (status, body) = call(&app, &b, method, &path, body).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let (_, listed) = call(&app, &b, reqwest::Method::GET, "/tasks", None).await;
    assert!(listed.as_array().unwrap().is_empty(), "{listed}");
    let (_, found) = call(&app, &b, reqwest::Method::GET, "/tasks?q=ada", None).await;
    assert!(
        found.as_array().unwrap().is_empty(),
        "search finds nothing of A's either"
    );

    // A and the admin see it.
    for token in [&a, &admin, &TOKEN.to_owned()] {
        let (status, seen) = call(
            &app,
            token,
            reqwest::Method::GET,
            &format!("/tasks/{id}"),
            None,
        )
        .await;
        assert_eq!((status, seen["id"].as_str()), (200, Some(id.as_str())));
        let (_, listed) = call(&app, token, reqwest::Method::GET, "/tasks?q=ada", None).await;
        assert_eq!(listed.as_array().unwrap().len(), 1);
    }

    // Shared with the team, B sees it too.
    let (status, shared) = call(
        &app,
        &a,
        reqwest::Method::POST,
        &format!("/tasks/{id}/team"),
        Some(json!({"shared": true})),
    )
    .await;
    assert_eq!(
        (status, shared["shared"].as_bool()),
        (200, Some(true)),
        "{shared}"
    );
    let (status, _) = call(
        &app,
        &b,
        reqwest::Method::GET,
        &format!("/tasks/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, listed) = call(&app, &b, reqwest::Method::GET, "/tasks", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let (status, _) = call(
        &app,
        &b,
        reqwest::Method::POST,
        &format!("/tasks/{id}/team"),
        Some(json!({"shared": false})),
    )
    .await;
    assert_eq!(status, 403, "only its owner or an admin unshares it");

    // The server's configuration is the admins': members read it, and may not change it.
    let (status, settings) = call(&app, &a, reqwest::Method::GET, "/settings", None).await;
    assert_eq!(status, 200, "{settings}");
    let price = json!({"model": "openai::gpt-4.1-mini", "input": 1.0, "output": 2.0});
    for (method, path, body) in [
        (
            reqwest::Method::PUT,
            "/settings",
            Some(json!({"max_concurrency": 2})),
        ),
        (
            reqwest::Method::PUT,
            "/mcp-servers",
            Some(json!([{"name": "x", "command": "sh"}])),
        ),
        (reqwest::Method::PUT, "/prices", Some(price.clone())),
        (reqwest::Method::POST, "/prices/refresh", None),
        (
            reqwest::Method::POST,
            "/models/downloads",
            Some(json!({"url": "http://127.0.0.1:9/x.gguf"})),
        ),
        (
            reqwest::Method::POST,
            "/models/choice",
            Some(json!({"model": "openai::gpt-4.1"})),
        ),
    ] {
        let (status, refused) = call(&app, &a, method.clone(), path, body).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{method} {path}: {refused}"
        );
    }
    let (status, prices) = call(&app, &admin, reqwest::Method::PUT, "/prices", Some(price)).await;
    assert_eq!(status, 200, "an admin sets a price: {prices}");

    // An admin removes B: B's token stops working.
    let (_, accounts) = call(&app, &admin, reqwest::Method::GET, "/accounts", None).await;
    let names: Vec<&str> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada", "Bo", "Root"]);
    let b_id = accounts[1]["id"].as_str().unwrap();
    let (status, _) = call(
        &app,
        &admin,
        reqwest::Method::DELETE,
        &format!("/accounts/{b_id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(&app, &b, reqwest::Method::GET, "/tasks", None).await;
    assert_eq!(status, 401);
    let (status, _) = call(&app, "mt_not-a-token", reqwest::Method::GET, "/tasks", None).await;
    assert_eq!(status, 401);
}

/// The War Room in Chromium against a team's server: it asks for a token, and a member sees
/// their own tasks only (ui/tests/browser/team.mjs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_war_room_signs_a_member_in_and_shows_their_tasks_only() {
    let database = TestDatabase::create().await;
    let app = TestApp::on_database(&database.url, |_| {}).await;
    let own = "Ada's quarterly note";
    let other = "Bo's secret plans";
    // Each plan is titled as its prompt: the rail and the history show titles.
    for title in [own, other] {
        app.script.on(
            move |body| fake_model::planner(body) && body.contains(title),
            one_subtask_plan("builder", title, "write it"),
        );
    }
    app.script.on(fake_model::checker, all_met());
    app.script.on(|_| true, Reply::Text("Done.".into()));
    let (_, ada) = account(&app, "Ada", false).await;
    let (_, bo) = account(&app, "Bo", false).await;
    for (token, prompt) in [(&ada, own), (&bo, other)] {
        let (status, task) = call(
            &app,
            token,
            reqwest::Method::POST,
            "/tasks",
            Some(json!({"prompt": prompt})),
        )
        .await;
        assert_eq!(status, 201, "{task}");
        app.wait_final(task["id"].as_str().unwrap()).await;
    }
    let status = crate::browser::run_script_with(
        &app,
        "team.mjs",
        std::time::Duration::from_secs(120),
        &[
            ("MITEOS_MEMBER_TOKEN", ada.as_str()),
            ("MITEOS_OWN_PROMPT", own),
            ("MITEOS_OTHER_PROMPT", other),
        ],
    )
    .await;
    assert!(status.success(), "ui/tests/browser/team.mjs failed");
}

/// `miteos accounts` on the server's machine: add prints a token the API then knows, list shows
/// it, remove ends it.
#[tokio::test]
async fn accounts_are_managed_from_the_command_line_too() {
    let database = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let cli = |args: &[&str]| {
        let out = crate::support::served::miteos(dir.path())
            .env("MITEOS_DATABASE_URL", &database.url)
            .env("MITEOS_SECRETS", "file")
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, added, err) = cli(&["accounts", "add", "Ada"]);
    assert_eq!(code, Some(0), "{err}");
    let token = added
        .lines()
        .find_map(|l| l.strip_prefix("Token: "))
        .expect("the token is printed")
        .to_owned();
    let (code, listed, _) = cli(&["accounts", "list"]);
    assert_eq!(code, Some(0));
    assert!(
        listed.contains("Ada") && !listed.contains("(admin)"),
        "{listed}"
    );
    let (code, _, err) = cli(&["accounts", "add", "Ada"]);
    assert_eq!(code, Some(1), "a taken name: {err}");
    assert!(err.contains("already exists"), "{err}");

    let app = TestApp::on_database(&database.url, |_| {}).await;
    let (status, me) = call(&app, &token, reqwest::Method::GET, "/me", None).await;
    assert_eq!((status, me["account"]["name"].as_str()), (200, Some("Ada")));
    let (code, _, err) = cli(&["accounts", "remove", "Ada"]);
    assert_eq!(code, Some(0), "{err}");
    let (status, _) = call(&app, &token, reqwest::Method::GET, "/me", None).await;
    assert_eq!(status, 401);
}
