//! The JSON Label Studio writes to an export storage for one annotation (`docs/label-studio-api.md`
//! §6.2): the annotation, its author expanded, and its task nested (without annotations, URIs
//! unresolved, `$undefined$` renamed).

use labelsync_db::annotations::Annotation;
use labelsync_db::orgs::User;
use labelsync_db::tasks::Task;
use serde_json::{Map, Value, json};

use crate::tasks::rename_undefined;
use crate::wire::{created_username, timesince_now, ts, ts_opt};

/// The annotation-centric export object.
pub fn annotation_body(
    annotation: &Annotation,
    author: Option<&User>,
    task: &Task,
    first_data_key: Option<&str>,
) -> Value {
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_owned(), v);
    };
    put("id", json!(annotation.id));
    put("result", annotation.result.0.clone());
    put("created_username", json!(author.map(created_username).unwrap_or_default()));
    put("created_ago", json!(timesince_now(&annotation.created_at)));
    put(
        "completed_by",
        author.map_or(
            Value::Null,
            |u| json!({"id": u.id, "first_name": u.first_name, "last_name": u.last_name, "email": u.email}),
        ),
    );
    put("task", task_body(task, first_data_key));
    put("was_cancelled", json!(annotation.was_cancelled));
    put("ground_truth", json!(annotation.ground_truth));
    put("created_at", ts(&annotation.created_at));
    put("updated_at", ts(&annotation.updated_at));
    put("draft_created_at", ts_opt(&annotation.draft_created_at));
    put("lead_time", json!(annotation.lead_time));
    put("import_id", json!(annotation.import_id));
    put("last_action", json!(annotation.last_action));
    put("bulk_created", json!(annotation.bulk_created));
    put("project", json!(annotation.project_id));
    put("updated_by", json!(annotation.updated_by_id));
    put("parent_prediction", json!(annotation.parent_prediction_id));
    put("parent_annotation", json!(annotation.parent_annotation_id));
    put("last_created_by", json!(annotation.last_created_by_id));
    Value::Object(out)
}

/// The raw task model as nested in an annotation export.
fn task_body(task: &Task, first_data_key: Option<&str>) -> Value {
    json!({
        "id": task.id,
        "data": rename_undefined(&task.data.0, first_data_key),
        "meta": task.meta.0,
        "created_at": ts(&task.created_at),
        "updated_at": ts(&task.updated_at),
        "is_labeled": task.is_labeled,
        "allow_skip": task.allow_skip,
        "overlap": task.overlap,
        "inner_id": task.inner_id,
        "total_annotations": task.total_annotations,
        "cancelled_annotations": task.cancelled_annotations,
        "total_predictions": task.total_predictions,
        "precomputed_agreement": null,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": null,
        "project": task.project_id,
        "updated_by": task.updated_by_id,
        "file_upload": null,
        "comment_authors": [],
    })
}
