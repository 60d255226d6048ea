//! The state of a storage's sync runs: the status columns Label Studio shows, the generation and
//! checkpoint that make an import sync reconcilable and resumable, and the per-object error
//! ledger (`sync_errors`) of the latest sync; and the schedule of import storages that sync
//! every `sync_interval_seconds`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::types::Json;

use crate::conn::{builder, with_conn};
use crate::storages::SyncStatus;
use crate::{Ex, Result};

/// The sync status columns, written as a whole by the sync engine. (Named `SyncState`, not
/// `SyncStatus`: that is the enum of its `status` column.)
#[derive(Debug, Clone)]
pub struct SyncState {
    pub status: SyncStatus,
    pub last_sync: Option<DateTime<Utc>>,
    pub last_sync_count: Option<i32>,
    pub last_sync_job: Option<String>,
    pub traceback: Option<String>,
    pub meta: Map<String, Value>,
}

pub async fn set_sync_status(ex: impl Into<Ex<'_>>, id: i64, s: &SyncState) -> Result<()> {
    with_conn!(ex, |c| {
        sqlx::query(
            "update storages set status = $2, last_sync = $3, last_sync_count = $4, \
             last_sync_job = $5, traceback = $6, meta = $7 where id = $1",
        )
        .bind(id)
        .bind(s.status)
        .bind(s.last_sync)
        .bind(s.last_sync_count)
        .bind(s.last_sync_job.as_deref())
        .bind(s.traceback.as_deref())
        .bind(Json(&s.meta))
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// [`set_sync_status`] with how far the running sync's listing has been committed (the
/// checkpoint; `None` once it ended), in one statement: what an import sync writes after each
/// batch.
pub async fn set_sync_progress(
    ex: impl Into<Ex<'_>>,
    id: i64,
    s: &SyncState,
    checkpoint: Option<&str>,
) -> Result<()> {
    with_conn!(ex, |c| {
        sqlx::query(
            "update storages set status = $2, last_sync = $3, last_sync_count = $4, \
             last_sync_job = $5, traceback = $6, meta = $7, sync_checkpoint = $8 where id = $1",
        )
        .bind(id)
        .bind(s.status)
        .bind(s.last_sync)
        .bind(s.last_sync_count)
        .bind(s.last_sync_job.as_deref())
        .bind(s.traceback.as_deref())
        .bind(Json(&s.meta))
        .bind(checkpoint)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// Records the id of the job that will sync the storage (Label Studio's RQ job id).
pub async fn set_last_sync_job(ex: impl Into<Ex<'_>>, id: i64, job: &str) -> Result<()> {
    with_conn!(ex, |c| {
        sqlx::query("update storages set last_sync_job = $2 where id = $1")
            .bind(id)
            .bind(job)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// Adds `n` to the storage's `last_sync_count` and returns the new count. Called in the
/// transaction that created the tasks, so the count survives a crash exactly.
pub async fn add_sync_count(ex: impl Into<Ex<'_>>, id: i64, n: i64) -> Result<i64> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>(
            "update storages set last_sync_count = coalesce(last_sync_count, 0) + $2 where id = $1 \
             returning cast(last_sync_count as bigint)",
        )
        .bind(id)
        .bind(n)
        .fetch_one(c)
        .await
    })
}

/// Starts a fresh (not resumed) import sync of storage `id`: the next generation, no
/// checkpoint, an empty error ledger. Returns the new generation.
pub async fn begin_generation(ex: impl Into<Ex<'_>>, id: i64) -> Result<i64> {
    with_conn!(ex, |c| {
        sqlx::query("delete from sync_errors where storage_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query_scalar::<_, i64>(
            "update storages set sync_generation = sync_generation + 1, sync_checkpoint = null \
             where id = $1 returning sync_generation",
        )
        .bind(id)
        .fetch_one(&mut *c)
        .await
    })
}

/// One object the latest sync could not import.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SyncErrorRow {
    pub key: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Appends `(key, reason)` errors to the storage's ledger.
pub async fn record_errors(ex: impl Into<Ex<'_>>, id: i64, errors: &[(String, String)]) -> Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    let now = crate::now();
    with_conn!(ex, |c| {
        for chunk in errors.chunks(500) {
            let mut qb = builder(&*c, "insert into sync_errors (storage_id, key, reason, at) ");
            qb.push_values(chunk, |mut row, (key, reason)| {
                row.push_bind(id).push_bind(key.as_str()).push_bind(reason.as_str()).push_bind(now);
            });
            qb.build().execute(&mut *c).await?;
        }
        Ok(())
    })
}

/// How many errors the storage's ledger holds.
pub async fn error_count(ex: impl Into<Ex<'_>>, id: i64) -> Result<i64> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>("select count(*) from sync_errors where storage_id = $1")
            .bind(id)
            .fetch_one(c)
            .await
    })
}

/// A page of the storage's ledger, in the order the errors happened.
pub async fn errors_page(
    ex: impl Into<Ex<'_>>,
    id: i64,
    offset: i64,
    limit: i64,
) -> Result<Vec<SyncErrorRow>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, SyncErrorRow>(
            "select key, reason, at from sync_errors where storage_id = $1 order by id limit $2 offset $3",
        )
        .bind(id)
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await
    })
}

/// An import storage whose scheduled sync is due.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DueSync {
    pub id: i64,
    /// Its `sync_interval_seconds`.
    pub interval_secs: i64,
    /// When it was due (epoch ms); `None` for a schedule just set.
    pub next_sync_at: Option<i64>,
}

/// Up to `limit` import storages with a schedule that is due at `now_ms`, oldest due first.
pub async fn due_syncs(ex: impl Into<Ex<'_>>, now_ms: i64, limit: i64) -> Result<Vec<DueSync>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, DueSync>(
            "select id, cast(settings ->> 'sync_interval_seconds' as bigint) as interval_secs, next_sync_at \
             from storages where role = 'import' and settings ->> 'sync_interval_seconds' is not null \
             and (next_sync_at is null or next_sync_at <= $1) \
             order by coalesce(next_sync_at, 0), id limit $2",
        )
        .bind(now_ms)
        .bind(limit)
        .fetch_all(c)
        .await
    })
}

/// Moves storage `due.id`'s next scheduled sync to `next_ms` if nobody did since `due` was read:
/// true for the one caller that claimed this due sync.
pub async fn claim_due_sync(ex: impl Into<Ex<'_>>, due: &DueSync, next_ms: i64) -> Result<bool> {
    with_conn!(ex, |c| {
        sqlx::query("update storages set next_sync_at = $2 where id = $1 and coalesce(next_sync_at, -1) = $3")
            .bind(due.id)
            .bind(next_ms)
            .bind(due.next_sync_at.unwrap_or(-1))
            .execute(c)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

/// Makes storage `id`'s schedule due now (its interval was just set or changed).
pub async fn reset_schedule(ex: impl Into<Ex<'_>>, id: i64) -> Result<()> {
    with_conn!(ex, |c| {
        sqlx::query("update storages set next_sync_at = null where id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|_| ())
    })
}
