//! One claimed job from start to finish: run it under a renewed lease, catch its panics, and
//! record the outcome (done, retry later, failed for good, or back on the queue at shutdown).

use std::any::Any;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;
use labelsync_db::{Db, Tx, epoch_ms, jobs, now};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;
use tracing::Instrument;

use crate::config::{RunnerConfig, millis};
use crate::{Job, Lease, Permanent, StopReason};

/// A registered job type with its concrete type erased: decode the payload, or say why not.
pub(crate) type RunFn<C> =
    fn(C, Value, Lease) -> Result<BoxFuture<'static, anyhow::Result<()>>, serde_json::Error>;

pub(crate) fn run_erased<J: Job>(
    ctx: J::Context,
    payload: Value,
    lease: Lease,
) -> Result<BoxFuture<'static, anyhow::Result<()>>, serde_json::Error> {
    let job: J = serde_json::from_value(payload)?;
    Ok(Box::pin(async move { job.run(&ctx, &lease).await }))
}

/// A registered type's [`Job::on_failed`], erased like [`RunFn`].
pub(crate) type FailFn<C> = for<'a> fn(
    &'a C,
    Value,
    &'a mut Tx,
    &'a str,
) -> Result<BoxFuture<'a, labelsync_db::Result<()>>, serde_json::Error>;

pub(crate) fn on_failed_erased<'a, J: Job>(
    ctx: &'a J::Context,
    payload: Value,
    tx: &'a mut Tx,
    error: &'a str,
) -> Result<BoxFuture<'a, labelsync_db::Result<()>>, serde_json::Error> {
    let job: J = serde_json::from_value(payload)?;
    Ok(Box::pin(async move { job.on_failed(ctx, tx, error).await }))
}

/// What the runner knows of a registered job type.
pub(crate) struct Registered<C> {
    pub(crate) run: RunFn<C>,
    pub(crate) on_failed: FailFn<C>,
}

impl<C> Registered<C> {
    pub(crate) fn of<J: Job<Context = C>>() -> Registered<C> {
        Registered { run: run_erased::<J>, on_failed: on_failed_erased::<J> }
    }
}

/// How one attempt ended, as counted in `labelsync_jobs_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Succeeded,
    Retried,
    Failed,
    /// Stopped by shutdown and put back on the queue without counting the attempt.
    Interrupted,
    /// The outcome could not be recorded (lease lost, or the database failed); the row is
    /// left to whoever holds it, or to the next claim once the lease expires.
    Abandoned,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Retried => "retried",
            Outcome::Failed => "failed",
            Outcome::Interrupted => "interrupted",
            Outcome::Abandoned => "abandoned",
        }
    }
}

/// A job row this worker holds, with the claim token its writes must present.
pub(crate) struct Claimed {
    row: jobs::Job,
    token: String,
}

/// Everything needed to claim and run jobs; shared by the runner's tasks.
pub(crate) struct Worker<C> {
    pub(crate) db: Db,
    pub(crate) ctx: C,
    pub(crate) config: RunnerConfig,
    pub(crate) registry: HashMap<&'static str, Registered<C>>,
    pub(crate) id: String,
    claims: AtomicU64,
}

pub(crate) fn now_ms() -> i64 {
    epoch_ms(now())
}

impl<C: Clone + Send + Sync + 'static> Worker<C> {
    pub(crate) fn new(db: Db, ctx: C) -> Worker<C> {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        Worker {
            db,
            ctx,
            config: RunnerConfig::default(),
            registry: HashMap::new(),
            id: format!("{}-{}", std::process::id(), &nonce[..8]),
            claims: AtomicU64::new(0),
        }
    }

    /// Claims the next due job, if any.
    pub(crate) async fn claim(&self) -> labelsync_db::Result<Option<Claimed>> {
        // The token names the claim, not the worker, so a stale task of this same process
        // can never write over a later claim of the same job.
        let token = format!("{}#{}", self.id, self.claims.fetch_add(1, Ordering::Relaxed));
        let now = now_ms();
        let cap = i64::try_from(self.config.per_org_cap()).unwrap_or(i64::MAX);
        let row = jobs::claim(&self.db, &token, now, now + millis(self.config.lease), cap).await?;
        Ok(row.map(|row| Claimed { row, token }))
    }

    /// How long an idle runner sleeps: until the next job is due or lease expires, at most
    /// the poll interval.
    pub(crate) async fn idle_for(&self) -> Duration {
        let poll = self.config.poll_interval;
        match jobs::next_due(&self.db).await {
            Ok(Some(due)) => match u64::try_from(due - now_ms()) {
                // +1: a lease is claimable only once `locked_until` is strictly past.
                Ok(wait) if wait > 0 => poll.min(Duration::from_millis(wait + 1)),
                // Due yet unclaimable: a twin with the same dedup key is running.
                _ => poll,
            },
            Ok(None) => poll,
            Err(error) => {
                tracing::warn!(error = %error, "could not look up the next due job");
                poll
            }
        }
    }

    /// Runs a claimed job to its outcome and records metrics; never fails.
    pub(crate) async fn execute(&self, claimed: Claimed, shutdown: &CancellationToken) -> Outcome {
        let kind = claimed.row.kind.clone();
        let span = tracing::info_span!(
            "job", job.id = claimed.row.id, job.name = %kind, job.attempt = claimed.row.attempts
        );
        let started = Instant::now();
        span.in_scope(|| tracing::info!("job started"));
        let outcome = self.attempt(claimed, shutdown).instrument(span.clone()).await;
        let elapsed = started.elapsed();
        span.in_scope(|| {
            tracing::info!(
                outcome = outcome.as_str(),
                duration_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                "job finished"
            );
        });
        metrics::counter!("labelsync_jobs_total", "kind" => kind.clone(), "outcome" => outcome.as_str())
            .increment(1);
        metrics::histogram!("labelsync_job_duration_seconds", "kind" => kind).record(elapsed.as_secs_f64());
        outcome
    }

    async fn attempt(&self, claimed: Claimed, shutdown: &CancellationToken) -> Outcome {
        let Claimed { row, token } = claimed;
        // A claim that was under way when shutdown began: put the job back unstarted.
        if shutdown.is_cancelled() {
            return self.put_back(&row, &token).await;
        }
        if row.attempts > row.max_attempts {
            let error = format!(
                "gave up after {} attempts: its worker stopped renewing the lease each time \
                 (killed, or cut off from the database); last error: {}",
                row.max_attempts,
                row.last_error.as_deref().unwrap_or("none")
            );
            return self.fail(&row, &token, &error).await;
        }
        let Some(registered) = self.registry.get(row.kind.as_str()) else {
            let error = format!("no job type named {:?} is registered with this worker", row.kind);
            return self.fail(&row, &token, &error).await;
        };
        let lease = Lease::new(row.id, row.attempts, shutdown.clone());
        let future = match (registered.run)(self.ctx.clone(), row.payload.0.clone(), lease.clone()) {
            Ok(future) => future,
            Err(e) => {
                let error = format!("the payload does not decode as a {} job: {e}", row.kind);
                return self.fail(&row, &token, &error).await;
            }
        };
        let result = self.run_leased(future, &row, &token, &lease).await;
        self.record(result, &row, &token, &lease).await
    }

    /// Runs the job while a separate task renews its lease; a panic becomes an error.
    async fn run_leased(
        &self,
        future: BoxFuture<'static, anyhow::Result<()>>,
        row: &jobs::Job,
        token: &str,
        lease: &Lease,
    ) -> anyhow::Result<()> {
        // A task of its own, so a job that blocks its thread for a while still gets renewed.
        let renewal = Renewal {
            db: self.db.clone(),
            job_id: row.id,
            token: token.to_owned(),
            lease_len: self.config.lease,
            every: self.config.renew_every(),
            held_until: row.locked_until.unwrap_or(0),
            lease: lease.clone(),
            done: CancellationToken::new(),
        };
        let done = renewal.done.clone();
        let renewal = AbortOnDropHandle::new(tokio::spawn(renewal.run()));
        let result = AssertUnwindSafe(future).catch_unwind().await;
        // Let an in-flight renewal finish, so it cannot land after the outcome is written.
        done.cancel();
        let _ = renewal.await;
        result.unwrap_or_else(|panic| {
            Err(anyhow::anyhow!("the job panicked: {}", panic_message(panic.as_ref())))
        })
    }

    async fn record(
        &self,
        result: anyhow::Result<()>,
        row: &jobs::Job,
        token: &str,
        lease: &Lease,
    ) -> Outcome {
        let error = match result {
            Ok(()) => {
                return match jobs::complete(&self.db, row.id, token).await {
                    Ok(true) => Outcome::Succeeded,
                    Ok(false) => lost(),
                    Err(e) => db_failed(&e),
                };
            }
            Err(error) => error,
        };
        let permanent = error.downcast_ref::<Permanent>().is_some();
        let error = format!("{error:#}");
        if permanent {
            return self.fail(row, token, &error).await;
        }
        if lease.stop_reason() == Some(StopReason::Shutdown) {
            return self.put_back(row, token).await;
        }
        if row.attempts >= row.max_attempts {
            return self.fail(row, token, &error).await;
        }
        let delay = self.config.backoff(row.attempts);
        tracing::warn!(error = %error, retry_in_ms = millis(delay), "job failed; it will be retried");
        match jobs::retry(&self.db, row.id, token, now_ms() + millis(delay), &error).await {
            Ok(true) => Outcome::Retried,
            Ok(false) => lost(),
            Err(e) => db_failed(&e),
        }
    }

    /// Puts a job stopped by shutdown back on the queue without counting the attempt.
    async fn put_back(&self, row: &jobs::Job, token: &str) -> Outcome {
        match jobs::release(&self.db, row.id, token, now_ms()).await {
            Ok(true) => Outcome::Interrupted,
            Ok(false) => lost(),
            Err(e) => db_failed(&e),
        }
    }

    /// Marks the job failed for good and reports it to its type's [`Job::on_failed`], in one
    /// transaction: both happen, once, or neither does (and the next claim tries again).
    async fn fail(&self, row: &jobs::Job, token: &str, error: &str) -> Outcome {
        tracing::error!(error = %error, "job failed for good; it stays in the queue as failed");
        match self.fail_and_report(row, token, error).await {
            Ok(true) => Outcome::Failed,
            Ok(false) => lost(),
            Err(e) => db_failed(&e),
        }
    }

    async fn fail_and_report(&self, row: &jobs::Job, token: &str, error: &str) -> labelsync_db::Result<bool> {
        let mut tx = self.db.begin().await?;
        if !jobs::fail(&mut tx, row.id, token, error).await? {
            return Ok(false);
        }
        if let Some(registered) = self.registry.get(row.kind.as_str()) {
            match (registered.on_failed)(&self.ctx, row.payload.0.clone(), &mut tx, error) {
                Ok(report) => report.await?,
                Err(e) => {
                    tracing::warn!(error = %e, "the failed job's payload does not decode; not reported")
                }
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}

fn lost() -> Outcome {
    tracing::warn!("the job's lease was lost before its outcome was recorded; another worker has it");
    Outcome::Abandoned
}

fn db_failed(error: &labelsync_db::Error) -> Outcome {
    tracing::error!(
        error = %error,
        "could not record the job's outcome; it runs again once its lease expires"
    );
    Outcome::Abandoned
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a panic without a message)")
}

/// The background task that keeps one claim alive until the job is `done`.
struct Renewal {
    db: Db,
    job_id: i64,
    token: String,
    lease_len: Duration,
    every: Duration,
    held_until: i64,
    lease: Lease,
    done: CancellationToken,
}

impl Renewal {
    async fn run(mut self) {
        loop {
            tokio::select! {
                () = self.done.cancelled() => return,
                () = tokio::time::sleep(self.every) => {}
            }
            let now = now_ms();
            let until = now + millis(self.lease_len);
            match jobs::renew(&self.db, self.job_id, &self.token, until).await {
                Ok(true) => self.held_until = until,
                Ok(false) => return self.give_up("another worker holds the job now"),
                // Past `held_until` another worker may claim it: stop rather than run twice.
                Err(e) if now_ms() >= self.held_until => {
                    return self.give_up(&format!("renewal failed until the lease expired: {e}"));
                }
                Err(e) => tracing::warn!(error = %e, "could not renew the job's lease; retrying"),
            }
        }
    }

    fn give_up(&self, why: &str) {
        tracing::warn!(job.id = self.job_id, reason = why, "lost the job's lease; telling it to stop");
        self.lease.mark_lost();
    }
}
