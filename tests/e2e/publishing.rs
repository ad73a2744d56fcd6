//! Handing deliverables over: a zip of the task's files, deployments served by the staging
//! server (sites with their assets, single files with a viewer), take-downs, restarts, and public
//! share links that work without the API token and reveal nothing else.

use std::io::Read;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Dialect, Reply, TestApp, fake_model, script_example, tool};

const PROMPT: &str =
    "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet";

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn completed_example(app: &TestApp) -> (String, Vec<Value>) {
    script_example(app).await;
    let id = app.create_task(PROMPT).await;
    assert_eq!(app.wait_final(&id).await["status"], "completed");
    let (_, deliverables) = app.get(&format!("/tasks/{id}/deliverables")).await;
    (id, deliverables.as_array().unwrap().clone())
}

/// Deploys `deliverable` of task `id` through the API; the deployment, `201`.
async fn deploy(app: &TestApp, id: &str, deliverable: &Value) -> Value {
    let path = format!(
        "/tasks/{id}/deliverables/{}/deploy",
        deliverable["id"].as_str().unwrap()
    );
    let (status, deployment) = app.post(&path, json!({})).await;
    assert_eq!(status, 201, "deploying answers 201: {deployment}");
    deployment
}

fn named<'a>(deliverables: &'a [Value], name: &str) -> &'a Value {
    deliverables
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("{name} is a deliverable"))
}

/// Anonymous GET (no token): status, headers, body.
async fn visit(url: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = reqwest::get(url).await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

/// A GET whose path is sent exactly as written (no client-side normalisation of `..`).
async fn raw_get(base: &str, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_zip_of_the_deliverables_unpacks_to_the_same_files() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let (id, deliverables) = completed_example(&app).await;
    let r = app
        .client
        .get(app.url(&format!("/tasks/{id}/deliverables/bundle.zip")))
        .bearer_auth(crate::support::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid zip");
    assert_eq!(zip.len(), deliverables.len());
    for d in &deliverables {
        let mut entry = zip
            .by_name(d["name"].as_str().unwrap())
            .expect("every deliverable is in the zip");
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        assert_eq!(
            sha256(&content),
            d["sha256"],
            "{} unpacks to the same bytes",
            d["name"]
        );
    }
}

/// A builder that writes a small site: a page, its stylesheet and script.
async fn script_site(app: &TestApp) {
    app.script.on(
        fake_model::planner,
        crate::support::one_subtask_plan(
            "builder",
            "Build the site",
            "Write site/index.html, site/style.css and site/app.js",
        ),
    );
    app.script.on(
        fake_model::agent_first("st-1"),
        Reply::ToolCalls(vec![
            tool("write_file", json!({"path": "site/index.html", "content": "<!doctype html><html><head><title>Note apps</title><link rel=\"stylesheet\" href=\"style.css\"><script src=\"app.js\"></script></head><body><h1>Note apps compared</h1></body></html>"})),
            tool("write_file", json!({"path": "site/style.css", "content": "h1 { color: #0369a1; }"})),
            tool("write_file", json!({"path": "site/app.js", "content": "document.title += ' ✓';"})),
            tool("write_file", json!({"path": "notes.md", "content": "# Notes\n\nNot part of the site."})),
            tool("write_file", json!({"path": "site/private-draft.md", "content": "Beside the page, not used by it."})),
        ]),
    );
    app.script.on(
        fake_model::agent_after_tools("st-1"),
        Reply::Text("Built the site.".into()),
    );
}

#[tokio::test]
async fn a_deployed_site_serves_its_pages_and_assets_until_taken_down_and_survives_a_restart() {
    let app = TestApp::start(Dialect::OpenAi).await;
    script_site(&app).await;
    let id = app
        .create_task("Build a static page comparing note apps")
        .await;
    assert_eq!(app.wait_final(&id).await["status"], "completed");
    let (_, deliverables) = app.get(&format!("/tasks/{id}/deliverables")).await;
    let page = named(deliverables.as_array().unwrap(), "site/index.html");
    let deployment = deploy(&app, &id, page).await;
    let url = deployment["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&app.staging) && url.ends_with('/'), "{url}");
    assert_eq!(
        deployment["files"], 3,
        "the site is the page's folder, nothing else"
    );

    let (status, headers, body) = visit(&url).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(String::from_utf8_lossy(&body).contains("Note apps compared"));
    let (status, headers, body) = visit(&format!("{url}style.css")).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(body, b"h1 { color: #0369a1; }");
    assert_eq!(visit(&format!("{url}app.js")).await.0, 200);
    assert_eq!(
        visit(&format!("{url}notes.md")).await.0,
        404,
        "files outside the site's folder are not deployed"
    );
    assert_eq!(
        visit(&format!("{url}private-draft.md")).await.0,
        404,
        "a file beside the page that it does not use is not published"
    );

    // Traversal in any form stays inside the deployment.
    let dep = deployment["id"].as_str().unwrap();
    for path in [
        format!("/d/{dep}/../../miteos.db"),
        format!("/d/{dep}/%2e%2e/%2e%2e/miteos.db"),
        format!("/d/{dep}/..%2f..%2fmiteos.db"),
        format!("/d/{dep}//etc/passwd"),
        "/d/dep-00000000000000000000000000000000/".to_owned(),
        "/tasks".to_owned(),
        "/openapi.json".to_owned(),
    ] {
        assert_eq!(raw_get(&app.staging, &path).await, 404, "{path}");
    }

    // A restart keeps the deployment.
    let (script, server, dir) = app.stop().await;
    let app = TestApp::start_with(Dialect::OpenAi, script, server, dir).await;
    let (_, deployments) = app.get(&format!("/tasks/{id}/deployments")).await;
    let url = deployments[0]["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&app.staging),
        "the URL follows the new server: {url}"
    );
    assert_eq!(
        visit(&url).await.0,
        200,
        "deployments come back after a restart"
    );

    let (status, _) = app.delete(&format!("/tasks/{id}/deployments/{dep}")).await;
    assert_eq!(status, 204);
    assert_eq!(visit(&url).await.0, 404, "a taken-down deployment is gone");
    let (_, deployments) = app.get(&format!("/tasks/{id}/deployments")).await;
    assert!(deployments[0]["taken_down_at"].is_string());
    let (status, _) = app.delete(&format!("/tasks/{id}/deployments/{dep}")).await;
    assert_eq!(status, 404, "taking down twice is a clear 404");
}

#[tokio::test]
async fn a_single_file_deploys_with_a_viewer_page() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let (id, deliverables) = completed_example(&app).await;
    let csv = named(&deliverables, "comparison.csv");
    let deployment = deploy(&app, &id, csv).await;
    let url = deployment["url"].as_str().unwrap();
    let (status, _, body) = visit(url).await;
    assert_eq!(status, 200);
    let html = String::from_utf8_lossy(&body);
    assert!(
        html.contains("<table") && html.contains("Confluence"),
        "the viewer shows the table: {html}"
    );
    let (status, _, raw) = visit(&format!("{url}comparison.csv")).await;
    assert_eq!(status, 200);
    assert_eq!(sha256(&raw), csv["sha256"]);
    let expires = chrono::DateTime::parse_from_rfc3339(deployment["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let days = (expires - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!(
        (29.9..=30.0).contains(&days),
        "a deployment lasts 30 days by default: {days}"
    );
    let path = format!(
        "/tasks/{id}/deliverables/{}/deploy",
        csv["id"].as_str().unwrap()
    );
    for hours in [0, 8761] {
        let (status, body) = app.post(&path, json!({ "expires_in_hours": hours })).await;
        assert_eq!(status, 400, "{hours} h: {body}");
    }
    let (status, short) = app.post(&path, json!({ "expires_in_hours": 1 })).await;
    assert_eq!(status, 201, "{short}");
    assert!(short["expires_at"].as_str().unwrap() < deployment["expires_at"].as_str().unwrap());
}

#[tokio::test]
async fn share_links_work_without_the_token_expire_revoke_and_reveal_nothing_else() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let (id, deliverables) = completed_example(&app).await;
    let xlsx = named(&deliverables, "comparison.xlsx");
    let did = xlsx["id"].as_str().unwrap();

    let (status, share) = app
        .post(
            &format!("/tasks/{id}/deliverables/{did}/share"),
            json!({"include_replay": true}),
        )
        .await;
    assert_eq!(status, 201, "{share}");
    let link = share["url"].as_str().unwrap().to_owned();
    let token = link.rsplit('/').next().unwrap().to_owned();
    assert_eq!(token.len(), 64, "256 random bits");
    let created =
        chrono::DateTime::parse_from_rfc3339(share["created_at"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(share["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(
        (expires - created).num_days(),
        7,
        "links last 7 days by default"
    );

    let (status, headers, body) = visit(&link).await;
    assert_eq!(status, 200);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    let html = String::from_utf8_lossy(&body);
    assert!(
        html.contains("comparison.xlsx") && html.contains("Confluence"),
        "the page shows the spreadsheet"
    );
    assert!(
        html.contains("How it was made") && html.contains("st-3") && html.contains("st-1"),
        "provenance"
    );
    assert!(
        html.contains("/pages/pricing") && html.contains("/pages/features"),
        "every source of the subtasks behind the file is cited"
    );
    assert!(
        html.contains("Replay") && html.contains("Planned"),
        "the replay is included"
    );
    assert!(!html.contains("test-key"), "no API key on the page");
    assert_eq!(
        html.matches(token.as_str()).count(),
        1,
        "the token appears only in the page's own download link"
    );

    let (status, headers, raw) = visit(&format!("{link}/raw")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-security-policy"], "sandbox");
    assert_eq!(sha256(&raw), xlsx["sha256"]);
    let (status, headers, _) = visit(&format!("{link}/download")).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );

    let (_, shares) = app.get(&format!("/tasks/{id}/shares")).await;
    assert_eq!(shares[0]["access_count"], 1, "page visits are counted");
    assert!(shares[0]["url"].is_null(), "the link is never shown again");

    // Altered or guessed tokens, traversal, other paths: 404 and nothing more.
    let mut altered = token.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == '0' { '1' } else { '0' });
    let base = &app.staging;
    for path in [
        format!("/s/{altered}"),
        format!("/s/{altered}/raw"),
        format!("/s/{}", "ab".repeat(32)),
        "/s/x".to_owned(),
        format!("/s/{token}/../../tasks/{id}/deliverables"),
        format!("/s/{token}/%2e%2e/%2e%2e/miteos.db"),
        format!("/s/{token}/raw/../../api-token"),
        "/s/..%2f..%2fapi-token".to_owned(),
    ] {
        let status = raw_get(base, &path).await;
        assert!(status == 404 || status == 400, "{path} answered {status}");
    }

    // Revoked links are gone.
    let share_id = share["id"].as_str().unwrap();
    let (status, _) = app.delete(&format!("/tasks/{id}/shares/{share_id}")).await;
    assert_eq!(status, 204);
    assert_eq!(visit(&link).await.0, 404);
    assert_eq!(visit(&format!("{link}/raw")).await.0, 404);

    // Expired links are gone.
    let short = app
        .miteos
        .share_deliverable(&id, did, Some(Duration::from_secs(1)), false)
        .await
        .unwrap();
    let short = short.url.unwrap();
    assert_eq!(visit(&short).await.0, 200);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(visit(&short).await.0, 404, "an expired link answers 404");

    let (status, body) = app
        .post(
            &format!("/tasks/{id}/deliverables/{did}/share"),
            json!({"expires_in_hours": 0}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn a_share_page_redacts_secrets_from_the_replay_and_cannot_reach_another_task() {
    let app = TestApp::start(Dialect::OpenAi).await;
    script_example(&app).await;
    let secret = "sk-live-0123456789abcdefghijklmnop";
    let a = app
        .create_task(&format!("{PROMPT}; my key is {secret}"))
        .await;
    assert_eq!(app.wait_final(&a).await["status"], "completed");
    let b = app.create_task(PROMPT).await;
    assert_eq!(app.wait_final(&b).await["status"], "completed");
    let (_, da) = app.get(&format!("/tasks/{a}/deliverables")).await;
    let (_, db) = app.get(&format!("/tasks/{b}/deliverables")).await;
    let csv_a = named(da.as_array().unwrap(), "comparison.csv")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let csv_b = named(db.as_array().unwrap(), "comparison.csv")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, share) = app
        .post(
            &format!("/tasks/{a}/deliverables/{csv_a}/share"),
            json!({"include_replay": true}),
        )
        .await;
    let link = share["url"].as_str().unwrap();
    let (_, _, body) = visit(link).await;
    let html = String::from_utf8_lossy(&body);
    assert!(
        html.contains("Task given"),
        "the replay starts with the prompt: {html}"
    );
    assert!(
        !html.contains(secret),
        "the replay redacts key-shaped secrets"
    );
    assert!(html.contains("[redacted]"));

    // Sharing task B's file under task A's id is refused; A's link serves only A's file.
    let (status, _) = app
        .post(&format!("/tasks/{a}/deliverables/{csv_b}/share"), json!({}))
        .await;
    assert_eq!(status, 404);
    let (_, _, raw) = visit(&format!("{link}/raw")).await;
    assert_eq!(
        sha256(&raw),
        named(da.as_array().unwrap(), "comparison.csv")["sha256"]
    );
}
