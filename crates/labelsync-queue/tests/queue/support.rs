//! Test jobs that record what they saw, a fast runner configuration, and helpers.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use labelsync_db::{Db, Tx, epoch_ms, jobs, now};
use labelsync_queue::{
    EnqueueError, Job, Lease, Permanent, RunHandle, Runner, RunnerConfig, StopReason, Stopped, enqueue,
};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// Runs `async fn $name(t: &TestDb)` on SQLite, and on PostgreSQL when configured.
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = labelsync_db::testing::TestDb::sqlite().await;
                super::$name(&t).await;
                t.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let name = concat!(module_path!(), "::postgres");
                let Some(t) = labelsync_db::testing::TestDb::postgres(name).await else {
                    return;
                };
                super::$name(&t).await;
                t.finish().await;
            }
        }
    };
}
pub(crate) use on_both;

/// What the test jobs saw, shared by every runner of a test.
#[derive(Clone, Default)]
pub struct Ctx(Arc<Mutex<Seen>>);

#[derive(Default)]
pub struct Seen {
    /// Executions per job number.
    pub runs: HashMap<i64, u32>,
    /// `Lease::attempt` of every execution, in order.
    pub attempts: Vec<i32>,
    /// Jobs of type `WaitsForStop` that have started.
    pub started: usize,
    /// Why each `WaitsForStop` stopped.
    pub stops: Vec<StopReason>,
    /// `Count` jobs of each organization running now, and the most seen at once.
    pub running: HashMap<i64, usize>,
    pub most_running: HashMap<i64, usize>,
    /// Organization of every `Count` job started, in order.
    pub started_orgs: Vec<i64>,
    /// `Doomed::on_failed` calls, as (job number, error).
    pub failures: Vec<(i64, String)>,
}

impl Ctx {
    pub fn seen(&self) -> MutexGuard<'_, Seen> {
        self.0.lock().expect("test context lock")
    }

    fn record(&self, n: i64, lease: &Lease) {
        let mut seen = self.seen();
        *seen.runs.entry(n).or_default() += 1;
        seen.attempts.push(lease.attempt());
    }
}

/// Records its run; optionally works for `work_ms`, checking its lease every 10 ms.
#[derive(Serialize, Deserialize, Default)]
pub struct Count {
    pub n: i64,
    pub key: Option<String>,
    pub work_ms: u64,
    #[serde(default)]
    pub org: Option<i64>,
}

impl Job for Count {
    const JOB_NAME: &'static str = "count";
    type Context = Ctx;

    fn dedup_key(&self) -> Option<String> {
        self.key.clone()
    }

    fn organization_id(&self) -> Option<i64> {
        self.org
    }

    async fn run(&self, ctx: &Ctx, lease: &Lease) -> anyhow::Result<()> {
        ctx.record(self.n, lease);
        let _running = self.org.map(|org| OrgRun::enter(ctx, org));
        for _ in 0..self.work_ms / 10 {
            lease.check()?;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(())
    }
}

/// Counts a `Count` job of an organization as running until dropped.
struct OrgRun {
    ctx: Ctx,
    org: i64,
}

impl OrgRun {
    fn enter(ctx: &Ctx, org: i64) -> OrgRun {
        let mut seen = ctx.seen();
        seen.started_orgs.push(org);
        let now = {
            let running = seen.running.entry(org).or_default();
            *running += 1;
            *running
        };
        let most = seen.most_running.entry(org).or_default();
        *most = (*most).max(now);
        OrgRun { ctx: ctx.clone(), org }
    }
}

impl Drop for OrgRun {
    fn drop(&mut self) {
        *self.ctx.seen().running.entry(self.org).or_default() -= 1;
    }
}

/// Fails: with a `Permanent` error, or an ordinary one (two attempts at most). The queue's
/// report of its failure is recorded in the context and, in the failing transaction, as a
/// follow-up `Count` job numbered `1000 + n`.
#[derive(Serialize, Deserialize)]
pub struct Doomed {
    pub n: i64,
    pub permanent: bool,
}

impl Job for Doomed {
    const JOB_NAME: &'static str = "doomed";
    const MAX_ATTEMPTS: i32 = 2;
    type Context = Ctx;

    async fn run(&self, ctx: &Ctx, lease: &Lease) -> anyhow::Result<()> {
        ctx.record(self.n, lease);
        if self.permanent {
            return Err(Permanent(format!("doomed {} for good", self.n)).into());
        }
        anyhow::bail!("doomed {} this time", self.n)
    }

    async fn on_failed(&self, ctx: &Ctx, tx: &mut Tx, error: &str) -> labelsync_db::Result<()> {
        ctx.seen().failures.push((self.n, error.to_owned()));
        let follow_up = Count { n: 1000 + self.n, ..Count::default() };
        enqueue(&mut *tx, &follow_up).await.map(|_| ()).map_err(|e| match e {
            EnqueueError::Database(e) => e,
            other => labelsync_db::Error::Protocol(other.to_string()),
        })
    }
}

/// Fails every attempt, three at most.
#[derive(Serialize, Deserialize)]
pub struct AlwaysFails {
    pub n: i64,
}

impl Job for AlwaysFails {
    const JOB_NAME: &'static str = "always_fails";
    const MAX_ATTEMPTS: i32 = 3;
    type Context = Ctx;

    async fn run(&self, ctx: &Ctx, lease: &Lease) -> anyhow::Result<()> {
        ctx.record(self.n, lease);
        anyhow::bail!("boom {}", self.n)
    }
}

/// Panics; one attempt only.
#[derive(Serialize, Deserialize)]
pub struct Panics;

impl Job for Panics {
    const JOB_NAME: &'static str = "panics";
    const MAX_ATTEMPTS: i32 = 1;
    type Context = Ctx;

    async fn run(&self, _ctx: &Ctx, _lease: &Lease) -> anyhow::Result<()> {
        panic!("kaboom")
    }
}

/// Runs until its lease says stop, then reports why.
#[derive(Serialize, Deserialize)]
pub struct WaitsForStop;

impl Job for WaitsForStop {
    const JOB_NAME: &'static str = "waits_for_stop";
    type Context = Ctx;

    async fn run(&self, ctx: &Ctx, lease: &Lease) -> anyhow::Result<()> {
        ctx.seen().started += 1;
        let reason = lease.stopped().await;
        ctx.seen().stops.push(reason);
        Err(Stopped(reason).into())
    }
}

/// Short polls and immediate retries, so scenarios take milliseconds. The lease stays long
/// enough that a busy test machine never loses one by accident; scenarios about expiry set
/// their own.
pub fn fast() -> RunnerConfig {
    RunnerConfig {
        workers: 4,
        lease: Duration::from_secs(5),
        poll_interval: Duration::from_millis(20),
        backoff_base: Duration::ZERO,
        backoff_max: Duration::ZERO,
        shutdown_grace: Duration::from_secs(5),
        max_running_per_org: None,
    }
}

/// A runner with every test job registered.
pub fn runner(db: &Db, ctx: &Ctx, config: RunnerConfig) -> Runner<Ctx> {
    Runner::new(db.clone(), ctx.clone())
        .with_config(config)
        .register::<Count>()
        .register::<AlwaysFails>()
        .register::<Panics>()
        .register::<WaitsForStop>()
        .register::<Doomed>()
}

/// A new organization (jobs reference one); returns its id.
pub async fn org(db: &Db, title: &str) -> i64 {
    labelsync_db::orgs::create_organization(db, title, None).await.expect("create organization").id
}

pub fn now_ms() -> i64 {
    epoch_ms(now())
}

/// The only row of the jobs table.
pub async fn only_job(db: &Db) -> jobs::Job {
    let mut all = jobs::list(db).await.expect("list jobs");
    assert_eq!(all.len(), 1, "expected exactly one job row");
    all.remove(0)
}

/// Waits until `condition` holds; fails the test (rather than hang) after 10 s.
pub async fn wait_until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !condition().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until no job is queued or running.
pub async fn wait_until_idle(db: &Db) {
    wait_until("the queue is empty", || async { jobs::count_unfinished(db).await.expect("count jobs") == 0 })
        .await;
}

/// A started runner that the test stops (and waits for) explicitly.
pub struct Running {
    stop: oneshot::Sender<()>,
    handle: RunHandle,
}

pub fn start(runner: Runner<Ctx>) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = runner.start(async move {
        let _ = stopped.await;
    });
    Running { stop, handle }
}

impl Running {
    /// Shuts the runner down and waits until it has stopped.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.handle.wait().await;
    }
}
