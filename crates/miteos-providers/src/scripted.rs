//! A scripted provider for benchmarks: it plans `subtasks` researcher subtasks (chained or
//! independent), or one fan-out over `fan_out` items, and answers every agent after a fixed
//! latency (streaming meanwhile, if asked), or streams forever. No network, no model: what it
//! measures is Miteos itself.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use serde_json::json;

use super::{
    ChatRequest, Provider, ProviderError, ProviderSource, ProviderStream, StreamItem, ToolCall,
    Usage,
};

/// What the scripted agents do.
#[derive(Debug, Clone, Copy)]
pub enum AgentBehaviour {
    /// Answer after this latency.
    Answer(Duration),
    /// Stream a token every 5 ms, forever.
    StreamForever,
    /// Stream `chars` characters every `every` for `latency`, then answer.
    Stream {
        latency: Duration,
        every: Duration,
        chars: usize,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct Scripted {
    pub subtasks: usize,
    /// Each subtask depends on the one before.
    pub chained: bool,
    /// How long the planner takes.
    pub plan_latency: Duration,
    /// When not 0, the plan is one fan-out over this many items (and `subtasks` is unused).
    pub fan_out: usize,
    pub agent: AgentBehaviour,
}

/// The model name it answers to.
pub const SCRIPTED_MODEL: &str = "bench::scripted";

#[async_trait]
impl Provider for Scripted {
    fn model(&self) -> &str {
        SCRIPTED_MODEL
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ProviderStream, ProviderError> {
        let usage = StreamItem::Usage(Usage {
            input_tokens: 100,
            output_tokens: 20,
        });
        if request.force_tool.as_deref() == Some("submit_plan") {
            tokio::time::sleep(self.plan_latency).await;
            let items: Vec<String> = (1..=self.fan_out).map(|i| format!("item {i}")).collect();
            let subtasks: Vec<_> = if self.fan_out > 0 {
                vec![
                    json!({"id": "st-1", "title": "Profile each item", "description": "Profile the item.",
                    "agent_type": "researcher", "depends_on": [],
                    "for_each": {"items": items, "columns": ["Summary"], "deliverable": "items.csv"}}),
                ]
            } else {
                (1..=self.subtasks)
                .map(|i| {
                    let deps = if self.chained && i > 1 {
                        vec![format!("st-{}", i - 1)]
                    } else {
                        vec![]
                    };
                    json!({"id": format!("st-{i}"), "title": format!("Step {i}"), "description": "do it",
                           "agent_type": "researcher", "depends_on": deps})
                })
                .collect()
            };
            let call = ToolCall {
                id: "plan".into(),
                name: "submit_plan".into(),
                arguments: json!({"title": "bench", "subtasks": subtasks}),
            };
            return Ok(futures::stream::iter([Ok(StreamItem::ToolCall(call)), Ok(usage)]).boxed());
        }
        // Other forced calls (the result check) are not what is measured: answered at once.
        if request.force_tool.is_some() {
            return Ok(futures::stream::iter([Ok(usage)]).boxed());
        }
        match self.agent {
            AgentBehaviour::Answer(latency) => {
                tokio::time::sleep(latency).await;
                Ok(futures::stream::iter([Ok(StreamItem::Text("done".into())), Ok(usage)]).boxed())
            }
            AgentBehaviour::Stream {
                latency,
                every,
                chars,
            } => {
                let end = tokio::time::Instant::now() + latency;
                let piece = "x".repeat(chars.max(1));
                let tokens = futures::stream::unfold((), move |()| {
                    let piece = piece.clone();
                    async move {
                        if tokio::time::Instant::now() >= end {
                            return None;
                        }
                        tokio::time::sleep(every).await;
                        Some((Ok(StreamItem::Text(piece)), ()))
                    }
                });
                let answer = futures::stream::iter([
                    Ok(StreamItem::Text("\n{\"Summary\": \"done\"}".into())),
                    Ok(usage),
                ]);
                Ok(tokens.chain(answer).boxed())
            }
            AgentBehaviour::StreamForever => Ok(futures::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Some((Ok(StreamItem::Text("token ".into())), ()))
            })
            .boxed()),
        }
    }
}

impl ProviderSource for Scripted {
    fn resolve_model(&self, _explicit: Option<&str>) -> miteos_domain::Result<String> {
        Ok(SCRIPTED_MODEL.into())
    }

    fn provider(&self, _model: &str) -> miteos_domain::Result<Arc<dyn Provider>> {
        Ok(Arc::new(*self))
    }
}
