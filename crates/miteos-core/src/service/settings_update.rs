//! Saving the settings in one breath: every part is checked first (nothing is saved when any
//! part is wrong), then everything is written together — the settings in one transaction, the
//! API keys in the key store, put back as they were if the transaction fails — and only then
//! applied to the running Miteos.

use std::net::IpAddr;
use std::sync::Arc;

use super::Miteos;
use super::budget::BUDGET_KEY;
use super::settings::{
    API_KEY, ApiAddress, CONCURRENCY_KEY, FETCH_ALLOW_KEY, MAX_COMPILE_AFTER, MAX_CONCURRENCY,
    MAX_PROVIDER_CALLS, MAX_REVISIONS, MODELS_KEY, ON_QUIT_KEY, OnQuit, PLAN_KEY, PlanSettings,
    ProviderSettings, SEARCH_KEY, SHELL_ALLOW_KEY, SKILLS_KEY, STAGING_KEY, SearchSettings,
    Settings, SettingsUpdate, SkillSettings, StagingAddress, saved_keys, set_key,
};
use crate::budget::Budget;
use crate::error::{Error, Result};
use crate::model_source::DefaultProviders;
use crate::providers::{ModelConfig, ProviderSource};
use crate::secrets::{KEY_NAMES, Secrets};
use crate::store::encode_setting;
use crate::tools::SearchEngine;

/// A settings update that passed every check, ready to be written and applied.
struct CheckedUpdate {
    /// The settings rows to write, in one transaction.
    rows: Vec<(&'static str, serde_json::Value)>,
    /// API keys to set (`Some`) or forget (`None`), by name.
    keys: Vec<(String, Option<String>)>,
    /// Every key as it was, to put back when the settings cannot be written.
    keys_before: Vec<Option<String>>,
    /// What tasks will run on from now on.
    providers: DefaultProviders,
    search: Option<SearchEngine>,
    max_concurrency: u32,
    /// Model calls in flight per provider, when the update sets them.
    provider_calls: Option<u32>,
}

impl Miteos {
    /// Validates and saves the settings, then applies them: new tasks use the new providers and
    /// concurrency; the API address applies on the next start. Nothing is saved when any part is
    /// invalid.
    pub async fn save_settings(&self, update: SettingsUpdate) -> Result<Settings> {
        let checked = self.check_update(update).await?;
        self.write_update(&checked).await?;
        self.apply_update(checked);
        self.settings().await
    }

    /// Every part of `update` checked, and the providers and search engine it makes built (a
    /// default model that cannot run is refused here).
    async fn check_update(&self, update: SettingsUpdate) -> Result<CheckedUpdate> {
        let providers = clean_providers(update.providers)?;
        if !(1..=MAX_CONCURRENCY).contains(&update.max_concurrency) {
            return Err(Error::InvalidInput(format!(
                "concurrency must be between 1 and {MAX_CONCURRENCY}"
            )));
        }
        if let Some(plan) = &update.plan {
            check_plan_settings(plan)?;
        }
        if let Some(skills) = &update.skills
            && skills.compile_after > MAX_COMPILE_AFTER
        {
            return Err(Error::InvalidInput(format!(
                "skills.compile_after must be between 0 and {MAX_COMPILE_AFTER}"
            )));
        }
        let api = ApiAddress {
            host: update.api.host.trim().to_owned(),
            port: update.api.port,
        };
        if api.host != "localhost" && api.host.parse::<IpAddr>().is_err() {
            return Err(Error::InvalidInput(format!(
                "the API host must be an IP address or localhost, not {:?}",
                api.host
            )));
        }
        let keys = update
            .keys
            .into_iter()
            .map(|change| clean_key(change.name, change.value))
            .collect::<Result<Vec<_>>>()?;
        let shell_allow = update.shell_allow.map(clean_allow_list).transpose()?;
        let fetch_allow = update
            .fetch_allow
            .map(|list| {
                crate::domain::address::AddressRule::new(&list)?;
                Ok::<_, Error>(
                    list.into_iter()
                        .map(|entry| entry.trim().to_owned())
                        .filter(|entry| !entry.is_empty())
                        .collect::<Vec<_>>(),
                )
            })
            .transpose()?;
        if let Some(budget) = &update.budget {
            budget.validate()?;
        }
        let saved_search = match update.search {
            Some(s) => Some(SearchSettings {
                provider: s.provider,
                url: s.url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()),
            }),
            None => {
                self.inner
                    .shared
                    .store
                    .setting::<SearchSettings>(SEARCH_KEY)
                    .await?
            }
        };
        let saved_models = ModelConfig {
            model: providers.model.clone(),
            openai_base_url: providers.openai_base_url.clone(),
            anthropic_base_url: providers.anthropic_base_url.clone(),
            ollama_host: providers.ollama_host.clone(),
            emulate_tools: providers.emulate_tools,
            light_model: providers.light_model.clone(),
            ..ModelConfig::default()
        };

        // What the configuration becomes: the environment, the saved settings, the keys.
        let mut models = self.inner.env_models.clone().overlay(saved_models.clone());
        let mut search = self.inner.env_search.clone();
        if let Some(saved) = &saved_search {
            search.kind = saved.provider;
            search.url = saved.url.clone();
        }
        let keys_before = saved_keys(&self.inner.secrets).await?;
        for (name, before) in KEY_NAMES.iter().zip(&keys_before) {
            let after = match keys.iter().find(|(n, _)| n == name) {
                Some((_, changed)) => changed.clone(),
                None => before.clone(),
            };
            if let Some(value) = after {
                set_key(&mut models, &mut search, name, value);
            }
        }
        let engine = search.engine().map_err(Error::InvalidInput)?;
        let source = DefaultProviders::new(models, self.models());
        if providers.model.is_some() {
            source.provider(&source.resolve_model(None)?)?;
        }
        if let Some(light) = &providers.light_model {
            source.provider(&source.resolve_model(Some(light))?)?;
        }

        let rows = setting_rows(
            &saved_models,
            &api,
            &update.staging,
            update.max_concurrency,
            OptionalSettings {
                search: saved_search.as_ref(),
                shell_allow: shell_allow.as_ref(),
                fetch_allow: fetch_allow.as_ref(),
                on_quit: update.on_quit.as_ref(),
                budget: update.budget.as_ref(),
                plan: update.plan.as_ref(),
                skills: update.skills.as_ref(),
            },
        )?;
        Ok(CheckedUpdate {
            rows,
            keys,
            keys_before,
            providers: source,
            search: engine,
            max_concurrency: update.max_concurrency,
            provider_calls: update.plan.as_ref().map(|p| p.provider_calls),
        })
    }

    /// The keys, then the settings in one transaction; when that fails, the keys as they were.
    async fn write_update(&self, update: &CheckedUpdate) -> Result<()> {
        set_keys(&self.inner.secrets, update.keys.clone()).await?;
        if let Err(e) = self.inner.shared.store.put_settings(&update.rows).await {
            let before = KEY_NAMES
                .iter()
                .zip(&update.keys_before)
                .filter(|(name, _)| update.keys.iter().any(|(n, _)| n == *name))
                .map(|(name, value)| ((*name).to_owned(), value.clone()))
                .collect();
            if let Err(undo) = set_keys(&self.inner.secrets, before).await {
                tracing::error!(error = %undo, "putting the API keys back after a failed save");
            }
            return Err(e);
        }
        Ok(())
    }

    /// The saved settings take effect: new tasks start with these providers, search engine and
    /// concurrency; running tasks keep theirs.
    fn apply_update(&self, update: CheckedUpdate) {
        *self.inner.search.write().unwrap_or_else(|p| p.into_inner()) = update.search.map(Arc::new);
        if !self.inner.injected_providers {
            *self
                .inner
                .providers
                .write()
                .unwrap_or_else(|p| p.into_inner()) = Arc::new(update.providers);
        }
        self.inner
            .limits
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .max_concurrency = update.max_concurrency as usize;
        if let Some(n) = update.provider_calls {
            self.inner
                .shared
                .provider_slots
                .set_per_provider(n as usize);
        }
    }
}

/// The parts of an update that, left out, stay as they are.
struct OptionalSettings<'a> {
    search: Option<&'a SearchSettings>,
    shell_allow: Option<&'a Vec<String>>,
    fetch_allow: Option<&'a Vec<String>>,
    on_quit: Option<&'a OnQuit>,
    budget: Option<&'a Budget>,
    plan: Option<&'a PlanSettings>,
    skills: Option<&'a SkillSettings>,
}

fn check_plan_settings(plan: &PlanSettings) -> Result<()> {
    if plan.max_revisions > MAX_REVISIONS {
        return Err(Error::InvalidInput(format!(
            "plan.max_revisions must be between 0 and {MAX_REVISIONS}"
        )));
    }
    if !(1..=MAX_PROVIDER_CALLS).contains(&plan.provider_calls) {
        return Err(Error::InvalidInput(format!(
            "plan.provider_calls must be between 1 and {MAX_PROVIDER_CALLS}"
        )));
    }
    if let crate::domain::plan::PlanReview::OverCents(n) = plan.review
        && n < 0
    {
        return Err(Error::InvalidInput(
            "plan.review over_cents must not be negative".into(),
        ));
    }
    Ok(())
}

/// The settings rows an update writes.
fn setting_rows(
    models: &ModelConfig,
    api: &ApiAddress,
    staging: &StagingAddress,
    max_concurrency: u32,
    optional: OptionalSettings<'_>,
) -> Result<Vec<(&'static str, serde_json::Value)>> {
    let mut rows = vec![
        (MODELS_KEY, encode_setting(MODELS_KEY, models)?),
        (
            CONCURRENCY_KEY,
            encode_setting(CONCURRENCY_KEY, &max_concurrency)?,
        ),
        (API_KEY, encode_setting(API_KEY, api)?),
        (STAGING_KEY, encode_setting(STAGING_KEY, staging)?),
    ];
    if let Some(search) = optional.search {
        rows.push((SEARCH_KEY, encode_setting(SEARCH_KEY, search)?));
    }
    if let Some(allow) = optional.shell_allow {
        rows.push((SHELL_ALLOW_KEY, encode_setting(SHELL_ALLOW_KEY, allow)?));
    }
    if let Some(allow) = optional.fetch_allow {
        rows.push((FETCH_ALLOW_KEY, encode_setting(FETCH_ALLOW_KEY, allow)?));
    }
    if let Some(on_quit) = optional.on_quit {
        rows.push((ON_QUIT_KEY, encode_setting(ON_QUIT_KEY, on_quit)?));
    }
    if let Some(budget) = optional.budget {
        rows.push((BUDGET_KEY, encode_setting(BUDGET_KEY, budget)?));
    }
    if let Some(plan) = optional.plan {
        rows.push((PLAN_KEY, encode_setting(PLAN_KEY, plan)?));
    }
    if let Some(skills) = optional.skills {
        rows.push((SKILLS_KEY, encode_setting(SKILLS_KEY, skills)?));
    }
    Ok(rows)
}

/// Writes API keys to the key store (`None` forgets one), off the async threads.
async fn set_keys(secrets: &Secrets, keys: Vec<(String, Option<String>)>) -> Result<()> {
    let secrets = secrets.clone();
    tokio::task::spawn_blocking(move || {
        keys.iter()
            .try_for_each(|(name, value)| secrets.set(name, value.as_deref()))
    })
    .await
    .map_err(|e| Error::Internal(format!("saving API keys: {e}")))?
}

/// A key change checked: a known name, and a value without control characters (empty forgets).
fn clean_key(name: String, value: Option<String>) -> Result<(String, Option<String>)> {
    if !KEY_NAMES.contains(&name.as_str()) {
        return Err(Error::InvalidInput(format!(
            "unknown key {name:?}; keys are {}",
            KEY_NAMES.join(", ")
        )));
    }
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if value
        .as_ref()
        .is_some_and(|v| v.len() > 4096 || v.chars().any(char::is_control))
    {
        return Err(Error::InvalidInput(format!("{name} is not a valid key")));
    }
    Ok((name, value))
}

/// Program names only (no paths, spaces or shell characters), sorted, without duplicates.
fn clean_allow_list(list: Vec<String>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for raw in list {
        let name = raw.trim();
        if name.is_empty() {
            continue;
        }
        let valid = name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'));
        if !valid || name.starts_with('.') {
            return Err(Error::InvalidInput(format!(
                "{name:?} is not a program name: the shell allow-list takes names like git or python3, not paths or commands"
            )));
        }
        if !out.iter().any(|o| o == name) {
            out.push(name.to_owned());
        }
    }
    out.sort();
    Ok(out)
}

/// Trims fields, drops empty ones, and checks that URLs are http(s) URLs.
fn clean_providers(p: ProviderSettings) -> Result<ProviderSettings> {
    let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let url = |name: &str, v: Option<String>| -> Result<Option<String>> {
        let v = clean(v);
        if let Some(u) = &v {
            let parsed = reqwest::Url::parse(u)
                .map_err(|e| Error::InvalidInput(format!("{name} is not a URL: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(Error::InvalidInput(format!(
                    "{name} must be an http or https URL"
                )));
            }
        }
        Ok(v)
    };
    Ok(ProviderSettings {
        model: clean(p.model),
        openai_base_url: url("the OpenAI-compatible base URL", p.openai_base_url)?,
        anthropic_base_url: url("the Anthropic base URL", p.anthropic_base_url)?,
        ollama_host: url("the Ollama address", p.ollama_host)?,
        emulate_tools: p.emulate_tools,
        light_model: clean(p.light_model),
    })
}
