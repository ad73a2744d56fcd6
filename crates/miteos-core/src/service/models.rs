//! How Miteos thinks: the catalog of recommended local models and their downloads, what the
//! machine already has (keys, Ollama, compatible servers), and the user's choice ("How should
//! Miteos think?", asked on the first run and again from Settings → Models).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::Miteos;
use super::settings::{KeyChange, SettingsUpdate};
use crate::domain::models::{
    Catalog, DetectedKey, Download, DownloadRequest, DownloadState, LocalModel, ModelChoice,
    ModelSetup,
};
use crate::error::{Error, Result};
use crate::models::{Expected, InstalledModel, Progress};
use crate::providers::ModelConfig;
use crate::providers::catalog;
use crate::providers::config::{KEYED_PROVIDERS, keyed_provider};

/// The setting that records the user's answer to "How should Miteos think?".
pub(super) const CHOICE_KEY: &str = "model_choice";

/// The downloads of this Miteos, by model name.
#[derive(Default)]
pub(super) struct Downloads {
    by_name: std::sync::Mutex<HashMap<String, DownloadHandle>>,
}

impl Downloads {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, DownloadHandle>> {
        // A poisoned map only means another thread panicked while it held it; the map is fine.
        self.by_name.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What one download fetches.
struct Source {
    /// The installed file's stem.
    name: String,
    url: String,
    expected: Expected,
}

struct DownloadHandle {
    download: Download,
    cancel: CancellationToken,
    /// Stop means cancel (delete the part), not pause.
    discard: bool,
}

/// Speed over the last seconds of a download, for "time left".
struct Speedometer {
    since: Instant,
    bytes_then: u64,
    speed: f64,
}

impl Speedometer {
    fn new(done: u64) -> Self {
        Speedometer {
            since: Instant::now(),
            bytes_then: done,
            speed: 0.0,
        }
    }

    /// Updates the speed at most twice a second (smoothed); answers it.
    fn update(&mut self, done: u64) -> f64 {
        let elapsed = self.since.elapsed();
        if elapsed >= Duration::from_millis(500) {
            let now = done.saturating_sub(self.bytes_then) as f64 / elapsed.as_secs_f64();
            self.speed = if self.speed == 0.0 {
                now
            } else {
                0.7 * self.speed + 0.3 * now
            };
            self.since = Instant::now();
            self.bytes_then = done;
        }
        self.speed
    }
}

fn download_of(
    name: &str,
    url: &str,
    state: DownloadState,
    done: u64,
    total: Option<u64>,
) -> Download {
    Download {
        name: name.to_owned(),
        url: url.to_owned(),
        state,
        done_bytes: done,
        total_bytes: total,
        bytes_per_second: 0.0,
        seconds_left: None,
        error: None,
    }
}

impl Miteos {
    /// The model configuration in use: the environment, the saved settings, the saved keys.
    pub(super) async fn model_config(&self) -> Result<ModelConfig> {
        let keys = super::settings::saved_keys(&self.inner.secrets).await?;
        let (models, _) = super::settings::effective(
            &self.inner.shared.store,
            &keys,
            self.inner.env_models.clone(),
            self.inner.env_search.clone(),
        )
        .await?;
        Ok(models)
    }

    /// The catalog of recommended local models for this machine.
    pub fn catalog(&self) -> Result<Catalog> {
        let store = self.models();
        let installed = store.list()?;
        Ok(catalog::for_machine(
            catalog::machine(store.dir()),
            &installed,
            store.dir(),
        ))
    }

    /// What a download of catalog model `name` fetches: its URL and what is checked.
    fn catalog_source(&self, name: &str) -> Result<Source> {
        let model = catalog::find(name)?;
        Ok(Source {
            name: model.name.clone(),
            url: model.url.clone(),
            expected: Expected {
                sha256: model.sha256.clone(),
                size_bytes: Some(model.size_bytes),
                record_as: Some(model.name.clone()),
            },
        })
    }

    /// What a download request fetches: a catalog model by name, or any GGUF file by URL (named
    /// after its file unless `name` says otherwise, checked against `sha256` when given).
    fn source_of(&self, request: &DownloadRequest) -> Result<Source> {
        let Some(url) = request
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        else {
            let name = request.name.as_deref().unwrap_or_default();
            return self.catalog_source(name);
        };
        let (_, name) = crate::models::url_and_name(url, request.name.as_deref())?;
        Ok(Source {
            name,
            url: url.to_owned(),
            expected: Expected {
                sha256: request.sha256.clone().filter(|s| !s.trim().is_empty()),
                ..Expected::default()
            },
        })
    }

    /// Downloads `source` into the models folder, reporting progress, until it is done or
    /// `cancel` fires (the part is kept: fetching it again resumes).
    async fn fetch(
        &self,
        source: &Source,
        cancel: &CancellationToken,
        progress: impl FnMut(Progress),
    ) -> Result<InstalledModel> {
        // Hugging Face's files come from the mirror when one is set (`HF_ENDPOINT`).
        let url = match &self.inner.hf_endpoint {
            Some(mirror) if source.url.starts_with("https://huggingface.co/") => source
                .url
                .replacen("https://huggingface.co", mirror.trim_end_matches('/'), 1),
            _ => source.url.clone(),
        };
        self.models()
            .download(
                self.http(),
                &url,
                Some(&source.name),
                source.expected.clone(),
                cancel,
                progress,
            )
            .await
    }

    /// Downloads a catalog model, reporting progress, until it is done or `cancel` fires. The
    /// CLI's `models get`; [`Miteos::start_download`] runs the same in the background.
    pub async fn get_model(
        &self,
        name: &str,
        cancel: &CancellationToken,
        progress: impl FnMut(Progress),
    ) -> Result<InstalledModel> {
        self.fetch(&self.catalog_source(name)?, cancel, progress)
            .await
    }

    /// Starts (or resumes) downloading a catalog model, or a GGUF file by URL, in the
    /// background; its progress is in [`Miteos::downloads`].
    pub fn start_download(&self, request: DownloadRequest) -> Result<Download> {
        let source = self.source_of(&request)?;
        let store = self.models();
        if store.path_of(&source.name).is_ok() {
            return Err(Error::Conflict(format!(
                "{} is already installed",
                source.name
            )));
        }
        // Quitting Miteos pauses it (the part is kept, the next start resumes from it).
        let cancel = self.inner.closing.child_token();
        let started = {
            let mut downloads = self.inner.downloads.lock();
            if downloads
                .get(&source.name)
                .is_some_and(|h| h.download.state == DownloadState::Running)
            {
                return Err(Error::Conflict(format!(
                    "{} is already downloading",
                    source.name
                )));
            }
            let download = download_of(
                &source.name,
                &source.url,
                DownloadState::Running,
                store.partial_bytes(&source.name),
                source.expected.size_bytes,
            );
            downloads.insert(
                source.name.clone(),
                DownloadHandle {
                    download: download.clone(),
                    cancel: cancel.clone(),
                    discard: false,
                },
            );
            download
        };
        let miteos = self.clone();
        self.inner.background.spawn(async move {
            let name = source.name.clone();
            let mut meter = Speedometer::new(started.done_bytes);
            let outcome = miteos
                .fetch(&source, &cancel, |p| {
                    let speed = meter.update(p.done);
                    miteos.update_download(&name, |d| {
                        d.done_bytes = p.done;
                        d.total_bytes = p.total.or(d.total_bytes);
                        d.bytes_per_second = speed;
                        d.seconds_left = d
                            .total_bytes
                            .filter(|_| speed > 0.0)
                            .map(|t| t.saturating_sub(p.done) as f64 / speed);
                    });
                })
                .await;
            let discard = miteos.with_download(&name, |h| h.discard).unwrap_or(false);
            if discard {
                miteos.models().discard_partial(&name);
            }
            miteos.update_download(&name, |d| {
                d.bytes_per_second = 0.0;
                d.seconds_left = None;
                match &outcome {
                    Ok(_) => {
                        d.state = DownloadState::Complete;
                        d.done_bytes = d.total_bytes.unwrap_or(d.done_bytes);
                    }
                    Err(_) if discard => {
                        d.state = DownloadState::Cancelled;
                        d.done_bytes = 0;
                    }
                    Err(_) if cancel.is_cancelled() => d.state = DownloadState::Paused,
                    Err(e) => {
                        d.state = DownloadState::Failed;
                        d.error = Some(e.public_message());
                    }
                }
            });
            if let Err(e) = &outcome
                && !cancel.is_cancelled()
            {
                tracing::warn!(model = %name, error = %e, "a model download failed");
            }
        });
        Ok(started)
    }

    /// Pauses a running download, keeping what it has (starting it again resumes).
    pub fn pause_download(&self, name: &str) -> Result<Download> {
        self.stop_download(name, false)
    }

    /// Cancels a download and deletes what it had.
    pub fn cancel_download(&self, name: &str) -> Result<Download> {
        let name = self.download_name(name)?;
        let running = self
            .with_download(&name, |h| h.download.state == DownloadState::Running)
            .unwrap_or(false);
        if running {
            return self.stop_download(&name, true);
        }
        // A paused one (now or from an earlier run): delete its part.
        self.models().discard_partial(&name);
        let url = catalog::find(&name)
            .map(|m| m.url.clone())
            .unwrap_or_default();
        let mut downloads = self.inner.downloads.lock();
        let handle = downloads
            .entry(name.clone())
            .or_insert_with(|| DownloadHandle {
                download: download_of(&name, &url, DownloadState::Cancelled, 0, None),
                cancel: CancellationToken::new(),
                discard: true,
            });
        handle.download.state = DownloadState::Cancelled;
        handle.download.done_bytes = 0;
        Ok(handle.download.clone())
    }

    /// The name a download is known by: one of this run's downloads, or a catalog model.
    fn download_name(&self, name: &str) -> Result<String> {
        if self.with_download(name, |_| ()).is_some() {
            return Ok(name.to_owned());
        }
        Ok(catalog::find(name)?.name.clone())
    }

    fn stop_download(&self, name: &str, discard: bool) -> Result<Download> {
        let name = self.download_name(name)?;
        let mut downloads = self.inner.downloads.lock();
        let handle = downloads
            .get_mut(&name)
            .filter(|h| h.download.state == DownloadState::Running)
            .ok_or_else(|| Error::Conflict(format!("{name} is not downloading")))?;
        handle.discard = discard;
        handle.cancel.cancel();
        Ok(handle.download.clone())
    }

    /// Every download of this run, and the paused ones left by earlier runs (a part on disk).
    pub fn downloads(&self) -> Vec<Download> {
        let store = self.models();
        let downloads = self.inner.downloads.lock();
        let mut out: Vec<Download> = downloads.values().map(|h| h.download.clone()).collect();
        for model in catalog::models() {
            let part = store.partial_bytes(&model.name);
            if part > 0 && !downloads.contains_key(&model.name) {
                out.push(download_of(
                    &model.name,
                    &model.url,
                    DownloadState::Paused,
                    part,
                    Some(model.size_bytes),
                ));
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    fn update_download(&self, name: &str, change: impl FnOnce(&mut Download)) {
        let mut downloads = self.inner.downloads.lock();
        if let Some(handle) = downloads.get_mut(name) {
            change(&mut handle.download);
        }
    }

    fn with_download<T>(&self, name: &str, read: impl FnOnce(&DownloadHandle) -> T) -> Option<T> {
        let downloads = self.inner.downloads.lock();
        downloads.get(name).map(read)
    }

    /// What "How should Miteos think?" offers: keys in the environment or the key store, model
    /// servers running here, installed local models, and what is chosen now.
    pub async fn model_setup(&self) -> Result<ModelSetup> {
        let config = self.model_config().await?;
        let settings = self.settings().await?;
        let mut keys = Vec::new();
        for state in settings.keys.iter().filter(|k| k.saved || k.from_env) {
            let Some(keyed) = KEYED_PROVIDERS.iter().find(|k| k.key_name == state.name) else {
                continue;
            };
            // OpenAI's key with a base URL belongs to that server (found among the servers).
            if keyed.provider == "openai" && config.openai_base_url.is_some() {
                continue;
            }
            keys.push(DetectedKey {
                provider: keyed.provider.to_owned(),
                source: if state.saved {
                    "key store"
                } else {
                    "environment"
                }
                .to_owned(),
                model: keyed.default_model.to_owned(),
            });
        }
        let mut extra: Vec<String> = config.openai_base_url.iter().cloned().collect();
        if let Ok(more) = std::env::var("MITEOS_DETECT_URLS") {
            extra.extend(
                more.split(',')
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned),
            );
        }
        let servers =
            crate::providers::servers::detect(config.ollama_host.as_deref(), &extra).await;
        let local = self
            .models()
            .list()?
            .into_iter()
            .map(|m| LocalModel {
                demo: catalog::is_demo(&m.name),
                model: format!("local::{}", m.name),
                size_bytes: m.size_bytes,
            })
            .collect();
        let current = settings.default_model.clone();
        let current_is_demo = current
            .as_deref()
            .and_then(|m| m.strip_prefix("local::"))
            .is_some_and(catalog::is_demo);
        let chosen = self
            .inner
            .shared
            .store
            .setting::<serde_json::Value>(CHOICE_KEY)
            .await?
            .is_some();
        Ok(ModelSetup {
            keys,
            servers,
            local,
            current,
            current_is_demo,
            chosen,
        })
    }

    /// Answers "How should Miteos think?" with "as it is": the question is not asked again, and
    /// nothing else changes.
    pub async fn keep_current_model(&self) -> Result<ModelSetup> {
        self.record_choice(self.default_model().ok().as_deref(), "kept")
            .await?;
        self.model_setup().await
    }

    async fn record_choice(&self, model: Option<&str>, how: &str) -> Result<()> {
        self.inner
            .shared
            .store
            .put_setting(
                CHOICE_KEY,
                &serde_json::json!({"model": model, "how": how, "at": chrono::Utc::now().to_rfc3339()}),
            )
            .await
    }

    /// Answers "How should Miteos think?": checks a pasted key with one cheap call and keeps it
    /// in the key store, points Miteos at the chosen server, and makes the model the default for
    /// new tasks. Nothing is saved when any part is wrong.
    pub async fn choose_model(&self, choice: ModelChoice) -> Result<ModelSetup> {
        let model = choice.model.trim().to_owned();
        let (provider, name) = model.split_once("::").ok_or_else(|| {
            Error::InvalidInput(format!(
                "{model:?} is not PROVIDER::MODEL (openai, anthropic, openrouter, ollama or local)"
            ))
        })?;
        if name.trim().is_empty() {
            return Err(Error::InvalidInput("the model has no name".into()));
        }
        let settings = self.settings().await?;
        let mut providers = settings.providers.clone();
        providers.model = Some(model.clone());
        let clean = |u: &Option<String>| {
            u.as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_owned)
        };
        if let Some(url) = clean(&choice.base_url) {
            providers.openai_base_url = Some(url);
        }
        if let Some(host) = clean(&choice.ollama_host) {
            providers.ollama_host = Some(host);
        }
        let mut keys = Vec::new();
        if let Some(key) = clean(&choice.api_key) {
            let key_name = keyed_provider(provider)
                .ok_or_else(|| Error::InvalidInput(format!("{provider} models take no API key")))?
                .key_name;
            let config = self.model_config().await?;
            let config = ModelConfig {
                openai_base_url: providers.openai_base_url.clone(),
                ..config
            };
            config.check_key(self.http(), provider, &key).await?;
            keys.push(KeyChange {
                name: key_name.to_owned(),
                value: Some(key),
            });
        }
        self.save_settings(SettingsUpdate {
            providers,
            keys,
            max_concurrency: settings.max_concurrency,
            api: settings.api,
            staging: settings.staging,
            search: None,
            shell_allow: None,
            fetch_allow: None,
            on_quit: None,
            budget: None,
            plan: None,
            skills: None,
        })
        .await?;
        self.record_choice(Some(&model), "chosen").await?;
        self.model_setup().await
    }
}
