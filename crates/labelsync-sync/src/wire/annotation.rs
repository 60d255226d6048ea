//! Label Studio's annotation JSON, written in one place. Label Studio serializes an annotation
//! three ways, which share most of their fields and their order; [`to_json`] writes each:
//!
//! - [`Layout::Api`]: `/api/annotations/…` and the annotations inside a task: the author's
//!   `created_username` and `created_ago`, then `completed_by`, after `result`;
//! - [`Layout::Export`]: the project `JSON` export: `completed_by` (an id) before `result`, no
//!   author names, and `prediction`, `result_count`, `unique_id` after `lead_time`;
//! - [`Layout::Storage`]: an export storage's object (`docs/label-studio-api.md` §6.2): as the
//!   API's, with the author expanded and the task nested after `completed_by`.

use labelsync_db::annotations::Annotation;
use labelsync_db::orgs::User;
use serde_json::{Map, Value, json};

use super::{created_username, timesince_now, ts, ts_opt};

/// Which of Label Studio's annotation serializers to follow.
#[derive(Debug, Clone)]
pub enum Layout<'a> {
    /// The API's. `completed_by` is what to write for it: the author's id, or (the task detail
    /// view) the author expanded.
    Api { author: Option<&'a User>, completed_by: Value },
    /// The project `JSON` export's. `prediction` (Label Studio's snapshot of the prediction shown
    /// while annotating) is always `{}`: labelsync does not record it.
    Export,
    /// An export storage's object: `completed_by` is the author's `{id, first_name, last_name,
    /// email}` (null without one), `task` the nested task.
    Storage { author: Option<&'a User>, task: Value },
}

/// `annotation` as Label Studio writes it in `layout`, in its key order.
pub fn to_json(annotation: &Annotation, layout: Layout<'_>) -> Value {
    let a = annotation;
    let export = matches!(layout, Layout::Export);
    let nests_task = matches!(layout, Layout::Storage { .. });
    let mut out = Map::new();
    out.insert("id".into(), json!(a.id));
    match layout {
        Layout::Export => {
            out.insert("completed_by".into(), json!(a.completed_by_id));
            out.insert("result".into(), a.result.0.clone());
        }
        Layout::Api { author, completed_by } => authored(&mut out, a, author, completed_by),
        Layout::Storage { author, task } => {
            authored(&mut out, a, author, author.map_or(Value::Null, storage_author));
            out.insert("task".into(), task);
        }
    }
    out.insert("was_cancelled".into(), json!(a.was_cancelled));
    out.insert("ground_truth".into(), json!(a.ground_truth));
    out.insert("created_at".into(), ts(&a.created_at));
    out.insert("updated_at".into(), ts(&a.updated_at));
    out.insert("draft_created_at".into(), ts_opt(&a.draft_created_at));
    out.insert("lead_time".into(), json!(a.lead_time));
    if export {
        out.insert("prediction".into(), json!({}));
        out.insert("result_count".into(), json!(a.result.0.as_array().map_or(0, Vec::len)));
        out.insert("unique_id".into(), json!(a.unique_id));
    }
    out.insert("import_id".into(), json!(a.import_id));
    out.insert("last_action".into(), json!(a.last_action));
    out.insert("bulk_created".into(), json!(a.bulk_created));
    if !nests_task {
        out.insert("task".into(), json!(a.task_id));
    }
    out.insert("project".into(), json!(a.project_id));
    out.insert("updated_by".into(), json!(a.updated_by_id));
    out.insert("parent_prediction".into(), json!(a.parent_prediction_id));
    out.insert("parent_annotation".into(), json!(a.parent_annotation_id));
    out.insert("last_created_by".into(), json!(a.last_created_by_id));
    Value::Object(out)
}

/// `result`, `created_username`, `created_ago`, `completed_by` (the API's and the storage's).
fn authored(out: &mut Map<String, Value>, a: &Annotation, author: Option<&User>, completed_by: Value) {
    out.insert("result".into(), a.result.0.clone());
    out.insert("created_username".into(), json!(author.map(created_username).unwrap_or_default()));
    out.insert("created_ago".into(), json!(timesince_now(&a.created_at)));
    out.insert("completed_by".into(), completed_by);
}

fn storage_author(user: &User) -> Value {
    json!({"id": user.id, "first_name": user.first_name, "last_name": user.last_name, "email": user.email})
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use labelsync_db::Json;

    use super::*;

    fn annotation() -> Annotation {
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        Annotation {
            id: 7,
            task_id: 3,
            project_id: 1,
            completed_by_id: Some(2),
            result: Json(json!([{"from_name": "label"}])),
            was_cancelled: false,
            ground_truth: true,
            created_at: at,
            updated_at: at,
            draft_created_at: None,
            lead_time: Some(1.5),
            import_id: None,
            last_action: None,
            bulk_created: false,
            updated_by_id: None,
            parent_prediction_id: None,
            parent_annotation_id: None,
            last_created_by_id: None,
            unique_id: "u".into(),
        }
    }

    fn user() -> User {
        User {
            id: 2,
            email: "a@example.com".into(),
            username: "a".into(),
            first_name: "Ada".into(),
            last_name: String::new(),
            active_organization_id: None,
            is_active: true,
            date_joined: Utc::now(),
            last_activity: None,
        }
    }

    fn keys(value: &Value) -> Vec<&str> {
        value.as_object().unwrap().keys().map(String::as_str).collect()
    }

    /// The three layouts in Label Studio's key order (the API's and the export's are pinned
    /// by `tests/api` too).
    #[test]
    fn key_orders() {
        let (a, user) = (annotation(), user());
        let api = to_json(&a, Layout::Api { author: Some(&user), completed_by: json!(2) });
        let head = ["id", "result", "created_username", "created_ago", "completed_by"];
        let tail =
            ["was_cancelled", "ground_truth", "created_at", "updated_at", "draft_created_at", "lead_time"];
        let authors = ["import_id", "last_action", "bulk_created"];
        let parents = ["project", "updated_by", "parent_prediction", "parent_annotation", "last_created_by"];
        assert_eq!(keys(&api), [&head[..], &tail, &authors, &["task"], &parents].concat());
        let export = to_json(&a, Layout::Export);
        let extras = ["prediction", "result_count", "unique_id"];
        let export_head = ["id", "completed_by", "result"];
        assert_eq!(keys(&export), [&export_head[..], &tail, &extras, &authors, &["task"], &parents].concat());
        let storage = to_json(&a, Layout::Storage { author: Some(&user), task: json!({"id": 3}) });
        assert_eq!(keys(&storage), [&head[..], &["task"], &tail, &authors, &parents].concat());
    }

    /// What differs between the layouts: `completed_by`, the task, the export's extras.
    #[test]
    fn values() {
        let (a, user) = (annotation(), user());
        let storage = to_json(&a, Layout::Storage { author: Some(&user), task: json!({"id": 3}) });
        assert_eq!(
            storage["completed_by"],
            json!({"id": 2, "first_name": "Ada", "last_name": "", "email": "a@example.com"})
        );
        assert_eq!(storage["created_username"], "Ada a@example.com, 2");
        assert_eq!(storage["task"], json!({"id": 3}));
        let anonymous = to_json(&a, Layout::Storage { author: None, task: json!({}) });
        assert_eq!((&anonymous["completed_by"], &anonymous["created_username"]), (&Value::Null, &json!("")));
        let export = to_json(&a, Layout::Export);
        assert_eq!((&export["completed_by"], &export["result_count"]), (&json!(2), &json!(1)));
        assert_eq!((&export["prediction"], &export["task"]), (&json!({}), &json!(3)));
        assert_eq!(export["created_at"], "2026-01-02T03:04:05.000000Z");
    }
}
