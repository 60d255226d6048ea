//! The typed settings of each storage kind: one struct per kind, parsed once from a storage row's
//! `settings` JSON and its opened secrets, with the defaults of [`crate::fields`] filled in, and
//! checked by [`StorageSettings::validate`]. The API answers with them and the sync connects with
//! them; nobody reads a setting by its string key.
//!
//! Values are kept as Label Studio stores them (text is not trimmed, `""` stays `""`, an explicit
//! `null` stays `None` where the default is not): what a client sent is what it reads back.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::fields::{self, Place};
use crate::{Role, StorageKind, SyncChanged, SyncDeleted};

/// A secret setting. `Debug` never prints it, and it is never serialized back out.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SecretText(String);

impl SecretText {
    /// The secret itself, for handing to a provider client. Never log the result.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText([REDACTED])")
    }
}

/// Settings every kind has; the role decides which are set (`None` where the role has none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Common {
    pub regex_filter: Option<String>,
    pub use_blob_urls: bool,
    /// Import storages only (cloud kinds and local files); `None` when sent as `null`.
    #[serde(default)]
    pub recursive_scan: Option<bool>,
    /// Export storages only.
    #[serde(default)]
    pub can_delete_objects: Option<bool>,
    /// Import storages only: what a sync does with the tasks of vanished objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_deleted: Option<SyncDeleted>,
    /// Import storages only: what a sync does with the tasks of changed objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_changed: Option<SyncChanged>,
    /// Import storages only: seconds between scheduled syncs (`None`: no schedule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_interval_seconds: Option<i64>,
}

/// What an import sync does with vanished and changed objects (the defaults are Label Studio's:
/// nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncPolicies {
    pub deleted: SyncDeleted,
    pub changed: SyncChanged,
}

/// Presigned media URLs of cloud import storages; `None` on other storages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presign {
    #[serde(default)]
    pub presign: Option<bool>,
    #[serde(default)]
    pub presign_ttl: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct S3Settings {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub presign: Presign,
    pub bucket: Option<String>,
    pub prefix: Option<String>,
    #[serde(skip_serializing)]
    pub aws_access_key_id: Option<SecretText>,
    #[serde(skip_serializing)]
    pub aws_secret_access_key: Option<SecretText>,
    #[serde(skip_serializing)]
    pub aws_session_token: Option<SecretText>,
    pub aws_sse_kms_key_id: Option<String>,
    pub region_name: Option<String>,
    pub s3_endpoint: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GcsSettings {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub presign: Presign,
    pub bucket: Option<String>,
    pub prefix: Option<String>,
    #[serde(skip_serializing)]
    pub google_application_credentials: Option<SecretText>,
    pub google_project_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AzureSettings {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub presign: Presign,
    pub container: Option<String>,
    pub prefix: Option<String>,
    #[serde(skip_serializing)]
    pub account_name: Option<SecretText>,
    #[serde(skip_serializing)]
    pub account_key: Option<SecretText>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedisSettings {
    #[serde(flatten)]
    pub common: Common,
    pub path: Option<String>,
    pub host: Option<String>,
    /// Text, as Label Studio stores it.
    pub port: Option<String>,
    #[serde(skip_serializing)]
    pub password: Option<SecretText>,
    pub db: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalFilesSettings {
    #[serde(flatten)]
    pub common: Common,
    pub path: Option<String>,
}

/// The settings of one storage, whichever its kind.
#[derive(Debug, Clone, PartialEq)]
pub enum StorageSettings {
    S3(S3Settings),
    Gcs(GcsSettings),
    Azure(AzureSettings),
    Redis(RedisSettings),
    LocalFiles(LocalFilesSettings),
}

/// Stored settings that do not fit their kind's struct (a row written by something else).
#[derive(Debug, thiserror::Error)]
#[error("stored {kind} settings are invalid: {source}")]
pub struct InvalidSettings {
    pub kind: StorageKind,
    pub source: serde_json::Error,
}

/// A setting that [`StorageSettings::validate`] refuses, with Label Studio's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// The field, or `None` for an error about the storage as a whole.
    pub field: Option<&'static str>,
    pub message: String,
}

impl StorageSettings {
    /// Parses a row's `settings` and opened `secrets` for a `kind` storage in `role`; a field
    /// that is absent takes its default from the kind's field table.
    pub fn parse(
        kind: StorageKind,
        role: Role,
        settings: &Map<String, Value>,
        secrets: &Map<String, Value>,
    ) -> Result<StorageSettings, InvalidSettings> {
        let mut all = Map::new();
        for field in fields::fields(kind, role) {
            let source = match field.place {
                Place::Settings => settings,
                Place::Secret => secrets,
                Place::Column | Place::ReadOnly => continue,
            };
            let value = source.get(field.name).cloned().unwrap_or_else(|| field.default_value(role));
            all.insert(field.name.to_owned(), value);
        }
        let all = Value::Object(all);
        let invalid = |source| InvalidSettings { kind, source };
        Ok(match kind {
            StorageKind::S3 => StorageSettings::S3(serde_json::from_value(all).map_err(invalid)?),
            StorageKind::Gcs => StorageSettings::Gcs(serde_json::from_value(all).map_err(invalid)?),
            StorageKind::Azure => StorageSettings::Azure(serde_json::from_value(all).map_err(invalid)?),
            StorageKind::Redis => StorageSettings::Redis(serde_json::from_value(all).map_err(invalid)?),
            StorageKind::LocalFiles => {
                StorageSettings::LocalFiles(serde_json::from_value(all).map_err(invalid)?)
            }
        })
    }

    pub fn kind(&self) -> StorageKind {
        match self {
            StorageSettings::S3(_) => StorageKind::S3,
            StorageSettings::Gcs(_) => StorageKind::Gcs,
            StorageSettings::Azure(_) => StorageKind::Azure,
            StorageSettings::Redis(_) => StorageKind::Redis,
            StorageSettings::LocalFiles(_) => StorageKind::LocalFiles,
        }
    }

    /// The bucket (S3, GCS) or container (Azure) of a cloud storage.
    pub fn bucket(&self) -> Option<&str> {
        match self {
            StorageSettings::S3(s) => s.bucket.as_deref(),
            StorageSettings::Gcs(s) => s.bucket.as_deref(),
            StorageSettings::Azure(s) => s.container.as_deref(),
            StorageSettings::Redis(_) | StorageSettings::LocalFiles(_) => None,
        }
    }

    /// The settings every kind has.
    pub fn common(&self) -> &Common {
        match self {
            StorageSettings::S3(s) => &s.common,
            StorageSettings::Gcs(s) => &s.common,
            StorageSettings::Azure(s) => &s.common,
            StorageSettings::Redis(s) => &s.common,
            StorageSettings::LocalFiles(s) => &s.common,
        }
    }

    /// Presign settings of cloud kinds (their fields are `None` on export storages).
    pub fn presign(&self) -> Option<&Presign> {
        match self {
            StorageSettings::S3(s) => Some(&s.presign),
            StorageSettings::Gcs(s) => Some(&s.presign),
            StorageSettings::Azure(s) => Some(&s.presign),
            StorageSettings::Redis(_) | StorageSettings::LocalFiles(_) => None,
        }
    }

    /// Whether an import lists sub-folders (never for export storages).
    pub fn recursive(&self) -> bool {
        self.common().recursive_scan.unwrap_or(false)
    }

    /// The sync policies of an import storage (the defaults on export storages).
    pub fn policies(&self) -> SyncPolicies {
        let common = self.common();
        SyncPolicies {
            deleted: common.sync_deleted.unwrap_or_default(),
            changed: common.sync_changed.unwrap_or_default(),
        }
    }

    /// Whether an export storage deletes the objects of deleted annotations.
    pub fn can_delete_objects(&self) -> bool {
        self.common().can_delete_objects == Some(true)
    }

    /// The non-secret settings under their wire names (what responses show).
    pub fn to_wire(&self) -> Map<String, Value> {
        let value = match self {
            StorageSettings::S3(s) => serde_json::to_value(s),
            StorageSettings::Gcs(s) => serde_json::to_value(s),
            StorageSettings::Azure(s) => serde_json::to_value(s),
            StorageSettings::Redis(s) => serde_json::to_value(s),
            StorageSettings::LocalFiles(s) => serde_json::to_value(s),
        };
        match value {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    /// Checks what can be checked without the network: S3 bucket names and endpoints, Redis
    /// ports, GCS credentials JSON. (The `regex_filter` is checked by whoever compiles it.)
    pub fn validate(&self) -> Result<(), SettingsError> {
        match self {
            StorageSettings::S3(s) => s.validate(),
            StorageSettings::Gcs(s) => s.validate(),
            StorageSettings::Redis(s) => s.validate(),
            StorageSettings::Azure(_) | StorageSettings::LocalFiles(_) => Ok(()),
        }
    }
}

/// Text that is neither absent nor blank.
fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|s| !s.is_empty())
}

impl S3Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        if let Some(bucket) = filled(&self.bucket) {
            let valid = bucket.len() <= 255
                && bucket.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                || bucket.starts_with("arn:");
            if !valid {
                return Err(SettingsError {
                    field: Some("bucket"),
                    message: format!(
                        "Invalid bucket name \"{bucket}\": Bucket name must match the regex \
                         \"^[a-zA-Z0-9.\\-_]{{1,255}}$\" or be an ARN"
                    ),
                });
            }
        }
        if let Some(endpoint) = filled(&self.s3_endpoint) {
            let ok = url::Url::parse(endpoint)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
            if !ok {
                return Err(SettingsError {
                    field: Some("s3_endpoint"),
                    message: "Enter a valid URL with http:// or https://.".into(),
                });
            }
        }
        Ok(())
    }
}

impl GcsSettings {
    fn validate(&self) -> Result<(), SettingsError> {
        if let Some(json) = &self.google_application_credentials
            && !json.expose().trim().is_empty()
            && let Err(e) = serde_json::from_str::<Value>(json.expose())
        {
            return Err(SettingsError {
                field: None,
                message: format!("Google Application Credentials must be valid JSON string. {e}"),
            });
        }
        Ok(())
    }
}

impl RedisSettings {
    fn validate(&self) -> Result<(), SettingsError> {
        if let Some(port) = filled(&self.port)
            && !port.trim().parse::<u16>().is_ok_and(|p| p > 0)
        {
            return Err(SettingsError {
                field: Some("port"),
                message: "Enter a valid port number (1-65535).".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
