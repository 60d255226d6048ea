//! A storage as Label Studio returns it: its kind's keys in its kind's order, secrets omitted.

use labelsync_db::storages::Storage;
use labelsync_storage::{Role, StorageKind};
use serde_json::{Map, Value, json};

use super::spec;
use crate::wire::{ts, ts_opt};

pub fn role_of(storage: &Storage) -> Role {
    if storage.role == "export" { Role::Export } else { Role::Import }
}

/// The storage's JSON object.
pub fn storage_json(storage: &Storage) -> Value {
    let kind = StorageKind::parse(&storage.kind).unwrap_or(StorageKind::LocalFiles);
    let role = role_of(storage);
    let mut out = Map::new();
    for key in spec::response_order(kind, role) {
        let value = match *key {
            "id" => json!(storage.id),
            "type" => json!(kind.as_str()),
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
            field => {
                storage.settings.0.get(field).cloned().unwrap_or_else(|| spec::default(kind, role, field))
            }
        };
        out.insert((*key).to_owned(), value);
    }
    Value::Object(out)
}
