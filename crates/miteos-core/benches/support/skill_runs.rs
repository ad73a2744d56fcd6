//! What the skill benchmarks measure of one task, and how they report fresh runs against runs
//! from a skill. Shared by `benches/skills.rs` (scripted provider), `benches/skills_local.rs`
//! (the embedded model) and `benches/offline_suite.rs` (one task's run).

// Each benchmark uses part of it.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use miteos_core::Miteos;
use miteos_core::domain::TaskStatus;
use miteos_core::service::{Attachment, NewTask};

pub struct Run {
    pub id: String,
    pub status: TaskStatus,
    /// Model calls (planning included).
    pub calls: i64,
    pub tokens: i64,
    pub cost_usd: f64,
    pub wall: Duration,
    /// The deliverables' names, sorted.
    pub files: Vec<String>,
    pub from_skill: bool,
    /// Why it did not complete.
    pub error: Option<String>,
}

impl Run {
    /// The kinds (extensions) of its deliverables, sorted, without repeats.
    pub fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .files
            .iter()
            .map(|f| f.rsplit_once('.').map_or("", |(_, e)| e).to_lowercase())
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

/// Runs `prompt` to its end: planned afresh, or from a skill when `use_skills` and it matches.
pub async fn run(miteos: &Miteos, prompt: String, use_skills: bool) -> Run {
    run_task(
        miteos,
        NewTask {
            prompt,
            use_skills: Some(use_skills),
            ..Default::default()
        },
    )
    .await
}

/// Runs a new task to its end.
pub async fn run_task(miteos: &Miteos, new: NewTask<Attachment>) -> Run {
    let started = Instant::now();
    let task = miteos.create_task(new).await.expect("creating the task");
    let task = miteos.wait(&task.id).await.expect("waiting for the task");
    let wall = started.elapsed();
    let mut files: Vec<String> = miteos
        .deliverables(&task.id)
        .await
        .expect("deliverables")
        .into_iter()
        .map(|d| d.name)
        .collect();
    files.sort();
    Run {
        id: task.id,
        status: task.status,
        calls: task.steps,
        tokens: task.total_tokens_used,
        cost_usd: task.total_cost_usd,
        wall,
        files,
        from_skill: task.skill_id.is_some(),
        error: task.error,
    }
}

pub fn mean(runs: &[Run], f: impl Fn(&Run) -> f64) -> f64 {
    runs.iter().map(f).sum::<f64>() / runs.len().max(1) as f64
}

/// One line of means: model calls, tokens, cost, wall time.
pub fn report(name: &str, runs: &[Run]) {
    let completed = runs
        .iter()
        .filter(|r| r.status == TaskStatus::Completed)
        .count();
    println!(
        "{name}: {:.1} model calls, {:.0} tokens, ${:.4}, {:.0} ms wall (mean of {}; {completed} completed)",
        mean(runs, |r| r.calls as f64),
        mean(runs, |r| r.tokens as f64),
        mean(runs, |r| r.cost_usd),
        mean(runs, |r| r.wall.as_secs_f64() * 1000.0),
        runs.len()
    );
}

/// How much less the runs from the skill took than the fresh ones, in words.
pub fn savings(fresh: &[Run], skilled: &[Run]) -> String {
    let less = |f: &dyn Fn(&Run) -> f64| 100.0 * (1.0 - mean(skilled, f) / mean(fresh, f));
    format!(
        "{:.0}% fewer model calls, {:.0}% fewer tokens, {:.0}% less wall time",
        less(&|r| r.calls as f64),
        less(&|r| r.tokens as f64),
        less(&|r| r.wall.as_secs_f64()),
    )
}
