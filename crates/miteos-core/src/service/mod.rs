//! The one API every transport calls: the HTTP handlers, the CLI and the desktop commands are thin
//! adapters over [`Miteos`]. It validates input, stores, starts and cancels task runs, and serves
//! history, deliverables and the event journal.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::domain::{Task, TaskStatus};
use crate::error::{Error, Result};
use crate::events::EventKind;
use crate::ids::{is_task_id, new_task_id};
use crate::model_source::DefaultProviders;
use crate::models::ModelStore;
use crate::orchestrator::{Limits, RunStart, Shared, Steering, builtin_agent_types};
use crate::providers::pricing::{Price, PriceTable};
use crate::providers::{ModelConfig, ProviderSource};
use crate::store::{Journal, Store, TaskFilter};
use crate::tools::{McpHub, SearchConfig, SearchEngine, ToolRegistry};

mod accounts;
mod agent_types;
mod approvals;
mod attachments;
mod budget;
mod deliverables;
mod events;
mod forward;
mod health;
mod lifecycle;
mod lock;
mod mcp;
mod models;
mod new_task;
mod options;
mod prices;
mod publish;
mod resume;
mod runs;
pub mod settings;
mod settings_update;
mod skill_library;
mod skill_validation;
mod skills;
mod steer;
mod subtasks;
mod team;
mod team_server;

pub use accounts::Caller;
pub use agent_types::AgentTypeInput;
pub use attachments::{Attachment, AttachmentBody, INPUTS_DIR, MAX_ATTACHMENT_BYTES};
use attachments::{checked_attachments, save_attachments};

pub use new_task::NewTask;
pub use options::Options;
pub use publish::{DEFAULT_SHARE_LIFETIME, MAX_SHARE_LIFETIME, SharedFile};
pub use skill_library::SkillPatch;
pub use steer::{NewMessage, SubtaskEdit};
pub use team_server::{TeamRequest, TeamResponse, TeamServer, team_server_url};

pub use settings::{
    ApiAddress, KeyState, PlanSettings, ProviderSettings, SearchSettings, Settings, SettingsUpdate,
    SkillSettings, StagingAddress,
};

/// Longest prompt accepted, in bytes.
pub const MAX_PROMPT_BYTES: usize = 32 * 1024;
/// Largest history page.
pub const MAX_PAGE: u32 = 100;
/// Longest history search text, in bytes.
pub const MAX_SEARCH_BYTES: usize = 512;
/// How long `cancel_task` waits for the agents to stop before it answers.
const CANCEL_WAIT: Duration = Duration::from_secs(10);

/// A cheap-clone handle to a running Miteos.
#[derive(Clone)]
pub struct Miteos {
    inner: Arc<Inner>,
}

/// A running Miteos: what its task runs share, its configuration (replaced when settings
/// change; a running task keeps what it started with), the runs in progress and its lifecycle.
struct Inner {
    /// What every task run uses: store, journal, tools, prices, HTTP client, provider slots.
    shared: Shared,
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
    limits: std::sync::RwLock<Limits>,
    /// Runs in progress, by task id.
    running: Mutex<HashMap<String, RunHandle>>,
    /// Subtasks of the team's tasks whose agents run here (see `subtasks`), and how many may.
    claimed: Mutex<HashMap<miteos_store::ClaimFence, subtasks::ClaimHandle>>,
    worker_agents: usize,
    /// Held while the user's change to a plan is checked and applied (one at a time, so a
    /// finished task reopens once).
    steering: tokio::sync::Mutex<()>,
    /// Held while the compiler runs by itself after a task, so two tasks ending together make
    /// one skill.
    compiling: tokio::sync::Mutex<()>,
    /// The agents' web client for the exceptions it was built with: built once per change of
    /// `fetch_allow` (a client loads the system's certificates), shared by every run.
    public_web: std::sync::Mutex<Option<(Vec<String>, crate::tools::PublicWeb)>>,
    compile_in_background: bool,
    /// Cancelled when shutdown begins: live event streams end and servers stop accepting.
    closing: CancellationToken,
    /// Work that outlives the request that started it (task runs, skill validations), so that
    /// shutdown can wait for it.
    background: tokio_util::task::TaskTracker,
    /// The built-in deployment target (Miteos's staging server).
    staging: crate::publish::LocalStaging,
    /// Base URL of the staging/share server once it listens.
    public_base: std::sync::RwLock<Option<String>>,
    /// The local models (GGUF files).
    models: ModelStore,
    /// Model downloads in progress (and finished ones, for their state).
    downloads: models::Downloads,
    /// Where catalog downloads come from instead of huggingface.co.
    hf_endpoint: Option<String>,
    /// Where the store is: the SQLite file's path, or the PostgreSQL URL without its password.
    database: String,
    /// This process among those sharing a database: the name its leases carry.
    worker: String,
    /// How long its leases last unless renewed.
    lease: Duration,
    /// New tasks wait in the shared database's queue rather than run here.
    queue_tasks: bool,
    /// Held (locked) while this process owns the data directory: a second process would end this
    /// one's running tasks as "interrupted" when it opens, so it must not open at all.
    _lock: std::fs::File,
}

/// A run in progress, as the service reaches it: its cancel token, how it is steered (the same
/// gate, approvals and budget the run holds), and whether it has ended.
#[derive(Clone)]
struct RunHandle {
    cancel: CancellationToken,
    steering: Steering,
    done: watch::Receiver<bool>,
}

impl Miteos {
    /// Opens the data directory (creating it), migrates the database, seeds the built-in agent
    /// types, and resumes tasks a previous process left unfinished.
    pub async fn open(options: Options) -> Result<Self> {
        let hands_out = Miteos::hands_out(&options);
        let agents = options.agents();
        let data_dir = options.data_dir;
        std::fs::create_dir_all(data_dir.join("tasks"))
            .map_err(|e| Error::io(format!("creating data directory {}", data_dir.display()), e))?;
        lock::owner_only(&data_dir).map_err(|e| {
            Error::io(
                format!("protecting data directory {}", data_dir.display()),
                e,
            )
        })?;
        let lock = lock::lock_data_dir(&data_dir)?;
        let command_users = match &options.command_uids {
            Some(range) => Some(Arc::new(
                crate::tools::shell::CommandUsers::open(range, &data_dir)
                    .map_err(Error::InvalidInput)?,
            )),
            None => {
                if options.database_url.is_some()
                    && crate::tools::shell::CommandUsers::running_as_root()
                {
                    tracing::warn!(
                        "this team server runs as root without --command-uids: agents' commands run as root (under Landlock and seccomp only); give them uids of their own with --command-uids FIRST-LAST"
                    );
                }
                None
            }
        };
        let (store, database) = match &options.database_url {
            Some(url) => (Store::connect(url).await?, miteos_store::redacted_url(url)),
            None => {
                let file = data_dir.join("miteos.db");
                (Store::open(&file).await?, file.display().to_string())
            }
        };
        store.seed_agent_types(&builtin_agent_types()).await?;
        let secrets = {
            let dir = data_dir.clone();
            let in_file = options.keys_in_file;
            tokio::task::spawn_blocking(move || crate::secrets::Secrets::open(&dir, in_file))
                .await
                .map_err(|e| Error::Internal(format!("opening the key store: {e}")))??
        };
        let injected_providers = options.providers.is_some();
        let model_store = match &options.models_dir {
            Some(dir) => ModelStore::new(dir),
            None => ModelStore::for_user(&data_dir),
        };
        let keys = settings::saved_keys(&secrets).await?;
        let (config, search) = settings::effective(
            &store,
            &keys,
            options.models.clone(),
            options.search.clone(),
        )
        .await?;
        let uses_openrouter = config.openrouter_api_key.is_some();
        let providers: Arc<dyn ProviderSource> = match options.providers {
            Some(source) => source,
            None => Arc::new(DefaultProviders::new(config, model_store.clone())),
        };
        let search = search
            .engine()
            .unwrap_or_else(|e| {
                tracing::warn!(reason = %e, "web search is configured but cannot be used");
                None
            })
            .map(Arc::new);
        let mut limits = match store.setting::<u32>(settings::CONCURRENCY_KEY).await? {
            Some(n) => Limits {
                max_concurrency: n as usize,
                ..options.limits
            },
            None => options.limits,
        };
        if let Some(plan) = store
            .setting::<settings::PlanSettings>(settings::PLAN_KEY)
            .await?
        {
            limits.max_provider_calls = plan.provider_calls as usize;
        }
        let prices = store
            .setting::<HashMap<String, Price>>(prices::PRICES_KEY)
            .await?
            .unwrap_or_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("Miteos/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| Error::Internal(format!("building the HTTP client: {e}")))?;
        let files = match &options.files_url {
            Some(url) => Some(crate::shared_files::SharedFiles::open(url)?),
            None => None,
        };
        let staging = crate::publish::LocalStaging::new(&data_dir);
        let mcp = Arc::new(McpHub::open(&data_dir)?);
        let miteos = Miteos {
            inner: Arc::new(Inner {
                shared: Shared {
                    journal: Journal::new(store.clone()),
                    store,
                    tools: ToolRegistry::with_mcp(mcp),
                    http,
                    prices: Arc::new(PriceTable::with_overrides(prices)),
                    provider_slots: Arc::new(crate::orchestrator::ProviderSlots::new(
                        limits.max_provider_calls,
                    )),
                    halt: Arc::new(std::sync::atomic::AtomicBool::new(false)),
                    revisions: Arc::new(tokio::sync::Mutex::new(())),
                    files,
                    subtasks: hands_out.then(crate::orchestrator::SubtaskQueue::new),
                    command_users,
                },
                data_dir,
                providers: std::sync::RwLock::new(providers),
                injected_providers,
                env_models: options.models,
                env_search: options.search,
                search: std::sync::RwLock::new(search),
                secrets,
                limits: std::sync::RwLock::new(limits),
                running: Mutex::new(HashMap::new()),
                claimed: Mutex::new(HashMap::new()),
                worker_agents: agents,
                steering: tokio::sync::Mutex::new(()),
                compiling: tokio::sync::Mutex::new(()),
                public_web: std::sync::Mutex::new(None),
                compile_in_background: options.compile_in_background,
                closing: CancellationToken::new(),
                background: tokio_util::task::TaskTracker::new(),
                staging,
                public_base: std::sync::RwLock::new(None),
                models: model_store,
                downloads: models::Downloads::default(),
                hf_endpoint: options.hf_endpoint.clone(),
                database,
                worker: team::worker_name(),
                lease: options.lease.max(Duration::from_millis(300)),
                queue_tasks: options.queue_tasks && options.database_url.is_some(),
                _lock: lock,
            }),
        };
        miteos.load_openrouter_prices(uses_openrouter).await?;
        miteos.follow_requests().await?;
        miteos.follow_subtasks().await?;
        // On a shared database the workers resume what others left, as their leases lapse.
        if options.resume_interrupted && options.database_url.is_none() {
            miteos.resume_interrupted_tasks().await?;
        }
        miteos.start_working(options.worker_tasks, agents).await?;
        Ok(miteos)
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// Where tasks, history and settings are kept: the SQLite file, or the PostgreSQL
    /// database's URL without its password.
    pub fn database(&self) -> &str {
        &self.inner.database
    }

    /// The local models (GGUF files): the user's models folder, shared by every data directory.
    pub fn models(&self) -> ModelStore {
        self.inner.models.clone()
    }

    /// The HTTP client Miteos uses (model downloads, web tools).
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.shared.http
    }

    /// The model tasks run on unless they name one; errors say how to configure a provider.
    pub fn default_model(&self) -> Result<String> {
        self.providers().resolve_model(None)
    }

    /// Validates and stores a task, then starts it. Answers the task as stored (`pending`).
    pub async fn create_task(&self, new: NewTask<Attachment>) -> Result<Task> {
        if self.is_closing() {
            return Err(Error::Conflict(
                "Miteos is shutting down; start the task again once it is back".into(),
            ));
        }
        let skips_skills = new.skips_skills();
        let prompt = checked_prompt(&new.prompt)?;
        let workspace_id = checked_workspace(new.workspace_id)?;
        let attachments = checked_attachments(new.attachments)?;
        let default = self.default_budget().await?;
        let budget = match &new.budget {
            Some(change) => default.with(change)?,
            None => default,
        };
        if let Some(why) = budget.beyond(&default).filter(|_| new.bounded) {
            return Err(Error::Forbidden(format!("{why}; an admin may raise it")));
        }
        let providers = self.providers();
        let model = providers.resolve_model(new.model.as_deref())?;
        let provider = providers.provider(&model)?;
        if let Some(crate::domain::plan::PlanReview::OverCents(n)) = new.plan_review
            && n < 0
        {
            return Err(Error::InvalidInput(
                "plan_review over_cents must not be negative".into(),
            ));
        }
        let mut task = Task {
            workspace_id,
            budget: Some(budget),
            plan_review: new.plan_review,
            owner: new.owner,
            ..Task::pending(new_task_id(), prompt, model.clone())
        };
        save_attachments(self.task_dir(&task.id).join(INPUTS_DIR), attachments).await?;
        // The worker that runs it (perhaps on another machine) finds them in the team's store.
        self.put_task_files(&task.id).await?;
        let matched = self
            .skill_for(
                task.owner.as_deref(),
                &task.prompt,
                new.skill_id.as_deref(),
                skips_skills,
            )
            .await?;
        // Run here: held from the start, so no worker claims it first.
        let holder =
            (!self.inner.queue_tasks).then(|| (self.inner.worker.as_str(), self.lease_ms()));
        // The task and what it starts with of skills: one write.
        let skills = crate::store::NewTaskSkills {
            use_skills: !skips_skills,
            matched: matched.as_ref(),
        };
        self.inner
            .shared
            .store
            .insert_task_held(&task, holder, skills)
            .await?;
        if let Some(matched) = &matched {
            task.skill_id = Some(matched.skill_id.clone());
        }
        self.inner
            .shared
            .journal
            .append(
                &task.id,
                EventKind::TaskCreated {
                    prompt: task.prompt.clone(),
                    model,
                },
            )
            .await?;
        if self.inner.queue_tasks {
            self.queue(&task.id).await?;
        } else {
            self.start(&task, provider, RunStart::Fresh).await?;
        }
        Ok(task)
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
        self.inner.shared.store.get_task(id).await
    }

    /// History, newest first, narrowed by `filter` (state, text in the prompt, title or subtask
    /// outputs, older than a task: the keyset cursor).
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
        if let Some(before) = &filter.before
            && !is_task_id(before)
        {
            return Err(Error::InvalidInput(format!(
                "before must be a task id (task-…), the last one of the previous page; got {before:?}"
            )));
        }
        self.inner
            .shared
            .store
            .list_tasks(&filter, limit, offset)
            .await
    }

    /// Completed tasks, newest first: the Skill Compiler's input.
    pub async fn completed_tasks(&self, limit: u32, offset: u32) -> Result<Vec<Task>> {
        check_page(limit)?;
        let filter = TaskFilter {
            status: Some(TaskStatus::Completed),
            ..TaskFilter::default()
        };
        self.inner
            .shared
            .store
            .list_tasks(&filter, limit, offset)
            .await
    }
}

/// The prompt, trimmed: not empty, not over [`MAX_PROMPT_BYTES`].
fn checked_prompt(prompt: &str) -> Result<String> {
    let prompt = prompt.trim();
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
    Ok(prompt.to_owned())
}

/// A workspace id, trimmed (empty is none): up to 128 letters, digits, '-' and '_'.
fn checked_workspace(workspace_id: Option<String>) -> Result<Option<String>> {
    let workspace_id = workspace_id
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
    Ok(workspace_id)
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
