//! Model providers. A provider has one required method, [`Provider::stream`]: text deltas, tool
//! calls and usage as they come. [`Provider::complete`] collects a stream.
//!
//! Errors are typed ([`ProviderError`]) and carry what a caller needs to decide on a retry.

pub mod config;
pub mod emulated_tools;
mod genai_provider;
#[cfg(feature = "local")]
pub mod local;
pub mod pricing;
pub mod scripted;
pub mod source;

use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

pub use config::{ModelConfig, RetryPolicy};
pub use genai_provider::GenaiProvider;

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
    fn resolve_model(&self, explicit: Option<&str>) -> crate::Result<String>;
    fn provider(&self, model: &str) -> crate::Result<std::sync::Arc<dyn Provider>>;
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

#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    #[error("the provider is rate limiting requests: {message}")]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("the provider failed with HTTP {status}: {message}")]
    Server {
        status: u16,
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("the conversation is longer than the model's context: {0}")]
    ContextTooLong(String),
    #[error("the provider refused the credentials: {0}")]
    Auth(String),
    #[error("the provider rejected the request: {0}")]
    BadRequest(String),
    #[error("could not reach the provider: {0}")]
    Network(String),
    #[error("the provider did not answer in time")]
    Timeout,
    #[error("the provider's stream broke: {0}")]
    Stream(String),
    /// The connection broke while the answer streamed: worth asking again.
    #[error("the provider's stream was cut: {0}")]
    Interrupted(String),
    #[error("the model is not available: {0}")]
    Unavailable(String),
}

impl ProviderError {
    /// Worth trying again with the same request.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Server { .. }
                | ProviderError::Network(_)
                | ProviderError::Interrupted(_)
                | ProviderError::Timeout
        )
    }

    /// The delay the provider asked for (Retry-After), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. }
            | ProviderError::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
