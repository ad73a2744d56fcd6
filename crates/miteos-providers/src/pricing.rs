//! Prices per model, in US dollars per million input and output tokens, turning usage into cost.
//!
//! The built-in table was taken from the providers' published API price lists (OpenAI's and
//! Anthropic's pricing pages, standard tier, no batch or cache discounts) as of late 2025. Users
//! override or add entries with the `prices` setting. Local servers (Ollama, any custom base URL)
//! cost nothing; a cloud model missing from the table is counted as 0 and logged once per call.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::Usage;

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

#[derive(Debug, Clone)]
pub struct PriceTable {
    prices: HashMap<String, Price>,
}

impl Default for PriceTable {
    fn default() -> Self {
        PriceTable {
            prices: BUILTIN
                .iter()
                .map(|(m, i, o)| {
                    (
                        (*m).to_owned(),
                        Price {
                            input: *i,
                            output: *o,
                        },
                    )
                })
                .collect(),
        }
    }
}

impl PriceTable {
    /// The built-in table with the user's entries on top.
    pub fn with_overrides(overrides: HashMap<String, Price>) -> Self {
        let mut table = PriceTable::default();
        table.prices.extend(overrides);
        table
    }

    /// The price of `provider::model`, or `None` when it runs locally or is unknown.
    /// Dated snapshots (`gpt-4.1-mini-2025-04-14`) and OpenRouter names (`openai/gpt-4.1`) find
    /// their base model; an exact entry (even for a local model) always wins.
    pub fn price(&self, model: &str) -> Option<Price> {
        if let Some(p) = self.prices.get(model) {
            return Some(*p);
        }
        let (provider, name) = model.split_once("::").unwrap_or(("", model));
        if matches!(provider, "ollama" | "local") {
            return None;
        }
        let name = name.rsplit('/').next().unwrap_or(name);
        self.prices
            .iter()
            .filter(|(key, _)| name == key.as_str() || is_snapshot_of(name, key))
            .max_by_key(|(key, _)| key.len())
            .map(|(_, p)| *p)
    }

    /// `a` costs less per token than `b` (input and output weighed 3 to 1, as in agent calls); a
    /// model without a price (local, unknown) costs nothing.
    pub fn cheaper(&self, a: &str, b: &str) -> bool {
        let blended = |m: &str| self.price(m).map_or(0.0, |p| 3.0 * p.input + p.output);
        blended(a) < blended(b)
    }

    /// Cost of one call in micro-dollars.
    pub fn cost_micros(&self, model: &str, usage: Usage) -> i64 {
        match self.price(model) {
            Some(p) => {
                (usage.input_tokens as f64 * p.input + usage.output_tokens as f64 * p.output)
                    .round() as i64
            }
            None => 0,
        }
    }
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
            "local costs nothing"
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
                }
            ),
            0
        );
    }

    #[test]
    fn one_million_tokens_cost_the_listed_price() {
        let t = PriceTable::default();
        let usage = Usage {
            input_tokens: 1_000_000,
            output_tokens: 1_000_000,
        };
        assert_eq!(t.cost_micros("openai::gpt-4.1-mini", usage), 2_000_000);
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
                }
            ),
            10
        );
    }
}
