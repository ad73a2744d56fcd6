//! Skill benchmark (a bench binary): the same kind of task run fresh and through the skill
//! compiled from it, on the real orchestrator and store, with a scripted provider of fixed latency
//! and fixed token counts per call (the kind: `support/saas_kind.rs`).
//!
//! `cargo bench -p miteos-core --bench skills` prints model calls, tokens, cost and wall time per
//! task, fresh and from the skill, and checks both deliver the same files.

#[path = "support/saas_kind.rs"]
mod saas_kind;
#[path = "support/skill_runs.rs"]
mod skill_runs;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use miteos_core::domain::TaskStatus;
use saas_kind::{INPUT_TOKENS, LATENCY, OUTPUT_TOKENS, prompt};
use skill_runs::{Run, report, run, savings};

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let (miteos, skill) = saas_kind::with_skill(dir.path(), calls.clone()).await;
        let cached = skill.subtasks.iter().filter(|s| s.output.is_some()).count();
        println!(
            "skill {} v{}: parameters {:?}, {} of {} subtasks reused without the model",
            skill.name,
            skill.version,
            skill.parameters.iter().map(|p| &p.name).collect::<Vec<_>>(),
            cached,
            skill.subtasks.len()
        );

        let subjects = ["ClickUp", "Asana", "Trello", "Monday.com", "Basecamp"];
        let mut fresh: Vec<Run> = Vec::new();
        let mut skilled: Vec<Run> = Vec::new();
        for (i, x) in subjects.iter().enumerate() {
            let before = calls.load(Ordering::SeqCst);
            fresh.push(run(&miteos, prompt(6 + i as u32, x), false).await);
            let between = calls.load(Ordering::SeqCst);
            skilled.push(run(&miteos, prompt(6 + i as u32, x), true).await);
            // Every call the provider saw is counted in the task's steps.
            assert_eq!(fresh[i].calls as usize, between - before);
            assert_eq!(
                skilled[i].calls as usize,
                calls.load(Ordering::SeqCst) - between
            );
        }
        assert!(skilled.iter().all(|r| r.from_skill) && fresh.iter().all(|r| !r.from_skill));
        let all_completed = |runs: &[Run]| runs.iter().all(|r| r.status == TaskStatus::Completed);
        assert!(all_completed(&fresh) && all_completed(&skilled));
        for (f, s) in fresh.iter().zip(&skilled) {
            assert_eq!(f.files, s.files, "the same deliverables");
        }
        println!(
            "scripted provider: {} ms and {INPUT_TOKENS}+{OUTPUT_TOKENS} tokens per call",
            LATENCY.as_millis()
        );
        report("fresh     ", &fresh);
        report("from skill", &skilled);
        let cost = 100.0
            * (1.0
                - skill_runs::mean(&skilled, |r| r.cost_usd)
                    / skill_runs::mean(&fresh, |r| r.cost_usd));
        println!(
            "from skill: {}, {cost:.0}% lower cost; same deliverables {:?}",
            savings(&fresh, &skilled),
            skilled[0].files
        );
        miteos.shutdown().await;
    });
}
