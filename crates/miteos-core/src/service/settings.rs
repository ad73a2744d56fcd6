//! Settings the user edits (the War Room's settings view, and the same through the service):
//! providers, web search, their API keys, concurrency, the default budget and the local API's
//! address.
//!
//! Non-secret provider fields live in the `models` setting (SQLite) and overlay the environment;
//! API keys live in [`crate::secrets`] (keyring or 0600 file) and are never sent back whole.
//! Saving rebuilds the provider source: new tasks use it, running tasks keep theirs.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Miteos;
use crate::error::{Error, Result};
use crate::providers::ModelConfig;
use crate::secrets::{KEY_NAMES, Secrets, hint};
use crate::store::Store;
use crate::tools::{SearchConfig, SearchKind};

pub(super) const MODELS_KEY: &str = "models";
pub(super) const CONCURRENCY_KEY: &str = "max_concurrency";
pub(super) const API_KEY: &str = "api";
pub(super) const STAGING_KEY: &str = "staging";
pub(super) const SEARCH_KEY: &str = "search";
pub(super) const SHELL_ALLOW_KEY: &str = "shell_allow";
pub(super) const FETCH_ALLOW_KEY: &str = "fetch_allow";
pub(super) const ON_QUIT_KEY: &str = "on_quit";
pub(super) const PLAN_KEY: &str = "plan";
pub(super) const SKILLS_KEY: &str = "skills";
/// Most completed tasks of one kind the compiler may be told to wait for.
pub const MAX_COMPILE_AFTER: u32 = 20;

/// How the Skill Compiler works by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillSettings {
    /// When this many tasks of one kind have completed from their prompts alone, the compiler
    /// makes a skill of them by itself, validates it and offers it (0: only when asked).
    pub compile_after: u32,
}

impl Default for SkillSettings {
    fn default() -> Self {
        SkillSettings { compile_after: 2 }
    }
}
/// Most revisions a task's plan may get from the orchestrator.
pub const MAX_REVISIONS: u32 = 10;
/// Most model calls in flight at once per provider that can be set.
pub const MAX_PROVIDER_CALLS: u32 = 100;

/// How plans are reviewed and revised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanSettings {
    /// When a new task's plan waits for the user before it runs (a task may choose otherwise).
    pub review: crate::domain::plan::PlanReview,
    /// Revisions the orchestrator may make of one task's plan, recovering from failures and
    /// closing the result check's gaps (0 to 10).
    pub max_revisions: u32,
    /// Model calls in flight at once per provider, over all tasks (1 to 100) — and so how many
    /// items of a fan-out run at once. A local server's own slots (llama.cpp, Ollama) win.
    #[serde(default = "default_provider_calls")]
    pub provider_calls: u32,
}

fn default_provider_calls() -> u32 {
    crate::orchestrator::Limits::default().max_provider_calls as u32
}

impl Default for PlanSettings {
    fn default() -> Self {
        PlanSettings {
            review: crate::domain::plan::PlanReview::Never,
            max_revisions: crate::orchestrator::Limits::default().max_revisions,
            provider_calls: default_provider_calls(),
        }
    }
}

/// What quitting does to tasks still running.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum OnQuit {
    /// They stop, and go on where they were at the next start (finished subtasks are kept).
    #[default]
    Resume,
    /// They end `cancelled`.
    Cancel,
}
/// The highest number of subtasks a user may let run at once.
pub const MAX_CONCURRENCY: u32 = 16;

/// Provider fields that are not secret.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderSettings {
    /// `provider::model` tasks use unless they name one.
    pub model: Option<String>,
    /// Any OpenAI-compatible server (llama.cpp's llama-server, vLLM, LM Studio).
    pub openai_base_url: Option<String>,
    pub anthropic_base_url: Option<String>,
    /// Ollama's address, e.g. `http://127.0.0.1:11434`.
    pub ollama_host: Option<String>,
    /// Call tools through structured output (for models without native tool calling).
    #[serde(default)]
    pub emulate_tools: bool,
    /// `provider::model` for the subtasks of a skill whose recipe leaves the model only the
    /// write-up (used when it costs less than the task's model); unset: the task's model's own
    /// lighter sibling (gpt-4.1 → gpt-4.1-mini, Claude Sonnet → Haiku), if it has one.
    #[serde(default)]
    pub light_model: Option<String>,
}

/// The web search provider researchers use (its key is one of the keys).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchSettings {
    pub provider: SearchKind,
    /// A SearXNG instance's address (required for SearXNG); for Brave and Tavily, a different
    /// endpoint than their public one (a proxy), or `null`.
    pub url: Option<String>,
}

/// Where the local HTTP API listens (takes effect on the next start).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiAddress {
    pub host: String,
    pub port: u16,
}

impl Default for ApiAddress {
    fn default() -> Self {
        ApiAddress {
            host: "127.0.0.1".to_owned(),
            port: 7411,
        }
    }
}

/// Where the staging and share server listens (takes effect on the next start).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StagingAddress {
    /// Listen on the local network, so colleagues can open deployments and share links.
    pub lan: bool,
    pub port: u16,
}

impl Default for StagingAddress {
    fn default() -> Self {
        StagingAddress {
            lan: false,
            port: 7412,
        }
    }
}

/// Whether a key is set, and where from, without the key itself.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyState {
    /// `openai_api_key`, `anthropic_api_key`, `openrouter_api_key`, `brave_api_key` or
    /// `tavily_api_key`.
    pub name: String,
    /// Saved in Miteos's key store.
    pub saved: bool,
    /// Set in the environment (a saved key wins over it).
    pub from_env: bool,
    /// The last four characters of the key in use, for recognising it.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settings {
    pub providers: ProviderSettings,
    pub keys: Vec<KeyState>,
    pub search: SearchSettings,
    /// Why the configured search provider cannot be used (a missing key), or `null`.
    pub search_error: Option<String>,
    /// Programs `run_command` runs without asking; others wait for approval.
    pub shell_allow: Vec<String>,
    /// Hosts (`wiki.corp.example`, `*.corp.example`), addresses and ranges (`10.1.0.0/16`) that
    /// agents' web requests may reach besides the public internet. Empty by default: no agent
    /// reaches this machine, the local network or a cloud's metadata service.
    pub fetch_allow: Vec<String>,
    /// What quitting Miteos does to running tasks.
    pub on_quit: OnQuit,
    /// The budget new tasks get unless they change it.
    pub budget: crate::budget::Budget,
    /// Plan review and revisions.
    pub plan: PlanSettings,
    /// The Skill Compiler.
    pub skills: SkillSettings,
    /// Where keys are kept, in words.
    pub key_store: String,
    /// The model new tasks run on, or why there is none.
    pub default_model: Option<String>,
    pub default_model_error: Option<String>,
    pub max_concurrency: u32,
    pub api: ApiAddress,
    pub staging: StagingAddress,
    /// Where deployments and share links are served now (`http://host:port`).
    pub staging_url: String,
    /// Where colleagues on the local network reach them when `staging.lan` is on (after a
    /// restart), or `null` when this machine has no network address.
    pub staging_lan_url: Option<String>,
}

/// A key to change: a new value, or `null`/empty to forget the saved one.
#[derive(Debug, Clone, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyChange {
    pub name: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettingsUpdate {
    pub providers: ProviderSettings,
    /// Only the keys to change; keys not listed stay as they are.
    #[serde(default)]
    pub keys: Vec<KeyChange>,
    pub max_concurrency: u32,
    pub api: ApiAddress,
    #[serde(default)]
    pub staging: StagingAddress,
    /// The web search provider; left out, it stays as it is.
    #[serde(default)]
    pub search: Option<SearchSettings>,
    /// Programs `run_command` runs without asking; left out, the list stays as it is.
    #[serde(default)]
    pub shell_allow: Option<Vec<String>>,
    /// Hosts and ranges agents may fetch besides the public web; left out, the list stays as it is.
    #[serde(default)]
    pub fetch_allow: Option<Vec<String>>,
    /// Left out, it stays as it is.
    #[serde(default)]
    pub on_quit: Option<OnQuit>,
    /// The default budget; left out, it stays as it is.
    #[serde(default)]
    pub budget: Option<crate::budget::Budget>,
    /// Plan review and revisions; left out, they stay as they are.
    #[serde(default)]
    pub plan: Option<PlanSettings>,
    /// The Skill Compiler; left out, it stays as it is.
    #[serde(default)]
    pub skills: Option<SkillSettings>,
}

/// The model and search configurations in use: the environment, overlaid by the saved settings,
/// overlaid by the saved keys (`keys`, read once by the caller with [`saved_keys`]).
pub(super) async fn effective(
    store: &Store,
    keys: &[Option<String>],
    env_models: ModelConfig,
    env_search: SearchConfig,
) -> Result<(ModelConfig, SearchConfig)> {
    let mut models = match store.setting::<ModelConfig>(MODELS_KEY).await? {
        Some(saved) => env_models.overlay(saved),
        None => env_models,
    };
    let mut search = env_search;
    if let Some(saved) = store.setting::<SearchSettings>(SEARCH_KEY).await? {
        search.kind = saved.provider;
        search.url = saved.url;
    }
    for (name, value) in KEY_NAMES.iter().zip(keys) {
        if let Some(value) = value {
            set_key(&mut models, &mut search, name, value.clone());
        }
    }
    Ok((models, search))
}

/// The saved keys, in `KEY_NAMES` order (one read of the key store).
pub(super) async fn saved_keys(secrets: &Secrets) -> Result<Vec<Option<String>>> {
    let secrets = secrets.clone();
    tokio::task::spawn_blocking(move || KEY_NAMES.iter().map(|n| secrets.get(n)).collect())
        .await
        .map_err(|e| Error::Internal(format!("reading API keys: {e}")))?
}

/// Puts key `name` in the model or search configuration field that holds it.
pub(super) fn set_key(
    models: &mut ModelConfig,
    search: &mut SearchConfig,
    name: &str,
    value: String,
) {
    let field = match name {
        "openai_api_key" => &mut models.openai_api_key,
        "anthropic_api_key" => &mut models.anthropic_api_key,
        "openrouter_api_key" => &mut models.openrouter_api_key,
        _ => match search.key_mut(name) {
            Some(field) => field,
            None => return,
        },
    };
    *field = Some(value);
}

/// Key `name` as the model or search configuration holds it.
pub(super) fn key_of(models: &ModelConfig, search: &SearchConfig, name: &str) -> Option<String> {
    match name {
        "openai_api_key" => models.openai_api_key.clone(),
        "anthropic_api_key" => models.anthropic_api_key.clone(),
        "openrouter_api_key" => models.openrouter_api_key.clone(),
        _ => search.key(name).cloned().flatten(),
    }
}

impl Miteos {
    /// Where the local HTTP API should listen.
    pub async fn api_address(&self) -> Result<ApiAddress> {
        Ok(self
            .inner
            .shared
            .store
            .setting::<ApiAddress>(API_KEY)
            .await?
            .unwrap_or_default())
    }

    /// How plans are reviewed, revised and run (the provider calls as in force).
    pub async fn plan_settings(&self) -> Result<PlanSettings> {
        let mut plan = self
            .inner
            .shared
            .store
            .setting::<PlanSettings>(PLAN_KEY)
            .await?
            .unwrap_or_default();
        plan.provider_calls = self.inner.shared.provider_slots.per_provider() as u32;
        Ok(plan)
    }

    /// How the Skill Compiler works by itself.
    pub async fn skill_settings(&self) -> Result<SkillSettings> {
        Ok(self
            .inner
            .shared
            .store
            .setting::<SkillSettings>(SKILLS_KEY)
            .await?
            .unwrap_or_default())
    }

    /// What quitting does to running tasks.
    pub async fn on_quit(&self) -> Result<OnQuit> {
        Ok(self
            .inner
            .shared
            .store
            .setting::<OnQuit>(ON_QUIT_KEY)
            .await?
            .unwrap_or_default())
    }

    /// Programs `run_command` runs without asking.
    pub async fn shell_allow(&self) -> Result<Vec<String>> {
        Ok(self
            .inner
            .shared
            .store
            .setting::<Vec<String>>(SHELL_ALLOW_KEY)
            .await?
            .unwrap_or_else(crate::tools::shell::default_allow_list))
    }

    /// Hosts and ranges agents' web requests may reach besides the public internet: the saved
    /// list, else `MITEOS_FETCH_ALLOW` (comma-separated), else none.
    pub async fn fetch_allow(&self) -> Result<Vec<String>> {
        let saved = self
            .inner
            .shared
            .store
            .setting::<Vec<String>>(FETCH_ALLOW_KEY)
            .await?;
        Ok(saved.unwrap_or_else(|| {
            std::env::var("MITEOS_FETCH_ALLOW")
                .unwrap_or_default()
                .split(',')
                .map(|entry| entry.trim().to_owned())
                .filter(|entry| !entry.is_empty())
                .collect()
        }))
    }

    /// The web client a task's agents fetch with: the public internet and the user's exceptions.
    pub async fn public_web(&self) -> Result<crate::tools::PublicWeb> {
        let allow = self.fetch_allow().await?;
        let mut cached = self
            .inner
            .public_web
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((built_for, web)) = cached.as_ref()
            && *built_for == allow
        {
            return Ok(web.clone());
        }
        let rule = crate::domain::address::AddressRule::new(&allow)?;
        let web = crate::tools::PublicWeb::new(rule).map_err(|e| Error::Internal(e.to_string()))?;
        *cached = Some((allow, web.clone()));
        Ok(web)
    }

    /// Where the staging and share server should listen.
    pub async fn staging_address(&self) -> Result<StagingAddress> {
        Ok(self
            .inner
            .shared
            .store
            .setting::<StagingAddress>(STAGING_KEY)
            .await?
            .unwrap_or_default())
    }

    pub async fn settings(&self) -> Result<Settings> {
        let inner = &self.inner;
        let saved: ModelConfig = inner
            .shared
            .store
            .setting(MODELS_KEY)
            .await?
            .unwrap_or_default();
        let env = &inner.env_models;
        let stored_keys = saved_keys(&inner.secrets).await?;
        let keys = KEY_NAMES
            .iter()
            .zip(&stored_keys)
            .map(|(name, stored)| {
                let from_env = key_of(env, &inner.env_search, name);
                // The key in use, in `effective`'s order: stored, then the `models` setting, then
                // the environment.
                let in_use = stored
                    .clone()
                    .or_else(|| key_of(&saved, &SearchConfig::default(), name))
                    .or_else(|| from_env.clone());
                KeyState {
                    name: (*name).to_owned(),
                    saved: stored.is_some(),
                    from_env: from_env.is_some(),
                    hint: in_use.and_then(|k| hint(&k)),
                }
            })
            .collect();
        let staging = self.staging_address().await?;
        let (_, search) = effective(
            &inner.shared.store,
            &stored_keys,
            inner.env_models.clone(),
            inner.env_search.clone(),
        )
        .await?;
        let (default_model, default_model_error) = match self.default_model() {
            Ok(m) => (Some(m), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Ok(Settings {
            providers: ProviderSettings {
                model: saved.model,
                openai_base_url: saved.openai_base_url,
                anthropic_base_url: saved.anthropic_base_url,
                ollama_host: saved.ollama_host,
                emulate_tools: saved.emulate_tools,
                light_model: saved.light_model,
            },
            keys,
            search_error: search.engine().err(),
            search: SearchSettings {
                provider: search.kind,
                url: search.url,
            },
            shell_allow: self.shell_allow().await?,
            fetch_allow: self.fetch_allow().await?,
            on_quit: self.on_quit().await?,
            budget: self.default_budget().await?,
            plan: self.plan_settings().await?,
            skills: self.skill_settings().await?,
            key_store: inner.secrets.location(),
            default_model,
            default_model_error,
            max_concurrency: self.limits().max_concurrency as u32,
            api: self.api_address().await?,
            staging_lan_url: lan_address()
                .map(|ip| format!("http://{}", std::net::SocketAddr::new(ip, staging.port))),
            staging,
            staging_url: self.public_base(),
        })
    }
}

/// This machine's address on the local network (the one its default route uses), for showing
/// where colleagues reach the staging server. No packet is sent.
pub fn lan_address() -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}
