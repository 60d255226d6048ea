//! Workers shared fairly between organizations: claims prefer the organization running the
//! fewest jobs, and none runs more than its cap, whichever process claims.

use std::time::Duration;

use labelsync_db::Db;
use labelsync_db::jobs;
use labelsync_db::testing::TestDb;
use labelsync_queue::{RunnerConfig, enqueue};

use crate::support::{Count, Ctx, fast, now_ms, on_both, org, runner, start, wait_until, wait_until_idle};

fn count(n: i64, org: i64) -> Count {
    Count { n, org: Some(org), ..Count::default() }
}

/// With ten older jobs of one organization queued, successive claims alternate between the
/// two organizations: the one running fewer jobs comes first, the older job breaks a tie.
async fn claims_prefer_the_organization_running_fewer(t: &TestDb) {
    let (a, b) = (org(&t.db, "a").await, org(&t.db, "b").await);
    for n in 0..10 {
        enqueue(&t.db, &count(n, a)).await.unwrap();
    }
    enqueue(&t.db, &count(100, b)).await.unwrap();
    enqueue(&t.db, &count(101, b)).await.unwrap();
    let now = now_ms();
    let mut orgs = Vec::new();
    for worker in 0..6 {
        let job = jobs::claim(&t.db, &format!("w{worker}"), now, now + 60_000, 10).await.unwrap().unwrap();
        orgs.push(job.organization_id.unwrap());
    }
    assert_eq!(orgs, [a, b, a, b, a, a]);
}
on_both!(claims_prefer_the_organization_running_fewer);

/// An organization at its cap gets no further claim while it has jobs waiting; another
/// organization's job, and its own once one of its jobs ends, are claimed.
async fn organization_at_its_cap_waits(t: &TestDb) {
    let (a, b) = (org(&t.db, "a").await, org(&t.db, "b").await);
    for n in 0..10 {
        enqueue(&t.db, &count(n, a)).await.unwrap();
    }
    let claim = |worker: &'static str| {
        let now = now_ms();
        jobs::claim(&t.db, worker, now, now + 60_000, 2)
    };
    let first = claim("w1").await.unwrap().unwrap();
    assert_eq!(claim("w2").await.unwrap().unwrap().organization_id, Some(a));
    assert!(claim("w3").await.unwrap().is_none(), "a third job of the capped organization");

    enqueue(&t.db, &count(100, b)).await.unwrap();
    assert_eq!(claim("w4").await.unwrap().unwrap().organization_id, Some(b));
    assert!(jobs::complete(&t.db, first.id, "w1").await.unwrap());
    assert_eq!(claim("w5").await.unwrap().unwrap().organization_id, Some(a));
}
on_both!(organization_at_its_cap_waits);

/// Two workers (cap 1 by default): while one organization's ten long jobs wait, another
/// organization's job, enqueued after them, runs on the second worker; the first
/// organization never has a second job started.
async fn long_jobs_of_one_organization_leave_a_worker_for_another(t: &TestDb) {
    let (a, b) = (org(&t.db, "a").await, org(&t.db, "b").await);
    for n in 0..10 {
        // Far longer than the test: without the cap the second worker would take one of these.
        enqueue(&t.db, &Count { work_ms: 120_000, ..count(n, a) }).await.unwrap();
    }
    let ctx = Ctx::default();
    let config = RunnerConfig { workers: 2, lease: Duration::from_secs(5), ..fast() };
    let runner = runner(&t.db, &ctx, config);
    let queue = runner.handle();
    let run = start(runner);
    wait_until("a job of the busy organization started", || async { ctx.seen().started_orgs == [a] }).await;

    enqueue(&t.db, &count(100, b)).await.unwrap();
    queue.wake();
    wait_until("the other organization's job ran", || async { ctx.seen().runs.contains_key(&100) }).await;
    assert_eq!(ctx.seen().started_orgs, [a, b]);
    run.stop().await;
}
on_both!(long_jobs_of_one_organization_leave_a_worker_for_another);

/// Two runners with three workers each and a cap of two: one organization's jobs never run
/// more than two at a time between them, and each runs once.
async fn cap_holds_across_processes(t: &TestDb) {
    let a = org(&t.db, "a").await;
    for n in 0..12 {
        enqueue(&t.db, &Count { work_ms: 100, ..count(n, a) }).await.unwrap();
    }
    let ctx = Ctx::default();
    let config = RunnerConfig { workers: 3, max_running_per_org: Some(2), ..fast() };
    let other_pool = Db::connect(&t.url, 5).await.unwrap();
    let first = start(runner(&t.db, &ctx, config.clone()));
    let second = start(runner(&other_pool, &ctx, config));
    wait_until_idle(&t.db).await;
    first.stop().await;
    second.stop().await;
    other_pool.close().await;

    let seen = ctx.seen();
    assert_eq!(seen.runs.len(), 12);
    assert!(seen.runs.values().all(|runs| *runs == 1), "each job once: {:?}", seen.runs);
    let most = seen.most_running[&a];
    assert!(most <= 2, "{most} jobs of one organization ran at once");
}
on_both!(cap_holds_across_processes);
