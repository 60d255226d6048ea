//! A dry run of an import sync (`POST /api/storages/{type}/{id}/diff`): the storage is listed
//! (streaming, as a sync lists it) and each batch classified against the import links exactly
//! as the sync classifies it, and nothing is written but the dry run's own result: no task, no
//! link, no status. The result says what the next sync would do under the storage's policies.
//!
//! Memory: one 64-bit hash per listed key (to find, afterwards, the links whose key was not
//! listed) and at most [`SAMPLES`] keys per category.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

use futures::StreamExt;
use labelsync_db::{diffs, links, storages};
use labelsync_queue::Lease;
use labelsync_storage::ObjectMeta;
use labelsync_types::{SyncChanged, SyncDeleted};
use serde::Serialize;

use super::plan::Plan;
use super::{SyncError, classify, reconcile, storage_failure};
use crate::context::SyncContext;

/// Keys shown per category.
pub const SAMPLES: usize = 20;

/// What a dry run found. Counts are of objects, except `tasks_to_delete`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DiffReport {
    /// Selected objects that have no task yet: the next sync imports them.
    pub new: i64,
    /// Selected objects whose content changed since their import.
    pub changed: i64,
    /// Objects imported before that the storage no longer holds.
    pub missing: i64,
    /// Selected objects imported before and unchanged.
    pub unchanged: i64,
    /// Up to 20 keys of each category.
    pub samples: Samples,
    /// Changed objects the next sync re-reads (all of them under `sync_changed: update`, else 0).
    pub objects_to_update: i64,
    /// Tasks of missing objects the next sync deletes under `sync_deleted`.
    pub tasks_to_delete: i64,
    pub sync_deleted: SyncDeleted,
    pub sync_changed: SyncChanged,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Samples {
    pub new: Vec<String>,
    pub changed: Vec<String>,
    pub missing: Vec<String>,
}

fn sample(into: &mut Vec<String>, key: &str) {
    if into.len() < SAMPLES {
        into.push(key.to_owned());
    }
}

/// Runs dry run `diff_id`. A dry run or storage deleted meanwhile ends the job quietly; a
/// storage that cannot be listed fails it (the queue's `on_failed` records why).
pub async fn run(ctx: &SyncContext, diff_id: i64, lease: &Lease) -> anyhow::Result<()> {
    let Some(diff) = diffs::find_unscoped(&ctx.db, diff_id).await? else { return Ok(()) };
    let Some(storage) = storages::find_unscoped(&ctx.db, diff.storage_id).await? else { return Ok(()) };
    diffs::set_in_progress(&ctx.db, diff_id).await?;
    match report(ctx, &storage, lease).await {
        Ok(report) => {
            diffs::finish(&ctx.db, diff_id, Ok(&serde_json::to_value(&report)?)).await?;
            Ok(())
        }
        Err(SyncError::Final(reason)) => Err(labelsync_queue::Permanent(reason).into()),
        Err(SyncError::Transient(err)) => Err(err),
    }
}

async fn report(
    ctx: &SyncContext,
    storage: &storages::Storage,
    lease: &Lease,
) -> Result<DiffReport, SyncError> {
    let plan = Plan::new(ctx, storage).await?;
    let mut out = DiffReport {
        sync_deleted: plan.policies.deleted,
        sync_changed: plan.policies.changed,
        ..DiffReport::default()
    };
    let hasher = RandomState::new();
    let mut listed = HashSet::new();
    let mut listing = plan.import.list().chunks(ctx.settings.batch_size.max(1));
    while let Some(batch) = listing.next().await {
        lease.check()?;
        let mut objects: Vec<ObjectMeta> = Vec::with_capacity(batch.len());
        for object in batch {
            let object = object.map_err(storage_failure)?;
            if !object.key.contains('\0') && listed.insert(hasher.hash_one(&object.key)) {
                objects.push(object);
            }
        }
        let keys: Vec<&str> = objects.iter().map(|o| o.key.as_str()).collect();
        let found = links::import_links_of_keys(&ctx.db, storage.id, &keys).await?;
        drop(keys);
        let batch = classify::classify(objects, found, |o| plan.selects(o));
        out.new += batch.new.len() as i64;
        out.changed += batch.changed.len() as i64;
        out.unchanged += batch.unchanged as i64;
        batch.new.iter().for_each(|o| sample(&mut out.samples.new, &o.key));
        batch.changed.iter().for_each(|c| sample(&mut out.samples.changed, &c.object.key));
    }
    if plan.policies.changed == SyncChanged::Update {
        out.objects_to_update = out.changed;
    }
    missing(ctx, storage.id, &plan, &hasher, &listed, &mut out, lease).await?;
    Ok(out)
}

/// Walks the storage's links for keys the listing did not hold.
async fn missing(
    ctx: &SyncContext,
    storage_id: i64,
    plan: &Plan,
    hasher: &RandomState,
    listed: &HashSet<u64>,
    out: &mut DiffReport,
    lease: &Lease,
) -> Result<(), SyncError> {
    let mut missing_keys = HashSet::new();
    let mut after = 0;
    loop {
        lease.check()?;
        let page = links::linked_tasks(&ctx.db, storage_id, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let gone: Vec<_> = page.into_iter().filter(|l| !listed.contains(&hasher.hash_one(&l.key))).collect();
        for link in &gone {
            if missing_keys.insert(hasher.hash_one(&link.key)) {
                sample(&mut out.samples.missing, &link.key);
            }
        }
        out.tasks_to_delete += reconcile::doomed(plan.policies.deleted, &gone).len() as i64;
    }
    out.missing = missing_keys.len() as i64;
    Ok(())
}
