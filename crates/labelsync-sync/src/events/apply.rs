//! Applying a batch of object events: each key is looked up in the bucket and what the bucket
//! holds then decides (an event is a hint, so a replayed, duplicated or reordered event changes
//! nothing). An object that exists is imported like a listed one (new: tasks; changed: per
//! `sync_changed`; unchanged: nothing). An object that is gone is reconciled like a vanished one
//! (per `sync_deleted`: its tasks kept and their links marked missing, deleted when unlabeled,
//! or deleted). Objects that cannot be imported go to the storage's error ledger.

use std::collections::HashSet;

use futures::{StreamExt, TryStreamExt};
use labelsync_db::{bucket_events, projects, storages};
use labelsync_queue::Lease;
use labelsync_storage::{ObjectMeta, Role};

use super::ObjectEvent;
use crate::context::SyncContext;
use crate::import::plan::Plan;
use crate::import::reconcile::doomed;
use crate::import::status::Progress;
use crate::import::{SyncError, import_objects, storage_failure};
use crate::tasks::delete_tasks;

/// Objects looked up at the same time.
const LOOKUPS_AT_ONCE: usize = 8;

pub(super) async fn run(
    ctx: &SyncContext,
    storage_id: i64,
    events: &[ObjectEvent],
    lease: &Lease,
) -> anyhow::Result<()> {
    match apply(ctx, storage_id, events, lease).await {
        Ok(()) => Ok(()),
        Err(SyncError::Final(reason)) => Err(labelsync_queue::Permanent(reason).into()),
        Err(SyncError::Transient(err)) => Err(err),
    }
}

async fn apply(
    ctx: &SyncContext,
    storage_id: i64,
    events: &[ObjectEvent],
    lease: &Lease,
) -> Result<(), SyncError> {
    let Some(storage) = storages::find_unscoped(&ctx.db, storage_id).await? else { return Ok(()) };
    if storage.role != Role::Import {
        return Ok(());
    }
    let Some(project) = projects::find_unscoped(&ctx.db, storage.project_id).await? else { return Ok(()) };
    let plan = Plan::new(ctx, &storage).await?;
    let looked_up = look_up(&plan, events).await?;
    let (present, gone): (Vec<_>, Vec<_>) = looked_up.into_iter().partition(|(_, found)| found.is_some());
    let mut progress = Progress::detached(&ctx.db, &storage).await?;
    let present: Vec<ObjectMeta> = present.into_iter().filter_map(|(_, found)| found).collect();
    let written = present.len();
    import_objects(ctx, &storage, &project, &plan, &mut progress, present, lease).await?;
    let mut deleted = 0;
    let mut kept = 0;
    for (key, _) in &gone {
        lease.check()?;
        let links = bucket_events::links_of_key(&ctx.db, storage.id, key).await?;
        let tasks = doomed(plan.policies.deleted, &links);
        let mut tx = ctx.db.begin().await?;
        deleted += delete_tasks(&mut tx, project.id, &tasks).await?;
        kept += bucket_events::mark_key_missing(&mut tx, storage.id, key).await?;
        tx.commit().await?;
    }
    progress.flush_ledger(&ctx.db).await?;
    let counts = &progress.counts;
    tracing::info!(
        storage = storage.id,
        objects_present = written,
        objects_gone = gone.len(),
        tasks_created = progress.created,
        tasks_updated = counts.tasks_updated,
        tasks_deleted = deleted + counts.tasks_deleted.unsigned_abs(),
        links_marked_missing = kept,
        objects_failed = counts.objects_failed,
        "applied bucket events"
    );
    Ok(())
}

/// Each key named by `events` once, with what the bucket holds under it now (`None`: nothing
/// the storage's prefix selects). An object the regex filter leaves out is still returned: like
/// a listed one, it is not imported, and its links (from before the filter changed) stay.
async fn look_up(
    plan: &Plan,
    events: &[ObjectEvent],
) -> Result<Vec<(String, Option<ObjectMeta>)>, SyncError> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut order = Vec::new();
    for event in events {
        // No database can key a link by a null character (PostgreSQL refuses U+0000 in text).
        if !event.key.contains('\0') && seen.insert(event.key.as_str()) {
            order.push(event.key.clone());
        }
    }
    futures::stream::iter(order)
        .map(|key| async move {
            let found = plan.import.stat(&key).await.map_err(storage_failure)?;
            Ok::<_, SyncError>((key, found))
        })
        .buffered(LOOKUPS_AT_ONCE)
        .try_collect()
        .await
}
