//! Prices per model, in US dollars per million input and output tokens, turning usage into cost.
//!
//! Three sources, the first that knows a model wins: the user's own entries (the `prices`
//! setting: Settings, `PUT /prices`, `miteos models price`), OpenRouter's published model list
//! for `openrouter::` models (fetched, cached with its date, see [`fetch_openrouter`]), and the
//! built-in table for the providers' own APIs, taken from OpenAI's and Anthropic's pricing pages
//! (standard tier, no batch or cache discounts) as of late 2025. Models that run on this machine
//! or the user's own server cost nothing. Any other model's price is *unknown*: its calls are
//! counted as unpriced tokens and shown as "cost unknown", never as $0.

use std::collections::HashMap;
use std::sync::RwLock;

use serde::{Deserialize, Serialize};

use super::Usage;
pub use miteos_domain::models::PriceEntry;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// USD per million input tokens.
    pub input: f64,
    /// USD per million output tokens.
    pub output: f64,
}

const BUILTIN: &[(&str, f64, f64)] = &[
    ("gpt-5", 1.25, 10.0),
    ("gpt-5-mini", 0.25, 2.0),
    ("gpt-5-nano", 0.05, 0.40),
    ("gpt-4.1", 2.0, 8.0),
    ("gpt-4.1-mini", 0.40, 1.60),
    ("gpt-4.1-nano", 0.10, 0.40),
    ("gpt-4o", 2.50, 10.0),
    ("gpt-4o-mini", 0.15, 0.60),
    ("o3", 2.0, 8.0),
    ("o4-mini", 1.10, 4.40),
    ("claude-opus-4-5", 5.0, 25.0),
    ("claude-opus-4-1", 15.0, 75.0),
    ("claude-sonnet-4-5", 3.0, 15.0),
    ("claude-sonnet-4", 3.0, 15.0),
    ("claude-haiku-4-5", 1.0, 5.0),
    ("claude-3-5-haiku", 0.80, 4.0),
];

/// Each model's lighter sibling in its provider's lineup: the model Miteos gives work that needs
/// less (the write-up of a skill's replayed steps).
const LIGHTER: &[(&str, &str)] = &[
    ("gpt-5", "gpt-5-mini"),
    ("gpt-5-mini", "gpt-5-nano"),
    ("gpt-4.1", "gpt-4.1-mini"),
    ("gpt-4.1-mini", "gpt-4.1-nano"),
    ("gpt-4o", "gpt-4o-mini"),
    ("o3", "o4-mini"),
    ("claude-opus-4-5", "claude-haiku-4-5"),
    ("claude-opus-4-1", "claude-haiku-4-5"),
    ("claude-sonnet-4-5", "claude-haiku-4-5"),
    ("claude-sonnet-4", "claude-haiku-4-5"),
];

/// The lighter sibling of a model name (without its provider): `gpt-4.1` → `gpt-4.1-mini`, a
/// dated snapshot by its base name, an OpenRouter name with its vendor (`openai/gpt-4o` →
/// `openai/gpt-4o-mini`).
pub fn lighter_sibling(name: &str) -> Option<String> {
    let (vendor, base) = match name.rsplit_once('/') {
        Some((vendor, base)) => (format!("{vendor}/"), base),
        None => (String::new(), name),
    };
    LIGHTER
        .iter()
        .filter(|(from, _)| base == *from || is_snapshot_of(base, from))
        .max_by_key(|(from, _)| from.len())
        .map(|(_, to)| format!("{vendor}{to}"))
}

/// `name` is `base` with a date or version after it (`claude-sonnet-4-5-20250929`).
fn is_snapshot_of(name: &str, base: &str) -> bool {
    name.strip_prefix(base).is_some_and(|rest| {
        rest.starts_with('-') && rest[1..].starts_with(|c: char| c.is_ascii_digit())
    })
}

/// OpenRouter's prices, by its model ids (`openai/gpt-4.1-mini`), as fetched on a date.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoutedPrices {
    /// RFC 3339.
    pub fetched_at: String,
    pub prices: HashMap<String, Price>,
}

/// The price list every task's calls are costed by. Cheap to share; the user's entries and
/// OpenRouter's list can be replaced while tasks run.
#[derive(Debug, Default)]
pub struct PriceTable {
    user: RwLock<HashMap<String, Price>>,
    routed: RwLock<Option<RoutedPrices>>,
}

fn builtin() -> impl Iterator<Item = (&'static str, Price)> {
    BUILTIN.iter().map(|(m, i, o)| {
        (
            *m,
            Price {
                input: *i,
                output: *o,
            },
        )
    })
}

impl PriceTable {
    /// The built-in table with the user's entries on top.
    pub fn with_overrides(overrides: HashMap<String, Price>) -> Self {
        PriceTable {
            user: RwLock::new(overrides),
            routed: RwLock::new(None),
        }
    }

    /// Replaces the user's entries.
    pub fn set_user(&self, prices: HashMap<String, Price>) {
        *self.user.write().unwrap_or_else(|p| p.into_inner()) = prices;
    }

    /// Replaces OpenRouter's list.
    pub fn set_routed(&self, prices: RoutedPrices) {
        *self.routed.write().unwrap_or_else(|p| p.into_inner()) = Some(prices);
    }

    /// The price of `provider::model`, or `None` when it is unknown. Dated snapshots
    /// (`gpt-4.1-mini-2025-04-14`) and OpenRouter names (`openai/gpt-4.1`) find their base model
    /// in the built-in table; the user's exact entry always wins.
    pub fn price(&self, model: &str) -> Option<Price> {
        let (provider, name) = model.split_once("::").unwrap_or(("", model));
        {
            let user = self.user.read().unwrap_or_else(|p| p.into_inner());
            if let Some(p) = user.get(model).or_else(|| user.get(name)) {
                return Some(*p);
            }
        }
        if matches!(provider, "ollama" | "local") {
            return None;
        }
        if provider == "openrouter"
            && let Some(p) = self
                .routed
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .and_then(|r| r.prices.get(name).copied())
        {
            return Some(p);
        }
        let name = name.rsplit('/').next().unwrap_or(name);
        builtin()
            .filter(|(key, _)| name == *key || is_snapshot_of(name, key))
            .max_by_key(|(key, _)| key.len())
            .map(|(_, p)| p)
    }

    /// `a` costs less per token than `b` (input and output weighed 3 to 1, as in agent calls). A
    /// model whose price is unknown is never the cheaper one.
    pub fn cheaper(&self, a: &str, b: &str) -> bool {
        let blended = |m: &str| self.price(m).map(|p| 3.0 * p.input + p.output);
        match (blended(a), blended(b)) {
            (Some(a), Some(b)) => a < b,
            _ => false,
        }
    }

    /// Cost of one call in micro-dollars; `None` when the price is unknown. A model that runs
    /// `local`ly (this machine, the user's own server) costs nothing unless the user priced it.
    pub fn cost_micros(&self, model: &str, usage: Usage, local: bool) -> Option<i64> {
        match self.price(model) {
            Some(p) => Some(
                (usage.input_tokens as f64 * p.input + usage.output_tokens as f64 * p.output)
                    .round() as i64,
            ),
            None if local || is_local_name(model) => Some(0),
            None => None,
        }
    }

    /// Every price known, the user's first, then OpenRouter's and the built-in ones.
    pub fn listing(&self) -> Vec<PriceEntry> {
        let entry = |model: &str, p: &Price, source: &str, fetched_at: Option<String>| PriceEntry {
            model: model.to_owned(),
            input: p.input,
            output: p.output,
            source: source.to_owned(),
            fetched_at,
        };
        let mut out: Vec<PriceEntry> = {
            let user = self.user.read().unwrap_or_else(|p| p.into_inner());
            let mut rows: Vec<_> = user
                .iter()
                .map(|(m, p)| entry(m, p, "user", None))
                .collect();
            rows.sort_by(|a, b| a.model.cmp(&b.model));
            rows
        };
        if let Some(routed) = self
            .routed
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            let mut rows: Vec<_> = routed
                .prices
                .iter()
                .map(|(m, p)| {
                    entry(
                        &format!("openrouter::{m}"),
                        p,
                        "openrouter",
                        Some(routed.fetched_at.clone()),
                    )
                })
                .collect();
            rows.sort_by(|a, b| a.model.cmp(&b.model));
            out.extend(rows);
        }
        out.extend(builtin().map(|(m, p)| entry(m, &p, "builtin", None)));
        out
    }
}

/// Models that always run locally: the embedded model and Ollama's.
fn is_local_name(model: &str) -> bool {
    model.starts_with("local::") || model.starts_with("ollama::")
}

/// Fetches OpenRouter's model list (`GET {base}/models`, no key needed) and reads each model's
/// price per token into a price per million tokens. Models priced per request only, or with a
/// variable price (`-1`), are left out.
pub async fn fetch_openrouter(
    http: &reqwest::Client,
    base_url: &str,
) -> Result<RoutedPrices, String> {
    #[derive(Deserialize)]
    struct List {
        data: Vec<Model>,
    }
    #[derive(Deserialize)]
    struct Model {
        id: String,
        #[serde(default)]
        pricing: Option<Pricing>,
    }
    #[derive(Deserialize)]
    struct Pricing {
        #[serde(default)]
        prompt: Option<serde_json::Value>,
        #[serde(default)]
        completion: Option<serde_json::Value>,
    }
    let per_token = |v: &Option<serde_json::Value>| -> Option<f64> {
        let n = match v.as_ref()? {
            serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
            serde_json::Value::Number(n) => n.as_f64()?,
            _ => return None,
        };
        (n >= 0.0 && n.is_finite()).then_some(n * 1e6)
    };
    let url = format!("{}/models", base_url.trim_end_matches('/'));
    let list: List = http
        .get(&url)
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("cannot fetch {url}: {e}"))?
        .json()
        .await
        .map_err(|e| format!("{url} did not answer a model list: {e}"))?;
    let prices = list
        .data
        .into_iter()
        .filter_map(|m| {
            let p = m.pricing?;
            Some((
                m.id,
                Price {
                    input: per_token(&p.prompt)?,
                    output: per_token(&p.completion)?,
                },
            ))
        })
        .collect();
    Ok(RoutedPrices {
        fetched_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        prices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_and_routed_names_find_their_base_model() {
        let t = PriceTable::default();
        assert_eq!(
            t.price("openai::gpt-4.1-mini-2025-04-14").unwrap().input,
            0.40
        );
        assert_eq!(t.price("openrouter::openai/gpt-4.1").unwrap().output, 8.0);
        assert_eq!(
            t.price("anthropic::claude-sonnet-4-5-20250929")
                .unwrap()
                .input,
            3.0
        );
        // gpt-4.1-mini must not be priced as gpt-4.1.
        assert_eq!(t.price("openai::gpt-4.1-mini").unwrap().input, 0.40);
    }

    #[test]
    fn lighter_siblings_cost_less() {
        let t = PriceTable::default();
        for (from, to) in LIGHTER {
            assert!(t.cheaper(to, from), "{to} should cost less than {from}");
        }
        assert_eq!(lighter_sibling("gpt-4.1").as_deref(), Some("gpt-4.1-mini"));
        assert_eq!(
            lighter_sibling("claude-sonnet-4-5-20250929").as_deref(),
            Some("claude-haiku-4-5")
        );
        assert_eq!(
            lighter_sibling("openai/gpt-4o").as_deref(),
            Some("openai/gpt-4o-mini")
        );
        assert_eq!(lighter_sibling("gpt-4.1-nano"), None);
        assert_eq!(lighter_sibling("qwen3:8b"), None);
        assert!(
            !t.cheaper("openai::gpt-4.1", "local::qwen"),
            "an unpriced model is never the cheaper"
        );
    }

    #[test]
    fn local_and_unknown_models_cost_nothing() {
        let t = PriceTable::default();
        assert_eq!(t.price("ollama::qwen3:8b"), None);
        assert_eq!(
            t.cost_micros(
                "some-local-model",
                Usage {
                    input_tokens: 1000,
                    output_tokens: 1000
                },
                true
            ),
            Some(0)
        );
        assert_eq!(
            t.cost_micros("openrouter::mistralai/mystery", Usage::default(), false),
            None,
            "an unknown cloud model's cost is unknown, not 0"
        );
        assert_eq!(
            t.cost_micros("ollama::qwen3:8b", Usage::default(), false),
            Some(0)
        );
    }

    #[test]
    fn one_million_tokens_cost_the_listed_price() {
        let t = PriceTable::default();
        let usage = Usage {
            input_tokens: 1_000_000,
            output_tokens: 1_000_000,
        };
        assert_eq!(
            t.cost_micros("openai::gpt-4.1-mini", usage, false),
            Some(2_000_000)
        );
    }

    #[test]
    fn user_overrides_win() {
        let t = PriceTable::with_overrides(HashMap::from([(
            "ollama::big".to_owned(),
            Price {
                input: 1.0,
                output: 1.0,
            },
        )]));
        assert_eq!(
            t.cost_micros(
                "ollama::big",
                Usage {
                    input_tokens: 10,
                    output_tokens: 0
                },
                true
            ),
            Some(10)
        );
    }

    #[tokio::test]
    async fn openrouters_list_prices_its_models_and_unknown_stays_unknown() {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/models"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": [
                {"id": "mistralai/mistral-small", "pricing": {"prompt": "0.0000001", "completion": "0.0000003"}},
                {"id": "openrouter/auto", "pricing": {"prompt": "-1", "completion": "-1"}},
                {"id": "free/model", "pricing": {"prompt": "0", "completion": "0"}}
            ]})))
            .mount(&server)
            .await;
        let routed = fetch_openrouter(&reqwest::Client::new(), &format!("{}/api/v1", server.uri()))
            .await
            .unwrap();
        assert!(!routed.fetched_at.is_empty());
        let t = PriceTable::default();
        t.set_routed(routed);
        let p = t.price("openrouter::mistralai/mistral-small").unwrap();
        assert!(
            (p.input - 0.1).abs() < 1e-9 && (p.output - 0.3).abs() < 1e-9,
            "{p:?}"
        );
        assert_eq!(
            t.price("openrouter::openrouter/auto"),
            None,
            "a variable price is no price"
        );
        assert_eq!(
            t.cost_micros(
                "openrouter::free/model",
                Usage {
                    input_tokens: 9,
                    output_tokens: 9
                },
                false
            ),
            Some(0),
            "a free model is known to cost nothing"
        );
        assert!(
            t.listing()
                .iter()
                .any(|e| e.source == "openrouter" && e.fetched_at.is_some())
        );
    }
}
