//! Export of annotations to a project's export ("target") storages (`docs/label-studio-api.md`
//! §6; how labelsync differs: §10.9).
//!
//! [`annotations_changed`] is the one hook every annotation change goes through (API writes,
//! API imports, storage syncs). It enqueues export jobs in the caller's transaction, so an
//! annotation is saved even when a storage is down; the job's failure is then recorded on that
//! storage (`failed` + traceback) and retried with backoff. Objects are keyed by annotation id
//! and hold Label Studio's annotation-centric JSON ([`body`]).

pub mod body;
pub mod format;

use std::collections::HashMap;

use bytes::Bytes;
use futures::StreamExt;
use labelsync_db::orgs::{self, User};
use labelsync_db::storages::{self, Storage, SyncState, SyncStatus};
use labelsync_db::{Tx, annotations, links, projects, tasks};
use labelsync_queue::Lease;
use labelsync_storage::{ExportStorage, Role, StorageKind};

use crate::context::SyncContext;
use crate::error::WriteResult;
use crate::import::status::Progress;
use crate::import::{SyncError, storage_failure};
use crate::jobs::{DeleteExportedObject, ExportAnnotations};
use crate::label_config::LabelConfig;

/// An annotation about to be deleted (its row still exists when the hook runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeletedAnnotation {
    pub id: i64,
    pub task_id: i64,
}

/// Annotations per export job when many are saved at once (an import).
const EXPORT_BATCH: usize = 500;

/// Called inside the transaction that changes annotations of `project_id`: `saved` were
/// created or updated; `deleted` are about to be deleted (their export links still exist).
/// Enqueues an export job per export storage of the project for the saved ones, and a deletion
/// job for each exported object whose storage has `can_delete_objects`.
pub async fn annotations_changed(
    tx: &mut Tx,
    project_id: i64,
    saved: &[i64],
    deleted: &[DeletedAnnotation],
) -> WriteResult<()> {
    let targets = storages::list_for_project(&mut *tx, project_id, Role::Export, None).await?;
    if targets.is_empty() {
        return Ok(());
    }
    let organization_id = storages::organization_of(&mut *tx, targets[0].id).await?;
    for storage in &targets {
        for chunk in saved.chunks(EXPORT_BATCH) {
            let job =
                ExportAnnotations { storage_id: storage.id, annotation_ids: chunk.to_vec(), organization_id };
            enqueue(tx, &job).await?;
        }
    }
    for annotation in deleted {
        for (storage_id, key) in links::export_links_of_annotation(&mut *tx, annotation.id).await? {
            let deletes = targets
                .iter()
                .find(|s| s.id == storage_id)
                .is_some_and(|s| s.public_settings().is_ok_and(|settings| settings.can_delete_objects()));
            if deletes {
                enqueue(tx, &DeleteExportedObject { storage_id, key, organization_id }).await?;
            }
        }
    }
    Ok(())
}

async fn enqueue<J: labelsync_queue::Job>(tx: &mut Tx, job: &J) -> WriteResult<()> {
    labelsync_queue::enqueue(&mut *tx, job).await?;
    Ok(())
}

/// A connected export storage with what serializing needs.
struct Target {
    storage: Storage,
    export: std::sync::Arc<dyn ExportStorage>,
    first_data_key: Option<String>,
    indented: bool,
}

impl Target {
    /// `None` when the storage or its project is gone.
    async fn connect(ctx: &SyncContext, storage_id: i64) -> Result<Option<Target>, SyncError> {
        let Some(storage) = storages::find_unscoped(&ctx.db, storage_id).await? else { return Ok(None) };
        let Some(project) = projects::find_unscoped(&ctx.db, storage.project_id).await? else {
            return Ok(None);
        };
        crate::local_roots::check(ctx, &storage, project.organization_id).await?;
        let tenant = crate::storages::TenantCredentials::of_project(&ctx.db, storage.project_id).await?;
        let config = crate::storages::config_from_row(&storage, &ctx.secrets, &ctx.storage_env, &tenant)
            .map_err(|e| SyncError::Final(e.to_string()))?;
        let connected =
            crate::storages::connect(&config, Role::Export, &ctx.guard).await.map_err(storage_failure)?;
        let export = connected.export.ok_or_else(|| SyncError::Final("this storage cannot export".into()))?;
        let first_data_key = LabelConfig::parse(&project.label_config).ok().and_then(|c| c.first_data_key());
        let indented = config.kind() == StorageKind::LocalFiles;
        Ok(Some(Target { storage, export, first_data_key, indented }))
    }

    /// Writes one annotation and records its export link. `false` when it no longer exists.
    async fn write(
        &self,
        ctx: &SyncContext,
        annotation_id: i64,
        users: &mut HashMap<i64, Option<User>>,
    ) -> Result<bool, SyncError> {
        let Some(annotation) = annotations::find_unscoped(&ctx.db, annotation_id).await? else {
            return Ok(false);
        };
        let Some(task) = tasks::find_unscoped(&ctx.db, annotation.task_id).await? else { return Ok(false) };
        let author = match annotation.completed_by_id {
            Some(id) => match users.get(&id) {
                Some(user) => user.clone(),
                None => {
                    let user = orgs::find_user(&ctx.db, id).await?;
                    users.insert(id, user.clone());
                    user
                }
            },
            None => None,
        };
        let value =
            body::annotation_body(&annotation, author.as_ref(), &task, self.first_data_key.as_deref());
        let bytes = if self.indented { format::dumps_indented(&value) } else { format::dumps(&value) };
        let key = annotation.id.to_string();
        self.export.put(&key, Bytes::from(bytes)).await.map_err(storage_failure)?;
        links::upsert_export_link(&ctx.db, self.storage.id, annotation.id, &key).await?;
        Ok(true)
    }
}

/// Records an automatic export's failure on the storage, where users look for it.
async fn record_failure(ctx: &SyncContext, storage: &Storage, reason: &str) -> labelsync_db::Result<()> {
    let mut meta = storage.meta.0.clone();
    meta.insert("time_failure".into(), crate::jobs::meta_time(labelsync_db::now()));
    let status = SyncState {
        status: SyncStatus::Failed,
        last_sync: storage.last_sync,
        last_sync_count: storage.last_sync_count,
        last_sync_job: storage.last_sync_job.clone(),
        traceback: Some(reason.to_owned()),
        meta,
    };
    storages::set_sync_status(&ctx.db, storage.id, &status).await
}

/// Writes `annotation_ids` to storage `storage_id` (the automatic export after a save).
pub async fn export_annotations(
    ctx: &SyncContext,
    storage_id: i64,
    annotation_ids: &[i64],
) -> anyhow::Result<()> {
    let target = match Target::connect(ctx, storage_id).await {
        Ok(Some(target)) => target,
        Ok(None) => return Ok(()),
        Err(err) => return fail_automatic(ctx, storage_id, err).await,
    };
    let mut users = HashMap::new();
    for &id in annotation_ids {
        if let Err(err) = target.write(ctx, id, &mut users).await {
            return fail_automatic(ctx, storage_id, err).await;
        }
    }
    Ok(())
}

/// The traceback of an automatic export (save or deletion) that failed: says so once.
pub fn automatic_failure(error: &str) -> String {
    const PREFIX: &str = "Automatic export failed: ";
    if error.starts_with(PREFIX) { error.to_owned() } else { format!("{PREFIX}{error}") }
}

/// A failed attempt is recorded on the storage at once when it will be retried; a final
/// failure is recorded by the queue's report (`on_failed`), in the transaction that fails the job.
async fn fail_automatic(ctx: &SyncContext, storage_id: i64, err: SyncError) -> anyhow::Result<()> {
    let reason = automatic_failure(&format!("{err:#}"));
    match err {
        SyncError::Final(_) => Err(labelsync_queue::Permanent(reason).into()),
        SyncError::Transient(err) => {
            if let Some(storage) = storages::find_unscoped(&ctx.db, storage_id).await? {
                record_failure(ctx, &storage, &reason).await?;
            }
            Err(err)
        }
    }
}

/// Deletes an exported object (its annotation was deleted and the storage deletes objects).
pub async fn delete_exported(ctx: &SyncContext, storage_id: i64, key: &str) -> anyhow::Result<()> {
    match Target::connect(ctx, storage_id).await {
        Ok(Some(target)) => match target.export.delete(key).await.map_err(storage_failure) {
            Ok(()) => Ok(()),
            Err(err) => fail_automatic(ctx, storage_id, err).await,
        },
        Ok(None) => Ok(()),
        Err(err) => fail_automatic(ctx, storage_id, err).await,
    }
}

/// Full export sync: every annotation of the project is (re)written, with bounded concurrency.
pub async fn export_all(ctx: &SyncContext, storage_id: i64, lease: &Lease) -> anyhow::Result<()> {
    let Some(storage) = storages::find_unscoped(&ctx.db, storage_id).await? else { return Ok(()) };
    let mut progress = Progress::start(&ctx.db, &storage).await?;
    let outcome = match Target::connect(ctx, storage_id).await {
        Ok(Some(target)) => write_all(ctx, &target, &mut progress, lease).await,
        Ok(None) => return Ok(()),
        Err(err) => Err(err),
    };
    match outcome {
        Ok(total) => {
            progress.finish_export(&ctx.db, total).await?;
            Ok(())
        }
        // The queue marks the job failed and, in the same transaction, the storage
        // (`ExportSync::on_failed`).
        Err(SyncError::Final(reason)) => Err(labelsync_queue::Permanent(reason).into()),
        Err(SyncError::Transient(err)) => {
            progress.retrying(&ctx.db, lease.attempt(), &format!("{err:#}")).await?;
            Err(err)
        }
    }
}

async fn write_all(
    ctx: &SyncContext,
    target: &Target,
    progress: &mut Progress,
    lease: &Lease,
) -> Result<i64, SyncError> {
    progress.created = 0;
    let mut after = 0;
    let mut total = 0;
    loop {
        lease.check()?;
        let page =
            annotations::list_for_project_after(&ctx.db, target.storage.project_id, after, 500).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        total += page.len() as i64;
        let ids: Vec<i64> = page.iter().map(|a| a.id).collect();
        let mut writes = futures::stream::iter(ids)
            .map(|id| async move { target.write(ctx, id, &mut HashMap::new()).await })
            .buffer_unordered(ctx.settings.export_concurrency.max(1));
        while let Some(written) = writes.next().await {
            if written? {
                progress.created += 1;
            }
        }
        progress.ping(&ctx.db).await?;
    }
    Ok(total)
}
