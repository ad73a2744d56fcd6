//! Shutdown is one ordered sequence: SIGTERM ends every live event stream, the server stops, the
//! runs stop (to resume or cancelled, per `on_quit`), and the process exits — however many
//! browsers or `curl -N` clients are watching.

use std::time::{Duration, Instant};

use futures::StreamExt;

use crate::durability::{script_long_command, start_long_command, terminate};
use crate::support::served::{serve, wait_final};
use crate::support::{Dialect, TestApp};

/// How long `miteos serve` may take to exit on SIGTERM with watchers connected.
const EXIT_WITHIN: Duration = Duration::from_secs(5);

#[tokio::test]
async fn sigterm_with_open_event_streams_exits_within_5s_and_the_task_resumes_or_cancels() {
    let app = TestApp::start(Dialect::OpenAi).await;
    const COMMAND: &str = "sleep 332";
    let restarted = script_long_command(&app, COMMAND);

    for (on_quit, want) in [("resume", "completed"), ("cancel", "cancelled")] {
        restarted.store(false, std::sync::atomic::Ordering::SeqCst);
        let data = tempfile::tempdir().unwrap();
        let (child, addr, token) = serve(&app, data.path());
        let client = reqwest::Client::new();
        let id = start_long_command(&client, &addr, &token, on_quit, COMMAND).await;

        // Three watchers, as a browser tab and two `curl -N` would hold them: each reads the
        // stream until it ends and answers what it saw.
        let mut watchers = Vec::new();
        for _ in 0..3 {
            let response = reqwest::Client::new()
                .get(format!("{addr}/tasks/{id}/events"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{on_quit}: the stream opens");
            watchers.push(tokio::spawn(async move {
                let mut body = response.bytes_stream();
                let mut text = String::new();
                while let Some(Ok(chunk)) = body.next().await {
                    text.push_str(&String::from_utf8_lossy(&chunk));
                }
                text
            }));
        }
        // The watchers are following live events before the signal.
        tokio::time::sleep(Duration::from_millis(300)).await;

        let signalled = Instant::now();
        let exited = tokio::time::timeout(EXIT_WITHIN, terminate(child)).await;
        let status = exited.unwrap_or_else(|_| {
            panic!("{on_quit}: serve did not exit within {EXIT_WITHIN:?} of SIGTERM with watchers")
        });
        let took = signalled.elapsed();
        assert!(status.success(), "{on_quit}: a clean exit: {status}");
        for watcher in watchers {
            let text = tokio::time::timeout(Duration::from_secs(2), watcher)
                .await
                .expect("every stream has ended once the process is gone")
                .unwrap();
            assert!(
                text.contains("event: subtask_started"),
                "{on_quit}: the watcher saw the task live before the exit: {text}"
            );
        }
        eprintln!("{on_quit}: exited {took:?} after SIGTERM with 3 watchers");
        assert_eq!(
            crate::support::processes_with(COMMAND),
            0,
            "{on_quit}: the tool process was stopped"
        );

        restarted.store(true, std::sync::atomic::Ordering::SeqCst);
        let (mut child, addr, token) = serve(&app, data.path());
        let task = wait_final(&client, &addr, &token, &id).await;
        assert_eq!(task["status"], want, "{on_quit}: {task}");
        let _ = child.kill();
    }
}
