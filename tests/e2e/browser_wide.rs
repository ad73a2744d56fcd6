//! Wide research in a real browser: Debian's Chromium, driven by playwright-core
//! (ui/tests/browser/wide-research.mjs), against the real API serving the built UI, with a
//! scripted model: a researcher lists 24 suppliers, a fan-out profiles each; the War Room shows
//! it as one node with a progress bar, a grid of the items and the merged table filling in, and
//! the merged spreadsheet at the end, with the one item that kept failing marked missing.

use std::time::Duration;

use serde_json::json;

use crate::support::plans::titled_plan;
use crate::support::{Dialect, Reply, TestApp, all_met, fake_model};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fan_out_in_chromium() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let s = &app.script;
    s.on(
        fake_model::planner,
        titled_plan("Supplier profiles", json!([
            {"id": "st-1", "title": "List the suppliers", "description": "List our 24 suppliers.",
             "agent_type": "researcher", "depends_on": []},
            {"id": "st-2", "title": "Profile each supplier", "description": "Find where the supplier is based and what it makes.",
             "agent_type": "researcher", "depends_on": ["st-1"],
             "for_each": {"from": "st-1", "columns": ["Country", "Makes"], "deliverable": "suppliers.xlsx"}}
        ])),
    );
    let names = [
        "Bosch",
        "Denso",
        "Magna",
        "Continental",
        "ZF",
        "Aisin",
        "Faurecia",
        "Lear",
        "Valeo",
        "Hyundai Mobis",
        "Yazaki",
        "Sumitomo",
        "Panasonic",
        "Schaeffler",
        "Mahle",
        "BorgWarner",
        "Autoliv",
        "Hella",
        "Brembo",
        "Gentex",
        "Visteon",
        "Dana",
        "Tenneco",
        "Nexteer",
    ];
    let list: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{}. {n}", i + 1))
        .collect();
    s.on(
        fake_model::agent_first("st-1"),
        Reply::Text(format!("Our suppliers:\n{}", list.join("\n"))),
    );
    s.on(
        |b| b.contains("Do this for one item only: Lear."),
        Reply::Status(400, None),
    );
    for (i, name) in names.iter().enumerate() {
        let country = ["Germany", "Japan", "Canada", "France", "USA"][i % 5];
        let makes = ["brakes", "sensors", "seats", "lighting", "wiring"][i % 5];
        let answer = format!(
            "{name} is a parts supplier.\n{}",
            json!({"item": name, "Country": country, "Makes": makes,
                   "sources": [format!("https://suppliers.example/{}", name.to_lowercase().replace(' ', "-"))]})
        );
        let marker = format!("Do this for one item only: {name}.");
        s.slow(
            move |b| b.contains(&marker),
            Reply::Text(answer),
            Duration::from_millis(1200 + 150 * (i as u64 % 4)),
        );
    }
    s.on(fake_model::checker, all_met());

    let status =
        crate::browser::run_script(&app, "wide-research.mjs", Duration::from_secs(180)).await;
    assert!(
        status.success(),
        "the wide research browser test failed (its steps are printed above)"
    );
}
