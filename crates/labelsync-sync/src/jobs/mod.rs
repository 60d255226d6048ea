//! The jobs labelsync runs in the background, and how the API asks for them. Every job is
//! idempotent: running it twice (a retry, a resumed lease) writes the same result.

use labelsync_db::Tx;
use labelsync_db::storages::{self, Storage, SyncState, SyncStatus};
use labelsync_queue::{Job, Lease, Runner};
use labelsync_storage::Role;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::context::SyncContext;
use crate::error::WriteResult;

/// Import sync of one storage (coalesced per storage).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportSync {
    pub storage_id: i64,
    /// The storage's organization (absent from jobs queued before it was recorded).
    #[serde(default)]
    pub organization_id: Option<i64>,
}

impl Job for ImportSync {
    const JOB_NAME: &'static str = "import_sync";
    type Context = SyncContext;

    fn dedup_key(&self) -> Option<String> {
        Some(self.storage_id.to_string())
    }

    fn organization_id(&self) -> Option<i64> {
        self.organization_id
    }

    async fn run(&self, ctx: &SyncContext, lease: &Lease) -> anyhow::Result<()> {
        crate::import::run(ctx, self.storage_id, lease).await
    }

    async fn on_failed(&self, _ctx: &SyncContext, tx: &mut Tx, error: &str) -> labelsync_db::Result<()> {
        crate::import::status::record_failure(tx, self.storage_id, error).await
    }
}

/// Full re-export of a project's annotations to one export storage (coalesced per storage).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportSync {
    pub storage_id: i64,
    /// The storage's organization (absent from jobs queued before it was recorded).
    #[serde(default)]
    pub organization_id: Option<i64>,
}

impl Job for ExportSync {
    const JOB_NAME: &'static str = "export_sync";
    type Context = SyncContext;

    fn dedup_key(&self) -> Option<String> {
        Some(self.storage_id.to_string())
    }

    fn organization_id(&self) -> Option<i64> {
        self.organization_id
    }

    async fn run(&self, ctx: &SyncContext, lease: &Lease) -> anyhow::Result<()> {
        crate::export::export_all(ctx, self.storage_id, lease).await
    }

    async fn on_failed(&self, _ctx: &SyncContext, tx: &mut Tx, error: &str) -> labelsync_db::Result<()> {
        crate::import::status::record_failure(tx, self.storage_id, error).await
    }
}

/// Export of saved annotations to one export storage. A single annotation's repeated saves
/// coalesce into one job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportAnnotations {
    pub storage_id: i64,
    pub annotation_ids: Vec<i64>,
    /// The storage's organization (absent from jobs queued before it was recorded).
    #[serde(default)]
    pub organization_id: Option<i64>,
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

    fn organization_id(&self) -> Option<i64> {
        self.organization_id
    }

    async fn run(&self, ctx: &SyncContext, _lease: &Lease) -> anyhow::Result<()> {
        crate::export::export_annotations(ctx, self.storage_id, &self.annotation_ids).await
    }

    async fn on_failed(&self, _ctx: &SyncContext, tx: &mut Tx, error: &str) -> labelsync_db::Result<()> {
        let reason = crate::export::automatic_failure(error);
        crate::import::status::record_failure(tx, self.storage_id, &reason).await
    }
}

/// Deletion of an exported object after its annotation was deleted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteExportedObject {
    pub storage_id: i64,
    pub key: String,
    /// The storage's organization (absent from jobs queued before it was recorded).
    #[serde(default)]
    pub organization_id: Option<i64>,
}

impl Job for DeleteExportedObject {
    const JOB_NAME: &'static str = "delete_exported_object";
    type Context = SyncContext;

    fn organization_id(&self) -> Option<i64> {
        self.organization_id
    }

    async fn run(&self, ctx: &SyncContext, _lease: &Lease) -> anyhow::Result<()> {
        crate::export::delete_exported(ctx, self.storage_id, &self.key).await
    }

    async fn on_failed(&self, _ctx: &SyncContext, tx: &mut Tx, error: &str) -> labelsync_db::Result<()> {
        let reason = crate::export::automatic_failure(error);
        crate::import::status::record_failure(tx, self.storage_id, &reason).await
    }
}

/// A dry run of an import sync (`storage_diffs` row `diff_id`); never coalesced: each request
/// has its own result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StorageDiff {
    pub diff_id: i64,
    pub storage_id: i64,
    pub organization_id: Option<i64>,
}

impl Job for StorageDiff {
    const JOB_NAME: &'static str = "storage_diff";
    type Context = SyncContext;

    fn organization_id(&self) -> Option<i64> {
        self.organization_id
    }

    async fn run(&self, ctx: &SyncContext, lease: &Lease) -> anyhow::Result<()> {
        crate::import::diff::run(ctx, self.diff_id, lease).await
    }

    async fn on_failed(&self, _ctx: &SyncContext, tx: &mut Tx, error: &str) -> labelsync_db::Result<()> {
        labelsync_db::diffs::finish(&mut *tx, self.diff_id, Err(error)).await
    }
}

/// One webhook delivery (`webhook_deliveries` row `delivery_id`), written by the event's writer
/// ([`crate::webhooks::emit`]). Each attempt POSTs the stored body; failed attempts are retried
/// with the queue's backoff, and the delivery is `failed` once the queue gives up.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliverWebhook {
    pub delivery_id: i64,
    pub webhook_id: i64,
    pub organization_id: Option<i64>,
}

impl Job for DeliverWebhook {
    const JOB_NAME: &'static str = "deliver_webhook";
    type Context = SyncContext;

    fn organization_id(&self) -> Option<i64> {
        self.organization_id
    }

    async fn run(&self, ctx: &SyncContext, lease: &Lease) -> anyhow::Result<()> {
        crate::webhooks::deliver::run(ctx, self.delivery_id, lease).await
    }

    async fn on_failed(&self, _ctx: &SyncContext, tx: &mut Tx, error: &str) -> labelsync_db::Result<()> {
        labelsync_db::webhooks::fail_delivery(&mut *tx, self.delivery_id, error).await
    }
}

/// Queues a dry run of import storage `storage` inside the caller's transaction, keeping the
/// storage's newest [`KEPT_DIFFS`] dry runs. Returns the new dry run.
pub async fn request_diff(tx: &mut Tx, storage: &Storage) -> WriteResult<labelsync_db::diffs::Diff> {
    let diff = labelsync_db::diffs::insert(&mut *tx, storage.id).await?;
    labelsync_db::diffs::prune(&mut *tx, storage.id, KEPT_DIFFS).await?;
    let organization_id = storages::organization_of(&mut *tx, storage.id).await?;
    labelsync_queue::enqueue(
        &mut *tx,
        &StorageDiff { diff_id: diff.id, storage_id: storage.id, organization_id },
    )
    .await?;
    Ok(diff)
}

/// Dry runs kept per storage (older ones are deleted when a new one is queued).
pub const KEPT_DIFFS: i64 = 20;

/// Registers every job type of labelsync on `runner`.
pub fn register(runner: Runner<SyncContext>) -> Runner<SyncContext> {
    runner
        .register::<ImportSync>()
        .register::<ExportSync>()
        .register::<ExportAnnotations>()
        .register::<DeleteExportedObject>()
        .register::<StorageDiff>()
        .register::<crate::events::BucketEvents>()
        .register::<DeliverWebhook>()
}

/// A time as Label Studio writes it inside `meta` (Python's `str(datetime)`).
pub fn meta_time(t: chrono::DateTime<chrono::Utc>) -> Value {
    json!(t.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string())
}

/// Requests a sync of storage `storage_id` (import or export, by its role): the one way every
/// caller asks for one (`POST …/sync`, a new export storage), inside the caller's transaction.
///
/// Holding the storage's row lock, it coalesces with a live sync (the storage shows `queued` or
/// `in_progress` and its job is waiting or running) and otherwise marks the storage `queued`
/// (Label Studio's `info_set_queued`: counters reset, `meta` replaced by `{attempts,
/// time_queued}`, `traceback` kept) and enqueues the job. A storage that shows `queued` or
/// `in_progress` with no live job (its job was lost) is queued again. When a retry of the job
/// is waiting out its backoff, the request makes it run now. `None` when the storage is gone.
pub async fn request_sync(tx: &mut Tx, storage_id: i64) -> WriteResult<Option<Storage>> {
    let Some(storage) = storages::lock(&mut *tx, storage_id).await? else { return Ok(None) };
    let organization_id = storages::organization_of(&mut *tx, storage_id).await?;
    let queued = if storage.role == Role::Export {
        request(tx, &storage, &ExportSync { storage_id, organization_id }).await?
    } else {
        request(tx, &storage, &ImportSync { storage_id, organization_id }).await?
    };
    Ok(Some(queued))
}

async fn request<J: Job>(tx: &mut Tx, storage: &Storage, job: &J) -> WriteResult<Storage> {
    let live = labelsync_queue::live_job(&mut *tx, job).await?;
    if live.is_some() && storage.status.is_pending() {
        // A failed attempt's retry waiting out its backoff is the sync requested: it runs now.
        labelsync_queue::run_waiting_now(&mut *tx, job).await?;
        return Ok(storage.clone());
    }
    mark_queued(tx, storage).await?;
    match labelsync_queue::enqueue(&mut *tx, job).await? {
        Some(job_id) => storages::set_last_sync_job(&mut *tx, storage.id, &job_id.to_string()).await?,
        // A retry of this sync is waiting: it is the sync requested, and runs now.
        None => {
            labelsync_queue::run_waiting_now(&mut *tx, job).await?;
            if let Some(waiting) = labelsync_queue::live_job(&mut *tx, job).await? {
                storages::set_last_sync_job(&mut *tx, storage.id, &waiting.id.to_string()).await?;
            }
        }
    }
    Ok(storages::find_unscoped(&mut *tx, storage.id).await?.ok_or(labelsync_db::Error::RowNotFound)?)
}

/// Label Studio's `info_set_queued`.
async fn mark_queued(tx: &mut Tx, storage: &Storage) -> labelsync_db::Result<()> {
    let attempts = storage.meta.0.get("attempts").and_then(Value::as_i64).unwrap_or(0) + 1;
    let mut meta = serde_json::Map::new();
    meta.insert("attempts".into(), json!(attempts));
    meta.insert("time_queued".into(), meta_time(labelsync_db::now()));
    let status = SyncState {
        status: SyncStatus::Queued,
        last_sync: None,
        last_sync_count: None,
        last_sync_job: None,
        traceback: storage.traceback.clone(),
        meta,
    };
    storages::set_sync_status(&mut *tx, storage.id, &status).await
}
