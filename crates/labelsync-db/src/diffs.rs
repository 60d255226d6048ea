//! Dry runs of an import sync (`storage_diffs`): queued by the API, run by a job, read back by id.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::conn::with_conn;
use crate::{Ex, Result};

/// One dry run and, once completed, what it found.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Diff {
    pub id: i64,
    pub storage_id: i64,
    /// `queued`, `in_progress`, `completed` or `failed`.
    pub status: String,
    /// The counts and samples, once completed.
    pub result: Option<Json<Value>>,
    /// Why it failed.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, storage_id, status, result, error, created_at, completed_at";

/// A new queued dry run of storage `storage_id`.
pub async fn insert(ex: impl Into<Ex<'_>>, storage_id: i64) -> Result<Diff> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Diff>(&format!(
            "insert into storage_diffs (storage_id, status, created_at) values ($1, 'queued', $2) \
             returning {COLUMNS}"
        ))
        .bind(storage_id)
        .bind(now)
        .fetch_one(c)
        .await
    })
}

/// Dry run `id` of storage `storage_id`.
pub async fn find(ex: impl Into<Ex<'_>>, storage_id: i64, id: i64) -> Result<Option<Diff>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Diff>(&format!(
            "select {COLUMNS} from storage_diffs where id = $1 and storage_id = $2"
        ))
        .bind(id)
        .bind(storage_id)
        .fetch_optional(c)
        .await
    })
}

/// Dry run `id` whatever its storage: for its job.
pub async fn find_unscoped(ex: impl Into<Ex<'_>>, id: i64) -> Result<Option<Diff>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Diff>(&format!("select {COLUMNS} from storage_diffs where id = $1"))
            .bind(id)
            .fetch_optional(c)
            .await
    })
}

/// Marks dry run `id` running.
pub async fn set_in_progress(ex: impl Into<Ex<'_>>, id: i64) -> Result<()> {
    with_conn!(ex, |c| {
        sqlx::query("update storage_diffs set status = 'in_progress' where id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// Ends dry run `id`: `completed` with its `result`, or `failed` with its `error`.
pub async fn finish(
    ex: impl Into<Ex<'_>>,
    id: i64,
    outcome: std::result::Result<&Value, &str>,
) -> Result<()> {
    let now = crate::now();
    let (status, result, error) = match outcome {
        Ok(result) => ("completed", Some(Json(result)), None),
        Err(error) => ("failed", None, Some(error)),
    };
    with_conn!(ex, |c| {
        sqlx::query(
            "update storage_diffs set status = $2, result = $3, error = $4, completed_at = $5 \
             where id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(result)
        .bind(error)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// Keeps the `keep` newest dry runs of storage `storage_id` and deletes the older ones.
pub async fn prune(ex: impl Into<Ex<'_>>, storage_id: i64, keep: i64) -> Result<u64> {
    with_conn!(ex, |c| {
        sqlx::query(
            "delete from storage_diffs where storage_id = $1 and id not in \
             (select id from storage_diffs where storage_id = $1 order by id desc limit $2)",
        )
        .bind(storage_id)
        .bind(keep)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })
}
