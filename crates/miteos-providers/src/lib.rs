//! Model providers. A provider has one required method, [`Provider::stream`]: text deltas, tool
//! calls and usage as they come. [`Provider::complete`] collects a stream.
//!
//! Errors are typed ([`ProviderError`]) and carry what a caller needs to decide on a retry.
//!
//! Cloud and compatible servers go through genai; the embedded model is its own crate
//! (miteos-local-model), so this one builds without llama.cpp. [`models`] keeps the local GGUF
//! files.

pub mod catalog;
pub mod config;
pub mod emulated_tools;
mod genai_provider;
pub mod models;
pub mod pricing;
pub mod scripted;
pub mod servers;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

pub use config::{ModelConfig, RetryPolicy};
pub use genai_provider::GenaiProvider;
pub use miteos_domain::ProviderError;
pub use servers::ServerInfo;

/// One model call: a system prompt, the conversation so far and the tools the model may call.
#[derive(Debug, Clone, Default)]
pub struct ChatRequest {
    pub system: String,
    pub messages: Vec<Message>,
    pub tools: Vec<ToolSpec>,
    /// Require the model to call this tool (structured output through a tool call).
    pub force_tool: Option<String>,
    pub max_tokens: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    User(String),
    Assistant {
        text: String,
        tool_calls: Vec<ToolCall>,
    },
    ToolResult {
        call_id: String,
        name: String,
        content: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON schema of the arguments object.
    pub parameters: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: serde_json::Value,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: i64,
    pub output_tokens: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem {
    Text(String),
    ToolCall(ToolCall),
    Usage(Usage),
}

pub type ProviderStream = BoxStream<'static, Result<StreamItem, ProviderError>>;

/// What a whole (non-streamed) model answer holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Completion {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
}

/// What the orchestrator should ask of a model. Small models (local files under 1 GiB, server
/// models under 1.5B parameters) get the small-model pipeline: a plan made in code, a brief
/// that asks for the deliverable first, few agent steps.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ModelProfile {
    /// The model's context in tokens, when known.
    pub context: Option<u32>,
    pub max_plan_subtasks: Option<usize>,
    pub max_agent_steps: Option<usize>,
    /// Too small to judge a result against the prompt, or to revise a plan: a task on it runs
    /// Miteos's own result checks only, and reports what they find instead of replanning.
    pub small: bool,
}

impl ModelProfile {
    /// The profile of a small model (see [`ModelProfile`]).
    pub fn small(context: Option<u32>) -> Self {
        ModelProfile {
            context,
            max_plan_subtasks: Some(3),
            max_agent_steps: Some(4),
            small: true,
        }
    }
}

#[async_trait]
pub trait Provider: Send + Sync {
    /// `provider::model`, as shown to users and used for pricing.
    fn model(&self) -> &str;

    fn profile(&self) -> ModelProfile {
        ModelProfile::default()
    }

    /// The model runs on this machine or the user's own server: it costs nothing unless the
    /// user priced it.
    fn is_local(&self) -> bool {
        false
    }

    /// The calls that share one server's capacity: every model of a provider by default; one
    /// local server's models (its slots are what it can do at once).
    fn slot_key(&self) -> String {
        self.model()
            .split_once("::")
            .map_or(self.model(), |(p, _)| p)
            .to_owned()
    }

    /// What the model's server says it can do (slots, context, size), asked once and cached;
    /// `None` for providers that do not say. [`Provider::profile`] reflects it once asked.
    async fn server_info(&self) -> Option<ServerInfo> {
        None
    }

    /// Starts a model call. Errors before the first item (HTTP status, connection) come from here;
    /// errors mid-stream come as stream items. Dropping the stream aborts the call.
    async fn stream(&self, request: &ChatRequest) -> Result<ProviderStream, ProviderError>;

    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let mut stream = self.stream(request).await?;
        let mut out = Completion::default();
        while let Some(item) = stream.next().await {
            match item? {
                StreamItem::Text(t) => out.text.push_str(&t),
                StreamItem::ToolCall(c) => out.tool_calls.push(c),
                StreamItem::Usage(u) => {
                    out.usage.input_tokens += u.input_tokens;
                    out.usage.output_tokens += u.output_tokens;
                }
            }
        }
        Ok(out)
    }
}

/// Where providers come from: turns a task's model choice into `provider::model` and builds the
/// provider for it. [`ModelConfig`] is the one built from the environment and settings.
pub trait ProviderSource: Send + Sync {
    /// The model a task runs on: `explicit` when given, else the configured default.
    fn resolve_model(&self, explicit: Option<&str>) -> miteos_domain::Result<String>;
    fn provider(&self, model: &str) -> miteos_domain::Result<std::sync::Arc<dyn Provider>>;
    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::default()
    }
    /// A lighter model for work that needs less than `model` (writing up the results of a
    /// skill's replayed steps): the configured one, else `model`'s lighter sibling where the
    /// provider is the real one. The caller checks that it costs less.
    fn light_model(&self, model: &str) -> Option<String> {
        let _ = model;
        None
    }
}
