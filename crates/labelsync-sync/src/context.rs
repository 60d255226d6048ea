//! What every background job needs: the database, the keys, the storage settings.

use labelsync_db::Db;
use labelsync_storage::guard::NetGuard;

use crate::crypto::SecretBox;
use crate::storages::StorageEnv;

/// Tuning of the sync engine.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// Listed objects handled per transaction.
    pub batch_size: usize,
    /// Task-JSON objects fetched concurrently.
    pub fetch_concurrency: usize,
    /// Largest task-JSON object read; larger ones are recorded as errors.
    pub max_object_bytes: u64,
    /// Bytes of task-JSON objects one import may hold at once while reading them (never
    /// less than one object of `max_object_bytes`).
    pub max_bytes_in_flight: u64,
    /// Annotations exported concurrently by a full export sync.
    pub export_concurrency: usize,
    /// `LABEL_STUDIO_HOST`, prefixed to local-files URLs written into tasks.
    pub host: Option<String>,
    /// `WEBHOOK_TIMEOUT` (Label Studio's name): how long one webhook delivery attempt may take.
    pub webhook_timeout: std::time::Duration,
    /// The most of a webhook receiver's answer that is read (for the delivery's error).
    pub webhook_max_response_bytes: usize,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            batch_size: 1000,
            fetch_concurrency: 16,
            max_object_bytes: 64 * 1024 * 1024,
            max_bytes_in_flight: 256 * 1024 * 1024,
            export_concurrency: 8,
            host: None,
            webhook_timeout: std::time::Duration::from_secs(10),
            webhook_max_response_bytes: 64 * 1024,
        }
    }
}

/// The context of every job.
#[derive(Debug, Clone)]
pub struct SyncContext {
    pub db: Db,
    pub secrets: SecretBox,
    pub storage_env: StorageEnv,
    pub guard: NetGuard,
    pub settings: SyncSettings,
}
