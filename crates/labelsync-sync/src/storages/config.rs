//! A stored storage row → its typed settings ([`StorageSettings`], parsed once) → the typed
//! configuration of its backend.
//!
//! Non-secret fields live in the row's `settings` JSON under Label Studio's field names;
//! secrets are a JSON object sealed with the instance key; which is which, and the defaults,
//! is `labelsync_types::fields`' table. Operator defaults that Label Studio
//! reads from the environment (`S3_ENDPOINT`, `AZURE_BLOB_ACCOUNT_NAME`, …) come from
//! [`StorageEnv`], and serve only organizations the operator granted them
//! ([`TenantCredentials`]):
//!
//! | backend | granted organization, no credentials in the storage | not granted |
//! |---|---|---|
//! | S3 | the server's default chain (and `role_arn` on top of it with the organization's `external_id`), `S3_ENDPOINT` / `S3_REGION` defaults; never with the storage's own `s3_endpoint` | keys required; no endpoint or region defaults |
//! | GCS | Application Default Credentials | `google_application_credentials` required |
//! | Azure | `AZURE_BLOB_ACCOUNT_NAME` + `_KEY` (both, never one with the storage's other) | `account_name` + `account_key` required |
//!
//! `LABELSYNC_STS_ENDPOINT`, `LABELSYNC_AZURE_BLOB_ENDPOINT` and `STORAGE_EMULATOR_HOST` say
//! where the providers are (private deployments, emulators), not who signs: they apply to every
//! organization.

use std::path::PathBuf;

use labelsync_db::storages::Storage;
use labelsync_storage::{
    AzureConfig, GcsConfig, LocalFilesConfig, RedisConfig, S3Config, Secret, StorageConfig,
};
use labelsync_types::settings::{AzureSettings, InvalidSettings, S3Settings, SecretText, StorageSettings};
use serde_json::{Map, Value};

use super::TenantCredentials;
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

/// The secret field names of `kind`, from its field table (`labelsync_types::fields`).
pub fn secret_fields(kind: labelsync_storage::StorageKind) -> Vec<&'static str> {
    labelsync_types::fields::secrets(kind).collect()
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

/// Why a stored storage has no configuration.
#[derive(Debug, thiserror::Error)]
pub enum RowError {
    #[error(transparent)]
    Secrets(#[from] OpenError),
    #[error(transparent)]
    Settings(#[from] InvalidSettings),
}

/// The typed settings of a stored storage: its `settings` and opened secrets, parsed once.
pub fn settings_of_row(storage: &Storage, sealer: &SecretBox) -> Result<StorageSettings, RowError> {
    let secrets = open_secrets(storage.secrets.as_deref(), sealer, storage.id)?;
    Ok(StorageSettings::parse(storage.kind, storage.role, &storage.settings.0, &secrets)?)
}

/// The backend configuration of a stored storage of an organization with `tenant`'s grants.
pub fn config_from_row(
    storage: &Storage,
    sealer: &SecretBox,
    env: &StorageEnv,
    tenant: &TenantCredentials,
) -> Result<StorageConfig, RowError> {
    Ok(config_from_settings(&settings_of_row(storage, sealer)?, env, tenant))
}

/// Trimmed text that is not blank.
fn text(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A secret that is not blank.
fn secret(value: &Option<SecretText>) -> Option<Secret> {
    value.as_ref().map(SecretText::expose).filter(|s| !s.is_empty()).map(Secret::new)
}

/// The backend configuration of typed settings, for an organization with `tenant`'s grants (see
/// the table at the top of this module).
pub fn config_from_settings(
    settings: &StorageSettings,
    env: &StorageEnv,
    tenant: &TenantCredentials,
) -> StorageConfig {
    // Label Studio lists recursively only when asked; export storages never list.
    let recursive = settings.recursive();
    match settings {
        StorageSettings::S3(s) => StorageConfig::S3(s3_config(s, recursive, env, tenant)),
        StorageSettings::Gcs(s) => StorageConfig::Gcs(GcsConfig {
            bucket: text(&s.bucket).unwrap_or_default(),
            prefix: text(&s.prefix),
            recursive,
            credentials_json: secret(&s.google_application_credentials),
            project_id: text(&s.google_project_id),
            endpoint: env.gcs_endpoint.clone(),
            use_server_identity: tenant.gcs,
        }),
        StorageSettings::Azure(s) => StorageConfig::Azure(azure_config(s, recursive, env, tenant)),
        StorageSettings::Redis(s) => StorageConfig::Redis(RedisConfig {
            host: text(&s.host),
            port: text(&s.port).and_then(|p| p.parse().ok()),
            db: s.db,
            password: secret(&s.password),
            path: s.path.clone(),
        }),
        StorageSettings::LocalFiles(s) => StorageConfig::LocalFiles(LocalFilesConfig {
            path: text(&s.path).unwrap_or_default(),
            recursive,
            document_root: env.local_files_document_root.clone(),
            serving_enabled: env.local_files_serving_enabled,
        }),
    }
}

fn s3_config(s: &S3Settings, recursive: bool, env: &StorageEnv, tenant: &TenantCredentials) -> S3Config {
    let endpoint = text(&s.s3_endpoint);
    let keys = secret(&s.aws_access_key_id).is_some() && secret(&s.aws_secret_access_key).is_some();
    let server_identity = tenant.s3 && !keys && endpoint.is_none();
    let operator = |value: &Option<String>| value.clone().filter(|_| tenant.s3);
    S3Config {
        bucket: text(&s.bucket).unwrap_or_default(),
        prefix: text(&s.prefix),
        recursive,
        access_key_id: secret(&s.aws_access_key_id),
        secret_access_key: secret(&s.aws_secret_access_key),
        session_token: secret(&s.aws_session_token),
        role_arn: text(&s.role_arn),
        // With the server's identity the external id is the organization's, whatever is stored.
        external_id: if server_identity { Some(tenant.external_id.clone()) } else { text(&s.external_id) },
        use_server_identity: server_identity,
        region: text(&s.region_name).or_else(|| operator(&env.s3_region)),
        endpoint_trusted: endpoint.is_none(),
        endpoint: endpoint.or_else(|| operator(&env.s3_endpoint)),
        sts_endpoint: env.sts_endpoint.clone(),
        sse_kms_key_id: text(&s.aws_sse_kms_key_id),
    }
}

fn azure_config(
    s: &AzureSettings,
    recursive: bool,
    env: &StorageEnv,
    tenant: &TenantCredentials,
) -> AzureConfig {
    // The operator's key only ever goes with the operator's account name.
    let (account_name, account_key) = match secret(&s.account_name) {
        Some(name) => (Some(name), secret(&s.account_key)),
        None if tenant.azure => {
            (env.azure_account_name.clone().map(Secret::new), env.azure_account_key.clone().map(Secret::new))
        }
        None => (None, secret(&s.account_key)),
    };
    AzureConfig {
        container: text(&s.container).unwrap_or_default(),
        prefix: text(&s.prefix),
        recursive,
        endpoint: env
            .azure_endpoint
            .as_ref()
            .map(|e| e.replace("{account}", account_name.as_ref().map_or("", |a| a.expose()))),
        account_name,
        account_key,
        use_server_identity: tenant.azure,
    }
}

#[cfg(test)]
mod tests {
    use labelsync_storage::{Role, StorageKind};
    use serde_json::json;

    use super::*;

    fn env() -> StorageEnv {
        StorageEnv {
            s3_endpoint: Some("http://operator-s3:9000".into()),
            s3_region: Some("eu-west-3".into()),
            azure_account_name: Some("operatoraccount".into()),
            azure_account_key: Some("b3BlcmF0b3I=".into()),
            ..StorageEnv::default()
        }
    }

    fn granted() -> TenantCredentials {
        TenantCredentials { s3: true, gcs: true, azure: true, external_id: "labelsync-1-abc".into() }
    }

    fn ungranted() -> TenantCredentials {
        TenantCredentials { external_id: "labelsync-2-def".into(), ..TenantCredentials::default() }
    }

    fn config(
        kind: StorageKind,
        settings: Value,
        secrets: Value,
        tenant: &TenantCredentials,
    ) -> StorageConfig {
        let settings = settings.as_object().cloned().unwrap_or_default();
        let secrets = secrets.as_object().cloned().unwrap_or_default();
        let settings = StorageSettings::parse(kind, Role::Import, &settings, &secrets).expect("parses");
        config_from_settings(&settings, &env(), tenant)
    }

    fn s3(settings: Value, secrets: Value, tenant: &TenantCredentials) -> S3Config {
        let StorageConfig::S3(c) = config(StorageKind::S3, settings, secrets, tenant) else { panic!("S3") };
        c
    }

    /// A granted organization without keys uses the server's identity with the operator's
    /// endpoint and region, and its own external id whatever is stored.
    #[test]
    fn granted_s3_uses_the_server_identity() {
        let c =
            s3(json!({"bucket": "b", "role_arn": "arn:x", "external_id": "chosen"}), json!({}), &granted());
        assert!(c.use_server_identity);
        assert_eq!(c.endpoint.as_deref(), Some("http://operator-s3:9000"));
        assert!(c.endpoint_trusted);
        assert_eq!(c.region.as_deref(), Some("eu-west-3"));
        assert_eq!(c.external_id.as_deref(), Some("labelsync-1-abc"));
    }

    /// Without the grant: no server identity, no operator endpoint or region.
    #[test]
    fn ungranted_s3_gets_nothing_of_the_operator() {
        let c = s3(json!({"bucket": "b", "role_arn": "arn:x"}), json!({}), &ungranted());
        assert!(!c.use_server_identity);
        assert_eq!(c.endpoint, None);
        assert_eq!(c.region, None);
    }

    /// A tenant endpoint never gets the server's identity, granted or not; own keys keep the
    /// tenant's external id.
    #[test]
    fn tenant_endpoint_or_keys_mean_tenant_identity() {
        let c = s3(json!({"bucket": "b", "s3_endpoint": "http://tenant:9000"}), json!({}), &granted());
        assert!(!c.use_server_identity);
        assert!(!c.endpoint_trusted);
        let keys = json!({"aws_access_key_id": "AK", "aws_secret_access_key": "SK"});
        let c = s3(json!({"bucket": "b", "role_arn": "arn:x", "external_id": "theirs"}), keys, &granted());
        assert!(!c.use_server_identity);
        assert_eq!(c.external_id.as_deref(), Some("theirs"));
    }

    /// GCS: ADC only when granted.
    #[test]
    fn gcs_adc_only_when_granted() {
        for (tenant, expected) in [(granted(), true), (ungranted(), false)] {
            let StorageConfig::Gcs(c) = config(StorageKind::Gcs, json!({"bucket": "b"}), json!({}), &tenant)
            else {
                panic!("GCS")
            };
            assert_eq!(c.use_server_identity, expected);
        }
    }

    /// Azure: the operator's account only when granted and only as a pair; a tenant's account
    /// name never gets the operator's key.
    #[test]
    fn azure_operator_account_only_when_granted_and_whole() {
        let azure = |secrets: Value, tenant: &TenantCredentials| {
            let StorageConfig::Azure(c) =
                config(StorageKind::Azure, json!({"container": "c"}), secrets, tenant)
            else {
                panic!("Azure")
            };
            (c.account_name.map(|s| s.expose().to_owned()), c.account_key.map(|s| s.expose().to_owned()))
        };
        assert_eq!(
            azure(json!({}), &granted()),
            (Some("operatoraccount".into()), Some("b3BlcmF0b3I=".into()))
        );
        assert_eq!(azure(json!({}), &ungranted()), (None, None));
        assert_eq!(azure(json!({"account_name": "tenant"}), &granted()), (Some("tenant".into()), None));
    }
}
