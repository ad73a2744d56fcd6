//! Skill benchmark on the embedded model (a bench binary): the benchmark's kind of task
//! (`support/saas_kind.rs`) run fresh and through its skill with nothing configured but the
//! embedded local model — the real planner, agents, tools, store and llama.cpp, offline. The model
//! decides everything here, so a run may fail; the report says what happened.
//!
//! The skill comes from two tasks of the kind run on the embedded model when both complete;
//! otherwise it is the one compiled from the scripted model's runs, exported and imported as an
//! Agent Skills folder — as a user brings a skill made with a cloud model to an offline machine.
//!
//! `cargo bench -p miteos-core --features local --bench skills_local -- [MODEL.gguf] [ROUNDS]`
//! (defaults: the model scripts/install-model.sh caches, 3 rounds). Each round runs one new
//! prompt of the kind fresh, then from the skill; last, two prompts worded otherwise show what
//! the embedded model's binding call makes of them.

#[path = "support/bench_args.rs"]
mod bench_args;
#[path = "support/local_miteos.rs"]
mod local_miteos;
#[path = "support/saas_kind.rs"]
mod saas_kind;
#[path = "support/skill_runs.rs"]
mod skill_runs;

use std::sync::Arc;

use miteos_core::Miteos;
use miteos_core::domain::TaskStatus;
use miteos_core::events::EventKind;
use miteos_core::skills::{Skill, SkillStatus};
use saas_kind::prompt;
use skill_runs::{Run, report, run, savings};

fn describe(r: &Run) -> String {
    let why = r
        .error
        .as_deref()
        .map(|e| format!(" ({})", e.chars().take(160).collect::<String>()))
        .unwrap_or_default();
    format!(
        "{:?}{why}: {} calls, {} tokens, {:.1} s, files {:?}{}",
        r.status,
        r.calls,
        r.tokens,
        r.wall.as_secs_f64(),
        r.files,
        if r.from_skill { ", from the skill" } else { "" }
    )
}

/// The skill compiled and validated from two tasks of the kind on the embedded model, if both
/// complete and it validates.
async fn compiled_here(miteos: &Miteos) -> Option<Skill> {
    let mut completed = Vec::new();
    for (n, x) in [(5, "Notion"), (3, "Airtable")] {
        let r = run(miteos, prompt(n, x), false).await;
        println!("source on the embedded model: {}", describe(&r));
        if r.status == TaskStatus::Completed {
            completed.push(r.id);
        }
    }
    if completed.len() < 2 {
        return None;
    }
    match miteos
        .compile_skills_now(&miteos_core::service::Caller::Server, &completed)
        .await
    {
        Ok(skills) => skills.into_iter().find(|s| {
            println!("compiled {}: {:?} {:?}", s.name, s.status, s.validation);
            s.status == SkillStatus::Active
        }),
        Err(e) => {
            println!("no skill: {e}");
            None
        }
    }
}

/// The skill compiled from the scripted model's runs, moved here as an Agent Skills folder and
/// validated here (an imported recipe is not used before).
async fn imported(miteos: &Miteos) -> Skill {
    let dir = tempfile::tempdir().unwrap();
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (scripted, skill) = saas_kind::with_skill(dir.path(), calls).await;
    let folder = scripted
        .export_skill(&miteos_core::service::Caller::Server, &skill.id)
        .await
        .unwrap();
    scripted.shutdown().await;
    let skill = miteos
        .import_skill(
            &miteos_core::service::Caller::Server,
            &folder,
            "the scripted model's export",
        )
        .await
        .unwrap();
    let skill = miteos.validate_skill(&skill.id).await.unwrap();
    println!(
        "validated here: {:?} ({})",
        skill.status,
        skill.validation.as_ref().map_or("", |v| v.reason.as_str())
    );
    skill
}

fn main() {
    let args = bench_args::args();
    let model = bench_args::model(&args);
    let rounds: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    assert!(model.is_file(), "no model at {}", model.display());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // Nothing configured: tasks run on the embedded model.
        let (_dir, miteos) = local_miteos::open(&model).await;

        let skill = match compiled_here(&miteos).await {
            Some(skill) => {
                println!("the skill was compiled from the embedded model's own runs");
                skill
            }
            None => {
                let skill = imported(&miteos).await;
                println!("the skill was compiled from the scripted model's runs and imported");
                skill
            }
        };
        println!(
            "skill {} v{} ({:?}): {:?}, {} of {} subtasks reused without the model, {} on a lighter model",
            skill.name,
            skill.version,
            skill.status,
            skill.prompt_template,
            skill.subtasks.iter().filter(|s| s.output.is_some()).count(),
            skill.subtasks.len(),
            skill.subtasks.iter().filter(|s| s.light).count(),
        );

        let subjects = [
            (6, "ClickUp"),
            (4, "Asana"),
            (7, "Trello"),
            (2, "Basecamp"),
            (8, "Monday.com"),
        ];
        let mut fresh = Vec::new();
        let mut skilled = Vec::new();
        for (n, x) in subjects.iter().cycle().take(rounds) {
            let f = run(&miteos, prompt(*n, x), false).await;
            println!("fresh      {}", describe(&f));
            let s = run(&miteos, prompt(*n, x), true).await;
            println!("from skill {}", describe(&s));
            fresh.push(f);
            skilled.push(s);
        }
        report("fresh     ", &fresh);
        report("from skill", &skilled);
        println!("from skill: {}", savings(&fresh, &skilled));

        // Worded otherwise: the embedded model's own binding call decides.
        for loose in [
            "Find the top 4 SaaS competitors of Asana and make a feature comparison",
            "Write a haiku about SaaS competitors",
        ] {
            let r = run(&miteos, loose.to_owned(), true).await;
            let journal = miteos.events_after(&r.id, 0, 10_000).await.unwrap();
            let how = journal.iter().find_map(|e| match &e.kind {
                EventKind::SkillApplied {
                    parameters,
                    confidence,
                    ..
                } => Some(format!("bound {parameters:?}, {:.0}% sure", confidence * 100.0)),
                EventKind::SkillDeclined { reason, .. } => Some(format!("declined: {reason}")),
                _ => None,
            });
            println!(
                "worded otherwise {loose:?}: {} — {}",
                how.unwrap_or_else(|| "not close to the skill".into()),
                describe(&r)
            );
        }
        miteos.shutdown().await;
    });
}
