//! The jobs labelsync runs in the background, and how the API asks for them. Every job is
//! idempotent: running it twice (a retry, a resumed lease) writes the same result.

use labelsync_db::Tx;
use labelsync_db::storages::{self, Storage, SyncStatus};
use labelsync_queue::{Job, Lease, Runner};
use labelsync_storage::Role;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::context::SyncContext;

/// Import sync of one storage (coalesced per storage).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportSync {
    pub storage_id: i64,
}

impl Job for ImportSync {
    const JOB_NAME: &'static str = "import_sync";
    type Context = SyncContext;

    fn dedup_key(&self) -> Option<String> {
        Some(self.storage_id.to_string())
    }

    async fn run(&self, ctx: &SyncContext, lease: &Lease) -> anyhow::Result<()> {
        crate::import::run(ctx, self.storage_id, lease).await
    }
}

/// Full re-export of a project's annotations to one export storage (coalesced per storage).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportSync {
    pub storage_id: i64,
}

impl Job for ExportSync {
    const JOB_NAME: &'static str = "export_sync";
    type Context = SyncContext;

    fn dedup_key(&self) -> Option<String> {
        Some(self.storage_id.to_string())
    }

    async fn run(&self, ctx: &SyncContext, lease: &Lease) -> anyhow::Result<()> {
        crate::export::export_all(ctx, self.storage_id, lease).await
    }
}

/// Export of saved annotations to one export storage. A single annotation's repeated saves
/// coalesce into one job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportAnnotations {
    pub storage_id: i64,
    pub annotation_ids: Vec<i64>,
}

impl Job for ExportAnnotations {
    const JOB_NAME: &'static str = "export_annotations";
    type Context = SyncContext;

    fn dedup_key(&self) -> Option<String> {
        match self.annotation_ids.as_slice() {
            [one] => Some(format!("{}:{one}", self.storage_id)),
            _ => None,
        }
    }

    async fn run(&self, ctx: &SyncContext, _lease: &Lease) -> anyhow::Result<()> {
        crate::export::export_annotations(ctx, self.storage_id, &self.annotation_ids).await
    }
}

/// Deletion of an exported object after its annotation was deleted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteExportedObject {
    pub storage_id: i64,
    pub key: String,
}

impl Job for DeleteExportedObject {
    const JOB_NAME: &'static str = "delete_exported_object";
    type Context = SyncContext;

    async fn run(&self, ctx: &SyncContext, _lease: &Lease) -> anyhow::Result<()> {
        crate::export::delete_exported(ctx, self.storage_id, &self.key).await
    }
}

/// Registers every job type of labelsync on `runner`.
pub fn register(runner: Runner<SyncContext>) -> Runner<SyncContext> {
    runner
        .register::<ImportSync>()
        .register::<ExportSync>()
        .register::<ExportAnnotations>()
        .register::<DeleteExportedObject>()
}

/// A time as Label Studio writes it inside `meta` (Python's `str(datetime)`).
pub fn meta_time(t: chrono::DateTime<chrono::Utc>) -> Value {
    json!(t.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string())
}

/// Marks `storage` queued (Label Studio's `info_set_queued`: counters reset, `meta` replaced by
/// `{attempts, time_queued}`, `traceback` kept) and enqueues its sync job, in `tx`.
pub async fn queue_storage_sync(tx: &mut Tx, storage: &Storage, role: Role) -> labelsync_db::Result<Storage> {
    let now = labelsync_db::now();
    let attempts = storage.meta.0.get("attempts").and_then(Value::as_i64).unwrap_or(0) + 1;
    let mut meta = serde_json::Map::new();
    meta.insert("attempts".into(), json!(attempts));
    meta.insert("time_queued".into(), meta_time(now));
    let status = SyncStatus {
        status: "queued".into(),
        last_sync: None,
        last_sync_count: None,
        last_sync_job: None,
        traceback: storage.traceback.clone(),
        meta,
    };
    storages::set_sync_status(&mut *tx, storage.id, &status).await?;
    let enqueued = match role {
        Role::Import => labelsync_queue::enqueue(&mut *tx, &ImportSync { storage_id: storage.id }).await,
        Role::Export => labelsync_queue::enqueue(&mut *tx, &ExportSync { storage_id: storage.id }).await,
    };
    let job_id = match enqueued {
        Ok(id) => id,
        Err(labelsync_queue::EnqueueError::Database(err)) => return Err(err),
        Err(other) => return Err(labelsync_db::Error::Protocol(other.to_string())),
    };
    if let Some(job_id) = job_id {
        storages::set_last_sync_job(&mut *tx, storage.id, &job_id.to_string()).await?;
    }
    storages::find_unscoped(&mut *tx, storage.id).await?.ok_or(labelsync_db::Error::RowNotFound)
}
