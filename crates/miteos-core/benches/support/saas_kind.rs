//! The kind of task both skill benchmarks use, answered by a scripted model: "Research the top N
//! SaaS competitors to X and create a feature comparison". Its plan has four subtasks: finding
//! X's competitors (depends on X), reading a market report and collecting pricing benchmarks (the
//! same whatever X is), and an analyst building the comparison for X from the three. Every agent
//! writes one file, then answers; every call takes `LATENCY` and reports fixed token counts.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use miteos_core::Miteos;
use miteos_core::providers::{
    ChatRequest, Message, ModelConfig, Provider, ProviderError, ProviderSource, ProviderStream,
    StreamItem, ToolCall, Usage,
};
use miteos_core::service::Options;
use miteos_core::skills::{Skill, SkillStatus};
use serde_json::json;

pub const MODEL: &str = "openai::gpt-4.1-mini";
pub const LATENCY: Duration = Duration::from_millis(150);
pub const INPUT_TOKENS: i64 = 2_000;
pub const OUTPUT_TOKENS: i64 = 300;

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
        // Its file is written (or, with no tools offered, all that is left is the answer).
        let wrote = request.tools.is_empty()
            || request
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

/// Every provider it makes is the scripted model, counting calls in the shared counter.
pub struct Source(pub Arc<AtomicUsize>);

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

pub fn prompt(n: u32, x: &str) -> String {
    format!("Research the top {n} SaaS competitors to {x} and create a feature comparison")
}

/// Miteos in `dir` on the scripted model (its calls counted in `calls`), with the skill compiled
/// and validated from three tasks of the kind.
pub async fn with_skill(dir: &std::path::Path, calls: Arc<AtomicUsize>) -> (Miteos, Skill) {
    let options = Options {
        providers: Some(Arc::new(Source(calls))),
        keys_in_file: true,
        ..Options::new(dir, ModelConfig::default())
    };
    let miteos = Miteos::open(options).await.unwrap();
    for (n, x) in [(5, "Notion"), (3, "Airtable"), (4, "Coda")] {
        crate::skill_runs::run(&miteos, prompt(n, x), true).await;
    }
    let skills = miteos
        .compile_skills_now(&miteos_core::service::Caller::Server, &[])
        .await
        .unwrap();
    assert_eq!(skills.len(), 1, "one skill from the three tasks");
    let skill = skills.into_iter().next().unwrap();
    assert_eq!(skill.status, SkillStatus::Active, "{:?}", skill.validation);
    (miteos, skill)
}
