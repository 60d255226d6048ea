//! Typed connection settings of each backend, built by the caller from a stored storage row.

use std::fmt;

pub use labelsync_types::StorageKind;

/// A secret value. `Debug` and `Display` never print it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for handing to a provider client. Never log the result.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

/// Connection settings of one storage, whichever its kind.
#[derive(Debug, Clone)]
pub enum StorageConfig {
    S3(S3Config),
    Gcs(GcsConfig),
    Azure(AzureConfig),
    Redis(RedisConfig),
    LocalFiles(LocalFilesConfig),
}

impl StorageConfig {
    pub fn kind(&self) -> StorageKind {
        match self {
            StorageConfig::S3(_) => StorageKind::S3,
            StorageConfig::Gcs(_) => StorageKind::Gcs,
            StorageConfig::Azure(_) => StorageKind::Azure,
            StorageConfig::Redis(_) => StorageKind::Redis,
            StorageConfig::LocalFiles(_) => StorageKind::LocalFiles,
        }
    }
}

/// Amazon S3 or an S3-compatible store.
#[derive(Debug, Clone, Default)]
pub struct S3Config {
    pub bucket: String,
    /// Key prefix; listing uses `prefix.trim_end_matches('/') + "/"` when set.
    pub prefix: Option<String>,
    pub recursive: bool,
    /// Static credentials: the tenant's own identity. When absent, requests are signed with
    /// the server's identity only if `use_server_identity` is set; otherwise connecting fails.
    pub access_key_id: Option<Secret>,
    pub secret_access_key: Option<Secret>,
    pub session_token: Option<Secret>,
    /// Assume this role (with `external_id`) on top of the base credentials, via STS.
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    /// Without static keys, sign with the server's AWS default credential chain (environment,
    /// profile, web identity, instance metadata). The caller sets it only for organizations
    /// the operator granted, and never with a tenant's `endpoint` (refused at connect).
    pub use_server_identity: bool,
    /// Region; `us-east-1` when absent.
    pub region: Option<String>,
    /// Custom endpoint (MinIO, Ceph, R2, …); requests are path-style when set.
    pub endpoint: Option<String>,
    /// Set when `endpoint` came from the operator's environment rather than a tenant, so the
    /// network guard does not apply to it.
    pub endpoint_trusted: bool,
    /// STS endpoint override (tests, or private STS endpoints).
    pub sts_endpoint: Option<String>,
    /// KMS key for server-side encryption of exported objects.
    pub sse_kms_key_id: Option<String>,
}

/// Google Cloud Storage.
#[derive(Debug, Clone, Default)]
pub struct GcsConfig {
    pub bucket: String,
    pub prefix: Option<String>,
    pub recursive: bool,
    /// The service-account JSON text. When absent, Application Default Credentials are used
    /// if `use_server_identity` is set; otherwise connecting fails.
    pub credentials_json: Option<Secret>,
    /// Allows the server's Application Default Credentials (granted organizations only).
    pub use_server_identity: bool,
    pub project_id: Option<String>,
    /// Emulator or private endpoint base URL (`STORAGE_EMULATOR_HOST`), trusted operator input.
    pub endpoint: Option<String>,
}

/// Azure Blob Storage.
#[derive(Debug, Clone, Default)]
pub struct AzureConfig {
    pub container: String,
    pub prefix: Option<String>,
    pub recursive: bool,
    pub account_name: Option<Secret>,
    pub account_key: Option<Secret>,
    /// Blob service endpoint override, e.g. Azurite's `http://127.0.0.1:10000/devstoreaccount1`;
    /// trusted operator input. Default `https://{account}.blob.core.windows.net`.
    pub endpoint: Option<String>,
    /// The organization may use the operator's `AZURE_BLOB_ACCOUNT_*` (already filled in above
    /// when the storage names no account); only changes what a missing account's error says.
    pub use_server_identity: bool,
}

/// A Redis database holding task JSON values.
#[derive(Debug, Clone, Default)]
pub struct RedisConfig {
    /// Empty means `localhost`.
    pub host: Option<String>,
    pub port: Option<u16>,
    /// The database number (Label Studio's default per role is in `labelsync_types::fields`).
    pub db: i64,
    pub password: Option<Secret>,
    /// Key prefix of imported keys.
    pub path: Option<String>,
}

/// A directory under the local-files document root.
#[derive(Debug, Clone)]
pub struct LocalFilesConfig {
    /// Absolute, normalized directory path.
    pub path: String,
    pub recursive: bool,
    /// `LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT`.
    pub document_root: std::path::PathBuf,
    /// `LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED`.
    pub serving_enabled: bool,
}
