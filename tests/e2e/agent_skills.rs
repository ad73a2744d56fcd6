//! Agent Skills as the standard has them, over the API with a scripted model: a public-style
//! skill folder (SKILL.md, references/, scripts/, assets/) imports from its files, a .zip or a
//! .skill file; folders the standard refuses are refused with the reason and nothing stored;
//! agents are told the skills they may use and load one only when their work calls for it
//! (`skill_loaded`); a skill's script asks for approval like any command; tasks of one kind
//! compile into a skill by themselves.

use std::path::Path;
use std::time::{Duration, Instant};

use miteos_core::skills::SkillFile;
use serde_json::{Value, json};

use crate::support::{Dialect, Reply, TestApp, all_met, fake_model, tool};

const SKILL: &str = "brand-guidelines";

pub(crate) fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/skills/brand-guidelines")
}

/// The fixture folder's files, paths under the folder's name (as a dropped folder has them).
pub(crate) fn folder_files(dir: &Path) -> Vec<SkillFile> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().to_string_lossy();
                files.push(SkillFile::from_bytes(
                    format!("{SKILL}/{rel}"),
                    std::fs::read(&path).unwrap(),
                ));
            }
        }
    }
    files
}

/// A zip of `entries` (name, bytes).
pub(crate) fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

async fn import_fixture(app: &TestApp) -> Value {
    let (status, skill) = app
        .post(
            "/skills/import",
            json!({"files": folder_files(&fixture()), "from": SKILL}),
        )
        .await;
    assert_eq!(status, 201, "{skill}");
    skill
}

async fn post_zip(app: &TestApp, file_name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(&format!("/skills/import?file_name={file_name}")))
        .bearer_auth(crate::support::TOKEN)
        .header("content-type", "application/zip")
        .body(bytes)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_standard_skill_imports_from_a_folder_a_zip_or_a_skill_file_and_bad_ones_say_why() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let skill = import_fixture(&app).await;
    assert_eq!(skill["name"], SKILL);
    assert_eq!(skill["kind"], "instructions");
    assert_eq!(
        skill["status"], "active",
        "instructions need no validation run"
    );
    assert_eq!(skill["license"], "Apache-2.0");
    assert!(
        skill["description"]
            .as_str()
            .unwrap()
            .starts_with("Applies Acme's brand colours"),
        "{skill}"
    );
    assert!(
        skill["instructions"]
            .as_str()
            .unwrap()
            .starts_with("# Acme brand guidelines")
    );
    assert_eq!(
        (
            skill["origin"]["kind"].as_str(),
            skill["origin"]["from"].as_str()
        ),
        (Some("imported"), Some(SKILL))
    );
    let mut paths: Vec<&str> = skill["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "assets/logo.png",
            "references/palette.md",
            "scripts/check_brand.sh"
        ]
    );
    let id = skill["id"].as_str().unwrap().to_owned();

    // Exported as it came: every file, the binary one byte for byte.
    let (_, folder) = app.get(&format!("/skills/{id}/export")).await;
    let exported: Vec<SkillFile> = serde_json::from_value(folder["files"].clone()).unwrap();
    assert_eq!(exported.len(), 4);
    for file in &exported {
        let original = std::fs::read(fixture().join(&file.path)).unwrap();
        assert_eq!(file.bytes().unwrap(), original, "{}", file.path);
    }
    // As a .zip other agents install: the folder under the skill's name.
    let r = app
        .client
        .get(app.url(&format!("/skills/{id}/archive")))
        .bearer_auth(crate::support::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let archive = r.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive.clone())).unwrap();
    assert!(zip.by_name("brand-guidelines/SKILL.md").is_ok());

    // The same archive as a .skill file: the next version of the same skill.
    let (status, again) = post_zip(&app, "brand-guidelines.skill", archive).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(
        (again["id"].as_str(), again["version"].as_i64()),
        (Some(id.as_str()), Some(2))
    );
    assert_eq!(again["origin"]["from"], "brand-guidelines.skill");
    let (_, versions) = app.get(&format!("/skills/{id}/versions")).await;
    assert_eq!(versions.as_array().unwrap().len(), 2, "{versions}");

    // Refused, with the reason, and nothing stored.
    let md = |front: &str| format!("---\n{front}\n---\n\n# Do it\n\nSteps.\n");
    let refused = [
        (
            json!([{"path": "SKILL.md", "content": md("description: Writes memos.")}]),
            400,
            "has no name",
        ),
        (
            json!([{"path": "SKILL.md", "content": md("name: Memo_Writer\ndescription: d")}]),
            400,
            "is not a skill name",
        ),
        (
            json!([{"path": "SKILL.md", "content": md("name: memo\ndescription: d")},
                {"path": "../../.bashrc", "content": "rm -rf ~"}]),
            400,
            "not a path inside the skill folder",
        ),
        (
            json!([{"path": "memo-writer/SKILL.md", "content": md("name: memo\ndescription: d")}]),
            400,
            "the standard wants them the same",
        ),
        (
            json!([{"path": "README.md", "content": "hello"}]),
            400,
            "has a SKILL.md",
        ),
        (
            json!([{"path": "SKILL.md", "content": md("name: memo\ndescription: d")},
                {"path": "assets/huge.txt", "content": "x".repeat(5 * 1024 * 1024 + 1)}]),
            413,
            "bytes",
        ),
    ];
    for (files, code, why) in refused {
        let (status, body) = app.post("/skills/import", json!({ "files": files })).await;
        assert_eq!(status, code, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(why), "{message}");
    }
    let evil = zip_of(&[
        (
            "SKILL.md".into(),
            md("name: memo\ndescription: d").into_bytes(),
        ),
        ("../outside.sh".into(), b"echo pwned".to_vec()),
    ]);
    let (status, body) = post_zip(&app, "evil.zip", evil).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post_zip(&app, "junk.skill", b"not a zip".to_vec()).await;
    assert_eq!(status, 400, "{body}");
    // JSON sent with no content type is read as JSON (a zip starts "PK").
    let r = app
        .client
        .post(app.url("/skills/import"))
        .bearer_auth(crate::support::TOKEN)
        .body(r#"{"files": [{"path": "README.md", "content": "hello"}]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("has a SKILL.md"),
        "{body}"
    );
    let (_, skills) = app.get("/skills").await;
    assert_eq!(skills.as_array().unwrap().len(), 1, "{skills}");
}

/// The plan: a builder whose part is Acme's one-pager (the skill fits), a researcher whose part
/// is dates (it does not), an analyst for whom the skill is turned off.
fn plan() -> Reply {
    Reply::ToolCalls(vec![tool(
        "submit_plan",
        json!({"title": "Launch one-pager", "subtasks": [
            {"id": "st-1", "title": "Write Acme's launch one-pager", "description": "onepager.md in Acme's brand style",
             "agent_type": "builder", "depends_on": []},
            {"id": "st-2", "title": "Find the launch dates", "description": "the three dates of the launch",
             "agent_type": "researcher", "depends_on": []},
            {"id": "st-3", "title": "Tabulate the budget", "description": "a table of the launch budget",
             "agent_type": "analyst", "depends_on": []}
        ]}),
    )])
}

fn is_agent(id: &'static str) -> impl Fn(&str) -> bool {
    move |b| !fake_model::planner(b) && b.contains(&format!("Your part of it ({id})"))
}

/// The builder's part: loads the skill, reads its palette, writes the one-pager, then (when
/// `check`) runs the skill's script on it.
pub(crate) fn script_builder(app: &TestApp, id: &'static str, check: bool) {
    let s = &app.script;
    // Only the one-pager's agent (other tasks may share the scripted model).
    let is_agent = |id: &'static str| {
        let agent = is_agent(id);
        move |b: &str| agent(b) && b.contains("The user's task: Prepare Acme")
    };
    let st1 = is_agent(id);
    s.once(
        move |b| {
            st1(b) && b.contains("brand-guidelines: Applies Acme") && !b.contains("<tool_result")
        },
        Reply::ToolCalls(vec![tool("load_skill", json!({"name": SKILL}))]),
    );
    let st1 = is_agent(id);
    s.once(
        move |b| st1(b) && b.contains("# Skill brand-guidelines") && !b.contains("Acme palette"),
        Reply::ToolCalls(vec![tool(
            "load_skill",
            json!({"name": SKILL, "file": "references/palette.md"}),
        )]),
    );
    let st1 = is_agent(id);
    s.once(
        move |b| st1(b) && b.contains("Acme palette") && !b.contains("onepager.md ("),
        Reply::ToolCalls(vec![tool(
            "write_file",
            json!({"path": "onepager.md", "content": "<h1 style=\"color:#1A2B3C\">Acme launch</h1>\n\nInter, sentence case.\n"}),
        )]),
    );
    if check {
        let st1 = is_agent(id);
        s.once(
            move |b| st1(b) && !b.contains("check_brand.sh onepager.md"),
            Reply::ToolCalls(vec![tool(
                "run_command",
                json!({"command": "sh skills/brand-guidelines/scripts/check_brand.sh onepager.md"}),
            )]),
        );
    }
    s.on(
        is_agent(id),
        Reply::Text("Wrote onepager.md in Acme's brand style.".into()),
    );
}

#[tokio::test]
async fn an_agent_loads_a_skill_only_when_its_work_calls_for_it() {
    let app = TestApp::start(Dialect::OpenAi).await;
    let skill = import_fixture(&app).await;
    let id = skill["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .request(
            reqwest::Method::PATCH,
            &format!("/skills/{id}"),
            Some(json!({"disabled_for": ["analyst"]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.script.on(fake_model::planner, plan());
    script_builder(&app, "st-1", false);
    app.script.on(
        is_agent("st-2"),
        Reply::Text("March 3, April 7 and May 12.".into()),
    );
    app.script
        .on(is_agent("st-3"), Reply::Text("Budget: 40k.".into()));
    app.script.on(fake_model::checker, all_met());

    let task_id = app
        .create_task("Prepare Acme's product launch one-pager")
        .await;
    let task = app.wait_final(&task_id).await;
    assert_eq!(task["status"], "completed", "{task}");

    let events = app.sse(&task_id, None).await;
    let loaded: Vec<&Value> = events
        .iter()
        .filter(|(_, n, _)| n == "skill_loaded")
        .map(|(_, _, e)| e)
        .collect();
    assert_eq!(
        loaded.len(),
        2,
        "the instructions, then one reference: {loaded:?}"
    );
    assert!(
        loaded
            .iter()
            .all(|e| e["subtask_id"] == "st-1" && e["skill_id"] == id.as_str())
    );
    assert!(loaded[0]["file"].is_null());
    assert_eq!(loaded[1]["file"], "references/palette.md");

    // Every agent allowed was told of the skill; the one it does not fit never loaded it; the
    // analyst, for whom it is off, was not told at all.
    let requests = app.script.requests();
    let of = |id: &'static str| {
        let f = is_agent(id);
        requests
            .iter()
            .filter(move |b| f(b))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(
        of("st-2")
            .iter()
            .all(|b| b.contains("brand-guidelines: Applies Acme") && b.contains("\"load_skill\""))
    );
    assert!(
        of("st-2")
            .iter()
            .all(|b| !b.contains("# Skill brand-guidelines"))
    );
    assert!(
        of("st-3")
            .iter()
            .all(|b| !b.contains("brand-guidelines: Applies Acme") && !b.contains("\"load_skill\""))
    );
    // The skill reached the builder as instructions to follow, not as untrusted data.
    assert!(
        of("st-1")
            .iter()
            .any(|b| b.contains("# Skill brand-guidelines")
                && b.contains("A skill the user installed in Miteos: follow its instructions"))
    );
    // The builder followed it: the brand's colour, from the instructions it loaded.
    let dir = app.miteos.task_dir(&task_id);
    let page = std::fs::read_to_string(dir.join("onepager.md")).unwrap();
    assert!(page.contains("#1A2B3C"));
    // Its files are in the task folder for its scripts, not among the deliverables.
    assert!(
        dir.join("skills/brand-guidelines/scripts/check_brand.sh")
            .is_file()
    );
    let names = app.deliverable_names(&task_id).await;
    assert_eq!(names, ["onepager.md"]);
    let (_, skill) = app.get(&format!("/skills/{id}")).await;
    assert_eq!(skill["stats"]["uses"], 1, "{skill}");

    // Turned off, no agent is told of it.
    app.request(
        reqwest::Method::PATCH,
        &format!("/skills/{id}"),
        Some(json!({"enabled": false})),
    )
    .await;
    let before = app.script.requests().len();
    let second = app
        .create_task("Prepare Acme's product launch one-pager")
        .await;
    app.wait_final(&second).await;
    assert!(
        app.script.requests()[before..]
            .iter()
            .all(|b| !b.contains("\"load_skill\"")),
        "a disabled skill is offered to no agent"
    );
}

#[tokio::test]
async fn a_skills_script_asks_for_approval_like_any_command() {
    let app = TestApp::start(Dialect::OpenAi).await;
    import_fixture(&app).await;
    app.script.on(
        fake_model::planner,
        crate::support::one_subtask_plan(
            "builder",
            "Write Acme's launch one-pager",
            "onepager.md in Acme's brand style",
        ),
    );
    script_builder(&app, "st-1", true);
    app.script.on(fake_model::checker, all_met());
    let task_id = app
        .create_task("Prepare Acme's product launch one-pager")
        .await;

    let pending = app
        .pending_approval(&task_id, Duration::from_secs(20))
        .await;
    assert_eq!(pending["tool"], "run_command");
    assert!(
        pending["arguments"]["command"]
            .as_str()
            .unwrap()
            .contains("skills/brand-guidelines/scripts/check_brand.sh"),
        "{pending}"
    );
    let (status, _) = app
        .post(
            &format!(
                "/tasks/{task_id}/approvals/{}",
                pending["id"].as_str().unwrap()
            ),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(status, 200);
    let task = app.wait_final(&task_id).await;
    assert_eq!(task["status"], "completed", "{task}");
    let ran = app
        .finished_calls(&task_id)
        .await
        .into_iter()
        .find(|c| c["tool"] == "run_command")
        .unwrap();
    assert_eq!(ran["ok"], true, "{ran}");
    assert!(
        ran["result"].as_str().unwrap().contains("on brand"),
        "{ran}"
    );
}

#[tokio::test]
async fn tasks_of_one_kind_compile_into_a_skill_by_themselves() {
    // The default: after 2 tasks of one kind.
    let app = TestApp::start(Dialect::OpenAi).await;
    crate::skills::script(&app).await;
    app.script.on(fake_model::checker, all_met());
    for (n, x) in [(5, "Notion"), (3, "Airtable")] {
        crate::skills::run(&app, json!({"prompt": crate::skills::prompt(n, x)})).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let skill = loop {
        let (_, skills) = app.get("/skills").await;
        if let Some(s) = skills.as_array().unwrap().first()
            && s["status"] != "candidate"
        {
            break s.clone();
        }
        assert!(Instant::now() < deadline, "no skill was compiled: {skills}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(skill["status"], "active", "{skill}");
    assert_eq!(skill["offered"], true);
    assert_eq!(
        skill["origin"],
        json!({"kind": "compiled", "automatic": true})
    );
    assert_eq!(skill["source_tasks"].as_array().unwrap().len(), 2);
    let (tokens, before) = (
        skill["validation"]["tokens"].as_i64().unwrap(),
        skill["validation"]["source_tokens"].as_i64().unwrap(),
    );
    assert!(tokens < before, "{skill}");

    // Kept: no longer offered. The next task of the kind runs from it.
    let id = skill["id"].as_str().unwrap();
    let (status, kept) = app.post(&format!("/skills/{id}/keep"), json!({})).await;
    assert_eq!((status, kept["offered"].as_bool()), (200, Some(false)));
    let task = crate::skills::run(&app, json!({"prompt": crate::skills::prompt(4, "Coda")})).await;
    assert_eq!(task["skill_id"], id);
    // No second skill of the same kind.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, skills) = app.get("/skills").await;
    assert_eq!(skills.as_array().unwrap().len(), 1, "{skills}");

    // With the setting at 0 the compiler waits to be asked.
    let app = TestApp::start(Dialect::OpenAi).await;
    app.set_compile_after(0).await;
    crate::skills::script(&app).await;
    app.script.on(fake_model::checker, all_met());
    for (n, x) in [(5, "Notion"), (3, "Airtable"), (4, "Coda")] {
        crate::skills::run(&app, json!({"prompt": crate::skills::prompt(n, x)})).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, skills) = app.get("/skills").await;
    assert!(skills.as_array().unwrap().is_empty(), "{skills}");
}
