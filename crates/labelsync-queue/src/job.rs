//! What a job is, and how a writer puts one on the queue inside its own transaction.

use std::future::Future;

use chrono::{DateTime, Utc};
use labelsync_db::{Ex, Tx, epoch_ms, jobs, now};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Lease;

/// A kind of background work. The struct's fields are its payload, stored as JSON.
///
/// `run` must be idempotent: a job runs at least once, and more than once when a worker
/// dies mid-run or an attempt fails and is retried. Long jobs check [`Lease::check`] between
/// steps (or select on [`Lease::stopped`]) so they stop promptly when their lease is lost or
/// the worker shuts down.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The name stored in the `kind` column; the snake_case of the struct's name. Renaming
    /// it strands the jobs already queued under the old name.
    const JOB_NAME: &'static str;

    /// Attempts before the job is marked failed (and stays visible with its last error).
    const MAX_ATTEMPTS: i32 = 5;

    /// What `run` needs from the process: database handle, storage connector, settings.
    type Context: Clone + Send + Sync + 'static;

    /// Jobs with the same key coalesce: while one is waiting to run, enqueueing another is a
    /// no-op, and two never run at the same time. A job enqueued while its twin is running
    /// is kept, so work requested mid-run is not lost. Keys are scoped to [`Job::JOB_NAME`].
    fn dedup_key(&self) -> Option<String> {
        None
    }

    /// The organization the job works for. Workers are shared fairly between organizations
    /// ([`crate::RunnerConfig::max_running_per_org`]); `None` is work of no organization,
    /// never capped.
    fn organization_id(&self) -> Option<i64> {
        None
    }

    /// Does the work. An `Err` or a panic is a failed attempt, retried with backoff; a
    /// [`Permanent`] error fails the job at once.
    fn run(&self, ctx: &Self::Context, lease: &Lease) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// The queue gave up on the job: its attempts are exhausted, it returned a [`Permanent`]
    /// error, or its workers kept dying. `error` is what the job's row keeps as `last_error`.
    ///
    /// Called once per job, in the transaction that marks the job failed (the transaction
    /// commits only if both succeed), so the domain records the outcome exactly once. Not
    /// called for a job whose payload no longer decodes.
    fn on_failed(
        &self,
        ctx: &Self::Context,
        tx: &mut Tx,
        error: &str,
    ) -> impl Future<Output = labelsync_db::Result<()>> + Send {
        let _ = (ctx, tx, error);
        async { Ok(()) }
    }
}

/// An error no retry can fix (invalid configuration, refused credentials): returned from
/// [`Job::run`] (e.g. `Err(Permanent(reason).into())`), it marks the job failed at once, with
/// `reason` as its error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Permanent(pub String);

/// Why a job could not be put on the queue.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnqueueError {
    /// The job's payload did not serialize to JSON.
    #[error("could not serialize the payload of a {job} job")]
    Serialize {
        /// The job's [`Job::JOB_NAME`].
        job: &'static str,
        /// What serde reported.
        #[source]
        source: serde_json::Error,
    },
    /// The insert failed; inside a transaction, the transaction is now unusable.
    #[error("could not write the job to the queue")]
    Database(#[from] labelsync_db::Error),
}

/// Queues `job` to run as soon as a worker is free. Pass `&mut tx` to make the job part of
/// the caller's transaction: it exists if and only if the transaction commits.
///
/// Returns the job's id, or `None` when a job with the same [`Job::dedup_key`] is already
/// waiting (the request coalesced into it). Call [`crate::QueueHandle::wake`] after the
/// commit so an in-process worker starts at once instead of at its next poll.
pub async fn enqueue<J: Job>(ex: impl Into<Ex<'_>>, job: &J) -> Result<Option<i64>, EnqueueError> {
    enqueue_at(ex, job, now()).await
}

/// Like [`enqueue`], but the job will not start before `run_at`.
pub async fn enqueue_at<J: Job>(
    ex: impl Into<Ex<'_>>,
    job: &J,
    run_at: DateTime<Utc>,
) -> Result<Option<i64>, EnqueueError> {
    let payload =
        serde_json::to_value(job).map_err(|source| EnqueueError::Serialize { job: J::JOB_NAME, source })?;
    let new = jobs::NewJob {
        kind: J::JOB_NAME,
        payload,
        dedup_key: job.dedup_key().map(|key| full_key::<J>(&key)),
        max_attempts: J::MAX_ATTEMPTS,
        run_at: epoch_ms(run_at),
        organization_id: job.organization_id(),
    };
    let id = jobs::enqueue(ex, &new, epoch_ms(now())).await?;
    if id.is_some() {
        tracing::debug!(job.name = J::JOB_NAME, job.id = id, "job enqueued");
    }
    Ok(id)
}

/// The job with `job`'s [`Job::dedup_key`] that is waiting or running (including one whose
/// worker died and whose lease the next claim takes over), or `None` when there is none, or
/// the job has no key. A caller that shows a job's progress elsewhere uses it to tell a live
/// job from a record left behind.
pub async fn live_job<J: Job>(
    ex: impl Into<Ex<'_>>,
    job: &J,
) -> Result<Option<jobs::Job>, labelsync_db::Error> {
    match job.dedup_key() {
        Some(key) => jobs::live_by_dedup_key(ex, &full_key::<J>(&key)).await,
        None => Ok(None),
    }
}

/// Runs the waiting job with `job`'s [`Job::dedup_key`] now when it was due later (a retry
/// waiting out its backoff). True when one was brought forward.
pub async fn run_waiting_now<J: Job>(ex: impl Into<Ex<'_>>, job: &J) -> Result<bool, labelsync_db::Error> {
    match job.dedup_key() {
        Some(key) => jobs::run_waiting_now(ex, &full_key::<J>(&key), epoch_ms(now())).await,
        None => Ok(false),
    }
}

/// A dedup key as stored: scoped to the job's name.
fn full_key<J: Job>(key: &str) -> String {
    format!("{}:{key}", J::JOB_NAME)
}
