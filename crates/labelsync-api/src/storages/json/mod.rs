//! A storage as Label Studio returns it: one typed body per kind and role ([`import`],
//! [`export`]: `S3ImportStorage`, `GcsExportStorage`, …), with its kind's keys in its kind's order,
//! secrets omitted. This module is the one place where a stored row becomes wire JSON: the keys
//! and their order come from the kind's field table, the values from the row's columns and typed
//! settings. S3's `external_id` is read-only where the server's identity is used: the
//! organization's own (as Label Studio Enterprise shows it), see [`super::identity`].

pub mod bodies;
pub mod export;
pub mod import;
pub mod kinds;

use labelsync_db::storages::Storage;
use labelsync_storage::{Role, StorageKind};
use labelsync_types::fields::{self as table, Place};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::wire::{ts, ts_opt};

pub use bodies::*;
pub use export::*;
pub use import::*;

/// An import storage of any kind (`{kind}` routes answer the path's kind).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ImportStorage {
    S3(S3ImportStorage),
    Gcs(GcsImportStorage),
    Azure(AzureImportStorage),
    Redis(RedisImportStorage),
    LocalFiles(LocalFilesImportStorage),
}

/// An export storage of any kind.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ExportStorage {
    S3(S3ExportStorage),
    Gcs(GcsExportStorage),
    Azure(AzureExportStorage),
    Redis(RedisExportStorage),
    LocalFiles(LocalFilesExportStorage),
}

/// The response body of storages of one role: lets one handler body serve both roles.
pub trait StorageBody: Serialize + Sized {
    const ROLE: Role;

    /// The body of `storage` (of this role); `org_external_id` is its organization's.
    fn of(storage: &Storage, org_external_id: &str) -> ApiResult<Self>;
}

impl StorageBody for ImportStorage {
    const ROLE: Role = Role::Import;

    fn of(storage: &Storage, org_external_id: &str) -> ApiResult<ImportStorage> {
        let map = wire_map(storage, org_external_id)?;
        Ok(match storage.kind {
            StorageKind::S3 => ImportStorage::S3(typed(map)?),
            StorageKind::Gcs => ImportStorage::Gcs(typed(map)?),
            StorageKind::Azure => ImportStorage::Azure(typed(map)?),
            StorageKind::Redis => ImportStorage::Redis(typed(map)?),
            StorageKind::LocalFiles => ImportStorage::LocalFiles(typed(map)?),
        })
    }
}

impl StorageBody for ExportStorage {
    const ROLE: Role = Role::Export;

    fn of(storage: &Storage, org_external_id: &str) -> ApiResult<ExportStorage> {
        let map = wire_map(storage, org_external_id)?;
        Ok(match storage.kind {
            StorageKind::S3 => ExportStorage::S3(typed(map)?),
            StorageKind::Gcs => ExportStorage::Gcs(typed(map)?),
            StorageKind::Azure => ExportStorage::Azure(typed(map)?),
            StorageKind::Redis => ExportStorage::Redis(typed(map)?),
            StorageKind::LocalFiles => ExportStorage::LocalFiles(typed(map)?),
        })
    }
}

/// The typed body of a wire object (whose keys are the table's, so this cannot fail but for a
/// row that breaks its own kind).
fn typed<T: DeserializeOwned>(map: Map<String, Value>) -> ApiResult<T> {
    serde_json::from_value(Value::Object(map)).map_err(ApiError::internal)
}

/// The wire object of `storage`: each response key of its kind's table, in order, from the
/// row's columns or its typed settings (defaults filled in).
pub fn wire_map(storage: &Storage, org_external_id: &str) -> ApiResult<Map<String, Value>> {
    let settings = storage.public_settings().map_err(ApiError::internal)?.to_wire();
    let mut out = Map::new();
    for field in table::fields(storage.kind, storage.role).filter(|f| f.in_response()) {
        let value = match (field.place, field.name) {
            (Place::Settings, "external_id") => super::identity::shown_external_id(
                settings.get("external_id"),
                storage.secrets.is_some(),
                org_external_id,
            ),
            (Place::Settings, name) => settings.get(name).cloned().unwrap_or(Value::Null),
            (_, name) => column(storage, name),
        };
        out.insert(field.name.to_owned(), value);
    }
    Ok(out)
}

/// A column (or computed) field of the row.
fn column(storage: &Storage, name: &str) -> Value {
    match name {
        "id" => json!(storage.id),
        "type" => json!(storage.kind),
        "project" => json!(storage.project_id),
        "title" => json!(storage.title),
        "description" => json!(storage.description),
        "created_at" => ts(&storage.created_at),
        "synchronizable" => json!(storage.synchronizable),
        "last_sync" => ts_opt(&storage.last_sync),
        "last_sync_count" => json!(storage.last_sync_count),
        "last_sync_job" => json!(storage.last_sync_job),
        "status" => json!(storage.status),
        "traceback" => json!(storage.traceback),
        "meta" => Value::Object(storage.meta.0.clone()),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests;
