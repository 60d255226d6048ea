//! A stored storage row → the typed configuration of its backend.
//!
//! Non-secret fields live in the row's `settings` JSON under Label Studio's field names;
//! secrets are a JSON object sealed with the instance key. Operator defaults that Label Studio
//! reads from the environment (`S3_ENDPOINT`, `AZURE_BLOB_ACCOUNT_NAME`, …) come from
//! [`StorageEnv`].

use std::path::PathBuf;

use labelsync_db::storages::Storage;
use labelsync_storage::{
    AzureConfig, GcsConfig, LocalFilesConfig, RedisConfig, S3Config, Secret, StorageConfig, StorageKind,
};
use serde_json::{Map, Value};

use crate::crypto::{Binding, OpenError, SecretBox};

/// Operator-level storage settings, read once at start-up.
#[derive(Debug, Clone, Default)]
pub struct StorageEnv {
    /// `S3_ENDPOINT`: default endpoint for S3 storages that set none (trusted: not guarded).
    pub s3_endpoint: Option<String>,
    /// Default region when a storage sets none.
    pub s3_region: Option<String>,
    /// STS endpoint for AssumeRole (tests and private deployments).
    pub sts_endpoint: Option<String>,
    /// `AZURE_BLOB_ACCOUNT_NAME` / `AZURE_BLOB_ACCOUNT_KEY` fallbacks.
    pub azure_account_name: Option<String>,
    pub azure_account_key: Option<String>,
    /// Blob endpoint override (Azurite), `{account}` is replaced by the account name.
    pub azure_endpoint: Option<String>,
    /// `STORAGE_EMULATOR_HOST`: GCS endpoint override (fake-gcs-server).
    pub gcs_endpoint: Option<String>,
    /// `LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT`.
    pub local_files_document_root: PathBuf,
    /// `LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED`.
    pub local_files_serving_enabled: bool,
}

/// The secret field names of each kind.
pub fn secret_fields(kind: StorageKind) -> &'static [&'static str] {
    match kind {
        StorageKind::S3 => &["aws_access_key_id", "aws_secret_access_key", "aws_session_token"],
        StorageKind::Gcs => &["google_application_credentials"],
        StorageKind::Azure => &["account_name", "account_key"],
        StorageKind::Redis => &["password"],
        StorageKind::LocalFiles => &[],
    }
}

/// Seals a secrets object for the `secrets` column of storage `storage_id` (`None` when there
/// are none). The value is bound to that row: copied to another storage it does not open. A new
/// storage is sealed right after its insert, in the same transaction, once its id is known.
pub fn seal_secrets(secrets: &Map<String, Value>, sealer: &SecretBox, storage_id: i64) -> Option<String> {
    let present: Map<String, Value> =
        secrets.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect();
    if present.is_empty() {
        return None;
    }
    let json = serde_json::to_vec(&present).unwrap_or_default();
    Some(sealer.seal(&json, Binding::storage_secrets(storage_id)))
}

/// Opens the `secrets` column of storage `storage_id`.
pub fn open_secrets(
    sealed: Option<&str>,
    sealer: &SecretBox,
    storage_id: i64,
) -> Result<Map<String, Value>, OpenError> {
    let Some(sealed) = sealed else { return Ok(Map::new()) };
    let bytes = sealer.open(sealed, Binding::storage_secrets(storage_id))?;
    serde_json::from_slice(&bytes).map_err(|_| OpenError)
}

/// The backend configuration of a stored storage.
pub fn config_from_row(
    storage: &Storage,
    sealer: &SecretBox,
    env: &StorageEnv,
) -> Result<StorageConfig, OpenError> {
    let kind = StorageKind::parse(&storage.kind).ok_or(OpenError)?;
    let secrets = open_secrets(storage.secrets.as_deref(), sealer, storage.id)?;
    Ok(config_from_parts(kind, storage.role == "import", &storage.settings.0, &secrets, env))
}

/// The backend configuration from settings and (opened) secrets.
pub fn config_from_parts(
    kind: StorageKind,
    import: bool,
    settings: &Map<String, Value>,
    secrets: &Map<String, Value>,
    env: &StorageEnv,
) -> StorageConfig {
    let text = |k: &str| {
        settings.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
    };
    let secret = |k: &str| secrets.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(Secret::new);
    // Label Studio lists recursively only when asked; export storages never list.
    let recursive = import && settings.get("recursive_scan").and_then(Value::as_bool).unwrap_or(false);
    match kind {
        StorageKind::S3 => {
            let endpoint = text("s3_endpoint");
            StorageConfig::S3(S3Config {
                bucket: text("bucket").unwrap_or_default(),
                prefix: text("prefix"),
                recursive,
                access_key_id: secret("aws_access_key_id"),
                secret_access_key: secret("aws_secret_access_key"),
                session_token: secret("aws_session_token"),
                role_arn: text("role_arn"),
                external_id: text("external_id"),
                region: text("region_name").or_else(|| env.s3_region.clone()),
                endpoint_trusted: endpoint.is_none(),
                endpoint: endpoint.or_else(|| env.s3_endpoint.clone()),
                sts_endpoint: env.sts_endpoint.clone(),
                sse_kms_key_id: text("aws_sse_kms_key_id"),
            })
        }
        StorageKind::Gcs => StorageConfig::Gcs(GcsConfig {
            bucket: text("bucket").unwrap_or_default(),
            prefix: text("prefix"),
            recursive,
            credentials_json: secret("google_application_credentials"),
            project_id: text("google_project_id"),
            endpoint: env.gcs_endpoint.clone(),
        }),
        StorageKind::Azure => {
            let account_name =
                secret("account_name").or_else(|| env.azure_account_name.clone().map(Secret::new));
            StorageConfig::Azure(AzureConfig {
                container: text("container").unwrap_or_default(),
                prefix: text("prefix"),
                recursive,
                endpoint: env
                    .azure_endpoint
                    .as_ref()
                    .map(|e| e.replace("{account}", account_name.as_ref().map_or("", |a| a.expose()))),
                account_name,
                account_key: secret("account_key").or_else(|| env.azure_account_key.clone().map(Secret::new)),
            })
        }
        StorageKind::Redis => StorageConfig::Redis(RedisConfig {
            host: text("host"),
            port: text("port").and_then(|p| p.parse().ok()),
            db: settings.get("db").and_then(Value::as_i64).unwrap_or(if import { 1 } else { 2 }),
            password: secret("password"),
            path: settings.get("path").and_then(Value::as_str).map(str::to_owned),
        }),
        StorageKind::LocalFiles => StorageConfig::LocalFiles(LocalFilesConfig {
            path: text("path").unwrap_or_default(),
            recursive,
            document_root: env.local_files_document_root.clone(),
            serving_enabled: env.local_files_serving_enabled,
        }),
    }
}
