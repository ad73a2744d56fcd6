//! Skill benchmark (a bench binary): the same kind of task run fresh and through the skill
//! compiled from it, on the real orchestrator and store, with a scripted provider of fixed latency
//! and fixed token counts per call.
//!
//! The kind of task: "Research the top N SaaS competitors to X and create a feature comparison".
//! Its plan has four subtasks: finding X's competitors (depends on X), reading a market report and
//! collecting pricing benchmarks (the same whatever X is), and an analyst building the comparison
//! for X from the three. Every agent writes one file, then answers.
//!
//! `cargo bench -p miteos-core --bench skills` prints model calls, tokens, cost and wall time per
//! task, fresh and from the skill, and checks both deliver the same files.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use miteos_core::Miteos;
use miteos_core::domain::TaskStatus;
use miteos_core::providers::{
    ChatRequest, Message, ModelConfig, Provider, ProviderError, ProviderSource, ProviderStream,
    StreamItem, ToolCall, Usage,
};
use miteos_core::service::{NewTask, Options};
use serde_json::json;

const MODEL: &str = "openai::gpt-4.1-mini";
const LATENCY: Duration = Duration::from_millis(150);
const INPUT_TOKENS: i64 = 2_000;
const OUTPUT_TOKENS: i64 = 300;

/// Answers like a model doing this kind of task would, deterministically.
struct KindOfTask {
    calls: Arc<AtomicUsize>,
}

fn subject_of(prompt: &str) -> String {
    prompt
        .split(" competitors to ")
        .nth(1)
        .and_then(|rest| rest.split(" and create").next())
        .unwrap_or("?")
        .to_owned()
}

#[async_trait]
impl Provider for KindOfTask {
    fn model(&self) -> &str {
        MODEL
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ProviderStream, ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(LATENCY).await;
        let usage = Ok(StreamItem::Usage(Usage {
            input_tokens: INPUT_TOKENS,
            output_tokens: OUTPUT_TOKENS,
        }));
        let first = match request.messages.first() {
            Some(Message::User(text)) => text.clone(),
            _ => String::new(),
        };
        if request.force_tool.as_deref() == Some("submit_plan") {
            let x = subject_of(&first);
            let plan = json!({"title": format!("{x}: competitor comparison"), "subtasks": [
                {"id": "a", "title": format!("Find {x}'s competitors"), "description": format!("List the competitors of {x}"), "agent_type": "researcher", "depends_on": []},
                {"id": "b", "title": "Read the market report", "description": "Summarise the SaaS market report", "agent_type": "researcher", "depends_on": []},
                {"id": "c", "title": "Collect pricing benchmarks", "description": "Typical SaaS prices per seat", "agent_type": "researcher", "depends_on": []},
                {"id": "d", "title": format!("Compare {x} with its competitors"), "description": "Build the comparison", "agent_type": "analyst", "depends_on": ["a", "b", "c"]}
            ]});
            let call = ToolCall {
                id: "plan".into(),
                name: "submit_plan".into(),
                arguments: plan,
            };
            return Ok(futures::stream::iter([Ok(StreamItem::ToolCall(call)), usage]).boxed());
        }
        let x = subject_of(&first);
        let part = first
            .split("Your part of it (")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .unwrap_or("st-0")
            .to_owned();
        let wrote = request
            .messages
            .iter()
            .any(|m| matches!(m, Message::ToolResult { .. }));
        let (file, content, answer) = match part.as_str() {
            "st-1" => (
                "competitors.md",
                format!("Competitors of {x}: Alpha, Beta"),
                format!("{x} competes with Alpha and Beta."),
            ),
            "st-2" => (
                "market.md",
                "The SaaS market grows 12% a year.".to_owned(),
                "The market grows 12% a year.".to_owned(),
            ),
            "st-3" => (
                "pricing.md",
                "Median price: $10 per seat.".to_owned(),
                "Median price is $10 per seat.".to_owned(),
            ),
            _ => (
                "comparison.md",
                format!("| {x} | Alpha | Beta |"),
                format!("Wrote the comparison for {x}."),
            ),
        };
        let item = if wrote {
            StreamItem::Text(answer)
        } else {
            StreamItem::ToolCall(ToolCall {
                id: "call_1".into(),
                name: "write_file".into(),
                arguments: json!({"path": file, "content": content}),
            })
        };
        Ok(futures::stream::iter([Ok(item), usage]).boxed())
    }
}

struct Source(Arc<AtomicUsize>);

impl ProviderSource for Source {
    fn resolve_model(&self, _explicit: Option<&str>) -> miteos_core::Result<String> {
        Ok(MODEL.into())
    }
    fn provider(&self, _model: &str) -> miteos_core::Result<Arc<dyn Provider>> {
        Ok(Arc::new(KindOfTask {
            calls: self.0.clone(),
        }))
    }
}

fn prompt(n: u32, x: &str) -> String {
    format!("Research the top {n} SaaS competitors to {x} and create a feature comparison")
}

struct Run {
    calls: usize,
    tokens: i64,
    cost_usd: f64,
    wall: Duration,
    files: Vec<String>,
    from_skill: bool,
}

async fn run(miteos: &Miteos, calls: &AtomicUsize, prompt: String, use_skills: bool) -> Run {
    let before = calls.load(Ordering::SeqCst);
    let started = Instant::now();
    let task = miteos
        .create_task(NewTask {
            prompt,
            skip_skills: !use_skills,
            ..Default::default()
        })
        .await
        .unwrap();
    let task = miteos.wait(&task.id).await.unwrap();
    let wall = started.elapsed();
    assert_eq!(task.status, TaskStatus::Completed, "{:?}", task.error);
    let mut files: Vec<String> = miteos
        .deliverables(&task.id)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    files.sort();
    Run {
        calls: calls.load(Ordering::SeqCst) - before,
        tokens: task.total_tokens_used,
        cost_usd: task.total_cost_usd,
        wall,
        files,
        from_skill: task.skill_id.is_some(),
    }
}

fn mean(runs: &[Run], f: impl Fn(&Run) -> f64) -> f64 {
    runs.iter().map(f).sum::<f64>() / runs.len() as f64
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let options = Options {
            providers: Some(Arc::new(Source(calls.clone()))),
            keys_in_file: true,
            ..Options::new(dir.path(), ModelConfig::default())
        };
        let miteos = Miteos::open(options).await.unwrap();

        // Three tasks of the kind, then the skill.
        for (n, x) in [(5, "Notion"), (3, "Airtable"), (4, "Coda")] {
            run(&miteos, &calls, prompt(n, x), true).await;
        }
        let skills = miteos.compile_skills_now(&[]).await.unwrap();
        assert_eq!(skills.len(), 1, "one skill from the three tasks");
        let skill = &skills[0];
        assert_eq!(skill.status, miteos_core::skills::SkillStatus::Active, "{:?}", skill.validation);
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
        let mut fresh = Vec::new();
        let mut skilled = Vec::new();
        for (i, x) in subjects.iter().enumerate() {
            fresh.push(run(&miteos, &calls, prompt(6 + i as u32, x), false).await);
            skilled.push(run(&miteos, &calls, prompt(6 + i as u32, x), true).await);
        }
        assert!(skilled.iter().all(|r| r.from_skill) && fresh.iter().all(|r| !r.from_skill));
        for (f, s) in fresh.iter().zip(&skilled) {
            assert_eq!(f.files, s.files, "the same deliverables");
        }
        let report = |name: &str, runs: &[Run]| {
            println!(
                "{name}: {:.1} model calls, {:.0} tokens, ${:.4}, {:.0} ms wall (mean of {})",
                mean(runs, |r| r.calls as f64),
                mean(runs, |r| r.tokens as f64),
                mean(runs, |r| r.cost_usd),
                mean(runs, |r| r.wall.as_secs_f64() * 1000.0),
                runs.len()
            );
        };
        println!(
            "scripted provider: {} ms and {INPUT_TOKENS}+{OUTPUT_TOKENS} tokens per call",
            LATENCY.as_millis()
        );
        report("fresh     ", &fresh);
        report("from skill", &skilled);
        let less = |f: &dyn Fn(&Run) -> f64| 100.0 * (1.0 - mean(&skilled, f) / mean(&fresh, f));
        println!(
            "from skill: {:.0}% fewer tokens, {:.0}% lower cost, {:.0}% less wall time; same deliverables {:?}",
            less(&|r| r.tokens as f64),
            less(&|r| r.cost_usd),
            less(&|r| r.wall.as_secs_f64()),
            skilled[0].files
        );
        miteos.shutdown().await;
    });
}
