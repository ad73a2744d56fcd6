//! The one API every transport calls: the HTTP handlers, the CLI and the desktop commands are thin
//! adapters over [`Miteos`]. It validates input, stores, starts and cancels task runs, and serves
//! history, deliverables and the event journal.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{RwLock, broadcast, watch};
use tokio_util::sync::CancellationToken;

use crate::domain::{Task, TaskStatus};
use crate::error::{Error, Result};
use crate::events::{Event, EventKind};
use crate::ids::{is_task_id, new_task_id};
use crate::models::ModelStore;
use crate::orchestrator::{
    ApprovalDesk, BudgetDesk, Limits, RunCtx, builtin_agent_types, run_task,
};
use crate::providers::pricing::{Price, PriceTable};
use crate::providers::source::DefaultProviders;
use crate::providers::{ModelConfig, ProviderSource};
use crate::store::{Journal, Store, TaskFilter};
use crate::tools::{McpHub, SearchConfig, SearchEngine, ToolRegistry};

mod agent_types;
mod approvals;
mod attachments;
mod budget;
mod deliverables;
mod lifecycle;
mod lock;
mod mcp;
mod publish;
mod resume;
pub mod settings;
mod skills;

pub use agent_types::AgentTypeInput;
use attachments::checked_attachments;
pub use attachments::{Attachment, INPUTS_DIR, MAX_ATTACHMENT_BYTES};

pub use publish::{DEFAULT_SHARE_LIFETIME, MAX_SHARE_LIFETIME, SharedFile};

pub use settings::{
    ApiAddress, KeyState, ProviderSettings, SearchSettings, Settings, SettingsUpdate,
    StagingAddress,
};

/// Longest prompt accepted, in bytes.
pub const MAX_PROMPT_BYTES: usize = 32 * 1024;
/// Largest history page.
pub const MAX_PAGE: u32 = 100;
/// Longest history search text, in bytes.
pub const MAX_SEARCH_BYTES: usize = 512;
/// Journal rows read per query when a stream replays a task's events.
const REPLAY_BATCH: u32 = 500;
/// How long `cancel_task` waits for the agents to stop before it answers.
const CANCEL_WAIT: Duration = Duration::from_secs(10);

/// How to open Miteos.
#[derive(Clone)]
pub struct Options {
    /// Where the database, task folders and API token live.
    pub data_dir: PathBuf,
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
}

impl Options {
    pub fn new(data_dir: impl Into<PathBuf>, models: ModelConfig) -> Self {
        Options {
            data_dir: data_dir.into(),
            models,
            providers: None,
            limits: Limits::default(),
            search: SearchConfig::default(),
            resume_interrupted: true,
            keys_in_file: false,
        }
    }
}

/// Input of `create_task`.
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    pub prompt: String,
    pub workspace_id: Option<String>,
    /// `provider::model` for this task, instead of the configured default.
    pub model: Option<String>,
    /// Documents the agents work from, saved in the task's `inputs/` folder before it starts.
    pub attachments: Vec<Attachment>,
    /// Changes to the default budget (Settings) for this task.
    pub budget: Option<crate::budget::BudgetChange>,
    /// Plan the task afresh even when it matches a skill.
    pub skip_skills: bool,
    /// Run from this skill (whatever its status: a validation run uses it), the prompt binding
    /// its parameters; instead of the skill the prompt matches.
    pub skill_id: Option<String>,
}

/// A cheap-clone handle to a running Miteos.
#[derive(Clone)]
pub struct Miteos {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    journal: Journal,
    tools: ToolRegistry,
    http: reqwest::Client,
    data_dir: PathBuf,
    /// Replaced when the provider settings change; a running task keeps the provider it started with.
    providers: std::sync::RwLock<Arc<dyn ProviderSource>>,
    /// True when the embedder supplied the providers: settings then never replace them.
    injected_providers: bool,
    /// Environment configuration, the base that saved settings and keys overlay.
    env_models: ModelConfig,
    env_search: SearchConfig,
    /// Replaced when the search settings change; a running task keeps the one it started with.
    search: std::sync::RwLock<Option<Arc<SearchEngine>>>,
    secrets: crate::secrets::Secrets,
    prices: Arc<PriceTable>,
    limits: std::sync::RwLock<Limits>,
    /// Runs in progress, by task id.
    running: Mutex<HashMap<String, RunHandle>>,
    /// Set by `shutdown` when the running tasks are to resume on the next start.
    halt: Arc<std::sync::atomic::AtomicBool>,
    /// Cancelled when shutdown begins: live event streams end and servers stop accepting.
    closing: CancellationToken,
    /// Work that outlives the request that started it (task runs, skill validations), so that
    /// shutdown can wait for it.
    background: tokio_util::task::TaskTracker,
    provider_slots: Arc<crate::orchestrator::ProviderSlots>,
    /// The built-in deployment target (Miteos's staging server).
    staging: crate::publish::LocalStaging,
    /// Base URL of the staging/share server once it listens.
    public_base: std::sync::RwLock<Option<String>>,
    /// Held (locked) while this process owns the data directory: a second process would end this
    /// one's running tasks as "interrupted" when it opens, so it must not open at all.
    _lock: std::fs::File,
}

#[derive(Clone)]
struct RunHandle {
    cancel: CancellationToken,
    gate: Arc<RwLock<()>>,
    approvals: Arc<ApprovalDesk>,
    budget: Arc<BudgetDesk>,
    done: watch::Receiver<bool>,
}

impl Miteos {
    /// Opens the data directory (creating it), migrates the database, seeds the built-in agent
    /// types, and resumes tasks a previous process left unfinished.
    pub async fn open(options: Options) -> Result<Self> {
        let data_dir = options.data_dir;
        std::fs::create_dir_all(data_dir.join("tasks"))
            .map_err(|e| Error::io(format!("creating data directory {}", data_dir.display()), e))?;
        let lock = lock::lock_data_dir(&data_dir)?;
        let store = Store::open(&data_dir.join("miteos.db")).await?;
        store.seed_agent_types(&builtin_agent_types()).await?;
        let secrets = {
            let dir = data_dir.clone();
            let in_file = options.keys_in_file;
            tokio::task::spawn_blocking(move || crate::secrets::Secrets::open(&dir, in_file))
                .await
                .map_err(|e| Error::Internal(format!("opening the key store: {e}")))??
        };
        let injected_providers = options.providers.is_some();
        let keys = settings::saved_keys(&secrets).await?;
        let (config, search) = settings::effective(
            &store,
            &keys,
            options.models.clone(),
            options.search.clone(),
        )
        .await?;
        let providers: Arc<dyn ProviderSource> = match options.providers {
            Some(source) => source,
            None => Arc::new(DefaultProviders::new(config, ModelStore::new(&data_dir))),
        };
        let search = search
            .engine()
            .unwrap_or_else(|e| {
                tracing::warn!(reason = %e, "web search is configured but cannot be used");
                None
            })
            .map(Arc::new);
        let limits = match store.setting::<u32>(settings::CONCURRENCY_KEY).await? {
            Some(n) => Limits {
                max_concurrency: n as usize,
                ..options.limits
            },
            None => options.limits,
        };
        let prices = store
            .setting::<HashMap<String, Price>>("prices")
            .await?
            .unwrap_or_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("Miteos/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| Error::Internal(format!("building the HTTP client: {e}")))?;
        let staging = crate::publish::LocalStaging::new(&data_dir);
        let mcp = Arc::new(McpHub::open(&data_dir)?);
        let miteos = Miteos {
            inner: Arc::new(Inner {
                journal: Journal::new(store.clone()),
                store,
                tools: ToolRegistry::with_mcp(mcp),
                http,
                data_dir,
                providers: std::sync::RwLock::new(providers),
                injected_providers,
                env_models: options.models,
                env_search: options.search,
                search: std::sync::RwLock::new(search),
                secrets,
                prices: Arc::new(PriceTable::with_overrides(prices)),
                limits: std::sync::RwLock::new(limits),
                running: Mutex::new(HashMap::new()),
                halt: Arc::new(std::sync::atomic::AtomicBool::new(false)),
                closing: CancellationToken::new(),
                background: tokio_util::task::TaskTracker::new(),
                provider_slots: Arc::new(crate::orchestrator::ProviderSlots::new(
                    limits.max_provider_calls,
                )),
                staging,
                public_base: std::sync::RwLock::new(None),
                _lock: lock,
            }),
        };
        if options.resume_interrupted {
            miteos.resume_interrupted_tasks().await?;
        }
        Ok(miteos)
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// The local models (GGUF files) of this data directory.
    pub fn models(&self) -> ModelStore {
        ModelStore::new(&self.inner.data_dir)
    }

    /// The HTTP client Miteos uses (model downloads, web tools).
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The model tasks run on unless they name one; errors say how to configure a provider.
    pub fn default_model(&self) -> Result<String> {
        self.providers().resolve_model(None)
    }

    /// Validates and stores a task, then starts it. Answers the task as stored (`pending`).
    pub async fn create_task(&self, new: NewTask) -> Result<Task> {
        if self.is_closing() {
            return Err(Error::Conflict(
                "Miteos is shutting down; start the task again once it is back".into(),
            ));
        }
        let prompt = new.prompt.trim().to_owned();
        if prompt.is_empty() {
            return Err(Error::InvalidInput(
                "the prompt is empty: describe the task".into(),
            ));
        }
        if prompt.len() > MAX_PROMPT_BYTES {
            return Err(Error::TooLarge(format!(
                "the prompt has {} bytes; at most {MAX_PROMPT_BYTES} are accepted",
                prompt.len()
            )));
        }
        let workspace_id = new
            .workspace_id
            .map(|w| w.trim().to_owned())
            .filter(|w| !w.is_empty());
        if let Some(w) = &workspace_id
            && (w.len() > 128
                || !w
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        {
            return Err(Error::InvalidInput(
                "workspace_id may have up to 128 letters, digits, '-' and '_'".into(),
            ));
        }
        let attachments = checked_attachments(new.attachments)?;
        let budget = match &new.budget {
            Some(change) => self.default_budget().await?.with(change)?,
            None => self.default_budget().await?,
        };
        let providers = self.providers();
        let model = providers.resolve_model(new.model.as_deref())?;
        let provider = providers.provider(&model)?;
        let task = Task {
            id: new_task_id(),
            prompt,
            status: TaskStatus::Pending,
            total_tokens_used: 0,
            total_cost_cents: 0,
            created_at: Utc::now(),
            subtasks: Vec::new(),
            total_cost_usd: 0.0,
            title: None,
            workspace_id,
            model: model.clone(),
            started_at: None,
            finished_at: None,
            error: None,
            steps: 0,
            budget: Some(budget),
            estimate: None,
            paused: None,
            skill_id: None,
        };
        if !attachments.is_empty() {
            let inputs = self.task_dir(&task.id).join(INPUTS_DIR);
            let write = || -> std::io::Result<()> {
                std::fs::create_dir_all(&inputs)?;
                for a in &attachments {
                    std::fs::write(inputs.join(&a.name), &a.bytes)?;
                }
                Ok(())
            };
            write().map_err(|e| Error::io("saving the task's attachments", e))?;
        }
        let mut task = task;
        // A prompt worded as a skill's template runs from it; one worded otherwise may still,
        // when a short model call at the start of the run binds it (see the orchestrator).
        let matched = match &new.skill_id {
            Some(id) => {
                let skill = self.skill(id).await?;
                let Some(matched) = skill.pattern_match(&task.prompt) else {
                    return Err(Error::InvalidInput(format!(
                        "the prompt does not fit skill {}: {}",
                        skill.name, skill.prompt_template
                    )));
                };
                Some(matched)
            }
            None if new.skip_skills => None,
            None => {
                let skills = self.inner.store.active_skills().await?;
                crate::skills::Skill::best_match(&skills, &task.prompt).map(|(_, m)| m)
            }
        };
        self.inner.store.insert_task(&task).await?;
        if new.skip_skills {
            self.inner.store.set_task_skips_skills(&task.id).await?;
        }
        if let Some(matched) = &matched {
            self.inner.store.set_task_skill(&task.id, matched).await?;
            task.skill_id = Some(matched.skill_id.clone());
        }
        self.inner
            .journal
            .append(
                &task.id,
                EventKind::TaskCreated {
                    prompt: task.prompt.clone(),
                    model,
                },
            )
            .await?;
        self.start(&task, provider, false).await?;
        Ok(task)
    }

    async fn start(
        &self,
        task: &Task,
        provider: Arc<dyn crate::providers::Provider>,
        resume: bool,
    ) -> Result<()> {
        let inner = &self.inner;
        let providers = self.providers();
        let search = inner
            .search
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let cancel = CancellationToken::new();
        let budget = match task.budget {
            Some(budget) => budget,
            None => self.default_budget().await?,
        };
        // The skill the task runs from, as it is now, with the prompt's parameters.
        let choice = inner.store.task_skill(&task.id).await?;
        let skill = match &choice.skill_id {
            Some(id) => inner.store.skill(id).await?.and_then(|skill| {
                let matched =
                    (choice.matched.clone()).or_else(|| skill.pattern_match(&task.prompt))?;
                Some(Arc::new(crate::skills::SkillRun { skill, matched }))
            }),
            None => None,
        };
        let ctx = RunCtx {
            store: inner.store.clone(),
            journal: inner.journal.clone(),
            tools: inner.tools.clone(),
            prices: inner.prices.clone(),
            retry: providers.retry_policy(),
            providers,
            http: inner.http.clone(),
            search,
            shell_allow: Arc::new(self.shell_allow().await?),
            limits: self.limits(),
            task_id: task.id.clone(),
            prompt: task.prompt.clone(),
            task_dir: self.task_dir(&task.id),
            provider,
            agent_types: Arc::new(inner.store.agent_types().await?),
            gate: Arc::new(RwLock::new(())),
            approvals: Arc::new(ApprovalDesk::default()),
            resume,
            halt: inner.halt.clone(),
            provider_slots: inner.provider_slots.clone(),
            budget: Arc::new(BudgetDesk::new(budget, cancel.clone())),
            skill,
            use_skills: choice.use_skills,
        };
        let (done_tx, done_rx) = watch::channel(false);
        self.lock_running().insert(
            task.id.clone(),
            RunHandle {
                cancel: cancel.clone(),
                gate: ctx.gate.clone(),
                approvals: ctx.approvals.clone(),
                budget: ctx.budget.clone(),
                done: done_rx,
            },
        );
        let this = self.clone();
        let id = task.id.clone();
        self.spawn_background(async move {
            run_task(ctx, cancel).await;
            this.lock_running().remove(&id);
            let _ = done_tx.send(true);
        });
        Ok(())
    }

    /// The provider source tasks start with now.
    fn providers(&self) -> Arc<dyn ProviderSource> {
        self.inner
            .providers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn limits(&self) -> Limits {
        *self.inner.limits.read().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<String, RunHandle>> {
        // A poisoned map only means another thread panicked mid-insert; the map itself is fine.
        self.inner.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn task_dir(&self, task_id: &str) -> PathBuf {
        self.inner.data_dir.join("tasks").join(task_id)
    }

    pub async fn get_task(&self, id: &str) -> Result<Task> {
        check_task_id(id)?;
        self.inner.store.get_task(id).await
    }

    /// History, newest first, narrowed by `filter` (state, text in the prompt or title).
    pub async fn list_tasks(
        &self,
        mut filter: TaskFilter,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<Task>> {
        check_page(limit)?;
        filter.text = filter
            .text
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        if filter
            .text
            .as_ref()
            .is_some_and(|t| t.len() > MAX_SEARCH_BYTES)
        {
            return Err(Error::InvalidInput(format!(
                "the search text may have at most {MAX_SEARCH_BYTES} bytes"
            )));
        }
        self.inner.store.list_tasks(&filter, limit, offset).await
    }

    /// Completed tasks, newest first: the Skill Compiler's input.
    pub async fn completed_tasks(&self, limit: u32, offset: u32) -> Result<Vec<Task>> {
        check_page(limit)?;
        let filter = TaskFilter {
            status: Some(TaskStatus::Completed),
            text: None,
        };
        self.inner.store.list_tasks(&filter, limit, offset).await
    }

    /// Stops every agent of the task and waits (briefly) until the task is `cancelled`.
    pub async fn cancel_task(&self, id: &str) -> Result<Task> {
        let task = self.get_task(id).await?;
        if task.status.is_finished() {
            return Err(already_ended(id, task.status));
        }
        let handle = self.lock_running().get(id).cloned();
        match handle {
            Some(handle) => {
                {
                    let _gate = handle.gate.write().await;
                    let now = self.inner.store.get_task(id).await?;
                    if now.status.is_finished() {
                        return Err(already_ended(id, now.status));
                    }
                    if !handle.cancel.is_cancelled() {
                        handle.cancel.cancel();
                        self.inner
                            .journal
                            .append(id, EventKind::CancelRequested)
                            .await?;
                    }
                }
                let mut done = handle.done;
                let _ = tokio::time::timeout(CANCEL_WAIT, done.wait_for(|d| *d)).await;
            }
            None => {
                self.end_without_run(id, TaskStatus::Cancelled, "cancelled by the user")
                    .await?
            }
        }
        self.get_task(id).await
    }

    /// Waits until the task reaches a final state.
    pub async fn wait(&self, id: &str) -> Result<Task> {
        let handle = self.lock_running().get(id).cloned();
        if let Some(handle) = handle {
            let mut done = handle.done;
            let _ = done.wait_for(|d| *d).await;
        }
        self.get_task(id).await
    }

    /// Live events of every task. Pair with [`Miteos::events_after`] to catch up first.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.inner.journal.subscribe()
    }

    /// A task's events after `seq`: the journal first, then live events as they happen, ending
    /// after `task_finished` or when shutdown begins (the consumer reconnects to a new process
    /// with the last `seq` it saw). A subscriber that lags behind the live broadcast re-reads the
    /// journal, so no event is ever skipped; a journal that cannot be read ends the stream (the
    /// consumer resumes from the last `seq` it saw).
    pub async fn task_events(
        &self,
        task_id: &str,
        after: i64,
    ) -> Result<impl futures::Stream<Item = Event> + Send + use<>> {
        self.get_task(task_id).await?;
        // Subscribe before replaying, so nothing published in between is lost.
        let mut live = self.subscribe();
        let journal = self.inner.journal.clone();
        let task_id = task_id.to_owned();
        let mut last = after;
        let closing = self.inner.closing.clone();
        let events = async_stream::stream! {
            'replay: loop {
                loop {
                    let batch = match journal.read(&task_id, last, REPLAY_BATCH).await {
                        Ok(batch) => batch,
                        Err(e) => {
                            tracing::error!(task = %task_id, error = %e, "reading the journal for a stream");
                            return;
                        }
                    };
                    let full = batch.len() as u32 == REPLAY_BATCH;
                    for event in batch {
                        last = event.seq;
                        let end = event.kind.is_terminal();
                        yield event;
                        if end {
                            return;
                        }
                    }
                    if !full {
                        break;
                    }
                }
                loop {
                    match live.recv().await {
                        Ok(event) if event.task_id == task_id && event.seq > last => {
                            last = event.seq;
                            let end = event.kind.is_terminal();
                            yield Event::clone(&event);
                            if end {
                                return;
                            }
                        }
                        Ok(_) => {}
                        Err(broadcast::error::RecvError::Lagged(skipped)) => {
                            tracing::debug!(skipped, "event subscriber lagged; replaying from the journal");
                            continue 'replay;
                        }
                        Err(broadcast::error::RecvError::Closed) => return,
                    }
                }
            }
        };
        Ok(futures::StreamExt::take_until(
            events,
            closing.cancelled_owned(),
        ))
    }

    /// Journaled events of a task after `seq`, oldest first.
    pub async fn events_after(&self, task_id: &str, after: i64, limit: u32) -> Result<Vec<Event>> {
        check_task_id(task_id)?;
        self.inner.journal.read(task_id, after, limit).await
    }

    async fn end_without_run(&self, id: &str, status: TaskStatus, reason: &str) -> Result<()> {
        crate::orchestrator::record_end(
            &self.inner.store,
            &self.inner.journal,
            id,
            status,
            Some(reason.to_owned()),
        )
        .await
    }
}

fn already_ended(id: &str, status: TaskStatus) -> Error {
    Error::Conflict(format!(
        "task {id} already ended {}; there is nothing to cancel",
        status.as_str()
    ))
}

fn check_task_id(id: &str) -> Result<()> {
    if is_task_id(id) {
        Ok(())
    } else {
        Err(Error::NotFound(format!("task {id} does not exist")))
    }
}

fn check_page(limit: u32) -> Result<()> {
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )))
    }
}
