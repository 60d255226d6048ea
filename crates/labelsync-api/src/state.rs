//! The state every handler receives.

use std::path::PathBuf;
use std::sync::Arc;

use labelsync_db::Db;
use labelsync_queue::QueueHandle;
use labelsync_storage::guard::NetGuard;
use labelsync_sync::crypto::{MasterKey, SecretBox};
use labelsync_sync::storages::StorageEnv;
use metrics_exporter_prometheus::PrometheusHandle;
use ring::hmac;

/// Settings of the HTTP API, from the server's configuration.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Lifetime of access tokens issued by `/api/token/refresh`, in seconds.
    pub access_token_ttl_secs: i64,
    /// `LABEL_STUDIO_HOST`: absolute base of URLs written into tasks (empty = relative URLs).
    pub host: Option<String>,
    /// `LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED`.
    pub local_files_serving_enabled: bool,
    /// `LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT`.
    pub local_files_document_root: PathBuf,
    /// When true, a storage resolves only URIs under its own prefix.
    pub resolve_within_prefix: bool,
    /// `LABELSYNC_MAX_LABEL_CONFIG_BYTES`: the longest `label_config` a project may be given.
    pub max_label_config_bytes: usize,
    /// `LABELSYNC_METRICS_TOKEN`: when set, `/metrics` requires `Authorization: Bearer <it>`.
    pub metrics_token: Option<String>,
    /// `LABELSYNC_MIN_SYNC_INTERVAL_SECS`: the shortest schedule an import storage may have.
    pub min_sync_interval_secs: i64,
    /// `LABELSYNC_CORS_ORIGINS`: which browser origins may call labelsync.
    pub cors: crate::cors::CorsOrigins,
    /// `LABELSYNC_EDITOR_DIR`: Label Studio's editor build (`build/` of the npm package), served
    /// at `/editor/` for the labeling page; unset, the page loads the editor from a CDN.
    pub editor_dir: Option<PathBuf>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            max_body_bytes: 64 * 1024 * 1024,
            access_token_ttl_secs: 300,
            host: None,
            local_files_serving_enabled: false,
            local_files_document_root: PathBuf::from("/"),
            resolve_within_prefix: false,
            max_label_config_bytes: 1024 * 1024,
            metrics_token: None,
            min_sync_interval_secs: 60,
            cors: crate::cors::CorsOrigins::Off,
            editor_dir: None,
        }
    }
}

/// Shared state of the API. Cheap to clone.
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

pub struct App {
    pub db: Db,
    pub config: ApiConfig,
    pub jwt_key: hmac::Key,
    pub secrets: SecretBox,
    pub guard: NetGuard,
    /// Operator-level storage defaults (`S3_ENDPOINT`, Azure account fallbacks, …).
    pub storage_env: StorageEnv,
    pub metrics: Option<PrometheusHandle>,
    /// Wakes the in-process job workers right after a job is committed.
    pub queue: QueueHandle,
    /// Connected media clients of import storages (resolve endpoints).
    pub media: crate::media::clients::MediaClients,
}

impl AppState {
    pub fn new(
        db: Db,
        config: ApiConfig,
        master_key: &MasterKey,
        guard: NetGuard,
        storage_env: StorageEnv,
        metrics: Option<PrometheusHandle>,
        queue: QueueHandle,
    ) -> AppState {
        AppState(Arc::new(App {
            db,
            config,
            jwt_key: master_key.jwt_key(),
            secrets: master_key.secret_box(),
            guard,
            storage_env,
            metrics,
            queue,
            media: Default::default(),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}
