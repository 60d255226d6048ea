//! What a job is, and how a writer puts one on the queue inside its own transaction.

use std::future::Future;

use chrono::{DateTime, Utc};
use labelsync_db::{Ex, epoch_ms, jobs, now};
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

    /// Does the work. An `Err` or a panic is a failed attempt, retried with backoff.
    fn run(&self, ctx: &Self::Context, lease: &Lease) -> impl Future<Output = anyhow::Result<()>> + Send;
}

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
        dedup_key: job.dedup_key().map(|key| format!("{}:{key}", J::JOB_NAME)),
        max_attempts: J::MAX_ATTEMPTS,
        run_at: epoch_ms(run_at),
    };
    let id = jobs::enqueue(ex, &new, epoch_ms(now())).await?;
    if id.is_some() {
        tracing::debug!(job.name = J::JOB_NAME, job.id = id, "job enqueued");
    }
    Ok(id)
}
