//! Instance-wide settings kept in the database (for example a generated secret key).

use crate::conn::with_conn;
use crate::{Ex, Result};

pub async fn get(ex: impl Into<Ex<'_>>, key: &str) -> Result<Option<String>> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, String>("select value from instance_settings where key = $1")
            .bind(key)
            .fetch_optional(c)
            .await
    })
}

/// Stores `value` under `key` unless the key already has a value; returns the stored value.
/// Concurrent first starts therefore agree on one value.
pub async fn get_or_insert(ex: impl Into<Ex<'_>>, key: &str, value: &str) -> Result<String> {
    with_conn!(ex, |c| {
        sqlx::query(
            "insert into instance_settings (key, value) values ($1, $2) \
             on conflict (key) do nothing",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *c)
        .await?;
        sqlx::query_scalar::<_, String>("select value from instance_settings where key = $1")
            .bind(key)
            .fetch_one(c)
            .await
    })
}
