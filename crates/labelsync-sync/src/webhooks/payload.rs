//! The objects of an event as Label Studio's webhook serializers write them
//! (`label_studio/webhooks/serializers_for_hooks.py`: every model field, relations as ids), and
//! labelsync's storage object for its sync events.

use labelsync_db::annotations::Annotation;
use labelsync_db::projects::{Project, ProjectStats};
use labelsync_db::storages::Storage;
use labelsync_db::tasks::Task;
use serde_json::{Map, Value, json};

use crate::wire::annotation::{Layout, to_json};
use crate::wire::{ts, ts_opt};

/// Project settings that never leave the server.
const PRIVATE_SETTINGS: &[&str] = &["task_data_password"];

/// `ProjectWebhookSerializer`: the project's fields and settings, and its counters.
pub fn project(p: &Project, stats: Option<&ProjectStats>) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(p.id));
    out.insert("title".into(), json!(p.title));
    out.insert("description".into(), json!(p.description));
    out.insert("label_config".into(), json!(p.label_config));
    out.insert("expert_instruction".into(), json!(p.expert_instruction));
    out.insert("maximum_annotations".into(), json!(p.maximum_annotations));
    out.insert("created_by".into(), json!(p.created_by_id));
    out.insert("created_at".into(), ts(&p.created_at));
    out.insert("updated_at".into(), ts(&p.updated_at));
    out.insert("organization".into(), json!(p.organization_id));
    for (key, value) in &p.settings.0 {
        if !PRIVATE_SETTINGS.contains(&key.as_str()) && !out.contains_key(key) {
            out.insert(key.clone(), value.clone());
        }
    }
    let s = stats.cloned().unwrap_or_default();
    out.insert("task_number".into(), json!(s.task_number));
    out.insert("finished_task_number".into(), json!(s.finished_task_number));
    out.insert("total_predictions_number".into(), json!(s.total_predictions_number));
    out.insert("total_annotations_number".into(), json!(s.total_annotations_number));
    out.insert("num_tasks_with_annotations".into(), json!(s.num_tasks_with_annotations));
    out.insert("useful_annotation_number".into(), json!(s.total_annotations_number));
    out.insert("ground_truth_number".into(), json!(s.ground_truth_number));
    out.insert("skipped_annotations_number".into(), json!(s.skipped_annotations_number));
    Value::Object(out)
}

/// `TaskWebhookSerializer`: the task's fields.
pub fn task(t: &Task) -> Value {
    json!({
        "id": t.id,
        "data": t.data.0,
        "meta": t.meta.0,
        "created_at": ts(&t.created_at),
        "updated_at": ts(&t.updated_at),
        "is_labeled": t.is_labeled,
        "overlap": t.overlap,
        "inner_id": t.inner_id,
        "total_annotations": t.total_annotations,
        "cancelled_annotations": t.cancelled_annotations,
        "total_predictions": t.total_predictions,
        "allow_skip": t.allow_skip,
        "project": t.project_id,
        "updated_by": t.updated_by_id,
        "file_upload": null,
    })
}

/// `AnnotationWebhookSerializer`: the annotation's fields (as the project export writes them).
pub fn annotation(a: &Annotation) -> Value {
    to_json(a, Layout::Export)
}

/// `OnlyIDWebhookSerializer`, many: `[{"id": …}, …]`.
pub fn ids(ids: &[i64]) -> Value {
    Value::Array(ids.iter().map(|id| json!({"id": id})).collect())
}

/// labelsync's storage object of the sync events: which storage, its status and counters
/// (`meta`: `objects_listed`, `tasks_created`, … and the `time_*` of the run), the traceback.
pub fn storage(s: &Storage) -> Value {
    json!({
        "id": s.id,
        "type": s.kind.as_str(),
        "role": s.role.as_str(),
        "title": s.title,
        "project": s.project_id,
        "status": s.status.as_str(),
        "last_sync": ts_opt(&s.last_sync),
        "last_sync_count": s.last_sync_count,
        "traceback": s.traceback,
        "meta": s.meta.0,
    })
}
