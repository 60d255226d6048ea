//! The runner: registered job types, the claim loop that feeds N worker slots, and shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use labelsync_db::Db;
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

use crate::worker::{Outcome, Registered, Worker};
use crate::{Job, QueueHandle, RunnerConfig};

/// Runs queued jobs of the registered types, with a shared context `C`.
///
/// ```text
/// Runner::new(db, ctx).with_config(config).register::<SyncImportStorage>().start(shutdown)
/// ```
pub struct Runner<C> {
    worker: Worker<C>,
    handle: QueueHandle,
}

/// Attempts made by [`Runner::run_until_empty`], by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    /// Attempts that finished; their jobs are gone from the queue.
    pub succeeded: usize,
    /// Failed attempts put back on the queue to run after a backoff.
    pub retried: usize,
    /// Jobs marked failed for good (attempts exhausted, unknown kind, bad payload).
    pub failed: usize,
    /// Attempts whose outcome could not be recorded (lease lost or database error).
    pub abandoned: usize,
}

/// A started runner. Dropping it leaves the runner running; [`RunHandle::wait`] waits for
/// it to stop after its shutdown future resolved.
#[derive(Debug)]
pub struct RunHandle {
    join: JoinHandle<()>,
}

impl<C: Clone + Send + Sync + 'static> Runner<C> {
    /// A runner over `db` that hands `ctx` to every job, with [`RunnerConfig::default`] and
    /// its own [`QueueHandle`].
    pub fn new(db: Db, ctx: C) -> Runner<C> {
        Runner { worker: Worker::new(db, ctx), handle: QueueHandle::new() }
    }

    /// Replaces the configuration.
    pub fn with_config(mut self, config: RunnerConfig) -> Runner<C> {
        self.worker.config = config;
        self
    }

    /// Listens to `handle` for wake-ups, e.g. the one the API already holds.
    pub fn with_handle(mut self, handle: QueueHandle) -> Runner<C> {
        self.handle = handle;
        self
    }

    /// Lets this runner run jobs of type `J`.
    ///
    /// # Panics
    ///
    /// When another registered type has the same [`Job::JOB_NAME`]: a programming error that
    /// would otherwise run one type's payloads as the other.
    pub fn register<J: Job<Context = C>>(mut self) -> Runner<C> {
        let previous = self.worker.registry.insert(J::JOB_NAME, Registered::of::<J>());
        assert!(previous.is_none(), "two job types are named {:?}", J::JOB_NAME);
        self
    }

    /// The handle whose [`QueueHandle::wake`] makes this runner look for work at once.
    pub fn handle(&self) -> QueueHandle {
        self.handle.clone()
    }

    /// Starts the runner in the background: it claims jobs whenever one of its
    /// [`RunnerConfig::workers`] slots is free, until `shutdown` resolves. Then it claims no
    /// more, signals running jobs through their [`crate::Lease`], and waits for them at most
    /// [`RunnerConfig::shutdown_grace`].
    pub fn start(self, shutdown: impl Future<Output = ()> + Send + 'static) -> RunHandle {
        let stop = CancellationToken::new();
        let trigger = stop.clone();
        let worker = Arc::new(self.worker);
        let handle = self.handle;
        let join = tokio::spawn(async move {
            let _forward = AbortOnDropHandle::new(tokio::spawn(async move {
                shutdown.await;
                trigger.cancel();
            }));
            tracing::info!(worker = %worker.id, workers = worker.config.workers, "job runner started");
            claim_loop(&worker, &handle, &stop).await;
            tracing::info!(worker = %worker.id, "job runner stopped");
        });
        RunHandle { join }
    }

    /// [`Runner::start`], then waits until the runner has stopped (the `worker` subcommand).
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        self.start(shutdown).wait().await;
    }

    /// Runs due jobs one at a time, in the order they would be claimed, until none is due;
    /// for tests. Retries whose backoff has not passed stay queued (configure a zero
    /// [`RunnerConfig::backoff_base`] to run them through to success or final failure).
    pub async fn run_until_empty(&self) -> Result<Drained, labelsync_db::Error> {
        let never = CancellationToken::new();
        let mut drained = Drained::default();
        while let Some(claimed) = self.worker.claim().await? {
            match self.worker.execute(claimed, &never).await {
                Outcome::Succeeded => drained.succeeded += 1,
                Outcome::Retried => drained.retried += 1,
                Outcome::Failed => drained.failed += 1,
                Outcome::Interrupted | Outcome::Abandoned => drained.abandoned += 1,
            }
        }
        Ok(drained)
    }
}

impl RunHandle {
    /// Resolves once the runner has stopped: shutdown was requested and running jobs
    /// finished or were abandoned after the grace period.
    pub async fn wait(self) {
        if let Err(error) = self.join.await {
            tracing::error!(error = %error, "the job runner crashed");
        }
    }
}

/// Claims a job whenever a slot is free and runs it on a task of its own.
async fn claim_loop<C: Clone + Send + Sync + 'static>(
    worker: &Arc<Worker<C>>,
    handle: &QueueHandle,
    stop: &CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(worker.config.workers));
    let mut running = JoinSet::new();
    loop {
        let permit = tokio::select! {
            biased;
            () = stop.cancelled() => break,
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break,
            },
        };
        while running.try_join_next().is_some() {}
        match worker.claim().await {
            Ok(Some(claimed)) => {
                let worker = Arc::clone(worker);
                let stop = stop.clone();
                running.spawn(async move {
                    worker.execute(claimed, &stop).await;
                    drop(permit);
                });
            }
            Ok(None) => {
                drop(permit);
                let idle = worker.idle_for().await;
                wait_for_work(idle, handle, stop).await;
            }
            Err(error) => {
                drop(permit);
                tracing::error!(error = %error, "could not claim a job; trying again after the poll interval");
                wait_for_work(worker.config.poll_interval, handle, stop).await;
            }
        }
    }
    finish_running(running, worker.config.shutdown_grace).await;
}

async fn wait_for_work(idle: Duration, handle: &QueueHandle, stop: &CancellationToken) {
    tokio::select! {
        () = stop.cancelled() => {}
        () = handle.woken() => {}
        () = tokio::time::sleep(idle) => {}
    }
}

/// Waits up to `grace` for running jobs (already told to stop), then abandons the rest.
async fn finish_running(mut running: JoinSet<()>, grace: Duration) {
    if running.is_empty() {
        return;
    }
    tracing::info!(jobs = running.len(), "waiting for running jobs to stop");
    if tokio::time::timeout(grace, join_all(&mut running)).await.is_err() {
        tracing::warn!(
            jobs = running.len(),
            "jobs still running after the shutdown grace period are abandoned; \
             another worker re-runs them once their leases expire"
        );
        running.shutdown().await;
    }
}

async fn join_all(running: &mut JoinSet<()>) {
    while let Some(joined) = running.join_next().await {
        if let Err(error) = joined {
            tracing::error!(error = %error, "a job task crashed");
        }
    }
}
