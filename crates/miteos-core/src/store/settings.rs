//! Settings: JSON values under string keys. They override what the environment configures.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

use super::Store;
use crate::error::{Error, Result, StoreContext};

impl Store {
    pub async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(self.pool())
            .await
            .context(|| format!("reading setting {key}"))?;
        row.map(|row| {
            let value: String = row.get("value");
            serde_json::from_str(&value)
                .map_err(|e| Error::Internal(format!("setting {key} is not valid: {e}")))
        })
        .transpose()
    }

    pub async fn put_setting<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let value = serde_json::to_string(value)
            .map_err(|e| Error::InvalidInput(format!("setting {key} cannot be encoded: {e}")))?;
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(self.pool())
            .await
            .context(|| format!("writing setting {key}"))?;
        Ok(())
    }
}
