//! Leases: a dead worker's job is taken over, a live one's is not, a lost lease stops the job.

use std::time::Duration;

use labelsync_db::Db;
use labelsync_db::jobs::{self, NewJob};
use labelsync_db::testing::TestDb;
use labelsync_queue::{Drained, RunnerConfig, StopReason, enqueue};

use crate::support::{
    Count, Ctx, WaitsForStop, fast, now_ms, on_both, only_job, runner, start, wait_until, wait_until_idle,
};

/// A job claimed by a worker that then died (no renewal, no outcome) is run by another
/// worker once the lease expires, as its second attempt.
async fn killed_workers_job_runs_again_after_lease_expiry(t: &TestDb) {
    enqueue(&t.db, &Count { n: 1, ..Count::default() }).await.unwrap();
    let now = now_ms();
    assert!(jobs::claim(&t.db, "killed", now, now + 300, 1).await.unwrap().is_some());

    let ctx = Ctx::default();
    let run = start(runner(&t.db, &ctx, fast()));
    wait_until_idle(&t.db).await;
    assert_eq!(ctx.seen().runs.get(&1), Some(&1));
    assert_eq!(ctx.seen().attempts, [2]);
    run.stop().await;
}
on_both!(killed_workers_job_runs_again_after_lease_expiry);

/// A job whose workers kept dying (attempts already past the maximum when claimed) is
/// marked failed without running again.
async fn job_that_kept_killing_workers_is_failed_at_claim(t: &TestDb) {
    let payload = serde_json::to_value(Count { n: 1, ..Count::default() }).unwrap();
    let job =
        NewJob { kind: "count", payload, dedup_key: None, max_attempts: 1, run_at: 0, organization_id: None };
    jobs::enqueue(&t.db, &job, 0).await.unwrap();
    let now = now_ms();
    // The only allowed attempt; its lease is already over.
    assert!(jobs::claim(&t.db, "killed", now - 10_000, now - 5_000, 1).await.unwrap().is_some());

    let ctx = Ctx::default();
    let drained = runner(&t.db, &ctx, fast()).run_until_empty().await.unwrap();
    assert_eq!(drained, Drained { failed: 1, ..Drained::default() });
    assert!(ctx.seen().runs.is_empty());
    let job = only_job(&t.db).await;
    assert_eq!(job.state, "failed");
    assert!(job.last_error.unwrap().starts_with("gave up after 1 attempts"));
}
on_both!(job_that_kept_killing_workers_is_failed_at_claim);

/// A job running three times as long as its lease keeps renewing it, so a second runner polling
/// the same database never takes it over.
async fn renewal_keeps_a_long_job_from_being_stolen(t: &TestDb) {
    let ctx = Ctx::default();
    // Renewed every 700 ms, so a stall of a loaded machine up to 1.4 s is still survived.
    let config = RunnerConfig { lease: Duration::from_millis(2100), ..fast() };
    let other_pool = Db::connect(&t.url, 4).await.unwrap();
    let first = start(runner(&t.db, &ctx, config.clone()));
    let second = start(runner(&other_pool, &ctx, config));
    enqueue(&t.db, &Count { n: 1, work_ms: 6300, ..Count::default() }).await.unwrap();
    wait_until_idle(&t.db).await;
    assert_eq!(ctx.seen().runs.get(&1), Some(&1));
    assert_eq!(ctx.seen().attempts, [1]);
    first.stop().await;
    second.stop().await;
    other_pool.close().await;
}
on_both!(renewal_keeps_a_long_job_from_being_stolen);

/// When the claim is taken away from a running job, the renewal notices and the job is
/// told its lease was lost.
async fn lost_lease_tells_the_job_to_stop(t: &TestDb) {
    let ctx = Ctx::default();
    // The default lease of `fast`: a short one can expire on a loaded machine before the test
    // takes the job away.
    let config = fast();
    let run = start(runner(&t.db, &ctx, config));
    enqueue(&t.db, &WaitsForStop).await.unwrap();
    wait_until("the job started", || async { ctx.seen().started == 1 }).await;

    // Another worker finished it meanwhile, as if this one had stalled past its lease.
    let job = only_job(&t.db).await;
    assert!(jobs::complete(&t.db, job.id, &job.locked_by.unwrap()).await.unwrap());
    wait_until("the job stopped", || async { !ctx.seen().stops.is_empty() }).await;
    assert_eq!(ctx.seen().stops, [StopReason::LeaseLost]);
    run.stop().await;
}
on_both!(lost_lease_tells_the_job_to_stop);
