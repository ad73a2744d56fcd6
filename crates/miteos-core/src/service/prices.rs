//! Prices: the user's own (Settings, `PUT /prices`, `miteos models price`), OpenRouter's list
//! (fetched, cached with its date), and the built-in table. A model in none of them costs
//! "unknown", never $0.

use std::collections::HashMap;

use super::Miteos;
use crate::domain::models::{PriceEntry, PriceInput};
use crate::error::{Error, Result};
use crate::providers::pricing::{Price, RoutedPrices};

/// The user's own prices.
pub(super) const PRICES_KEY: &str = "prices";
/// OpenRouter's price list as last fetched.
pub(super) const OPENROUTER_PRICES_KEY: &str = "openrouter_prices";
/// How old OpenRouter's cached list may be before it is fetched again.
const OPENROUTER_PRICES_TTL: chrono::TimeDelta = chrono::TimeDelta::hours(24);

impl Miteos {
    /// Every price Miteos knows: the user's, OpenRouter's (dated), the built-in table.
    pub fn prices(&self) -> Vec<PriceEntry> {
        self.inner.shared.prices.listing()
    }

    /// Sets the user's price of a model (USD per million tokens); it applies to calls from now on.
    pub async fn set_price(&self, input: PriceInput) -> Result<Vec<PriceEntry>> {
        let model = input.model.trim().to_owned();
        if model.is_empty() || model.len() > 200 {
            return Err(Error::InvalidInput(
                "a price needs a model name (at most 200 characters)".into(),
            ));
        }
        for (what, v) in [("input", input.input), ("output", input.output)] {
            if !v.is_finite() || !(0.0..=10_000.0).contains(&v) {
                return Err(Error::InvalidInput(format!(
                    "the {what} price must be between 0 and 10000 dollars per million tokens"
                )));
            }
        }
        let mut prices = self.user_prices().await?;
        prices.insert(
            model,
            Price {
                input: input.input,
                output: input.output,
            },
        );
        self.save_user_prices(prices).await
    }

    /// Forgets the user's price of a model.
    pub async fn remove_price(&self, model: &str) -> Result<Vec<PriceEntry>> {
        let mut prices = self.user_prices().await?;
        if prices.remove(model.trim()).is_none() {
            return Err(Error::NotFound(format!("no price of yours for {model:?}")));
        }
        self.save_user_prices(prices).await
    }

    async fn user_prices(&self) -> Result<HashMap<String, Price>> {
        Ok(self
            .inner
            .shared
            .store
            .setting::<HashMap<String, Price>>(PRICES_KEY)
            .await?
            .unwrap_or_default())
    }

    async fn save_user_prices(&self, prices: HashMap<String, Price>) -> Result<Vec<PriceEntry>> {
        self.inner
            .shared
            .store
            .put_setting(PRICES_KEY, &prices)
            .await?;
        self.inner.shared.prices.set_user(prices);
        Ok(self.prices())
    }

    /// Loads OpenRouter's cached price list, and fetches it again (in the background) when
    /// OpenRouter is configured (`uses_openrouter`) and the list is missing or a day old.
    pub(super) async fn load_openrouter_prices(&self, uses_openrouter: bool) -> Result<()> {
        let cached = self
            .inner
            .shared
            .store
            .setting::<RoutedPrices>(OPENROUTER_PRICES_KEY)
            .await?;
        let fresh = cached.as_ref().is_some_and(|c| {
            chrono::DateTime::parse_from_rfc3339(&c.fetched_at)
                .is_ok_and(|at| chrono::Utc::now() - at.to_utc() < OPENROUTER_PRICES_TTL)
        });
        if let Some(cached) = cached {
            self.inner.shared.prices.set_routed(cached);
        }
        if fresh || !uses_openrouter {
            return Ok(());
        }
        let miteos = self.clone();
        self.inner.background.spawn(async move {
            if let Err(e) = miteos.refresh_openrouter_prices().await {
                tracing::warn!(error = %e, "OpenRouter's prices could not be fetched; the cached ones stay");
            }
        });
        Ok(())
    }

    /// Fetches OpenRouter's model list and uses its prices from now on (cached, dated).
    pub async fn refresh_openrouter_prices(&self) -> Result<Vec<PriceEntry>> {
        let config = self.model_config().await?;
        let routed =
            crate::providers::pricing::fetch_openrouter(self.http(), config.openrouter_url())
                .await
                .map_err(|e| Error::Provider(crate::domain::ProviderError::Unavailable(e)))?;
        self.inner
            .shared
            .store
            .put_setting(OPENROUTER_PRICES_KEY, &routed)
            .await?;
        self.inner.shared.prices.set_routed(routed);
        Ok(self.prices())
    }
}
