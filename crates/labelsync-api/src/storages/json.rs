//! A storage as Label Studio returns it: its kind's keys in its kind's order, secrets omitted.
//! S3's `external_id` is read-only where the server's identity is used: the organization's
//! own (as Label Studio Enterprise shows it), see [`super::identity`].

use labelsync_db::storages::Storage;
use serde_json::{Map, Value, json};

use super::spec;
use crate::wire::{ts, ts_opt};

/// The storage's JSON object; `org_external_id` is its organization's external id.
pub fn storage_json(storage: &Storage, org_external_id: &str) -> Value {
    let (kind, role) = (storage.kind, storage.role);
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
            "external_id" => super::identity::shown_external_id(
                &storage.settings.0,
                storage.secrets.is_some(),
                org_external_id,
            ),
            field => {
                storage.settings.0.get(field).cloned().unwrap_or_else(|| spec::default(kind, role, field))
            }
        };
        out.insert((*key).to_owned(), value);
    }
    Value::Object(out)
}
