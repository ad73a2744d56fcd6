//! The providers Miteos uses by default: cloud and compatible servers from [`ModelConfig`], and
//! the embedded model for `local::<name>` (the default when no cloud provider is configured).

#[cfg(feature = "local")]
use std::collections::HashMap;
#[cfg(feature = "local")]
use std::path::PathBuf;
use std::sync::Arc;
#[cfg(feature = "local")]
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::models::ModelStore;
use crate::providers::RetryPolicy;
use crate::providers::{ModelConfig, Provider, ProviderSource};

pub const LOCAL_PREFIX: &str = "local::";

pub struct DefaultProviders {
    config: ModelConfig,
    models: ModelStore,
    #[cfg(feature = "local")]
    local: LocalEngines,
}

#[cfg(feature = "local")]
struct LocalEngines {
    settings: miteos_local_model::LocalSettings,
    /// One engine (one loaded model) per file, started on first use and kept.
    engines: Mutex<HashMap<PathBuf, Arc<miteos_local_model::LocalEngine>>>,
}

impl DefaultProviders {
    pub fn new(config: ModelConfig, models: ModelStore) -> Self {
        DefaultProviders {
            config,
            models,
            #[cfg(feature = "local")]
            local: LocalEngines {
                settings: miteos_local_model::LocalSettings::from_env(),
                engines: Mutex::new(HashMap::new()),
            },
        }
    }

    /// The local model used when nothing else is configured: the best one installed for this
    /// machine (a catalog pick before any other, the built-in demo last).
    fn default_local(&self) -> Option<String> {
        if !cfg!(feature = "local") {
            return None;
        }
        let installed = self.models.list().ok()?;
        crate::providers::catalog::best_installed_here(&installed)
            .map(|m| format!("{LOCAL_PREFIX}{}", m.name))
    }

    fn local_provider(&self, model: &str) -> Result<Arc<dyn Provider>> {
        let name = &model[LOCAL_PREFIX.len()..];
        let path = self.models.path_of(name)?;
        #[cfg(feature = "local")]
        {
            let engine = {
                let mut engines = self.local.engines.lock().unwrap_or_else(|p| p.into_inner());
                engines
                    .entry(path.clone())
                    .or_insert_with(|| {
                        miteos_local_model::LocalEngine::start(path, self.local.settings)
                    })
                    .clone()
            };
            Ok(Arc::new(miteos_local_model::LocalProvider::new(
                engine,
                model.to_owned(),
                self.local.settings,
            )))
        }
        #[cfg(not(feature = "local"))]
        {
            let _ = path;
            Err(Error::NotConfigured(format!(
                "{model} is a local model, but this build of Miteos has no embedded model (feature `local`)"
            )))
        }
    }
}

impl ProviderSource for DefaultProviders {
    fn resolve_model(&self, explicit: Option<&str>) -> Result<String> {
        let explicit = explicit.map(str::trim).filter(|m| !m.is_empty());
        if let Some(model) = explicit.filter(|m| m.starts_with(LOCAL_PREFIX)) {
            self.models.path_of(&model[LOCAL_PREFIX.len()..])?;
            return Ok(model.to_owned());
        }
        if explicit.is_none()
            && self
                .config
                .model
                .as_deref()
                .is_some_and(|m| m.starts_with(LOCAL_PREFIX))
        {
            return self.resolve_model(self.config.model.as_deref());
        }
        match self.config.resolve_model(explicit) {
            Err(Error::NotConfigured(message)) if explicit.is_none() => self.default_local().ok_or_else(|| {
                let get = crate::providers::catalog::recommended_here()
                    .map(|m| format!("`miteos models get {m}` (the one recommended for this machine), or "))
                    .unwrap_or_default();
                Error::NotConfigured(format!(
                    "{message}\nOr install a local model: {get}`miteos models add FILE.gguf`; \
                     `miteos models setup` shows what this machine already has."
                ))
            }),
            other => other,
        }
    }

    fn provider(&self, model: &str) -> Result<Arc<dyn Provider>> {
        if model.starts_with(LOCAL_PREFIX) {
            self.local_provider(model)
        } else {
            self.config.provider(model)
        }
    }

    fn retry_policy(&self) -> RetryPolicy {
        self.config.retry
    }

    fn light_model(&self, model: &str) -> Option<String> {
        self.config.light_model(model)
    }
}
