//! The five import storage bodies, each in Label Studio's response key order for its kind.

use labelsync_types::{StorageKind, SyncChanged, SyncDeleted, SyncStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::kinds;

/// An import storage of Amazon S3 (or S3-compatible), as Label Studio returns it (secrets never are).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct S3ImportStorage {
    /// The storage id.
    pub id: i64,
    /// `s3`.
    #[serde(rename = "type")]
    #[schema(schema_with = kinds::s3)]
    pub kind: StorageKind,
    /// Whether a sync may run.
    pub synchronizable: bool,
    /// Media URLs are presigned (else proxied).
    pub presign: bool,
    /// When the last sync finished (ISO 8601).
    pub last_sync: Option<String>,
    /// Tasks (or annotations) the last sync wrote.
    pub last_sync_count: Option<i32>,
    /// The last sync job.
    pub last_sync_job: Option<String>,
    /// Where the last sync stands.
    pub status: SyncStatus,
    /// Why the last sync failed.
    pub traceback: Option<String>,
    /// Progress and counters of the last sync.
    #[schema(value_type = Object)]
    pub meta: Map<String, Value>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// When the storage was created (ISO 8601).
    pub created_at: String,
    pub bucket: Option<String>,
    pub prefix: Option<String>,
    pub regex_filter: Option<String>,
    /// One task per object with its URL (else each object is task JSON).
    pub use_blob_urls: bool,
    pub aws_sse_kms_key_id: Option<String>,
    pub region_name: Option<String>,
    pub s3_endpoint: Option<String>,
    pub role_arn: Option<String>,
    /// External id for role assumption: the organization's unless the storage brings its own keys.
    pub external_id: String,
    /// Minutes a presigned URL lives.
    pub presign_ttl: i64,
    /// Whether sub-folders are listed.
    pub recursive_scan: Option<bool>,
    /// The project.
    pub project: i64,
    /// What a sync does with the tasks of objects that vanished (labelsync's own field).
    pub sync_deleted: SyncDeleted,
    /// What a sync does with the tasks of objects that changed (labelsync's own field).
    pub sync_changed: SyncChanged,
    /// Seconds between scheduled syncs; null: none (labelsync's own field).
    pub sync_interval_seconds: Option<i64>,
}

/// An import storage of Google Cloud Storage, as Label Studio returns it (secrets never are).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GcsImportStorage {
    /// The storage id.
    pub id: i64,
    /// `gcs`.
    #[serde(rename = "type")]
    #[schema(schema_with = kinds::gcs)]
    pub kind: StorageKind,
    /// Whether a sync may run.
    pub synchronizable: bool,
    /// Media URLs are presigned (else proxied).
    pub presign: bool,
    pub bucket: Option<String>,
    pub prefix: Option<String>,
    pub regex_filter: Option<String>,
    /// One task per object with its URL (else each object is task JSON).
    pub use_blob_urls: bool,
    pub google_project_id: Option<String>,
    /// When the last sync finished (ISO 8601).
    pub last_sync: Option<String>,
    /// Tasks (or annotations) the last sync wrote.
    pub last_sync_count: Option<i32>,
    /// The last sync job.
    pub last_sync_job: Option<String>,
    /// Where the last sync stands.
    pub status: SyncStatus,
    /// Why the last sync failed.
    pub traceback: Option<String>,
    /// Progress and counters of the last sync.
    #[schema(value_type = Object)]
    pub meta: Map<String, Value>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// When the storage was created (ISO 8601).
    pub created_at: String,
    /// Minutes a presigned URL lives.
    pub presign_ttl: i64,
    /// Whether sub-folders are listed.
    pub recursive_scan: Option<bool>,
    /// The project.
    pub project: i64,
    /// What a sync does with the tasks of objects that vanished (labelsync's own field).
    pub sync_deleted: SyncDeleted,
    /// What a sync does with the tasks of objects that changed (labelsync's own field).
    pub sync_changed: SyncChanged,
    /// Seconds between scheduled syncs; null: none (labelsync's own field).
    pub sync_interval_seconds: Option<i64>,
}

/// An import storage of Azure Blob Storage, as Label Studio returns it (secrets never are).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AzureImportStorage {
    /// The storage id.
    pub id: i64,
    /// `azure`.
    #[serde(rename = "type")]
    #[schema(schema_with = kinds::azure)]
    pub kind: StorageKind,
    /// Whether a sync may run.
    pub synchronizable: bool,
    /// Media URLs are presigned (else proxied).
    pub presign: bool,
    pub container: Option<String>,
    pub prefix: Option<String>,
    pub regex_filter: Option<String>,
    /// One task per object with its URL (else each object is task JSON).
    pub use_blob_urls: bool,
    /// When the last sync finished (ISO 8601).
    pub last_sync: Option<String>,
    /// Tasks (or annotations) the last sync wrote.
    pub last_sync_count: Option<i32>,
    /// The last sync job.
    pub last_sync_job: Option<String>,
    /// Where the last sync stands.
    pub status: SyncStatus,
    /// Why the last sync failed.
    pub traceback: Option<String>,
    /// Progress and counters of the last sync.
    #[schema(value_type = Object)]
    pub meta: Map<String, Value>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// When the storage was created (ISO 8601).
    pub created_at: String,
    /// Minutes a presigned URL lives.
    pub presign_ttl: i64,
    /// Whether sub-folders are listed.
    pub recursive_scan: Option<bool>,
    /// The project.
    pub project: i64,
    /// What a sync does with the tasks of objects that vanished (labelsync's own field).
    pub sync_deleted: SyncDeleted,
    /// What a sync does with the tasks of objects that changed (labelsync's own field).
    pub sync_changed: SyncChanged,
    /// Seconds between scheduled syncs; null: none (labelsync's own field).
    pub sync_interval_seconds: Option<i64>,
}

/// An import storage of Redis, as Label Studio returns it (secrets never are).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RedisImportStorage {
    /// The storage id.
    pub id: i64,
    /// `redis`.
    #[serde(rename = "type")]
    #[schema(schema_with = kinds::redis)]
    pub kind: StorageKind,
    /// Whether a sync may run.
    pub synchronizable: bool,
    pub path: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub regex_filter: Option<String>,
    /// One task per object with its URL (else each object is task JSON).
    pub use_blob_urls: bool,
    /// When the last sync finished (ISO 8601).
    pub last_sync: Option<String>,
    /// Tasks (or annotations) the last sync wrote.
    pub last_sync_count: Option<i32>,
    /// The last sync job.
    pub last_sync_job: Option<String>,
    /// Where the last sync stands.
    pub status: SyncStatus,
    /// Why the last sync failed.
    pub traceback: Option<String>,
    /// Progress and counters of the last sync.
    #[schema(value_type = Object)]
    pub meta: Map<String, Value>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// When the storage was created (ISO 8601).
    pub created_at: String,
    /// Redis database number.
    pub db: i64,
    /// The project.
    pub project: i64,
    /// What a sync does with the tasks of objects that vanished (labelsync's own field).
    pub sync_deleted: SyncDeleted,
    /// What a sync does with the tasks of objects that changed (labelsync's own field).
    pub sync_changed: SyncChanged,
    /// Seconds between scheduled syncs; null: none (labelsync's own field).
    pub sync_interval_seconds: Option<i64>,
}

/// An import storage of Local files, as Label Studio returns it (secrets never are).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LocalFilesImportStorage {
    /// The storage id.
    pub id: i64,
    /// `localfiles`.
    #[serde(rename = "type")]
    #[schema(schema_with = kinds::localfiles)]
    pub kind: StorageKind,
    /// Whether a sync may run.
    pub synchronizable: bool,
    pub path: Option<String>,
    pub regex_filter: Option<String>,
    /// One task per object with its URL (else each object is task JSON).
    pub use_blob_urls: bool,
    /// When the last sync finished (ISO 8601).
    pub last_sync: Option<String>,
    /// Tasks (or annotations) the last sync wrote.
    pub last_sync_count: Option<i32>,
    /// The last sync job.
    pub last_sync_job: Option<String>,
    /// Where the last sync stands.
    pub status: SyncStatus,
    /// Why the last sync failed.
    pub traceback: Option<String>,
    /// Progress and counters of the last sync.
    #[schema(value_type = Object)]
    pub meta: Map<String, Value>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// When the storage was created (ISO 8601).
    pub created_at: String,
    /// Whether sub-folders are listed.
    pub recursive_scan: Option<bool>,
    /// The project.
    pub project: i64,
    /// What a sync does with the tasks of objects that vanished (labelsync's own field).
    pub sync_deleted: SyncDeleted,
    /// What a sync does with the tasks of objects that changed (labelsync's own field).
    pub sync_changed: SyncChanged,
    /// Seconds between scheduled syncs; null: none (labelsync's own field).
    pub sync_interval_seconds: Option<i64>,
}
