//! A request body applied to a storage (new or existing): validated field by field, secrets
//! separated from settings, and checked for what can be checked without the network,
//! including whose identity it uses ([`super::identity`]: secrets stay with their destination,
//! the organization's external id).

use chrono::{DateTime, Utc};
use labelsync_db::storages::{Storage, StorageRecord, SyncStatus};
use labelsync_storage::{Role, StorageConfig, StorageKind};
use labelsync_sync::filter::KeyFilter;
use labelsync_sync::storages::{TenantCredentials, config_from_settings, open_secrets, seal_secrets};
use labelsync_types::fields::{self as table, Identity, Place};
use labelsync_types::settings::StorageSettings;
use serde_json::{Map, Value, json};

use super::{identity, spec};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::fields;
use crate::state::AppState;

/// A storage as it would be after the request.
pub struct Draft {
    pub kind: StorageKind,
    pub role: Role,
    pub record: StorageRecord,
    pub secrets: Map<String, Value>,
    /// True when a field that changes where or how we connect was sent.
    pub connection_changed: bool,
    /// What the organization may use of the server's cloud identity.
    pub tenant: TenantCredentials,
    /// True when `sync_interval_seconds` was sent: the schedule starts again from now.
    pub schedule_changed: bool,
}

impl Draft {
    /// Applies `body` to `current` (or to a new storage when `None`).
    pub async fn apply(
        app: &AppState,
        auth: &AuthUser,
        kind: StorageKind,
        role: Role,
        body: &Map<String, Value>,
        current: Option<&Storage>,
    ) -> ApiResult<Draft> {
        let valid = fields::validate(body, &spec::fields(kind, role))?;
        let project_id = match (valid.get("project").and_then(Value::as_i64), current) {
            (Some(id), _) => project_in_org(app, auth, id).await?,
            (None, Some(storage)) => storage.project_id,
            (None, None) => return Err(ApiError::field("project", "This field is required.")),
        };
        let mut record = match current {
            Some(s) => record_of(s),
            None => new_record(project_id),
        };
        record.project_id = project_id;
        let place = |name: &str| table::find(kind, role, name).map(|f| f.place);
        let mut secrets = match current {
            Some(s) => match open_secrets(s.secrets.as_deref(), &app.secrets, s.id) {
                Ok(secrets) => secrets,
                // Unreadable stored secrets are replaced by the ones sent; without any, refused.
                Err(_) if valid.keys().any(|k| place(k) == Some(Place::Secret)) => Map::new(),
                Err(e) => return Err(e.into()),
            },
            None => Map::new(),
        };
        identity::check_destination(kind, &valid, &record.settings, &secrets)?;
        for (name, value) in &valid {
            match place(name) {
                Some(Place::Column) => set_column(&mut record, name, value)?,
                Some(Place::Secret) => {
                    secrets.insert(name.clone(), value.clone());
                }
                Some(Place::Settings) => {
                    record.settings.insert(name.clone(), normalize(kind, name, value));
                }
                Some(Place::ReadOnly) | None => {}
            }
        }
        check_settings(kind, role, &record.settings, &secrets)?;
        check_interval(app, &valid)?;
        crate::local_files::roots::check_storage_path(app, auth.org_id, kind, &record.settings).await?;
        let tenant = TenantCredentials::load(&app.db, auth.org_id).await?;
        identity::apply_external_id(kind, &valid, &mut record.settings, &secrets, &tenant)?;
        let connection_changed = current.is_none()
            || valid
                .keys()
                .any(|k| table::find(kind, role, k).is_some_and(|f| f.identity != Identity::Passive));
        // A new storage's secrets are sealed once its id is known (bound to the row): see create.
        record.secrets = current.and_then(|s| seal_secrets(&secrets, &app.secrets, s.id));
        let schedule_changed = valid.contains_key("sync_interval_seconds");
        Ok(Draft { kind, role, record, secrets, connection_changed, tenant, schedule_changed })
    }

    /// The backend configuration this draft describes.
    pub fn config(&self, app: &AppState) -> ApiResult<StorageConfig> {
        let settings = StorageSettings::parse(self.kind, self.role, &self.record.settings, &self.secrets)
            .map_err(ApiError::internal)?;
        Ok(config_from_settings(&settings, &app.storage_env, &self.tenant))
    }
}

async fn project_in_org(app: &AppState, auth: &AuthUser, id: i64) -> ApiResult<i64> {
    match labelsync_db::projects::find(&app.db, auth.org_id, id).await? {
        Some(project) => Ok(project.id),
        None => Err(ApiError::field("project", format!("Invalid pk \"{id}\" - object does not exist."))),
    }
}

fn new_record(project_id: i64) -> StorageRecord {
    StorageRecord::new(project_id, Map::new())
}

/// The writable columns of a stored storage.
pub fn record_of(s: &Storage) -> StorageRecord {
    StorageRecord {
        project_id: s.project_id,
        title: s.title.clone(),
        description: s.description.clone(),
        synchronizable: s.synchronizable,
        last_sync: s.last_sync,
        last_sync_count: s.last_sync_count,
        last_sync_job: s.last_sync_job.clone(),
        status: s.status,
        traceback: s.traceback.clone(),
        meta: s.meta.0.clone(),
        settings: s.settings.0.clone(),
        secrets: s.secrets.clone(),
    }
}

fn set_column(record: &mut StorageRecord, name: &str, value: &Value) -> ApiResult<()> {
    let text = || value.as_str().map(str::to_owned);
    match name {
        "title" => record.title = text(),
        "description" => record.description = text(),
        "synchronizable" => record.synchronizable = value.as_bool().unwrap_or(true),
        "last_sync_count" => record.last_sync_count = fields::to_i32(name, value)?,
        "last_sync_job" => record.last_sync_job = text(),
        "status" => {
            record.status = value.as_str().and_then(SyncStatus::parse).unwrap_or(SyncStatus::Initialized);
        }
        "traceback" => record.traceback = text(),
        "meta" => record.meta = value.as_object().cloned().unwrap_or_default(),
        "last_sync" => {
            record.last_sync = match value.as_str() {
                None => None,
                Some(s) => {
                    Some(DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|_| {
                        ApiError::field(
                            "last_sync",
                            "Datetime has wrong format. Use one of these formats instead: \
                         YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
                        )
                    })?)
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Label Studio's normalization of stored values (local paths lose their trailing slash and
/// backslashes, as its migration 0022 does).
fn normalize(kind: StorageKind, name: &str, value: &Value) -> Value {
    match (kind, name, value.as_str()) {
        (StorageKind::LocalFiles, "path", Some(path)) => json!(normalize_path(path)),
        _ => value.clone(),
    }
}

/// `strip`, `\` → `/`, POSIX `normpath`, no trailing slash.
pub fn normalize_path(path: &str) -> String {
    let path = path.trim().replace('\\', "/");
    if path.is_empty() {
        return path;
    }
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// Checks that need no network: the typed settings parse, the regex compiles, and the kind's
/// own checks (S3 bucket names and endpoints, Redis ports, GCS credentials JSON) pass.
fn check_settings(
    kind: StorageKind,
    role: Role,
    settings: &Map<String, Value>,
    secrets: &Map<String, Value>,
) -> ApiResult<()> {
    let typed = StorageSettings::parse(kind, role, settings, secrets).map_err(ApiError::internal)?;
    KeyFilter::new(typed.common().regex_filter.as_deref()).map_err(|e| ApiError::field("regex_filter", e))?;
    Ok(typed.validate()?)
}

/// A schedule no shorter than the operator allows (`LABELSYNC_MIN_SYNC_INTERVAL_SECS`).
fn check_interval(app: &AppState, valid: &Map<String, Value>) -> ApiResult<()> {
    let min = app.config.min_sync_interval_secs;
    match valid.get("sync_interval_seconds").and_then(Value::as_i64) {
        Some(secs) if secs < min => Err(ApiError::field(
            "sync_interval_seconds",
            format!("Ensure this value is greater than or equal to {min}."),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_path;

    /// Local paths are normalized like Label Studio's migration 0022.
    #[test]
    fn normalizes_paths() {
        assert_eq!(normalize_path(" /data/ds1/ "), "/data/ds1");
        assert_eq!(normalize_path("C:\\data\\x"), "C:/data/x");
        assert_eq!(normalize_path("/data/./a/../b"), "/data/b");
        assert_eq!(normalize_path("/../etc"), "/etc");
        assert_eq!(normalize_path("/"), "/");
    }
}
