//! `sync_changed: update`: the tasks of an object whose content changed get its new data.
//!
//! A blob's task keeps its URL (the object behind it is new): its `updated_at` moves and its link
//! records the new version. A task file is read again and matched to its tasks by row position
//! (`row_index`; `None` for a file holding one object): a row with a task replaces that task's
//! `data` (annotations and predictions stay attached; those in the file are not read again), a
//! new row becomes a new task, and the task of a row that is gone is treated as a vanished
//! object's under `sync_deleted`. All of a file commits in one transaction, its links' version
//! with it; a file that cannot be read or parsed is recorded as an error and keeps its tasks
//! and its old version, so the next sync tries again.

use std::collections::HashMap;

use futures::StreamExt;
use labelsync_db::links::{self, ImportLink};
use labelsync_db::projects::Project;
use labelsync_db::storages::Storage;
use labelsync_db::tasks;
use labelsync_queue::Lease;
use labelsync_types::SyncDeleted;
use serde_json::Value;

use super::classify::Imported;
use super::plan::Plan;
use super::status::Progress;
use super::{SyncError, files};
use crate::context::SyncContext;
use crate::tasks::{LinkTarget, TaskCandidate, create_tasks, delete_tasks};

/// Applies the changed objects of one batch.
pub(super) async fn update(
    ctx: &SyncContext,
    storage: &Storage,
    project: &Project,
    plan: &Plan,
    progress: &mut Progress,
    changed: Vec<Imported>,
    lease: &Lease,
) -> Result<(), SyncError> {
    if changed.is_empty() {
        return Ok(());
    }
    if plan.blob_mode {
        return update_blobs(ctx, plan, progress, changed).await;
    }
    let mut links_of: HashMap<String, Vec<ImportLink>> =
        changed.iter().map(|c| (c.object.key.clone(), c.links.clone())).collect();
    let objects = changed.into_iter().map(|c| c.object).collect();
    let mut files = std::pin::pin!(files::read_files(ctx, plan, objects));
    while let Some((object, read, _reservation)) = files.next().await {
        lease.check()?;
        let Some(bytes) = files::bytes_or_record(progress, &object.key, read)? else { continue };
        let candidates = match files::candidates_of(&object, &bytes) {
            Ok(candidates) => candidates,
            Err(reason) => {
                progress.record_error(&object.key, &reason);
                continue;
            }
        };
        let links = links_of.remove(&object.key).unwrap_or_default();
        let file = ChangedFile { candidates, links, version: object.version() };
        update_file(ctx, storage, project, plan, progress, file).await?;
    }
    Ok(())
}

/// Blobs: the same URL, a new object behind it.
async fn update_blobs(
    ctx: &SyncContext,
    plan: &Plan,
    progress: &mut Progress,
    changed: Vec<Imported>,
) -> Result<(), SyncError> {
    let mut data = Vec::new();
    let mut versions = Vec::new();
    for Imported { object, links } in changed {
        let Some(task) = plan.blob_task(ctx, &object) else { continue };
        let version = object.version();
        for link in links {
            data.push((link.task_id, Value::Object(task.data.clone())));
            versions.push((link.id, version.clone()));
        }
    }
    let mut tx = ctx.db.begin().await?;
    tasks::replace_data(&mut tx, &data).await?;
    links::set_versions(&mut tx, &versions).await?;
    tx.commit().await?;
    progress.counts.tasks_updated += data.len() as i64;
    Ok(())
}

/// A changed task file, read again.
struct ChangedFile {
    /// Its rows now.
    candidates: Vec<TaskCandidate>,
    /// The links of the tasks its rows made before.
    links: Vec<ImportLink>,
    version: Option<String>,
}

/// One task file read again: rows matched to tasks by position, in one transaction.
async fn update_file(
    ctx: &SyncContext,
    storage: &Storage,
    project: &Project,
    plan: &Plan,
    progress: &mut Progress,
    file: ChangedFile,
) -> Result<(), SyncError> {
    let ChangedFile { candidates, links, version } = file;
    let mut by_row: HashMap<Option<i32>, ImportLink> = links.into_iter().map(|l| (l.row_index, l)).collect();
    let mut updates = Vec::new();
    let mut versions = Vec::new();
    let mut new_rows = Vec::new();
    for candidate in candidates {
        let row = candidate.source.as_ref().and_then(|s| s.row_index);
        match by_row.remove(&row) {
            Some(link) => {
                updates.push((link.task_id, Value::Object(candidate.data)));
                versions.push((link.id, version.clone()));
            }
            None => new_rows.push(candidate),
        }
    }
    // Rows that are gone: their tasks go as a vanished object's would; the kept ones record the
    // new version too, or the file would count as changed at every sync.
    let mut gone = Vec::new();
    for link in by_row.into_values() {
        match plan.policies.deleted {
            SyncDeleted::Delete => gone.push(link.task_id),
            SyncDeleted::DeleteUnlabeled if !has_annotations(ctx, link.task_id).await? => {
                gone.push(link.task_id)
            }
            _ => versions.push((link.id, version.clone())),
        }
    }
    let mut tx = ctx.db.begin().await?;
    tasks::replace_data(&mut tx, &updates).await?;
    links::set_versions(&mut tx, &versions).await?;
    let deleted = delete_tasks(&mut tx, project.id, &gone).await?;
    let target = LinkTarget { storage_id: storage.id, generation: progress.generation };
    let created = create_tasks(&mut tx, project, new_rows, Some(target), None).await?;
    progress.add_created(&mut tx, created.task_ids.len() as i64).await?;
    tx.commit().await?;
    progress.counts.tasks_updated += updates.len() as i64;
    progress.counts.tasks_deleted += deleted as i64;
    Ok(())
}

async fn has_annotations(ctx: &SyncContext, task_id: i64) -> Result<bool, SyncError> {
    Ok(!labelsync_db::annotations::refs_for_task(&ctx.db, task_id).await?.is_empty())
}
