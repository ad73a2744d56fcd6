//! Models as the user meets them: the catalog of recommended local models, their downloads, what
//! the machine already has (keys, Ollama, compatible servers), the choice of how Miteos thinks,
//! and the price list. Shapes only; the providers crate and the service fill them in.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A model of the catalog of recommended local models (`crates/miteos-providers/data/catalog.json` in the repository).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogModel {
    /// The installed file's stem: tasks name the model `local::<name>`.
    pub name: String,
    /// "Qwen3 1.7B", as people call it.
    pub title: String,
    pub family: String,
    /// Billions of parameters.
    pub parameters_b: f64,
    /// Where the GGUF file is downloaded from.
    pub url: String,
    /// The file's size in bytes as the publisher lists it.
    pub size_bytes: u64,
    /// The publisher's SHA-256 of the file, when it lists one; otherwise the hash is recorded at
    /// the first download and later downloads are checked against it.
    #[ts(optional = nullable)]
    pub sha256: Option<String>,
    /// Memory the model needs to run with its default context, in GB.
    pub memory_gb: f64,
    /// The context length it was trained for, in tokens.
    pub context: u32,
    /// How well it calls tools: `good`, `fair`, `poor` or `demo` (cannot do real work).
    pub tool_calling: String,
    pub licence: String,
    /// One line on what it is good for.
    pub notes: String,
}

/// The machine, as the catalog's recommendations see it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Machine {
    pub memory_bytes: u64,
    pub cores: u32,
    /// Free space where models are kept.
    #[ts(optional = nullable)]
    pub free_disk_bytes: Option<u64>,
}

/// A catalog model as offered on this machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogEntry {
    pub model: CatalogModel,
    /// Its file is in the models folder.
    pub installed: bool,
    /// The machine has the memory to run it.
    pub fits: bool,
    /// `small`, `medium` or `large` when it is one of the machine's three picks.
    #[ts(optional = nullable)]
    pub pick: Option<String>,
}

/// The catalog for this machine: every model, the machine, and the one Miteos recommends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Catalog {
    pub machine: Machine,
    pub models: Vec<CatalogEntry>,
    /// The name of the recommended model (the medium pick), if any fits.
    #[ts(optional = nullable)]
    pub recommended: Option<String>,
    /// Where models are kept (shared by every data directory; `MITEOS_MODELS_DIR` moves it).
    pub models_dir: String,
}

/// Where a download is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DownloadState {
    Running,
    /// Stopped by the user; the part downloaded is kept and resumed from.
    Paused,
    Complete,
    Failed,
    /// Stopped by the user; the part downloaded is deleted.
    Cancelled,
}

/// A model download and its progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Download {
    /// The model's name (`local::<name>` once installed).
    pub name: String,
    pub url: String,
    pub state: DownloadState,
    pub done_bytes: u64,
    #[ts(optional = nullable)]
    pub total_bytes: Option<u64>,
    /// Recent speed, bytes per second.
    pub bytes_per_second: f64,
    /// Time left at that speed.
    #[ts(optional = nullable)]
    pub seconds_left: Option<f64>,
    /// Why it failed.
    #[ts(optional = nullable)]
    pub error: Option<String>,
}

/// What to download: a catalog model by `name`, or any GGUF file by `url` (named after its file
/// unless `name` says otherwise, checked against `sha256` when given).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DownloadRequest {
    #[serde(default)]
    #[ts(optional = nullable)]
    pub name: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub url: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub sha256: Option<String>,
}

/// An API key Miteos can use, without the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DetectedKey {
    /// `openai`, `anthropic` or `openrouter`.
    pub provider: String,
    /// `environment` or `key store`.
    pub source: String,
    /// The model Miteos would use with it.
    pub model: String,
}

/// A model server running on this machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DetectedServer {
    /// `ollama`, `llama.cpp`, `lm-studio`, `vllm` or `openai-compatible`.
    pub kind: String,
    /// Its address: Ollama's host, or the compatible server's base URL (ending in `/v1`).
    pub url: String,
    /// Its models, as `provider::model` (ready for a task's `model`).
    pub models: Vec<String>,
}

/// An installed local model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocalModel {
    /// `local::<name>`.
    pub model: String,
    pub size_bytes: u64,
    /// Too small to do real work (the built-in SmolLM2-135M): a demo of the pipeline.
    pub demo: bool,
}

/// What "How should Miteos think?" offers: what the machine already has, and what is chosen now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelSetup {
    pub keys: Vec<DetectedKey>,
    pub servers: Vec<DetectedServer>,
    pub local: Vec<LocalModel>,
    /// The model new tasks run on now, if any.
    #[ts(optional = nullable)]
    pub current: Option<String>,
    /// The current model is too small for real work.
    pub current_is_demo: bool,
    /// The user has answered the question (Settings → Models asks it again).
    pub chosen: bool,
}

/// The answer to "How should Miteos think?".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelChoice {
    /// `provider::model` or `local::<name>`.
    pub model: String,
    /// For `openai::` models on a compatible server: its base URL.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub base_url: Option<String>,
    /// For `ollama::` models: Ollama's address.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub ollama_host: Option<String>,
    /// A pasted API key for the model's provider; checked with one cheap call, then saved in
    /// the key store.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub api_key: Option<String>,
}

/// One row of the price list, as Settings and `GET /prices` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceEntry {
    /// `provider::model` (or a bare model name, which matches every provider's model of that name).
    pub model: String,
    /// USD per million input tokens.
    pub input: f64,
    /// USD per million output tokens.
    pub output: f64,
    /// `user`, `openrouter` or `builtin`.
    pub source: String,
    /// When OpenRouter's list was fetched (RFC 3339); `null` for the other sources.
    #[ts(optional = nullable)]
    pub fetched_at: Option<String>,
}

/// A price the user sets for a model (USD per million tokens).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceInput {
    pub model: String,
    pub input: f64,
    pub output: f64,
}
