//! The job queue's table. The queue crate owns the policy (leases, retries, backoff); this
//! module owns the statements. Times are epoch milliseconds.

use serde_json::Value;
use sqlx::types::Json;

use crate::conn::{sql_for, with_conn};
use crate::{Ex, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: Json<Value>,
    pub dedup_key: Option<String>,
    /// `queued`, `running` or `failed`.
    pub state: String,
    /// Claims so far, including the current one.
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: i64,
    pub locked_until: Option<i64>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: Value,
    /// At most one queued (unclaimed) job per key; a second enqueue is a no-op.
    pub dedup_key: Option<String>,
    pub max_attempts: i32,
    pub run_at: i64,
}

macro_rules! job_columns {
    () => {
        "id, kind, payload, dedup_key, state, attempts, max_attempts, run_at, locked_until, \
         locked_by, last_error, created_at"
    };
}

/// Inserts a job. Returns `None` when a queued job with the same `dedup_key` already exists.
pub async fn enqueue(ex: impl Into<Ex<'_>>, job: &NewJob<'_>, now_ms: i64) -> Result<Option<i64>> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>(
            "insert into jobs (kind, payload, dedup_key, max_attempts, run_at, created_at) \
             values ($1, $2, $3, $4, $5, $6) on conflict do nothing returning id",
        )
        .bind(job.kind)
        .bind(Json(&job.payload))
        .bind(job.dedup_key.as_deref())
        .bind(job.max_attempts)
        .bind(job.run_at)
        .bind(now_ms)
        .fetch_optional(c)
        .await
    })
}

// A job is claimable when it is queued and due, or running under a lease that has expired
// (its worker died). Jobs sharing a dedup key never run at the same time.
macro_rules! claimable {
    ($t:literal) => {
        concat!(
            "((",
            $t,
            "state = 'queued' and ",
            $t,
            "run_at <= $1) or (",
            $t,
            "state = 'running' and ",
            $t,
            "locked_until < $1)) and (",
            $t,
            "dedup_key is null or not exists (select 1 from jobs r where r.dedup_key = ",
            $t,
            "dedup_key and r.id <> ",
            $t,
            "id and r.state = 'running' and r.locked_until >= $1))"
        )
    };
}

/// Claims the oldest claimable job for `worker` until `locked_until` and counts the attempt.
/// Safe under any number of concurrent workers: a job is handed to one of them.
pub async fn claim(
    ex: impl Into<Ex<'_>>,
    worker: &str,
    now_ms: i64,
    locked_until: i64,
) -> Result<Option<Job>> {
    with_conn!(ex, |c| {
        let sql = sql_for(
            &*c,
            concat!(
                "update jobs set state = 'running', locked_until = $2, locked_by = $3, \
                 attempts = attempts + 1 where id = (select j.id from jobs j where ",
                claimable!("j."),
                " order by j.run_at, j.id limit 1 for update skip locked) and ",
                claimable!("jobs."),
                " returning ",
                job_columns!()
            ),
            concat!(
                "update jobs set state = 'running', locked_until = $2, locked_by = $3, \
                 attempts = attempts + 1 where id = (select j.id from jobs j where ",
                claimable!("j."),
                " order by j.run_at, j.id limit 1) and ",
                claimable!("jobs."),
                " returning ",
                job_columns!()
            ),
        );
        sqlx::query_as::<_, Job>(sql).bind(now_ms).bind(locked_until).bind(worker).fetch_optional(c).await
    })
}

/// Extends the lease of a running job. False when the lease was lost (another worker took
/// the job after it expired), in which case the caller must stop working on it.
pub async fn renew(ex: impl Into<Ex<'_>>, id: i64, worker: &str, locked_until: i64) -> Result<bool> {
    with_conn!(ex, |c| {
        sqlx::query(
            "update jobs set locked_until = $3 \
             where id = $1 and locked_by = $2 and state = 'running'",
        )
        .bind(id)
        .bind(worker)
        .bind(locked_until)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Removes a finished job. False when `worker` no longer holds it.
pub async fn complete(ex: impl Into<Ex<'_>>, id: i64, worker: &str) -> Result<bool> {
    with_conn!(ex, |c| {
        sqlx::query("delete from jobs where id = $1 and locked_by = $2 and state = 'running'")
            .bind(id)
            .bind(worker)
            .execute(c)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

/// Puts a failed attempt back in the queue to run at `run_at`, with `error` as its
/// `last_error`. When an identical job is already queued (same dedup key), that one covers
/// it and this one is dropped. False when `worker` no longer holds the job.
pub async fn retry(ex: impl Into<Ex<'_>>, id: i64, worker: &str, run_at: i64, error: &str) -> Result<bool> {
    requeue(ex, id, worker, run_at, Some(error), 0).await
}

/// Puts an interrupted job (its worker is shutting down) back in the queue to run at
/// `run_at` without counting the attempt; `last_error` is kept. Dropped like [`retry`] when
/// an identical job is already queued. False when `worker` no longer holds the job.
pub async fn release(ex: impl Into<Ex<'_>>, id: i64, worker: &str, run_at: i64) -> Result<bool> {
    requeue(ex, id, worker, run_at, None, 1).await
}

async fn requeue(
    ex: impl Into<Ex<'_>>,
    id: i64,
    worker: &str,
    run_at: i64,
    error: Option<&str>,
    refund_attempts: i32,
) -> Result<bool> {
    with_conn!(ex, |c| {
        let updated = sqlx::query(
            "update jobs set state = 'queued', run_at = $3, locked_until = null, \
             locked_by = null, last_error = coalesce($4, last_error), attempts = attempts - $5 \
             where id = $1 and locked_by = $2 and state = 'running' and (dedup_key is null or \
             not exists (select 1 from jobs q where q.dedup_key = jobs.dedup_key \
                         and q.state = 'queued'))",
        )
        .bind(id)
        .bind(worker)
        .bind(run_at)
        .bind(error)
        .bind(refund_attempts)
        .execute(&mut *c)
        .await?
        .rows_affected();
        if updated == 1 {
            return Ok(true);
        }
        sqlx::query("delete from jobs where id = $1 and locked_by = $2 and state = 'running'")
            .bind(id)
            .bind(worker)
            .execute(c)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

/// Marks a job as finally failed; it stays in the table, visible, and is never claimed again.
/// False when `worker` no longer holds the job.
pub async fn fail(ex: impl Into<Ex<'_>>, id: i64, worker: &str, error: &str) -> Result<bool> {
    with_conn!(ex, |c| {
        sqlx::query(
            "update jobs set state = 'failed', locked_until = null, last_error = $3 \
             where id = $1 and locked_by = $2 and state = 'running'",
        )
        .bind(id)
        .bind(worker)
        .bind(error)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Every job in id order (for the admin command and tests).
pub async fn list(ex: impl Into<Ex<'_>>) -> Result<Vec<Job>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Job>(concat!("select ", job_columns!(), " from jobs order by id"))
            .fetch_all(c)
            .await
    })
}

/// Number of jobs not finally failed.
pub async fn count_unfinished(ex: impl Into<Ex<'_>>) -> Result<i64> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>("select count(*) from jobs where state <> 'failed'").fetch_one(c).await
    })
}

/// When the next queued job becomes due, or a running lease expires (epoch ms).
pub async fn next_due(ex: impl Into<Ex<'_>>) -> Result<Option<i64>> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, Option<i64>>(
            "select min(case when state = 'queued' then run_at else locked_until end) \
             from jobs where state <> 'failed'",
        )
        .fetch_one(c)
        .await
    })
}
