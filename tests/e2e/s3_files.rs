//! A team's file store on S3-compatible storage: moto's S3 server (from PyPI, installed by
//! scripts/setup.sh) on 127.0.0.1, `miteos serve` and `miteos worker` processes on one real
//! PostgreSQL database, each with the bucket as `--files-url s3://…` and the usual `AWS_*`
//! settings. The attachment the server took reaches the worker, and the spreadsheet the
//! worker's agent wrote reaches the server, through the bucket.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::json;

use miteos_store::testing::TestDatabase;

use crate::support::served::{deliverable_named, miteos, serve_with, venv_program, wait_final};
use crate::support::{Dialect, TestApp, script_example};
use crate::workers::Workers;

/// moto's S3 server on a free port, with one bucket; stopped when dropped.
struct S3 {
    child: Child,
    endpoint: String,
}

impl S3 {
    async fn start(bucket: &str) -> S3 {
        let program = venv_program("MITEOS_MOTO_SERVER", "moto_server");
        let port = {
            let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            free.local_addr().unwrap().port()
        };
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let s3 = S3 {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // Creating the bucket (moto takes unsigned requests) is also the sign it is up.
            match client.put(format!("{}/{bucket}", s3.endpoint)).send().await {
                Ok(r) if r.status().is_success() => return s3,
                other => assert!(
                    Instant::now() < deadline,
                    "moto's S3 server did not answer: {other:?}"
                ),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The keys under `prefix` in `bucket`.
    async fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let listing = reqwest::get(format!(
            "{}/{bucket}?list-type=2&prefix={prefix}",
            self.endpoint
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
        listing
            .split("<Key>")
            .skip(1)
            .filter_map(|k| k.split("</Key>").next())
            .map(str::to_owned)
            .collect()
    }

    /// The environment a process of the team is given for the store at `url`.
    fn env(&self, url: &str) -> Vec<(String, String)> {
        [
            ("MITEOS_FILES_URL", url),
            ("AWS_ENDPOINT_URL", &self.endpoint),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "miteos-test"),
            ("AWS_SECRET_ACCESS_KEY", "miteos-test-secret"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_s3_bucket_carries_a_tasks_files_between_server_and_worker() {
    let s3 = S3::start("team-files").await;
    let database = TestDatabase::create().await;
    let app = TestApp::start(Dialect::OpenAi).await;
    script_example(&app).await;
    let env = s3.env("s3://team-files/acme");

    let server_dir = tempfile::tempdir().unwrap();
    let mut command = miteos(server_dir.path());
    command
        .envs(env.iter().cloned())
        .env("OPENAI_API_KEY", "test-key")
        .env("MITEOS_DATABASE_URL", &database.url)
        .env("MITEOS_WORKER_TASKS", "0");
    let (server, addr, token) = serve_with(&app, command);
    let mut team = Workers(vec![server]);
    let worker_dir = tempfile::tempdir().unwrap();
    team.0.push(crate::workers::worker_with(
        &app,
        &database.url,
        worker_dir.path(),
        &env,
    ));

    let client = reqwest::Client::new();
    let notes = base64::engine::general_purpose::STANDARD.encode("Coda, Confluence, ClickUp");
    let task: serde_json::Value = client
        .post(format!("{addr}/tasks"))
        .bearer_auth(&token)
        .json(&json!({
            "prompt": "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet",
            "attachments": [{"name": "notes.txt", "content_base64": notes}],
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = task["id"].as_str().expect("the task was taken").to_owned();
    let done = wait_final(&client, &addr, &token, &id).await;
    assert_eq!(done["status"], "completed", "{done}");

    let worker_folder = worker_dir.path().join("tasks").join(&id);
    assert_eq!(
        std::fs::read_to_string(worker_folder.join("inputs/notes.txt")).unwrap(),
        "Coda, Confluence, ClickUp",
        "the worker had the attachment, from the bucket"
    );
    let keys = s3.keys("team-files", "acme/tasks/").await;
    for name in ["inputs/notes.txt", "comparison.xlsx", "comparison.csv"] {
        let key = format!("acme/tasks/{id}/{name}");
        assert!(keys.contains(&key), "{key} is in the bucket: {keys:?}");
    }
    let server_folder = server_dir.path().join("tasks").join(&id);
    assert!(
        !server_folder.join("comparison.xlsx").exists(),
        "written on the worker"
    );

    let (_, bytes) = deliverable_named(&client, &addr, &token, &id, "comparison.xlsx").await;
    assert_eq!(
        bytes,
        std::fs::read(worker_folder.join("comparison.xlsx")).unwrap(),
        "the server hands over the worker's file, from the bucket"
    );
}

/// Two workers fetched a task's folder from the bucket; the one that writes second, over the
/// version the first already replaced (or a file the first made meanwhile), is refused by the
/// bucket itself (`If-Match` / `If-None-Match`): no worker writes over a newer copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bucket_refuses_a_write_over_a_newer_copy() {
    use miteos_core::shared_files::SharedFiles;
    let s3 = S3::start("fenced").await;
    let options = s3
        .env("")
        .into_iter()
        .filter(|(key, _)| key.starts_with("AWS_"));
    let files = SharedFiles::open_with("s3://fenced/acme", options).unwrap();
    let holder = tempfile::tempdir().unwrap();
    std::fs::write(holder.path().join("brief.md"), "the brief").unwrap();
    files
        .put_task("t1", holder.path(), &|| Box::pin(async { Ok(true) }))
        .await
        .unwrap();

    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let seen_a = files.check_out("t1", a.path()).await.unwrap();
    let seen_b = files.check_out("t1", b.path()).await.unwrap();
    std::fs::write(b.path().join("brief.md"), "b's brief").unwrap();
    std::fs::write(b.path().join("table.csv"), "b,1").unwrap();
    let put = files
        .put_changed("t1", b.path(), &seen_b, &|| Box::pin(async { Ok(true) }))
        .await;
    assert_eq!(put.unwrap().len(), 2);

    // a's copy of the brief, then a's own table.csv (b made one meanwhile): both refused.
    for (name, text, gone) in [
        ("brief.md", "a's stale brief", None),
        ("table.csv", "a,2", Some("brief.md")),
    ] {
        if let Some(gone) = gone {
            std::fs::remove_file(a.path().join(gone)).unwrap();
        }
        std::fs::write(a.path().join(name), text).unwrap();
        let stale = files
            .put_changed("t1", a.path(), &seen_a, &|| Box::pin(async { Ok(true) }))
            .await;
        assert!(
            matches!(stale, Err(miteos_core::Error::Conflict(_))),
            "{name}: {stale:?}"
        );
    }

    let check = tempfile::tempdir().unwrap();
    files.get_task("t1", check.path()).await.unwrap();
    let read = |name: &str| std::fs::read_to_string(check.path().join(name)).unwrap();
    assert_eq!(read("brief.md"), "b's brief");
    assert_eq!(read("table.csv"), "b,1");
}
