//! Which model Miteos talks to, and how to reach it: read from the environment, overridable by
//! settings and by a per-run `--model`. API keys never appear in `Debug` output or logs.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{GenaiProvider, Provider, ProviderSource};
use miteos_domain::{Error, Result};

/// How to configure a provider, shown whenever none is configured.
pub const HOW_TO_CONFIGURE: &str = concat!(
    "no model provider is configured. Set one of:\n",
    "  OPENAI_API_KEY=sk-...          (OpenAI; default model openai::gpt-4.1-mini)\n",
    "  ANTHROPIC_API_KEY=sk-ant-...   (Anthropic; default model anthropic::claude-sonnet-4-5)\n",
    "  OPENROUTER_API_KEY=sk-or-...   (OpenRouter; default model openrouter::openai/gpt-4.1-mini)\n",
    "  OPENAI_BASE_URL=http://127.0.0.1:8080/v1 MITEOS_MODEL=<model>    (llama.cpp, vLLM, LM Studio)\n",
    "  OLLAMA_HOST=http://127.0.0.1:11434 MITEOS_MODEL=ollama::<model>  (Ollama)\n",
    "or pass --model PROVIDER::MODEL; `miteos models setup` shows what this machine already has."
);

#[derive(Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ModelConfig {
    /// `provider::model` used when a task names none.
    pub model: Option<String>,
    pub openai_api_key: Option<String>,
    /// Any OpenAI-compatible server; models without a `provider::` prefix go here.
    pub openai_base_url: Option<String>,
    pub anthropic_api_key: Option<String>,
    pub anthropic_base_url: Option<String>,
    pub openrouter_api_key: Option<String>,
    /// OpenRouter's API address (a proxy, or a test server); its model list gives the prices.
    #[serde(default)]
    pub openrouter_base_url: Option<String>,
    pub ollama_host: Option<String>,
    /// Call tools through JSON-schema structured output instead of native tool calling (for
    /// servers whose model or chat template has no tool support).
    #[serde(default)]
    pub emulate_tools: bool,
    /// `provider::model` for work that needs less of a model (see `ProviderSource::light_model`).
    #[serde(default)]
    pub light_model: Option<String>,
    #[serde(skip)]
    pub retry: RetryPolicy,
    /// How long to wait for a response to start, and between streamed chunks.
    #[serde(skip)]
    pub timeout: Option<Duration>,
}

impl fmt::Debug for ModelConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = |k: &Option<String>| if k.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("ModelConfig")
            .field("model", &self.model)
            .field("openai_api_key", &key(&self.openai_api_key))
            .field("openai_base_url", &self.openai_base_url)
            .field("anthropic_api_key", &key(&self.anthropic_api_key))
            .field("anthropic_base_url", &self.anthropic_base_url)
            .field("openrouter_api_key", &key(&self.openrouter_api_key))
            .field("openrouter_base_url", &self.openrouter_base_url)
            .field("ollama_host", &self.ollama_host)
            .field("emulate_tools", &self.emulate_tools)
            .field("light_model", &self.light_model)
            .finish()
    }
}

/// Retries of failed model calls: jittered exponential backoff, or the provider's Retry-After.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// A provider an API key opens: its name, its key's name (in settings and the key store) and
/// the model Miteos uses there when none is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyedProvider {
    pub provider: &'static str,
    pub key_name: &'static str,
    pub default_model: &'static str,
}

/// The providers an API key opens, in the order a default model is taken from them.
pub const KEYED_PROVIDERS: &[KeyedProvider] = &[
    KeyedProvider {
        provider: "anthropic",
        key_name: "anthropic_api_key",
        default_model: "anthropic::claude-sonnet-4-5",
    },
    KeyedProvider {
        provider: "openai",
        key_name: "openai_api_key",
        default_model: "openai::gpt-4.1-mini",
    },
    KeyedProvider {
        provider: "openrouter",
        key_name: "openrouter_api_key",
        default_model: "openrouter::openai/gpt-4.1-mini",
    },
];

/// The keyed provider called `provider`.
pub fn keyed_provider(provider: &str) -> Option<&'static KeyedProvider> {
    KEYED_PROVIDERS.iter().find(|k| k.provider == provider)
}

/// OpenRouter's API, unless configured otherwise.
pub const OPENROUTER_API: &str = "https://openrouter.ai/api/v1";

impl ModelConfig {
    /// OpenRouter's API address in use.
    pub fn openrouter_url(&self) -> &str {
        self.openrouter_base_url
            .as_deref()
            .unwrap_or(OPENROUTER_API)
    }

    /// Reads the variables named in the README. Empty values count as unset.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        ModelConfig {
            model: var("MITEOS_MODEL"),
            openai_api_key: var("OPENAI_API_KEY"),
            openai_base_url: var("OPENAI_BASE_URL"),
            anthropic_api_key: var("ANTHROPIC_API_KEY"),
            anthropic_base_url: var("ANTHROPIC_BASE_URL"),
            openrouter_api_key: var("OPENROUTER_API_KEY"),
            openrouter_base_url: var("OPENROUTER_BASE_URL"),
            ollama_host: var("OLLAMA_HOST"),
            emulate_tools: var("MITEOS_EMULATE_TOOLS")
                .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes")),
            light_model: var("MITEOS_LIGHT_MODEL"),
            retry: RetryPolicy::default(),
            timeout: None,
        }
    }

    /// Fields set in `other` replace ours (settings over environment).
    pub fn overlay(mut self, other: ModelConfig) -> Self {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f; } )* };
        }
        take!(
            model,
            openai_api_key,
            openai_base_url,
            anthropic_api_key,
            anthropic_base_url,
            openrouter_api_key,
            openrouter_base_url,
            ollama_host,
            light_model
        );
        self.emulate_tools |= other.emulate_tools;
        self
    }

    /// The model a task runs on: the explicit choice, else the configured default, else the
    /// default model of whichever provider has credentials.
    pub fn resolve_model(&self, explicit: Option<&str>) -> Result<String> {
        let chosen = explicit
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .or_else(|| self.model.clone());
        if let Some(model) = chosen {
            return self.qualify(&model);
        }
        // OpenAI's key with a base URL belongs to that server, whose models are named explicitly.
        let keyed = |k: &&KeyedProvider| match k.provider {
            "anthropic" => self.anthropic_api_key.is_some(),
            "openai" => self.openai_api_key.is_some() && self.openai_base_url.is_none(),
            _ => self.openrouter_api_key.is_some(),
        };
        KEYED_PROVIDERS
            .iter()
            .find(keyed)
            .map(|k| k.default_model.to_owned())
            .ok_or_else(|| Error::NotConfigured(HOW_TO_CONFIGURE.into()))
    }

    /// Gives a bare model name its provider: the OpenAI-compatible server when one is configured.
    fn qualify(&self, model: &str) -> Result<String> {
        if model.contains("::") {
            let (provider, name) = model.split_once("::").unwrap_or_default();
            if name.is_empty()
                || !matches!(provider, "openai" | "anthropic" | "openrouter" | "ollama")
            {
                return Err(Error::InvalidInput(format!(
                    "model {model:?} is not PROVIDER::MODEL with PROVIDER one of openai, anthropic, openrouter, ollama, local"
                )));
            }
            return Ok(model.to_owned());
        }
        if self.openai_base_url.is_some() || self.openai_api_key.is_some() {
            Ok(format!("openai::{model}"))
        } else if self.ollama_host.is_some() {
            Ok(format!("ollama::{model}"))
        } else {
            Err(Error::NotConfigured(format!(
                "model {model:?} names no provider and none is configured for it.\n{HOW_TO_CONFIGURE}"
            )))
        }
    }

    /// A provider for `provider::model` (as returned by [`ModelConfig::resolve_model`]).
    pub fn provider(&self, model: &str) -> Result<Arc<dyn Provider>> {
        let (provider, _) = model.split_once("::").ok_or_else(|| {
            Error::InvalidInput(format!("model {model:?} is not PROVIDER::MODEL"))
        })?;
        let missing = |what: &str| {
            Error::NotConfigured(format!("model {model} needs {what}.\n{HOW_TO_CONFIGURE}"))
        };
        match provider {
            "openai" if self.openai_api_key.is_none() && self.openai_base_url.is_none() => {
                return Err(missing("OPENAI_API_KEY or OPENAI_BASE_URL"));
            }
            "anthropic"
                if self.anthropic_api_key.is_none() && self.anthropic_base_url.is_none() =>
            {
                return Err(missing("ANTHROPIC_API_KEY"));
            }
            "openrouter" if self.openrouter_api_key.is_none() => {
                return Err(missing("OPENROUTER_API_KEY"));
            }
            _ => {}
        }
        Ok(Arc::new(GenaiProvider::new(self.clone(), model)?))
    }
}

impl ModelConfig {
    /// Checks an API key for `provider` with one cheap call (listing models, or OpenRouter's key
    /// endpoint): refused keys are bad input, an unreachable provider is unavailable.
    pub async fn check_key(&self, http: &reqwest::Client, provider: &str, key: &str) -> Result<()> {
        let request = match provider {
            "openai" => {
                let base = self
                    .openai_base_url
                    .as_deref()
                    .unwrap_or("https://api.openai.com/v1");
                http.get(format!("{}/models", base.trim_end_matches('/')))
                    .bearer_auth(key)
            }
            "anthropic" => {
                let base = self
                    .anthropic_base_url
                    .as_deref()
                    .unwrap_or("https://api.anthropic.com");
                let base = base.trim_end_matches('/');
                let base = base.strip_suffix("/v1").unwrap_or(base);
                http.get(format!("{base}/v1/models"))
                    .header("x-api-key", key)
                    .header("anthropic-version", "2023-06-01")
            }
            "openrouter" => http
                .get(format!(
                    "{}/key",
                    self.openrouter_url().trim_end_matches('/')
                ))
                .bearer_auth(key),
            other => {
                return Err(Error::InvalidInput(format!("{other} takes no API key")));
            }
        };
        let response = request
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .map_err(|e| {
                Error::Provider(miteos_domain::ProviderError::Unavailable(format!(
                    "cannot reach {provider} to check the key: {e}"
                )))
            })?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            401 | 403 => Err(Error::InvalidInput(format!(
                "{provider} refused the key (HTTP {}); check that it is complete and active",
                response.status().as_u16()
            ))),
            status => Err(Error::Provider(miteos_domain::ProviderError::Unavailable(
                format!(
                    "{provider} answered HTTP {status} when the key was checked; try again later"
                ),
            ))),
        }
    }
}

impl ProviderSource for ModelConfig {
    fn resolve_model(&self, explicit: Option<&str>) -> Result<String> {
        ModelConfig::resolve_model(self, explicit)
    }

    fn provider(&self, model: &str) -> Result<Arc<dyn Provider>> {
        ModelConfig::provider(self, model)
    }

    fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    fn light_model(&self, model: &str) -> Option<String> {
        if let Some(light) = &self.light_model {
            return Some(light.clone());
        }
        let (provider, name) = model.split_once("::")?;
        // A custom OpenAI-compatible server (llama.cpp, vLLM, a proxy) names its own models.
        let real = match provider {
            "openai" => self.openai_base_url.is_none(),
            "anthropic" => self.anthropic_base_url.is_none(),
            "openrouter" => true,
            _ => false,
        };
        if !real {
            return None;
        }
        let lighter = super::pricing::lighter_sibling(name)?;
        Some(format!("{provider}::{lighter}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_configured_says_how_to_configure() {
        let err = ModelConfig::default().resolve_model(None).unwrap_err();
        assert!(matches!(err, Error::NotConfigured(_)));
        assert!(
            err.to_string().contains("OPENAI_API_KEY"),
            "the message must name the variables"
        );
    }

    #[test]
    fn bare_names_go_to_the_compatible_server() {
        let cfg = ModelConfig {
            openai_base_url: Some("http://127.0.0.1:9/v1".into()),
            ..Default::default()
        };
        assert_eq!(cfg.resolve_model(Some("qwen")).unwrap(), "openai::qwen");
    }

    #[test]
    fn keys_pick_a_default_model() {
        let cfg = ModelConfig {
            anthropic_api_key: Some("k".into()),
            ..Default::default()
        };
        assert_eq!(
            cfg.resolve_model(None).unwrap(),
            "anthropic::claude-sonnet-4-5"
        );
    }

    #[test]
    fn unknown_provider_is_bad_input() {
        let cfg = ModelConfig {
            openai_api_key: Some("k".into()),
            ..Default::default()
        };
        assert!(matches!(
            cfg.resolve_model(Some("foo::bar")),
            Err(Error::InvalidInput(_))
        ));
    }

    #[test]
    fn debug_never_shows_keys() {
        let cfg = ModelConfig {
            openai_api_key: Some("sk-secret".into()),
            ..Default::default()
        };
        assert!(!format!("{cfg:?}").contains("sk-secret"));
    }
}
