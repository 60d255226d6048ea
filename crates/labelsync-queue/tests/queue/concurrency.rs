//! Several processes over one database run each job exactly once.

use labelsync_db::Db;
use labelsync_db::testing::TestDb;
use labelsync_queue::{RunnerConfig, enqueue};

use crate::support::{Count, Ctx, fast, on_both, runner, start, wait_until_idle};

const JOBS: i64 = 200;

/// Two runners with pools of their own (two processes) share 200 jobs; every job runs
/// exactly once.
async fn two_runners_run_each_job_exactly_once(t: &TestDb) {
    let mut tx = t.db.begin().await.unwrap();
    for n in 0..JOBS {
        enqueue(&mut tx, &Count { n, ..Count::default() }).await.unwrap();
    }
    tx.commit().await.unwrap();

    let ctx = Ctx::default();
    let config = RunnerConfig { workers: 4, ..fast() };
    let other_pool = Db::connect(&t.url, 5).await.unwrap();
    let first = start(runner(&t.db, &ctx, config.clone()));
    let second = start(runner(&other_pool, &ctx, config));
    wait_until_idle(&t.db).await;
    first.stop().await;
    second.stop().await;

    other_pool.close().await;
    let runs = ctx.seen().runs.clone();
    let not_once: Vec<_> = runs.iter().filter(|(_, runs)| **runs != 1).collect();
    assert!(not_once.is_empty(), "jobs not run exactly once: {not_once:?}");
    assert_eq!(runs.len(), usize::try_from(JOBS).unwrap());
}
on_both!(two_runners_run_each_job_exactly_once);
