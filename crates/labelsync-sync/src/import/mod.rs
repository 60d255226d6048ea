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
//! with its reason and the rest of the storage is imported; the run ends
//! `completed_with_errors`. Only a storage-wide problem (bad credentials, unreachable
//! endpoint, invalid configuration) fails the run.

mod fetch;
mod parse;
pub mod status;
pub mod uri;

use std::collections::HashSet;
use std::sync::Arc;

use futures::StreamExt;
use labelsync_db::projects::Project;
use labelsync_db::storages::Storage;
use labelsync_db::{links, projects, storages};
use labelsync_queue::Lease;
use labelsync_storage::{Error as StorageError, ImportStorage, ObjectMeta, Role, StorageConfig, StorageKind};

use crate::context::SyncContext;
use crate::error::WriteError;
use crate::filter::KeyFilter;
use crate::tasks::{TaskCandidate, TaskSource, candidate_from_object, create_tasks, parse_task_json};
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

/// What a batch needs to know about the storage.
struct Plan {
    config: StorageConfig,
    import: Arc<dyn ImportStorage>,
    filter: KeyFilter,
    blob_mode: bool,
}

impl Plan {
    async fn new(ctx: &SyncContext, storage: &Storage) -> Result<Plan, SyncError> {
        let tenant = crate::storages::TenantCredentials::of_project(&ctx.db, storage.project_id).await?;
        let settings = crate::storages::settings_of_row(storage, &ctx.secrets)
            .map_err(|e| SyncError::Final(e.to_string()))?;
        let config = crate::storages::config_from_settings(&settings, &ctx.storage_env, &tenant);
        let connected =
            crate::storages::connect(&config, Role::Import, &ctx.guard).await.map_err(storage_failure)?;
        let import = connected.import.ok_or_else(|| SyncError::Final("this storage cannot import".into()))?;
        let common = settings.common();
        // Redis storages ignore both options, as in Label Studio.
        let redis = config.kind() == StorageKind::Redis;
        let regex = if redis { None } else { common.regex_filter.as_deref() };
        let filter = KeyFilter::new(regex).map_err(SyncError::Final)?;
        let blob_mode = !redis && common.use_blob_urls;
        Ok(Plan { config, import, filter, blob_mode })
    }

    /// Whether a listed object is selected: folder placeholders never are; the filter sees
    /// the full key, or the file name for local files.
    fn selects(&self, object: &ObjectMeta) -> bool {
        if object.key.ends_with('/') {
            return false;
        }
        let candidate = match self.config.kind() {
            StorageKind::LocalFiles => object.key.rsplit('/').next().unwrap_or(&object.key),
            _ => object.key.as_str(),
        };
        self.filter.matches(candidate)
    }
}

/// Listed batches buffered ahead of the writer: the listing of the next pages overlaps the
/// writing of this one, and memory stays bounded by this many batches.
const BATCHES_AHEAD: usize = 4;

async fn import_all(
    ctx: &SyncContext,
    storage: &Storage,
    project: &Project,
    progress: &mut Progress,
    lease: &Lease,
) -> Result<(), SyncError> {
    crate::local_roots::check(ctx, storage, project.organization_id).await?;
    let plan = &Plan::new(ctx, storage).await?;
    let (sender, mut batches) = tokio::sync::mpsc::channel(BATCHES_AHEAD);
    // Two futures in one task: the listing proceeds while a batch waits on the database. When
    // the writer fails it drops the receiver, and the listing stops at its next send.
    let list = async move {
        let mut listing = plan.import.list().chunks(ctx.settings.batch_size.max(1));
        while let Some(batch) = listing.next().await {
            if sender.send(batch).await.is_err() {
                break;
            }
        }
    };
    let write_all = async move {
        while let Some(batch) = batches.recv().await {
            import_batch(ctx, storage, project, plan, progress, batch, lease).await?;
        }
        Ok(())
    };
    let ((), written) = tokio::join!(list, write_all);
    written
}

/// Filters, deduplicates and writes one listed batch.
async fn import_batch(
    ctx: &SyncContext,
    storage: &Storage,
    project: &Project,
    plan: &Plan,
    progress: &mut Progress,
    batch: Vec<Result<ObjectMeta, StorageError>>,
    lease: &Lease,
) -> Result<(), SyncError> {
    lease.check()?;
    let mut seen = HashSet::new();
    let mut objects = Vec::with_capacity(batch.len());
    for object in batch {
        let object = object.map_err(storage_failure)?;
        if object.key.contains('\0') {
            // No database can key a link by it (PostgreSQL refuses U+0000 in text).
            tracing::warn!(storage = storage.id, "skipped an object whose key holds a null character");
            continue;
        }
        if plan.selects(&object) && seen.insert(object.key.clone()) {
            objects.push(object);
        }
    }
    let key_refs: Vec<&str> = objects.iter().map(|o| o.key.as_str()).collect();
    let (existing, rows) = links::existing_import_keys(&ctx.db, storage.id, &key_refs).await?;
    progress.existed += rows;
    let new_objects: Vec<ObjectMeta> = objects.into_iter().filter(|o| !existing.contains(&o.key)).collect();
    if plan.blob_mode {
        let host = ctx.settings.host.as_deref();
        let candidates = new_objects
            .into_iter()
            .map(|object| object.key)
            .filter_map(|key| {
                uri::object_uri(&plan.config, &key, host).map(|uri| TaskCandidate::blob(uri, key))
            })
            .collect();
        write(ctx, storage, project, progress, candidates).await?;
    } else {
        import_task_files(ctx, storage, project, plan, progress, new_objects, lease).await?;
    }
    progress.ping(&ctx.db).await?;
    Ok(())
}

/// Reads task-JSON objects with bounded concurrency and bounded bytes in flight (see
/// [`fetch`]) and writes their tasks, a few files per transaction; each file's tasks commit
/// together with its links (all or none of a file).
async fn import_task_files(
    ctx: &SyncContext,
    storage: &Storage,
    project: &Project,
    plan: &Plan,
    progress: &mut Progress,
    objects: Vec<ObjectMeta>,
    lease: &Lease,
) -> Result<(), SyncError> {
    let max = ctx.settings.max_object_bytes;
    let budget = fetch::FetchBudget::new(ctx.settings.max_bytes_in_flight, max);
    let import = plan.import.clone();
    let files = futures::stream::iter(objects)
        // Reserved one file after another, in the order the files are consumed.
        .then(move |object| {
            let budget = budget.clone();
            async move {
                let reservation = match parse::unsupported_extension(&object.key) {
                    Some(_) => fetch::Reservation::none(),
                    None => budget.reserve(object.size).await,
                };
                (object.key, reservation)
            }
        })
        .map(|(key, reservation)| {
            let import = import.clone();
            async move {
                if let Some(reason) = parse::unsupported_extension(&key) {
                    return (key, Err(FileError::Skip(reason)), reservation);
                }
                let read = fetch::read(import.as_ref(), &key, &reservation, max).await;
                (key, read.map_err(FileError::Read), reservation)
            }
        })
        .buffered(ctx.settings.fetch_concurrency.max(1));
    let mut files = std::pin::pin!(files);
    let mut pending: Vec<TaskCandidate> = Vec::new();
    // `_reservation` holds the file's bytes in the budget until they are parsed.
    while let Some((key, read, _reservation)) = files.next().await {
        lease.check()?;
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(FileError::Skip(reason)) => {
                progress.record_error(&key, &reason);
                continue;
            }
            Err(FileError::Read(err)) => match err {
                StorageError::Unreachable(_) | StorageError::Unauthenticated(_) => {
                    return Err(storage_failure(err));
                }
                other => {
                    progress.record_error(&key, &other.to_string());
                    continue;
                }
            },
        };
        match candidates_of(&key, &bytes) {
            Ok(candidates) => pending.extend(candidates),
            Err(reason) => progress.record_error(&key, &reason),
        }
        if pending.len() >= ctx.settings.batch_size {
            write(ctx, storage, project, progress, std::mem::take(&mut pending)).await?;
        }
    }
    write(ctx, storage, project, progress, pending).await
}

enum FileError {
    Skip(String),
    Read(StorageError),
}

/// Every row of one task file as candidates, or why the file cannot be imported.
fn candidates_of(key: &str, bytes: &[u8]) -> Result<Vec<TaskCandidate>, String> {
    let rows = parse_task_json(bytes, key).map_err(|e| e.to_string())?;
    rows.into_iter()
        .map(|(row, row_index)| {
            candidate_from_object(row, TaskSource { key: key.to_owned(), row_index })
                .map_err(|e| e.to_string())
        })
        .collect()
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
    let created = create_tasks(&mut tx, project, candidates, Some(storage.id), None).await?;
    let count = storages::add_sync_count(&mut tx, storage.id, created.task_ids.len() as i64).await?;
    tx.commit().await?;
    progress.created = count;
    Ok(())
}
