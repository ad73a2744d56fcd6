//! OpenAI, Anthropic, OpenRouter, Ollama and any OpenAI-compatible server through `genai`.

use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use genai::adapter::AdapterKind;
use genai::chat::{
    ChatMessage, ChatOptions, ChatRequest as GenaiRequest, ChatStreamEvent, ContentPart, JsonSpec,
    MessageContent, Tool, ToolCall as GenaiToolCall, ToolChoice, ToolResponse,
};
use genai::resolver::{AuthData, Endpoint};
use genai::{Client, ServiceTarget};

use super::config::ModelConfig;
use super::emulated_tools::{
    AnswerStream, answer_schema, parse_answer, plain_messages, system_prompt,
};
use super::{
    ChatRequest, Message, ModelProfile, Provider, ProviderError, ProviderStream, ServerInfo,
    StreamItem, ToolCall, Usage,
};
use miteos_domain::{Error, Result};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a local server may take to start answering: a request waits there for a free slot
/// (when other clients use it too) and its prompt is processed on the machine's cores. Waiting
/// is not a dead server; a server that stops mid-answer is still caught by the read timeout.
const LOCAL_START_TIMEOUT: Duration = Duration::from_secs(10 * 60);

pub struct GenaiProvider {
    client: Client,
    /// `provider::model` as Miteos names it.
    model: String,
    /// The same model in genai's namespace spelling.
    genai_model: String,
    timeout: Duration,
    /// Tool calls through structured output, for servers whose model has no tool calling.
    emulate_tools: bool,
    /// The server, when it is the user's own (Ollama, a compatible server on a local address).
    local: Option<LocalServer>,
}

/// A model server of the user's: where it is, and how to ask it about itself.
#[derive(Debug, Clone)]
enum LocalServer {
    Ollama(String),
    Compatible(String),
}

impl LocalServer {
    fn key(&self, model: &str) -> String {
        match self {
            LocalServer::Ollama(host) => format!("ollama@{host}#{model}"),
            LocalServer::Compatible(url) => format!("openai@{url}#{model}"),
        }
    }

    fn slot_key(&self) -> String {
        match self {
            LocalServer::Ollama(host) => format!("ollama@{host}"),
            LocalServer::Compatible(url) => format!("openai@{url}"),
        }
    }
}

impl GenaiProvider {
    pub fn new(config: ModelConfig, model: &str) -> Result<Self> {
        let (provider, name) = model.split_once("::").ok_or_else(|| {
            Error::InvalidInput(format!("model {model:?} is not PROVIDER::MODEL"))
        })?;
        let namespace = match provider {
            "openai" => "openai",
            "anthropic" => "anthropic",
            "openrouter" => "open_router",
            "ollama" => "ollama",
            other => {
                return Err(Error::InvalidInput(format!(
                    "unknown model provider {other:?}"
                )));
            }
        };
        let timeout = config.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let emulate_tools = config.emulate_tools;
        let local = match provider {
            "ollama" => Some(LocalServer::Ollama(crate::servers::ollama_url(
                config
                    .ollama_host
                    .as_deref()
                    .unwrap_or("http://127.0.0.1:11434"),
            ))),
            "openai" => config
                .openai_base_url
                .as_deref()
                .filter(|url| crate::servers::is_local_url(url))
                .map(|url| LocalServer::Compatible(url.trim_end_matches('/').to_owned())),
            _ => None,
        };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Internal(format!("building the HTTP client: {e}")))?;
        let client = Client::builder()
            .with_reqwest(http)
            .with_service_target_resolver_fn(
                move |target: ServiceTarget| -> genai::resolver::Result<ServiceTarget> {
                    Ok(resolve_target(&config, target))
                },
            )
            .build()
            .map_err(|e| Error::Internal(format!("building the model client: {e}")))?;
        Ok(GenaiProvider {
            client,
            model: model.to_owned(),
            genai_model: format!("{namespace}::{name}"),
            timeout,
            emulate_tools,
            local,
        })
    }

    /// The model's name on its server.
    fn server_model(&self) -> &str {
        self.model.split_once("::").map_or(&self.model, |(_, m)| m)
    }
}

/// Points each adapter at the configured endpoint with the configured key.
fn resolve_target(config: &ModelConfig, mut target: ServiceTarget) -> ServiceTarget {
    let endpoint = |url: &str| {
        let url = if url.ends_with('/') {
            url.to_owned()
        } else {
            format!("{url}/")
        };
        Endpoint::from_owned(url)
    };
    let key =
        |k: &Option<String>| AuthData::from_single(k.clone().unwrap_or_else(|| "none".into()));
    match target.model.adapter_kind {
        AdapterKind::OpenAI => {
            if let Some(url) = &config.openai_base_url {
                target.endpoint = endpoint(url);
            }
            target.auth = key(&config.openai_api_key);
        }
        AdapterKind::Anthropic => {
            if let Some(url) = &config.anthropic_base_url {
                target.endpoint = endpoint(url);
            }
            target.auth = key(&config.anthropic_api_key);
        }
        AdapterKind::OpenRouter => {
            if let Some(url) = &config.openrouter_base_url {
                target.endpoint = endpoint(url);
            }
            target.auth = key(&config.openrouter_api_key);
        }
        AdapterKind::Ollama => {
            if let Some(host) = &config.ollama_host {
                let host = if host.contains("://") {
                    host.clone()
                } else {
                    format!("http://{host}")
                };
                target.endpoint = endpoint(&host);
            }
        }
        _ => {}
    }
    target
}

/// The request for a server without tool calling: tools in the system prompt, plain turns.
fn emulated_request(request: &ChatRequest) -> GenaiRequest {
    let messages = plain_messages(request)
        .into_iter()
        .map(|(role, text)| {
            if role == "assistant" {
                ChatMessage::assistant(text)
            } else {
                ChatMessage::user(text)
            }
        })
        .collect();
    GenaiRequest::new(messages).with_system(system_prompt(request))
}

fn to_genai_request(request: &ChatRequest) -> GenaiRequest {
    let mut messages = Vec::with_capacity(request.messages.len());
    for m in &request.messages {
        messages.push(match m {
            Message::User(text) => ChatMessage::user(text.as_str()),
            Message::Assistant { text, tool_calls } => {
                let mut parts = Vec::new();
                if !text.is_empty() {
                    parts.push(ContentPart::Text(text.clone()));
                }
                parts.extend(tool_calls.iter().map(|c| {
                    ContentPart::ToolCall(GenaiToolCall {
                        call_id: c.id.clone(),
                        fn_name: c.name.clone(),
                        fn_arguments: c.arguments.clone(),
                        thought_signatures: None,
                    })
                }));
                ChatMessage::assistant(MessageContent::from_parts(parts))
            }
            Message::ToolResult {
                call_id,
                name,
                content,
            } => ChatMessage::from(
                ToolResponse::new(call_id.clone(), content.clone()).with_fn_name(name.clone()),
            ),
        });
    }
    let mut req = GenaiRequest::new(messages).with_system(request.system.clone());
    if !request.tools.is_empty() {
        req = req.with_tools(request.tools.iter().map(|t| {
            Tool::new(t.name.clone())
                .with_description(t.description.clone())
                .with_schema(t.parameters.clone())
        }));
    }
    req
}

#[async_trait]
impl Provider for GenaiProvider {
    fn model(&self) -> &str {
        &self.model
    }

    fn profile(&self) -> ModelProfile {
        let info = self
            .local
            .as_ref()
            .and_then(|s| crate::servers::cached_now(&s.key(self.server_model())));
        match info {
            Some(ServerInfo {
                parameters: Some(n),
                context,
                ..
            }) if n < crate::servers::SMALL_MODEL_PARAMETERS => ModelProfile::small(context),
            Some(info) => ModelProfile {
                context: info.context,
                ..ModelProfile::default()
            },
            None => ModelProfile::default(),
        }
    }

    fn is_local(&self) -> bool {
        self.local.is_some()
    }

    fn slot_key(&self) -> String {
        match &self.local {
            Some(server) => server.slot_key(),
            None => self
                .model
                .split_once("::")
                .map_or(self.model.as_str(), |(p, _)| p)
                .to_owned(),
        }
    }

    async fn server_info(&self) -> Option<ServerInfo> {
        let server = self.local.as_ref()?;
        let model = self.server_model().to_owned();
        let info = crate::servers::cached(&server.key(&model), || async {
            match server {
                LocalServer::Ollama(host) => crate::servers::probe_ollama(host, &model).await,
                LocalServer::Compatible(url) => {
                    crate::servers::probe_openai_compatible(url, &model).await
                }
            }
        })
        .await;
        Some(info)
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ProviderStream, ProviderError> {
        let emulate =
            self.emulate_tools && (!request.tools.is_empty() || request.force_tool.is_some());
        let start_timeout = if self.local.is_some() {
            LOCAL_START_TIMEOUT.max(self.timeout)
        } else {
            self.timeout
        };
        let mut options = ChatOptions::default()
            .with_capture_usage(true)
            .with_capture_tool_calls(true)
            .with_stream_header_timeout(start_timeout)
            .with_stream_read_timeout(self.timeout);
        if let Some(max) = request.max_tokens {
            options = options.with_max_tokens(max);
        }
        let genai_request = if emulate {
            options = options.with_response_format(JsonSpec::new("answer", answer_schema(request)));
            emulated_request(request)
        } else {
            if let Some(tool) = &request.force_tool {
                options = options.with_tool_choice(ToolChoice::tool(tool.clone()));
            }
            to_genai_request(request)
        };
        let response = self
            .client
            .exec_chat_stream(&self.genai_model, genai_request, Some(&options))
            .await
            .map_err(map_error)?;
        let mut emulation = emulate.then(|| (String::new(), AnswerStream::default()));
        let stream = response.stream.flat_map(move |event| {
            let items: Vec<Result<StreamItem, ProviderError>> = match event {
                Err(e) => vec![Err(map_error(e))],
                Ok(ChatStreamEvent::Chunk(chunk)) if !chunk.content.is_empty() => {
                    match emulation.as_mut() {
                        Some((raw, answer)) => {
                            raw.push_str(&chunk.content);
                            let text = answer.push(&chunk.content);
                            if text.is_empty() {
                                Vec::new()
                            } else {
                                vec![Ok(StreamItem::Text(text))]
                            }
                        }
                        None => vec![Ok(StreamItem::Text(chunk.content))],
                    }
                }
                Ok(ChatStreamEvent::End(end)) => {
                    let mut items = Vec::new();
                    if let Some((raw, answer)) = emulation.as_ref() {
                        match parse_answer(raw, 0, answer.streamed) {
                            Ok(parsed) => items.extend(parsed.into_iter().map(Ok)),
                            Err(e) => items.push(Err(e)),
                        }
                    } else if let Some(content) = end.captured_content {
                        for part in content.into_parts() {
                            if let ContentPart::ToolCall(c) = part {
                                items.push(Ok(StreamItem::ToolCall(ToolCall {
                                    id: c.call_id,
                                    name: c.fn_name,
                                    arguments: normalize_arguments(c.fn_arguments),
                                })));
                            }
                        }
                    }
                    if let Some(u) = end.captured_usage {
                        items.push(Ok(StreamItem::Usage(Usage {
                            input_tokens: i64::from(u.prompt_tokens.unwrap_or(0)),
                            output_tokens: i64::from(u.completion_tokens.unwrap_or(0)),
                        })));
                    }
                    items
                }
                Ok(_) => Vec::new(),
            };
            futures::stream::iter(items)
        });
        // HTTP failures arrive as the stream's first item; surface them from `stream()` so the
        // caller's retry sees them before any output was produced.
        let mut stream = stream.boxed();
        match stream.next().await {
            Some(Err(e)) => Err(e),
            Some(Ok(first)) => Ok(futures::stream::once(async move { Ok(first) })
                .chain(stream)
                .boxed()),
            None => Ok(futures::stream::empty().boxed()),
        }
    }
}

/// Some servers send arguments as a JSON string inside the JSON; agents want the object.
fn normalize_arguments(args: serde_json::Value) -> serde_json::Value {
    match args {
        serde_json::Value::String(s) => {
            serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
        }
        serde_json::Value::Null => serde_json::json!({}),
        other => other,
    }
}

fn map_error(e: genai::Error) -> ProviderError {
    if let genai::Error::WebStream { error, .. } = &e
        && let Some(inner) = error.downcast_ref::<genai::Error>()
        && inner.status().is_some()
    {
        return map_status_error(inner);
    }
    if e.status().is_some() {
        return map_status_error(&e);
    }
    let message = truncate(&e.to_string(), 600);
    match &e {
        genai::Error::RequiresApiKey { .. }
        | genai::Error::NoAuthData { .. }
        | genai::Error::NoAuthResolver { .. } => ProviderError::Auth(message),
        genai::Error::WebModelCall {
            webc_error: genai::webc::Error::Reqwest(r),
            ..
        }
        | genai::Error::WebAdapterCall {
            webc_error: genai::webc::Error::Reqwest(r),
            ..
        } => {
            if r.is_timeout() {
                ProviderError::Timeout
            } else {
                ProviderError::Network(message)
            }
        }
        genai::Error::WebStream { cause, .. }
            if cause.to_lowercase().contains("timed out")
                || cause.to_lowercase().contains("timeout") =>
        {
            ProviderError::Timeout
        }
        // The connection broke, or the stream stopped in the middle of an event.
        genai::Error::WebStream { .. } => ProviderError::Interrupted(message),
        genai::Error::StreamParse { serde_error, .. } if serde_error.is_eof() => {
            ProviderError::Interrupted(message)
        }
        _ => ProviderError::Stream(message),
    }
}

/// An HTTP status from the provider as a typed error, with its Retry-After.
fn map_status_error(e: &genai::Error) -> ProviderError {
    let status = e.status().map(|s| s.as_u16()).unwrap_or(0);
    let retry_after = e.headers().and_then(retry_after);
    let message = truncate(&e.to_string(), 600);
    let lower = message.to_lowercase();
    match status {
        429 => ProviderError::RateLimited {
            retry_after,
            message,
        },
        401 | 403 => ProviderError::Auth(message),
        400 | 413
            if lower.contains("context")
                || lower.contains("too long")
                || lower.contains("maximum") =>
        {
            ProviderError::ContextTooLong(message)
        }
        s @ (408 | 500..=599) => ProviderError::Server {
            status: s,
            retry_after,
            message,
        },
        _ => ProviderError::BadRequest(message),
    }
}

/// `Retry-After` in seconds (or `retry-after-ms`), capped at five minutes.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let delay = if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        Duration::from_secs_f64(ms / 1000.0)
    } else {
        Duration::from_secs_f64(get("retry-after")?.parse::<f64>().ok()?)
    };
    Some(delay.min(Duration::from_secs(300)))
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
