//! Enqueueing: transactions, dedup keys, delays.

use chrono::TimeDelta;
use labelsync_db::testing::TestDb;
use labelsync_db::{epoch_ms, jobs, now};
use labelsync_queue::{Drained, enqueue, enqueue_at};

use crate::support::{Count, Ctx, fast, now_ms, on_both, only_job, runner};

/// A job enqueued in a transaction that rolls back never exists; one that commits does.
async fn rolled_back_enqueue_leaves_nothing(t: &TestDb) {
    let mut tx = t.db.begin().await.unwrap();
    let id = enqueue(&mut tx, &Count { n: 1, ..Count::default() }).await.unwrap();
    assert!(id.is_some());
    drop(tx);
    assert!(jobs::list(&t.db).await.unwrap().is_empty());

    let mut tx = t.db.begin().await.unwrap();
    enqueue(&mut tx, &Count { n: 2, ..Count::default() }).await.unwrap();
    tx.commit().await.unwrap();
    let job = only_job(&t.db).await;
    assert_eq!((job.kind.as_str(), job.payload.0["n"].as_i64()), ("count", Some(2)));
}
on_both!(rolled_back_enqueue_leaves_nothing);

/// Repeated requests with one dedup key coalesce into one run while waiting; other keys don't.
async fn dedup_coalesces_waiting_jobs(t: &TestDb) {
    let a = Count { n: 1, key: Some("storage-1".into()), ..Count::default() };
    let b = Count { n: 2, key: Some("storage-2".into()), ..Count::default() };
    assert!(enqueue(&t.db, &a).await.unwrap().is_some());
    assert_eq!(enqueue(&t.db, &a).await.unwrap(), None);
    assert!(enqueue(&t.db, &b).await.unwrap().is_some());
    let ctx = Ctx::default();
    let drained = runner(&t.db, &ctx, fast()).run_until_empty().await.unwrap();
    assert_eq!(drained, Drained { succeeded: 2, ..Drained::default() });
    let runs = ctx.seen().runs.clone();
    assert_eq!((runs.get(&1), runs.get(&2)), (Some(&1), Some(&1)));
    assert!(jobs::list(&t.db).await.unwrap().is_empty());
}
on_both!(dedup_coalesces_waiting_jobs);

/// A request made while its twin runs is kept, and runs only after the twin is done.
async fn dedup_twin_waits_for_the_running_job(t: &TestDb) {
    let a = Count { n: 1, key: Some("storage-1".into()), ..Count::default() };
    enqueue(&t.db, &a).await.unwrap();
    let now = now_ms();
    let running = jobs::claim(&t.db, "elsewhere", now, now + 60_000, 1).await.unwrap().unwrap();
    assert!(enqueue(&t.db, &a).await.unwrap().is_some());

    let ctx = Ctx::default();
    let runner = runner(&t.db, &ctx, fast());
    assert_eq!(runner.run_until_empty().await.unwrap(), Drained::default());
    assert!(jobs::complete(&t.db, running.id, "elsewhere").await.unwrap());
    assert_eq!(runner.run_until_empty().await.unwrap().succeeded, 1);
    assert_eq!(ctx.seen().runs.get(&1), Some(&1));
}
on_both!(dedup_twin_waits_for_the_running_job);

/// A job enqueued for later is not run before its time.
async fn delayed_job_waits_for_its_time(t: &TestDb) {
    let at = now() + TimeDelta::hours(1);
    enqueue_at(&t.db, &Count { n: 1, ..Count::default() }, at).await.unwrap();
    let ctx = Ctx::default();
    assert_eq!(runner(&t.db, &ctx, fast()).run_until_empty().await.unwrap(), Drained::default());
    assert_eq!(only_job(&t.db).await.run_at, epoch_ms(at));
}
on_both!(delayed_job_waits_for_its_time);
