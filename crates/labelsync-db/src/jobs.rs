//! The job queue's table. The queue crate owns the policy (leases, retries, backoff); this
//! module owns the statements. Times are epoch milliseconds.

use serde_json::Value;
use sqlx::types::Json;

use crate::conn::with_conn;
use crate::{Db, Dialect, Ex, Result};

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
    /// The organization the job works for; claims share workers fairly between them.
    pub organization_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: Value,
    /// At most one queued (unclaimed) job per key; a second enqueue is a no-op.
    pub dedup_key: Option<String>,
    pub max_attempts: i32,
    pub run_at: i64,
    /// The organization the job works for, `None` for work of no organization.
    pub organization_id: Option<i64>,
}

macro_rules! job_columns {
    () => {
        "id, kind, payload, dedup_key, state, attempts, max_attempts, run_at, locked_until, \
         locked_by, last_error, created_at, organization_id"
    };
}

/// Inserts a job. Returns `None` when a queued job with the same `dedup_key` already exists.
pub async fn enqueue(ex: impl Into<Ex<'_>>, job: &NewJob<'_>, now_ms: i64) -> Result<Option<i64>> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>(
            "insert into jobs (kind, payload, dedup_key, max_attempts, run_at, created_at, \
             organization_id) values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing returning id",
        )
        .bind(job.kind)
        .bind(Json(&job.payload))
        .bind(job.dedup_key.as_deref())
        .bind(job.max_attempts)
        .bind(job.run_at)
        .bind(now_ms)
        .bind(job.organization_id)
        .fetch_optional(c)
        .await
    })
}

// A job is claimable when it is queued and due, or running under a lease that has expired
// (its worker died). Jobs sharing a dedup key never run at the same time.
macro_rules! dedup_free {
    ($t:literal) => {
        concat!(
            "(",
            $t,
            "dedup_key is null or not exists (select 1 from jobs r where r.dedup_key = ",
            $t,
            "dedup_key and r.id <> ",
            $t,
            "id and r.state = 'running' and r.locked_until >= $1))"
        )
    };
}

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
            "locked_until < $1)) and ",
            dedup_free!($t)
        )
    };
}

// The oldest due queued job of the jobs matching `$which` (one short scan of
// `jobs_org_queue_idx`).
macro_rules! oldest_due {
    ($which:literal) => {
        concat!(
            "(select j.id from jobs j where ",
            $which,
            " and j.state = 'queued' and j.run_at <= $1 and ",
            dedup_free!("j."),
            " order by j.run_at, j.id limit 1)"
        )
    };
}

/// Claims a claimable job for `worker` until `locked_until` and counts the attempt: of the
/// organizations with fewer than `max_running_per_org` live leases, the one with the fewest
/// comes first, then the oldest job (`run_at`, then id). Jobs of no organization are never
/// capped. Safe under any number of concurrent workers and processes: a job is handed to one
/// of them, and the cap holds across processes.
///
/// The claim statement is one text for both databases. Claims are serialized so that two of
/// them cannot both see an organization one below its cap: SQLite's write transaction
/// (`BEGIN IMMEDIATE`) already does, PostgreSQL takes a transaction-scoped advisory lock. Claims
/// are short, and a lease renewal or an outcome never waits for that lock.
pub async fn claim(
    db: &Db,
    worker: &str,
    now_ms: i64,
    locked_until: i64,
    max_running_per_org: i64,
) -> Result<Option<Job>> {
    let mut tx = db.begin().await?;
    if tx.dialect() == Dialect::Postgres {
        with_conn!(&mut tx, |c| sqlx::query("select pg_advisory_xact_lock($1)")
            .bind(CLAIM_LOCK)
            .execute(c)
            .await
            .map(|_| ()))?;
    }
    let claimed = with_conn!(&mut tx, |c| {
        // Candidates, all claimable: each organization's oldest due job, the oldest of no
        // organization, and expired leases. The work is one index probe per organization,
        // whatever the number of queued jobs (EXPLAIN: a few ms at 20,000 queued on both).
        sqlx::query_as::<_, Job>(concat!(
            "update jobs set state = 'running', locked_until = $2, locked_by = $3, \
             attempts = attempts + 1 where id = (select c.id from (select k.id, k.run_at, \
             (select count(*) from jobs l where l.state = 'running' and \
              l.organization_id = k.organization_id and l.locked_until >= $1) as running \
             from jobs k where k.id in (select ",
            oldest_due!("j.organization_id = o.id"),
            " from organizations o union all select ",
            oldest_due!("j.organization_id is null"),
            " union all select e.id from jobs e where e.state = 'running' and e.locked_until < $1 and ",
            dedup_free!("e."),
            ")) c where c.running < $4 order by c.running, c.run_at, c.id limit 1) and ",
            claimable!("jobs."),
            " returning ",
            job_columns!()
        ))
        .bind(now_ms)
        .bind(locked_until)
        .bind(worker)
        .bind(max_running_per_org)
        .fetch_optional(c)
        .await
    })?;
    tx.commit().await?;
    Ok(claimed)
}

/// The advisory lock key that serializes claims on PostgreSQL ("lbsync" in ASCII).
const CLAIM_LOCK: i64 = 0x6c62_7379_6e63;

/// The job with this `dedup_key` that is waiting or running (a lease that expired included:
/// the next claim takes it over), if any; a waiting one first.
pub async fn live_by_dedup_key(ex: impl Into<Ex<'_>>, dedup_key: &str) -> Result<Option<Job>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Job>(concat!(
            "select ",
            job_columns!(),
            " from jobs where dedup_key = $1 and state in ('queued', 'running') \
             order by case when state = 'queued' then 0 else 1 end, id limit 1"
        ))
        .bind(dedup_key)
        .fetch_optional(c)
        .await
    })
}

/// Brings the waiting job with this `dedup_key` forward to `run_at` when it was due later (a
/// retry waiting out its backoff that a user asked to run now). True when one was moved.
pub async fn run_waiting_now(ex: impl Into<Ex<'_>>, dedup_key: &str, run_at: i64) -> Result<bool> {
    with_conn!(ex, |c| {
        sqlx::query("update jobs set run_at = $2 where dedup_key = $1 and state = 'queued' and run_at > $2")
            .bind(dedup_key)
            .bind(run_at)
            .execute(c)
            .await
            .map(|r| r.rows_affected() == 1)
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
