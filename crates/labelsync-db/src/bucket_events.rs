//! What bucket event notifications need from the database: the storage's events secret (its
//! SHA-256 only) and the import links of the objects an event names.

use crate::conn::with_conn;
use crate::links::LinkedTask;
use crate::{Ex, Result};

/// Sets (or, with `None`, clears) the SHA-256 (hex) of import storage `id`'s events secret.
pub async fn set_secret_sha256(ex: impl Into<Ex<'_>>, id: i64, sha256: Option<&str>) -> Result<()> {
    with_conn!(ex, |c| {
        sqlx::query("update storages set events_secret_sha256 = $2 where id = $1")
            .bind(id)
            .bind(sha256)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// The SHA-256 (hex) of storage `id`'s events secret, if events are on.
pub async fn secret_sha256(ex: impl Into<Ex<'_>>, id: i64) -> Result<Option<String>> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, Option<String>>("select events_secret_sha256 from storages where id = $1")
            .bind(id)
            .fetch_optional(c)
            .await
            .map(Option::flatten)
    })
}

/// The import links of storage `storage_id` for object `key`, with whether their tasks are
/// labeled (what `sync_deleted` decides on).
pub async fn links_of_key(ex: impl Into<Ex<'_>>, storage_id: i64, key: &str) -> Result<Vec<LinkedTask>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, LinkedTask>(
            "select l.id, l.task_id, l.key, \
             exists (select 1 from annotations a where a.task_id = l.task_id) as labeled \
             from import_links l where l.storage_id = $1 and l.key = $2 order by l.id",
        )
        .bind(storage_id)
        .bind(key)
        .fetch_all(c)
        .await
    })
}

/// Marks the links of object `key` of storage `storage_id` missing (`object_exists` false): the
/// object is gone and the tasks left are kept. Returns how many changed.
pub async fn mark_key_missing(ex: impl Into<Ex<'_>>, storage_id: i64, key: &str) -> Result<u64> {
    with_conn!(ex, |c| {
        sqlx::query("update import_links set object_exists = false where storage_id = $1 and key = $2 and object_exists")
            .bind(storage_id)
            .bind(key)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })
}
