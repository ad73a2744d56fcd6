//! Settings: JSON values under string keys. They override what the environment configures.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Store;
use crate::Row;
use crate::db::{on_pool, on_tx};
use miteos_domain::{Error, Result};

use crate::StoreContext;

impl Store {
    pub async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let row =
            on_pool!(self.pool(), db => sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(db)
            .await.map(|row| row.map(Row::from)))
            .context(|| format!("reading setting {key}"))?;
        row.map(|row| {
            let value: String = row.get("value");
            serde_json::from_str(&value)
                .map_err(|e| Error::Internal(format!("setting {key} is not valid: {e}")))
        })
        .transpose()
    }

    pub async fn put_setting<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let value = encode(key, value)?;
        self.put_settings(&[(key, value)]).await
    }

    /// Writes several settings in one transaction: all of them or none.
    pub async fn put_settings(&self, settings: &[(&str, serde_json::Value)]) -> Result<()> {
        let mut tx = self.begin().await?;
        for (key, value) in settings {
            on_tx!(&mut tx, conn => sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value.to_string())
                .execute(conn)
                .await.map(|done| done.rows_affected()))
                .context(|| format!("writing setting {key}"))?;
        }
        tx.commit().await.context(|| "committing settings".into())
    }
}

/// A setting's value as JSON, or why it cannot be one.
pub fn encode<T: Serialize>(key: &str, value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value)
        .map_err(|e| Error::InvalidInput(format!("setting {key} cannot be encoded: {e}")))
}
