//! The queue reports a job it gives up on to the job's type (`Job::on_failed`), exactly once
//! and in the transaction that marks it failed.

use labelsync_db::Db;
use labelsync_db::jobs::{self, NewJob};
use labelsync_db::testing::TestDb;
use labelsync_queue::{Drained, enqueue};

use crate::support::{Ctx, Doomed, fast, now_ms, on_both, runner, start, wait_until, wait_until_idle};

/// The failed job's row; the follow-ups its report enqueued have run and are gone.
async fn failed_row(db: &Db) -> jobs::Job {
    let rows = jobs::list(db).await.unwrap();
    assert_eq!(rows.len(), 1, "only the failed job is left: {rows:?}");
    rows.into_iter().next().unwrap()
}

/// A permanent error fails the job at its first attempt (of two allowed) and is reported once.
async fn permanent_error_fails_at_once_and_is_reported(t: &TestDb) {
    enqueue(&t.db, &Doomed { n: 1, permanent: true }).await.unwrap();
    let ctx = Ctx::default();
    let drained = runner(&t.db, &ctx, fast()).run_until_empty().await.unwrap();
    assert_eq!(drained, Drained { failed: 1, succeeded: 1, ..Drained::default() });
    let row = failed_row(&t.db).await;
    assert_eq!((row.state.as_str(), row.attempts), ("failed", 1));
    assert_eq!(row.last_error.as_deref(), Some("doomed 1 for good"));
    let seen = ctx.seen();
    assert_eq!((seen.runs.get(&1), seen.runs.get(&1001)), (Some(&1), Some(&1)));
    assert_eq!(seen.failures, [(1, "doomed 1 for good".to_owned())]);
}
on_both!(permanent_error_fails_at_once_and_is_reported);

/// A job whose attempts are exhausted is reported once, after its last attempt, not before.
async fn exhausted_attempts_are_reported_once(t: &TestDb) {
    enqueue(&t.db, &Doomed { n: 2, permanent: false }).await.unwrap();
    let ctx = Ctx::default();
    let drained = runner(&t.db, &ctx, fast()).run_until_empty().await.unwrap();
    assert_eq!(drained, Drained { retried: 1, failed: 1, succeeded: 1, ..Drained::default() });
    assert_eq!(failed_row(&t.db).await.state, "failed");
    let seen = ctx.seen();
    assert_eq!((seen.runs.get(&2), seen.runs.get(&1002)), (Some(&2), Some(&1)));
    assert_eq!(seen.failures, [(2, "doomed 2 this time".to_owned())]);
}
on_both!(exhausted_attempts_are_reported_once);

/// A job whose workers kept dying is failed at its next claim without running, and reported
/// exactly once although two runners (two processes) race for it.
async fn abandoned_job_is_reported_exactly_once(t: &TestDb) {
    let payload = serde_json::to_value(Doomed { n: 3, permanent: false }).unwrap();
    let job = NewJob {
        kind: "doomed",
        payload,
        dedup_key: None,
        max_attempts: 1,
        run_at: 0,
        organization_id: None,
    };
    jobs::enqueue(&t.db, &job, 0).await.unwrap();
    let now = now_ms();
    // Its only attempt, by a worker that died: the lease is already over.
    assert!(jobs::claim(&t.db, "killed", now - 10_000, now - 5_000, 1).await.unwrap().is_some());

    let ctx = Ctx::default();
    let other_pool = Db::connect(&t.url, 5).await.unwrap();
    let first = start(runner(&t.db, &ctx, fast()));
    let second = start(runner(&other_pool, &ctx, fast()));
    wait_until("the report's follow-up ran", || async { ctx.seen().runs.contains_key(&1003) }).await;
    wait_until_idle(&t.db).await;
    first.stop().await;
    second.stop().await;
    other_pool.close().await;

    assert_eq!(failed_row(&t.db).await.state, "failed");
    let seen = ctx.seen();
    assert_eq!(seen.failures.len(), 1, "reported once: {:?}", seen.failures);
    assert!(seen.failures[0].1.starts_with("gave up after 1 attempts"), "{}", seen.failures[0].1);
    assert_eq!((seen.runs.get(&3), seen.runs.get(&1003)), (None, Some(&1)));
}
on_both!(abandoned_job_is_reported_exactly_once);
