//! Scheduled syncs: an import storage with `sync_interval_seconds` is synced that often without
//! anyone asking. Every process with workers runs [`run_scheduler`]; each tick, due storages are
//! claimed one by one with a compare-and-set on `storages.next_sync_at` (so exactly one process
//! enqueues each due sync, whatever the number of processes), then requested like a manual sync
//! (coalesced with one), or skipped when a sync is already queued or running, or the storage is
//! not synchronizable. The next one is due an interval after the claim.

use std::future::Future;
use std::time::Duration;

use labelsync_db::{Db, storages, sync_runs};
use labelsync_queue::QueueHandle;

use crate::error::WriteResult;
use crate::jobs::request_sync;

/// Due storages handled per tick.
const PER_TICK: i64 = 100;

/// Enqueues the syncs that are due now; returns how many were enqueued.
pub async fn enqueue_due(db: &Db) -> WriteResult<usize> {
    let now_ms = labelsync_db::epoch_ms(labelsync_db::now());
    let mut queued = 0;
    for due in sync_runs::due_syncs(db, now_ms, PER_TICK).await? {
        let next_ms = now_ms.saturating_add(due.interval_secs.max(1).saturating_mul(1000));
        let mut tx = db.begin().await?;
        if !sync_runs::claim_due_sync(&mut tx, &due, next_ms).await? {
            continue; // another process claimed it
        }
        let Some(storage) = storages::lock(&mut tx, due.id).await? else { continue };
        if storage.synchronizable && !storage.status.is_pending() {
            request_sync(&mut tx, due.id).await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}

/// Enqueues due syncs every `every` until `shutdown`, waking this process's workers when it did.
pub async fn run_scheduler(db: Db, queue: QueueHandle, every: Duration, shutdown: impl Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(every) => {}
        }
        match enqueue_due(&db).await {
            Ok(0) => {}
            Ok(queued) => {
                tracing::info!(queued, "scheduled syncs enqueued");
                queue.wake();
            }
            Err(err) => tracing::warn!("scheduled syncs: {err}"),
        }
    }
}
