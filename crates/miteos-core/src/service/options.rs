//! How Miteos is opened: where it keeps things, which providers it uses, and what it runs.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::orchestrator::Limits;
use crate::providers::{ModelConfig, ProviderSource};
use crate::tools::SearchConfig;

/// How to open Miteos.
#[derive(Clone)]
pub struct Options {
    /// Where the database, task folders and API token live.
    pub data_dir: PathBuf,
    /// A PostgreSQL database (`postgres://…`) to keep tasks, history, skills and settings in
    /// instead of `DATA_DIR/miteos.db`: a team's server.
    pub database_url: Option<String>,
    /// Provider configuration (from the environment); the `models` setting overlays it.
    pub models: ModelConfig,
    /// Replaces `models` as the source of providers (embedders, benchmarks).
    pub providers: Option<Arc<dyn ProviderSource>>,
    pub limits: Limits,
    /// Web search configuration (from the environment); the `search` setting overlays it.
    pub search: SearchConfig,
    /// Resume the tasks a previous process left running (hosts that stay up: the app, `serve`).
    /// Short commands leave them for the next host, so they are not started only to be cut.
    pub resume_interrupted: bool,
    /// Keep API keys in `DATA_DIR/secrets.json` (0600) even when a keyring runs: for tests and
    /// headless servers, so they never touch the user's keyring.
    pub keys_in_file: bool,
    /// Where local models are kept; `None`: the user's models folder, shared by every data
    /// directory (`MITEOS_MODELS_DIR`, else the platform's data dir), plus this data directory's
    /// own `models/` from before models were shared.
    pub models_dir: Option<PathBuf>,
    /// A Hugging Face mirror the catalog's downloads come from instead of huggingface.co (the
    /// `HF_ENDPOINT` convention of Hugging Face's own tools).
    pub hf_endpoint: Option<String>,
    /// Run the Skill Compiler by itself after a task completes (hosts that stay up). Short
    /// commands call [`Miteos::compile_by_itself`] themselves, in the foreground.
    pub compile_in_background: bool,
    /// On a shared database: new tasks wait in its queue for a worker (`miteos serve`), rather
    /// than run in the process that creates them (`miteos run`, and always on SQLite).
    pub queue_tasks: bool,
    /// On a shared database: how many queued tasks this process takes and runs at once (a
    /// worker); 0 takes none.
    pub worker_tasks: usize,
    /// On a shared database with a file store: how many subtasks of the team's tasks (its own
    /// and other workers') this worker runs the agents of at once; 0 runs none. `None`:
    /// [`DEFAULT_WORKER_AGENTS`] when it takes tasks, else none.
    pub worker_agents: Option<usize>,
    /// A team's file store (`file:///dir`, `s3://bucket/prefix`) holding every task's folder,
    /// so that the worker running a task has its attachments and any server has its
    /// deliverables; `None`: task folders stay in this data directory.
    pub files_url: Option<String>,
    /// How long a worker's lease on a task lasts unless renewed (a third of it apart): how soon
    /// another worker takes over the tasks of one that died.
    pub lease: Duration,
    /// On a team's server started as root: the uids (`FIRST-LAST`) its tasks' commands run as,
    /// one per task, so a command reads neither Miteos's data nor another task's folder.
    pub command_uids: Option<String>,
}

/// Subtasks' agents a worker runs at once unless told.
pub const DEFAULT_WORKER_AGENTS: usize = 8;

impl Options {
    /// How many of the team's subtasks this process runs the agents of at once.
    pub fn agents(&self) -> usize {
        self.worker_agents.unwrap_or(match self.worker_tasks {
            0 => 0,
            _ => DEFAULT_WORKER_AGENTS,
        })
    }

    pub fn new(data_dir: impl Into<PathBuf>, models: ModelConfig) -> Self {
        Options {
            data_dir: data_dir.into(),
            database_url: None,
            models,
            providers: None,
            limits: Limits::default(),
            search: SearchConfig::default(),
            resume_interrupted: true,
            keys_in_file: false,
            models_dir: None,
            hf_endpoint: std::env::var("HF_ENDPOINT")
                .ok()
                .filter(|v| !v.trim().is_empty()),
            compile_in_background: true,
            queue_tasks: false,
            files_url: None,
            worker_tasks: 0,
            worker_agents: None,
            lease: Duration::from_secs(15),
            command_uids: None,
        }
    }
}
