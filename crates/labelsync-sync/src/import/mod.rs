//! Import sync: objects of a storage become tasks of its project (`docs/label-studio-api.md` §5;
//! how labelsync differs: §10.5, §10.6).
//!
//! The listing is streamed and handled in batches: each batch is filtered (`regex_filter`),
//! deduplicated against the storage's import links, turned into task candidates (one per blob,
//! or the rows of each task-JSON object) and written with its links in one transaction. Memory
//! stays flat whatever the bucket size, and a run stopped at any point loses and duplicates
//! nothing: the next run skips every key that already has a link.
//!
//! An object that cannot be imported (not JSON, malformed, too large, vanished) is recorded
//! with its reason in the storage's error ledger and the rest of the storage is imported; the
//! run ends `completed_with_errors`. Only a storage-wide problem (bad credentials, unreachable
//! endpoint, invalid configuration) fails the run.
//!
//! Keeping the project true to the bucket: each batch is also compared with the import links
//! ([`classify`]): objects whose version changed are re-read under `sync_changed: update`
//! (module `changed`), and every link the listing saw is marked with the sync's generation, so that
//! after a complete listing the links of older generations are the vanished objects, which
//! `sync_deleted` decides on (module `reconcile`). Each batch commits the listing's checkpoint, and
//! an attempt that resumes an interrupted sync lists on from it. [`diff`] runs the same
//! classification without writing anything.

mod changed;
pub mod classify;
mod counts;
pub mod diff;
mod fetch;
mod files;
mod listing;
mod lookahead;
mod parse;
pub(crate) mod plan;
pub(crate) mod reconcile;
pub mod status;
pub mod uri;

use std::sync::Arc;

use futures::StreamExt;
use labelsync_db::projects::Project;
use labelsync_db::storages::Storage;
use labelsync_db::{links, projects, storages};
use labelsync_queue::Lease;
use labelsync_storage::{Error as StorageError, ObjectMeta};
use labelsync_types::SyncChanged;
use tracing::Instrument;

use crate::context::SyncContext;
use crate::error::WriteError;
use crate::tasks::{LinkTarget, TaskCandidate, create_tasks};
pub use counts::Counts;
use listing::{Batches, StopOnDrop, spawn_listing, unpack};
use lookahead::{LookedUp, Written};
use plan::Plan;
use status::Progress;

/// Why a run stopped before the end.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The storage as configured cannot be synced; retrying will not help.
    #[error("{0}")]
    Final(String),
    /// A problem that may pass (network, database); the job is retried.
    #[error(transparent)]
    Transient(#[from] anyhow::Error),
}

impl From<labelsync_db::Error> for SyncError {
    fn from(err: labelsync_db::Error) -> Self {
        SyncError::Transient(anyhow::Error::new(err).context("database error"))
    }
}

/// A write of the run failed: retried, as a database error is.
impl From<WriteError> for SyncError {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::Database(err) => err.into(),
            WriteError::Enqueue(err) => SyncError::Transient(anyhow::Error::new(err)),
        }
    }
}

impl From<labelsync_queue::Stopped> for SyncError {
    fn from(stop: labelsync_queue::Stopped) -> Self {
        SyncError::Transient(anyhow::Error::new(stop))
    }
}

/// A storage-level failure: credentials, reachability and configuration are final unless the
/// endpoint was merely unreachable.
pub fn storage_failure(err: StorageError) -> SyncError {
    match err {
        StorageError::Unreachable(message) | StorageError::Other(message) => {
            SyncError::Transient(anyhow::anyhow!(message))
        }
        other => SyncError::Final(other.to_string()),
    }
}

/// Runs the import sync of storage `storage_id`. A storage or project deleted meanwhile ends
/// the job quietly.
pub async fn run(ctx: &SyncContext, storage_id: i64, lease: &Lease) -> anyhow::Result<()> {
    let Some(storage) = storages::find_unscoped(&ctx.db, storage_id).await? else { return Ok(()) };
    let Some(project) = projects::find_unscoped(&ctx.db, storage.project_id).await? else { return Ok(()) };
    let mut progress = Progress::start(&ctx.db, &storage).await?;
    match import_all(ctx, &storage, &project, &mut progress, lease).await {
        Ok(()) => {
            progress.finish_import(&ctx.db).await?;
            Ok(())
        }
        // The queue marks the job failed and, in the same transaction, the storage
        // (`ImportSync::on_failed`).
        Err(SyncError::Final(reason)) => Err(labelsync_queue::Permanent(reason).into()),
        Err(SyncError::Transient(err)) if lease.check().is_err() => {
            // Stopped for shutdown or a lost lease: the storage stays `in_progress` and the
            // next run resumes where this one stopped.
            Err(err)
        }
        Err(SyncError::Transient(err)) => {
            progress.retrying(&ctx.db, lease.attempt(), &format!("{err:#}")).await?;
            Err(err)
        }
    }
}

async fn import_all(
    ctx: &SyncContext,
    storage: &Storage,
    project: &Project,
    progress: &mut Progress,
    lease: &Lease,
) -> Result<(), SyncError> {
    crate::local_roots::check(ctx, storage, project.organization_id).await?;
    let plan = Arc::new(Plan::new(ctx, storage).await?);
    // The listing runs in a task of its own, so that parsing its pages (16 parts at once, say)
    // takes another core than the writer's. When the writer fails it drops the receiver, and the
    // listing stops at its next send; `_stop_listing` ends it at once on every other way out.
    let batch_size = ctx.settings.batch_size.max(1);
    let (list, batches, restarted) = spawn_listing(&plan, progress.resume_from.clone(), batch_size);
    let _stop_listing = StopOnDrop(list.abort_handle());
    if restarted.await.unwrap_or(false) {
        progress.forget_checkpoint();
    }
    let written = Arc::new(Written::default());
    let (looked_up_sender, mut looked_up) = tokio::sync::mpsc::channel(1);
    // So does the look-up (`lookahead`): the next batch's links are read and its tasks built
    // while the writer waits on the database for this one. It stops the same ways.
    let look_up = tokio::spawn(
        look_up_all(
            ctx.clone(),
            Arc::clone(&plan),
            storage.id,
            batches,
            looked_up_sender,
            Arc::clone(&written),
        )
        .in_current_span(),
    );
    let _stop_looking_up = StopOnDrop(look_up.abort_handle());
    while let Some(batch) = looked_up.recv().await {
        import_batch(ctx, storage, project, &plan, progress, batch, &written, lease).await?;
    }
    // A look-up or listing that failed or panicked ended its batches early: that is no complete
    // listing.
    let stopped = |err| SyncError::Transient(anyhow::anyhow!("the listing stopped: {err}"));
    look_up.await.map_err(stopped)??;
    list.await.map_err(stopped)?;
    reconcile::vanished(ctx, storage, project, plan.policies.deleted, progress, lease).await
}

/// The look-up task: each listed batch, unpacked, with its links and its new tasks
/// ([`Written::look_up_and_build`]), handed to the writer in order.
async fn look_up_all(
    ctx: SyncContext,
    plan: Arc<Plan>,
    storage_id: i64,
    mut batches: Batches,
    looked_up: tokio::sync::mpsc::Sender<LookedUp>,
    written: Arc<Written>,
) -> Result<(), SyncError> {
    while let Some(batch) = batches.recv().await {
        let batch = written.look_up_and_build(&ctx, &plan, storage_id, unpack(storage_id, batch)?).await?;
        if looked_up.send(batch).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// Classifies one listed and looked-up batch against the links and writes it: new objects
/// become tasks, changed ones are re-read (under `sync_changed: update`), every listed link is
/// marked seen, and the batch's checkpoint is committed with the counters.
#[allow(clippy::too_many_arguments)]
async fn import_batch(
    ctx: &SyncContext,
    storage: &Storage,
    project: &Project,
    plan: &Plan,
    progress: &mut Progress,
    mut batch: LookedUp,
    written: &Written,
    lease: &Lease,
) -> Result<(), SyncError> {
    lease.check()?;
    progress.counts.objects_listed += batch.listed;
    let found = written.current_links(&ctx.db, storage.id, &mut batch).await?;
    let keys = std::mem::take(&mut batch.keys);
    let built = Found { links: found, new_tasks: batch.new_tasks };
    import_found(ctx, storage, project, plan, progress, batch.objects, built, lease).await?;
    written.wrote(keys);
    if batch.checkpoint.is_some() {
        progress.checkpoint = batch.checkpoint;
    }
    progress.ping(&ctx.db).await?;
    Ok(())
}

/// Imports `objects` (each key once, as listed or looked up), classified against their links:
/// new objects become tasks, changed ones are re-read (under `sync_changed: update`), and every
/// link of them is marked seen by the progress's generation. What a listed batch and a batch
/// of bucket events (`crate::events`) share.
pub(crate) async fn import_objects(
    ctx: &SyncContext,
    storage: &Storage,
    project: &Project,
    plan: &Plan,
    progress: &mut Progress,
    objects: Vec<ObjectMeta>,
    lease: &Lease,
) -> Result<(), SyncError> {
    let keys: Vec<&str> = objects.iter().map(|o| o.key.as_str()).collect();
    let links = links::import_links_of_keys(&ctx.db, storage.id, &keys).await?;
    drop(keys);
    let found = Found { links, new_tasks: None };
    import_found(ctx, storage, project, plan, progress, objects, found, lease).await
}

/// What was read and built for a batch before it is imported.
struct Found {
    /// The links of the batch's keys.
    links: Vec<links::ImportLink>,
    /// In blob mode, the tasks of its new objects if they were built ahead from `links`
    /// ([`Plan::new_blob_tasks`]).
    new_tasks: Option<Vec<TaskCandidate>>,
}

/// [`import_objects`] with the links of the objects' keys already read (`found`).
#[allow(clippy::too_many_arguments)]
async fn import_found(
    ctx: &SyncContext,
    storage: &Storage,
    project: &Project,
    plan: &Plan,
    progress: &mut Progress,
    objects: Vec<ObjectMeta>,
    found: Found,
    lease: &Lease,
) -> Result<(), SyncError> {
    let batch = classify::classify(objects, found.links, |o| plan.selects(o));
    links::mark_seen(&ctx.db, progress.generation, &batch.seen).await?;
    links::set_versions(&ctx.db, &batch.unversioned).await?;
    progress.existed += batch.link_rows as i64;
    progress.counts.objects_skipped += batch.unchanged as i64;
    match plan.policies.changed {
        SyncChanged::Keep => progress.counts.objects_skipped += batch.changed.len() as i64,
        SyncChanged::Update => {
            changed::update(ctx, storage, project, plan, progress, batch.changed, lease).await?
        }
    }
    if plan.blob_mode {
        let candidates = found.new_tasks.unwrap_or_else(|| plan.blob_tasks(ctx, &batch.new));
        write(ctx, storage, project, progress, candidates).await?;
    } else {
        import_task_files(ctx, storage, project, plan, progress, batch.new, lease).await?;
    }
    Ok(())
}

/// Reads new task files and writes their tasks, a few files per transaction; each file's
/// tasks commit together with its links (all or none of a file).
async fn import_task_files(
    ctx: &SyncContext,
    storage: &Storage,
    project: &Project,
    plan: &Plan,
    progress: &mut Progress,
    objects: Vec<ObjectMeta>,
    lease: &Lease,
) -> Result<(), SyncError> {
    let mut files = std::pin::pin!(files::read_files(ctx, plan, objects));
    let mut pending: Vec<TaskCandidate> = Vec::new();
    // `_reservation` holds the file's bytes in the budget until they are parsed.
    while let Some((object, read, _reservation)) = files.next().await {
        lease.check()?;
        let Some(bytes) = files::bytes_or_record(progress, &object.key, read)? else { continue };
        match files::candidates_of(&object, &bytes) {
            Ok(candidates) => pending.extend(candidates),
            Err(reason) => progress.record_error(&object.key, &reason),
        }
        if pending.len() >= ctx.settings.batch_size {
            write(ctx, storage, project, progress, std::mem::take(&mut pending)).await?;
        }
    }
    write(ctx, storage, project, progress, pending).await
}

/// Creates `candidates` with their links in one transaction and counts them.
async fn write(
    ctx: &SyncContext,
    storage: &Storage,
    project: &Project,
    progress: &mut Progress,
    candidates: Vec<TaskCandidate>,
) -> Result<(), SyncError> {
    if candidates.is_empty() {
        return Ok(());
    }
    let mut tx = ctx.db.begin().await?;
    let target = LinkTarget { storage_id: storage.id, generation: progress.generation };
    let created = create_tasks(&mut tx, project, candidates, Some(target), None).await?;
    progress.add_created(&mut tx, created.task_ids.len() as i64).await?;
    tx.commit().await?;
    Ok(())
}
