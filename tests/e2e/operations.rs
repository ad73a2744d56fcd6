//! What an operator's probes and Prometheus see: `/health` and `/ready` without a token,
//! `/metrics` behind it, in Prometheus's text format, counting what ran.

use serde_json::json;

use crate::support::{Dialect, TestApp, script_example};

#[tokio::test]
async fn probes_answer_without_a_token_and_metrics_count_what_ran() {
    let app = TestApp::start(Dialect::OpenAi).await;
    for (path, status) in [("/health", "ok"), ("/ready", "ready")] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body, json!({"status": status}));
    }
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401, "metrics need the token");

    script_example(&app).await;
    let id = app
        .create_task(
            "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet",
        )
        .await;
    assert_eq!(app.wait_final(&id).await["status"], "completed");
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(crate::support::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = r.text().await.unwrap();
    // Every sample line is `name{labels} value`, after its family's HELP and TYPE.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (name, value) = line.rsplit_once(' ').unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
        let family = name.split('{').next().unwrap();
        assert!(
            text.contains(&format!("# TYPE {family} ")),
            "{family} has no TYPE"
        );
    }
    // The first sample whose name and labels start with `name`.
    let sample = |name: &str| -> f64 {
        text.lines()
            .filter(|l| !l.starts_with('#') && l.starts_with(name))
            .find_map(|l| l.rsplit_once(' '))
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
            .1
            .parse()
            .unwrap()
    };
    assert_eq!(sample("miteos_tasks{status=\"completed\"} "), 1.0);
    assert_eq!(sample("miteos_tasks{status=\"running\"} "), 0.0);
    assert_eq!(sample("miteos_subtasks_running "), 0.0);
    assert!(sample("miteos_events_journaled_total ") > 10.0);
    // The scripted server is an OpenAI-compatible address: its own slots.
    assert_eq!(
        sample("miteos_model_calls_in_flight{provider=\"openai@http://127.0.0.1:"),
        0.0
    );
    assert_eq!(
        sample("miteos_model_call_slots{provider=\"openai@http://127.0.0.1:"),
        8.0
    );
    assert_eq!(sample("miteos_subtasks_waiting "), 0.0);

    // Shutting down, Miteos is no longer ready.
    app.miteos.begin_shutdown();
    assert_eq!(
        app.miteos.not_ready().await.as_deref(),
        Some("Miteos is shutting down")
    );
}
