//! Skills in a real browser: Debian's Chromium, driven by playwright-core
//! (ui/tests/browser/skills.mjs), against the real API serving the built UI, with a scripted
//! model. Two tasks of one kind have completed, so the compiler has made and validated a skill by
//! itself, which the War Room offers; a public-style Agent Skill is imported as a .skill file; a
//! task whose builder loads it and runs its script (approved in the War Room); the library.

use std::time::Duration;

use serde_json::json;

use crate::agent_skills::{fixture, folder_files, script_builder, zip_of};
use crate::support::{Dialect, Reply, TestApp, all_met, fake_model, tool};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_loading_and_the_library_in_chromium() {
    let app = TestApp::start(Dialect::OpenAi).await;
    // The brand task's planner comes first: the first matching rule answers.
    app.script.on(
        |b| fake_model::planner(b) && b.contains("Acme"),
        Reply::ToolCalls(vec![tool(
            "submit_plan",
            json!({"title": "Acme launch one-pager", "subtasks": [
                {"id": "st-1", "title": "Write Acme's launch one-pager", "description": "onepager.md in Acme's brand style",
                 "agent_type": "builder", "depends_on": []}
            ]}),
        )]),
    );
    script_builder(&app, "st-1", true);
    crate::skills::script(&app).await;
    app.script.on(fake_model::checker, all_met());
    for (n, x) in [(5, "Notion"), (3, "Airtable")] {
        crate::skills::run(&app, json!({"prompt": crate::skills::prompt(n, x)})).await;
    }
    // The .skill file a user downloaded: the fixture folder, zipped under its name.
    let archive = app.dir.path().join("brand-guidelines.skill");
    let entries: Vec<(String, Vec<u8>)> = folder_files(&fixture())
        .into_iter()
        .map(|f| {
            let bytes = f.bytes().unwrap();
            (f.path, bytes)
        })
        .collect();
    std::fs::write(&archive, zip_of(&entries)).unwrap();

    let status = crate::browser::run_script_with(
        &app,
        "skills.mjs",
        Duration::from_secs(180),
        &[("SKILL_ARCHIVE", archive.to_str().unwrap())],
    )
    .await;
    assert!(
        status.success(),
        "the skills' browser test failed (its steps are printed above)"
    );
    let (_, skills) = app.get("/skills").await;
    let brand = skills
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "brand-guidelines")
        .unwrap();
    assert_eq!(brand["stats"]["uses"], 1, "{brand}");
}
