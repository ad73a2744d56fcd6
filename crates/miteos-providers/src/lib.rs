//! Model providers. A provider has one required method, [`Provider::stream`]: text deltas, tool
//! calls and usage as they come. [`Provider::complete`] collects a stream.
//!
//! Errors are typed ([`ProviderError`]) and carry what a caller needs to decide on a retry.
//!
//! Cloud and compatible servers go through genai; the embedded model is its own crate
//! (miteos-local-model), so this one builds without llama.cpp. [`models`] keeps the local GGUF
//! files.

pub mod config;
pub mod emulated_tools;
mod genai_provider;
pub mod models;
pub mod pricing;
pub mod scripted;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

pub use config::{ModelConfig, RetryPolicy};
pub use genai_provider::GenaiProvider;
pub use miteos_domain::ProviderError;

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

/// What the orchestrator should ask of a model. Small local models get small plans and few
/// agent steps, so a task on them ends in minutes, not hours.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ModelProfile {
    pub max_plan_subtasks: Option<usize>,
    pub max_agent_steps: Option<usize>,
    /// Too small to judge a result against the prompt, or to revise a plan: a task on it runs
    /// Miteos's own result checks only, and reports what they find instead of replanning.
    pub small: bool,
}

#[async_trait]
pub trait Provider: Send + Sync {
    /// `provider::model`, as shown to users and used for pricing.
    fn model(&self) -> &str;

    fn profile(&self) -> ModelProfile {
        ModelProfile::default()
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
