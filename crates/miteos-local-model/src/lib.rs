//! The embedded model: llama.cpp through `llama-cpp-2`, running on its own worker thread.
//!
//! One [`LocalEngine`] per model file: its thread loads the model once and keeps it, the chat
//! template and llguidance's token environment for every call. Calls queue on a channel and run
//! one at a time (a 2-core machine gains nothing from two at once). Tool calls are emulated
//! ([`miteos_providers::emulated_tools`]) under a JSON schema that llguidance enforces while sampling, so
//! even a tiny model produces valid plans and tool calls. Dropping the stream stops generation
//! within one token.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use async_trait::async_trait;
use futures::StreamExt;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llguidance::api::TopLevelGrammar;
use llguidance::{Matcher, ParserFactory};
use serde_json::Value;
use tokio::sync::mpsc as tokio_mpsc;

use miteos_providers::emulated_tools::{
    AnswerStream, answer_schema, parse_answer, plain_messages, system_prompt,
};
use miteos_providers::{
    ChatRequest, ModelProfile, Provider, ProviderError, ProviderStream, StreamItem, Usage,
};

/// Prompt tokens decoded per batch: small enough that a cancel during prompt processing is
/// noticed quickly, large enough to keep the CPU busy.
const PROMPT_BATCH: usize = 32;

/// Tokens looked back at, and the penalty for repeating one of them.
const REPEAT_WINDOW: i32 = 64;
const REPEAT_PENALTY: f32 = 1.3;

/// How the embedded model runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalSettings {
    /// CPU threads for generation and prompt processing.
    pub threads: i32,
    /// Largest context (prompt + answer) in tokens; capped by the model's training context.
    pub context: u32,
    /// Answer length when the request sets none.
    pub max_tokens: u32,
}

impl Default for LocalSettings {
    fn default() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        LocalSettings {
            threads: cores.clamp(1, 16) as i32,
            context: 8192,
            max_tokens: 1024,
        }
    }
}

impl LocalSettings {
    /// Defaults, overridden by `MITEOS_LOCAL_THREADS` and `MITEOS_LOCAL_CONTEXT`.
    pub fn from_env() -> Self {
        let mut s = LocalSettings::default();
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u32>().ok())
                .filter(|v| *v > 0)
        };
        if let Some(t) = var("MITEOS_LOCAL_THREADS") {
            s.threads = t.min(256) as i32;
        }
        if let Some(c) = var("MITEOS_LOCAL_CONTEXT") {
            s.context = c.clamp(512, 131_072);
        }
        s
    }
}

/// One message of a generation job, already flattened to chat turns.
struct Job {
    system: String,
    turns: Vec<(&'static str, String)>,
    schema: Option<Value>,
    max_tokens: u32,
    out: tokio_mpsc::UnboundedSender<Output>,
}

enum Output {
    Piece(String),
    Done {
        prompt_tokens: i64,
        completion_tokens: i64,
    },
    Failed(ProviderError),
}

/// A loaded (or loading) model file and the thread that runs it.
pub struct LocalEngine {
    jobs: mpsc::Sender<Job>,
    /// True while the worker runs a job: a cancelled job must clear it within one token.
    busy: Arc<AtomicBool>,
    /// Size of the model file: a cheap measure of how capable (and slow) the model is.
    model_bytes: u64,
}

impl LocalEngine {
    /// Starts the worker thread; the model loads there, and load errors answer the first call.
    pub fn start(path: PathBuf, settings: LocalSettings) -> Arc<Self> {
        let model_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let (tx, rx) = mpsc::channel::<Job>();
        let busy = Arc::new(AtomicBool::new(false));
        let worker_busy = busy.clone();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let spawned = std::thread::Builder::new()
            .name("miteos-llm".into())
            .spawn(move || {
                let loaded = Loaded::load(&path, settings);
                if let Err(e) = &loaded {
                    tracing::error!(model = %name, error = %e, "the local model did not load");
                }
                for job in rx {
                    worker_busy.store(true, Ordering::SeqCst);
                    match &loaded {
                        Ok(model) => model.generate(job, settings),
                        Err(e) => {
                            let _ = job
                                .out
                                .send(Output::Failed(ProviderError::Unavailable(e.clone())));
                        }
                    }
                    worker_busy.store(false, Ordering::SeqCst);
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the local model's thread");
        }
        Arc::new(LocalEngine {
            jobs: tx,
            busy,
            model_bytes,
        })
    }

    /// Whether the model is generating (or processing a prompt) right now.
    pub fn is_busy(&self) -> bool {
        self.busy.load(Ordering::SeqCst)
    }
}

/// llama.cpp's backend may be initialised once per process.
fn backend() -> Result<&'static LlamaBackend, String> {
    static BACKEND: std::sync::OnceLock<Result<LlamaBackend, String>> = std::sync::OnceLock::new();
    BACKEND
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(
                llama_cpp_2::LogOptions::default().with_logs_enabled(false),
            );
            LlamaBackend::init().map_err(|e| format!("llama.cpp did not start: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

struct Loaded {
    model: LlamaModel,
    template: LlamaChatTemplate,
    grammars: ParserFactory,
    context: u32,
}

impl Loaded {
    fn load(path: &std::path::Path, settings: LocalSettings) -> Result<Loaded, String> {
        let backend = backend()?;
        let model = LlamaModel::load_from_file(backend, path, &LlamaModelParams::default())
            .map_err(|e| format!("cannot load {}: {e}", path.display()))?;
        let template = model
            .chat_template(None)
            .map_err(|e| format!("{} has no usable chat template: {e}", path.display()))?;
        let tok_env = LlamaSampler::llguidance_tok_env(&model);
        let grammars = ParserFactory::new_simple(&tok_env)
            .map_err(|e| format!("cannot prepare constrained sampling: {e}"))?;
        let context = settings.context.min(model.n_ctx_train().max(512));
        Ok(Loaded {
            model,
            template,
            grammars,
            context,
        })
    }

    fn generate(&self, job: Job, settings: LocalSettings) {
        let out = job.out.clone();
        match self.run(job, settings) {
            Ok(()) => {}
            Err(e) => {
                let _ = out.send(Output::Failed(e));
            }
        }
    }

    /// The job's conversation through the model's chat template, as tokens.
    fn prompt_tokens(&self, job: &Job) -> Result<Vec<LlamaToken>, ProviderError> {
        let clean = |s: &str| s.replace('\0', "");
        let mut chat = vec![
            LlamaChatMessage::new("system".into(), clean(&job.system))
                .map_err(|e| failed("prompt", &e))?,
        ];
        for (role, text) in &job.turns {
            chat.push(
                LlamaChatMessage::new((*role).into(), clean(text))
                    .map_err(|e| failed("prompt", &e))?,
            );
        }
        let prompt = self
            .model
            .apply_chat_template(&self.template, &chat, true)
            .map_err(|e| failed("chat template", &e))?;
        Ok(self.model.vocab().tokenize(prompt.as_bytes(), true, true))
    }

    /// How the next token is chosen: under the job's JSON schema (llguidance) when it has one,
    /// else sampled; a repetition penalty first either way, since small models loop.
    fn sampler(&self, schema: Option<&Value>) -> LlamaSampler {
        let repetition_penalty = || {
            LlamaSampler::penalties(
                self.model.n_vocab(),
                REPEAT_WINDOW,
                REPEAT_PENALTY,
                0.0,
                0.0,
            )
        };
        match schema {
            Some(schema) => {
                let mut schema = schema.clone();
                // Compact JSON: no runs of whitespace for a small model to get lost in.
                schema["x-guidance"] = serde_json::json!({"whitespace_flexible": false});
                let parser = self
                    .grammars
                    .create_parser(TopLevelGrammar::from_json_schema(schema));
                // Small models loop; a repetition penalty before the grammar keeps them moving
                // towards the end of the object.
                LlamaSampler::chain_simple([
                    repetition_penalty(),
                    LlamaSampler::from(Matcher::new(parser)),
                    LlamaSampler::greedy(),
                ])
            }
            None => LlamaSampler::chain_simple([
                repetition_penalty(),
                LlamaSampler::top_k(40),
                LlamaSampler::top_p(0.9, 1),
                LlamaSampler::temp(0.7),
                LlamaSampler::dist(1234),
            ]),
        }
    }

    fn run(&self, job: Job, settings: LocalSettings) -> Result<(), ProviderError> {
        let tokens = self.prompt_tokens(&job)?;
        let n_prompt = tokens.len() as u32;
        if n_prompt + 16 > self.context {
            return Err(ProviderError::ContextTooLong(format!(
                "the prompt has {n_prompt} tokens; the local model's context holds {}",
                self.context
            )));
        }
        let max_tokens = job.max_tokens.min(self.context - n_prompt);
        let n_ctx = (n_prompt + max_tokens).div_ceil(256) * 256;
        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(n_ctx.min(self.context)))
            .with_n_batch(512)
            .with_n_threads(settings.threads)
            .with_n_threads_batch(settings.threads);
        let mut ctx = self
            .model
            .new_context(backend().map_err(ProviderError::Unavailable)?, params)
            .map_err(|e| failed("context", &e))?;

        let mut sampler = self.sampler(job.schema.as_ref());

        // The prompt goes in small batches so a cancel is noticed within one batch (~0.2 s here).
        let mut batch = LlamaBatch::new(PROMPT_BATCH, 1);
        let last = tokens.len() - 1;
        for (chunk_no, chunk) in tokens.chunks(PROMPT_BATCH).enumerate() {
            batch.clear();
            for (i, token) in chunk.iter().enumerate() {
                let pos = chunk_no * PROMPT_BATCH + i;
                batch
                    .add(*token, pos as i32, &[0], pos == last)
                    .map_err(|e| failed("batch", &e))?;
            }
            ctx.decode(&mut batch)
                .map_err(|e| failed("prompt processing", &e))?;
            if job.out.is_closed() {
                return Ok(());
            }
        }

        let vocab = self.model.vocab();
        let mut pending = Vec::new();
        let mut generated = 0i64;
        for position in (tokens.len() as i32..).take(max_tokens as usize) {
            if job.out.is_closed() {
                // The caller dropped the stream: cancelled.
                return Ok(());
            }
            let token = sampler.sample(&ctx, batch.n_tokens() - 1);
            generated += 1;
            if vocab.is_eog(token) {
                break;
            }
            pending.extend(vocab.token_to_piece(token, false, None));
            let valid = match std::str::from_utf8(&pending) {
                Ok(s) => s.len(),
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                Err(e) => e.valid_up_to() + e.error_len().unwrap_or(1),
            };
            if valid > 0 {
                let text = String::from_utf8_lossy(&pending[..valid]).into_owned();
                pending.drain(..valid);
                let _ = job.out.send(Output::Piece(text));
            }
            batch.clear();
            batch
                .add(token, position, &[0], true)
                .map_err(|e| failed("batch", &e))?;
            ctx.decode(&mut batch)
                .map_err(|e| failed("generation", &e))?;
        }
        let _ = job.out.send(Output::Done {
            prompt_tokens: i64::from(n_prompt),
            completion_tokens: generated,
        });
        Ok(())
    }
}

/// A model of the engine as a [`Provider`]: `local::<name>`, cost 0.
pub struct LocalProvider {
    engine: Arc<LocalEngine>,
    model: String,
    settings: LocalSettings,
    profile: ModelProfile,
}

/// Models in files under this size (roughly 1B parameters at 4-bit) get the small-model pipeline.
const SMALL_MODEL_BYTES: u64 = 1 << 30;
/// Models under this size (up to about 3B parameters at 4 to 8 bits) plan and act, but on a
/// laptop's cores each call takes tens of seconds: their plans and agents are kept short.
const COMPACT_MODEL_BYTES: u64 = 3 << 30;

impl LocalProvider {
    pub fn new(engine: Arc<LocalEngine>, model: String, settings: LocalSettings) -> Self {
        let context = Some(settings.context);
        let profile = if engine.model_bytes < SMALL_MODEL_BYTES {
            ModelProfile::small(context)
        } else if engine.model_bytes < COMPACT_MODEL_BYTES {
            ModelProfile {
                context,
                max_plan_subtasks: Some(4),
                max_agent_steps: Some(6),
                small: false,
            }
        } else {
            ModelProfile {
                context,
                ..ModelProfile::default()
            }
        };
        LocalProvider {
            engine,
            model,
            settings,
            profile,
        }
    }

    pub fn engine(&self) -> &Arc<LocalEngine> {
        &self.engine
    }
}

#[async_trait]
impl Provider for LocalProvider {
    fn model(&self) -> &str {
        &self.model
    }

    fn profile(&self) -> ModelProfile {
        self.profile
    }

    fn is_local(&self) -> bool {
        true
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ProviderStream, ProviderError> {
        let structured = !request.tools.is_empty() || request.force_tool.is_some();
        let (tx, rx) = tokio_mpsc::unbounded_channel();
        let job = Job {
            system: if structured {
                system_prompt(request)
            } else {
                request.system.clone()
            },
            turns: plain_messages(request),
            schema: structured.then(|| answer_schema(request)),
            max_tokens: request.max_tokens.unwrap_or(self.settings.max_tokens),
            out: tx,
        };
        self.engine.jobs.send(job).map_err(|_| {
            ProviderError::Unavailable("the local model's thread has stopped".into())
        })?;
        Ok(output_stream(rx, structured))
    }
}

/// Turns the worker's outputs into stream items: raw text when unstructured; otherwise the final
/// answer streamed as it is decoded, and the tool call or answer parsed at the end.
struct Decoder {
    rx: tokio_mpsc::UnboundedReceiver<Output>,
    structured: bool,
    raw: String,
    answer: AnswerStream,
    done: bool,
}

fn output_stream(rx: tokio_mpsc::UnboundedReceiver<Output>, structured: bool) -> ProviderStream {
    let decoder = Decoder {
        rx,
        structured,
        raw: String::new(),
        answer: AnswerStream::default(),
        done: false,
    };
    futures::stream::unfold(decoder, |mut d| async move {
        if d.done {
            return None;
        }
        let items: Vec<Result<StreamItem, ProviderError>> = match d.rx.recv().await {
            None => {
                d.done = true;
                vec![Err(ProviderError::Stream(
                    "the local model stopped unexpectedly".into(),
                ))]
            }
            Some(Output::Failed(e)) => {
                d.done = true;
                vec![Err(e)]
            }
            Some(Output::Piece(piece)) if !d.structured => vec![Ok(StreamItem::Text(piece))],
            Some(Output::Piece(piece)) => {
                d.raw.push_str(&piece);
                let text = d.answer.push(&piece);
                if text.is_empty() {
                    Vec::new()
                } else {
                    vec![Ok(StreamItem::Text(text))]
                }
            }
            Some(Output::Done {
                prompt_tokens,
                completion_tokens,
            }) => {
                d.done = true;
                let mut items: Vec<_> = if d.structured {
                    match parse_answer(&d.raw, 0, d.answer.streamed) {
                        Ok(items) => items.into_iter().map(Ok).collect(),
                        Err(e) => vec![Err(e)],
                    }
                } else {
                    Vec::new()
                };
                items.push(Ok(StreamItem::Usage(Usage {
                    input_tokens: prompt_tokens,
                    output_tokens: completion_tokens,
                })));
                items
            }
        };
        Some((futures::stream::iter(items), d))
    })
    .flatten()
    .boxed()
}

/// A step of a model call that failed, as the provider's error.
fn failed(what: &str, e: &dyn std::fmt::Display) -> ProviderError {
    ProviderError::Stream(format!("{what}: {e}"))
}
