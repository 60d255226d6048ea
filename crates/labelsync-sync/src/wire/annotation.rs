//! Label Studio's annotation JSON, written in one place. Label Studio serializes an annotation
//! three ways, which share most of their fields and their order; each is one typed struct here,
//! in its key order, built from the row by its `new`:
//!
//! - [`AnnotationApi`]: `/api/annotations/…` and the annotations inside a task: the author's
//!   `created_username` and `created_ago`, then `completed_by`, after `result`;
//! - [`AnnotationExport`]: the project `JSON` export: `completed_by` (an id) before `result`, no
//!   author names, and `prediction`, `result_count`, `unique_id` after `lead_time`;
//! - [`AnnotationStorage`]: an export storage's object (`docs/label-studio-api.md` §6.2): as the
//!   API's, with the author expanded and the task nested after `completed_by`.
//!
//! [`to_json`] writes any of them as a JSON value.

use labelsync_db::annotations::Annotation;
use labelsync_db::orgs::User;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::timestamp::Timestamp;
use super::{created_username, timesince_now};

/// Which of Label Studio's annotation serializers to follow.
#[derive(Debug, Clone)]
pub enum Layout<'a> {
    /// The API's ([`AnnotationApi`]).
    Api { author: Option<&'a User>, completed_by: CompletedBy },
    /// The project `JSON` export's ([`AnnotationExport`]).
    Export,
    /// An export storage's object ([`AnnotationStorage`]): `task` is the nested task.
    Storage { author: Option<&'a User>, task: Value },
}

/// `annotation` as Label Studio writes it in `layout`, in its key order.
pub fn to_json(annotation: &Annotation, layout: Layout<'_>) -> Value {
    let value = match layout {
        Layout::Api { author, completed_by } => {
            serde_json::to_value(AnnotationApi::new(annotation, author, completed_by))
        }
        Layout::Export => serde_json::to_value(AnnotationExport::new(annotation)),
        Layout::Storage { author, task } => {
            serde_json::to_value(AnnotationStorage::new(annotation, author, task))
        }
    };
    // Plain fields and JSON values only: serializing cannot fail.
    value.unwrap_or_default()
}

/// The API's `completed_by`: the author's id (null without one), or, in the task detail view,
/// the author expanded.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CompletedBy {
    Id(Option<i64>),
    User(AuthorBrief),
}

/// The author as the task detail view expands it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthorBrief {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    /// Always null: labelsync keeps no avatars.
    #[schema(value_type = Option<String>)]
    pub avatar: Option<()>,
    pub email: String,
    pub initials: String,
}

/// The author as an export storage's object expands it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StorageAuthor {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// An annotation as the API writes it (`/api/annotations/…`, the annotations of a task).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnnotationApi {
    pub id: i64,
    /// The list of result regions, as the labeling editor writes them.
    #[schema(value_type = Vec<Value>)]
    pub result: Value,
    /// `"{first} {last} {email}, {id}"` of the author, `""` without one.
    pub created_username: String,
    /// How long ago it was created, as Django's `timesince`.
    pub created_ago: String,
    pub completed_by: CompletedBy,
    pub was_cancelled: bool,
    pub ground_truth: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub draft_created_at: Option<Timestamp>,
    pub lead_time: Option<f64>,
    pub import_id: Option<i64>,
    pub last_action: Option<String>,
    pub bulk_created: bool,
    pub task: i64,
    pub project: i64,
    pub updated_by: Option<i64>,
    pub parent_prediction: Option<i64>,
    pub parent_annotation: Option<i64>,
    pub last_created_by: Option<i64>,
}

impl AnnotationApi {
    pub fn new(a: &Annotation, author: Option<&User>, completed_by: CompletedBy) -> AnnotationApi {
        AnnotationApi {
            id: a.id,
            result: a.result.0.clone(),
            created_username: author.map(created_username).unwrap_or_default(),
            created_ago: timesince_now(&a.created_at),
            completed_by,
            was_cancelled: a.was_cancelled,
            ground_truth: a.ground_truth,
            created_at: a.created_at.into(),
            updated_at: a.updated_at.into(),
            draft_created_at: a.draft_created_at.map(Timestamp),
            lead_time: a.lead_time,
            import_id: a.import_id,
            last_action: a.last_action.clone(),
            bulk_created: a.bulk_created,
            task: a.task_id,
            project: a.project_id,
            updated_by: a.updated_by_id,
            parent_prediction: a.parent_prediction_id,
            parent_annotation: a.parent_annotation_id,
            last_created_by: a.last_created_by_id,
        }
    }
}

/// An annotation in the project `JSON` export.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnnotationExport {
    pub id: i64,
    pub completed_by: Option<i64>,
    #[schema(value_type = Vec<Value>)]
    pub result: Value,
    pub was_cancelled: bool,
    pub ground_truth: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub draft_created_at: Option<Timestamp>,
    pub lead_time: Option<f64>,
    /// Label Studio's snapshot of the prediction shown while annotating; always `{}`, as
    /// labelsync does not record it.
    pub prediction: Map<String, Value>,
    pub result_count: usize,
    pub unique_id: String,
    pub import_id: Option<i64>,
    pub last_action: Option<String>,
    pub bulk_created: bool,
    pub task: i64,
    pub project: i64,
    pub updated_by: Option<i64>,
    pub parent_prediction: Option<i64>,
    pub parent_annotation: Option<i64>,
    pub last_created_by: Option<i64>,
}

impl AnnotationExport {
    pub fn new(a: &Annotation) -> AnnotationExport {
        AnnotationExport {
            id: a.id,
            completed_by: a.completed_by_id,
            result: a.result.0.clone(),
            was_cancelled: a.was_cancelled,
            ground_truth: a.ground_truth,
            created_at: a.created_at.into(),
            updated_at: a.updated_at.into(),
            draft_created_at: a.draft_created_at.map(Timestamp),
            lead_time: a.lead_time,
            prediction: Map::new(),
            result_count: a.result.0.as_array().map_or(0, Vec::len),
            unique_id: a.unique_id.clone(),
            import_id: a.import_id,
            last_action: a.last_action.clone(),
            bulk_created: a.bulk_created,
            task: a.task_id,
            project: a.project_id,
            updated_by: a.updated_by_id,
            parent_prediction: a.parent_prediction_id,
            parent_annotation: a.parent_annotation_id,
            last_created_by: a.last_created_by_id,
        }
    }
}

/// An export storage's object: the annotation with its author expanded and its task nested.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnnotationStorage {
    pub id: i64,
    #[schema(value_type = Vec<Value>)]
    pub result: Value,
    pub created_username: String,
    pub created_ago: String,
    pub completed_by: Option<StorageAuthor>,
    /// The task, as the export storage writes it.
    pub task: Value,
    pub was_cancelled: bool,
    pub ground_truth: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub draft_created_at: Option<Timestamp>,
    pub lead_time: Option<f64>,
    pub import_id: Option<i64>,
    pub last_action: Option<String>,
    pub bulk_created: bool,
    pub project: i64,
    pub updated_by: Option<i64>,
    pub parent_prediction: Option<i64>,
    pub parent_annotation: Option<i64>,
    pub last_created_by: Option<i64>,
}

impl AnnotationStorage {
    /// The API's fields of `a` ([`AnnotationApi::new`]), rearranged around the nested `task`.
    pub fn new(a: &Annotation, author: Option<&User>, task: Value) -> AnnotationStorage {
        let api = AnnotationApi::new(a, author, CompletedBy::Id(None));
        let completed_by = author.map(|user| StorageAuthor {
            id: user.id,
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            email: user.email.clone(),
        });
        AnnotationStorage {
            id: api.id,
            result: api.result,
            created_username: api.created_username,
            created_ago: api.created_ago,
            completed_by,
            task,
            was_cancelled: api.was_cancelled,
            ground_truth: api.ground_truth,
            created_at: api.created_at,
            updated_at: api.updated_at,
            draft_created_at: api.draft_created_at,
            lead_time: api.lead_time,
            import_id: api.import_id,
            last_action: api.last_action,
            bulk_created: api.bulk_created,
            project: api.project,
            updated_by: api.updated_by,
            parent_prediction: api.parent_prediction,
            parent_annotation: api.parent_annotation,
            last_created_by: api.last_created_by,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use labelsync_db::Json;
    use serde_json::json;

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
        let api = to_json(&a, Layout::Api { author: Some(&user), completed_by: CompletedBy::Id(Some(2)) });
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

    /// The export's layout writes exactly the bytes the map-built serializer it replaced wrote.
    #[test]
    fn export_bytes() {
        let written = serde_json::to_string(&to_json(&annotation(), Layout::Export)).unwrap();
        let expected = concat!(
            r#"{"id":7,"completed_by":2,"result":[{"from_name":"label"}],"was_cancelled":false,"#,
            r#""ground_truth":true,"created_at":"2026-01-02T03:04:05.000000Z","#,
            r#""updated_at":"2026-01-02T03:04:05.000000Z","draft_created_at":null,"lead_time":1.5,"#,
            r#""prediction":{},"result_count":1,"unique_id":"u","import_id":null,"last_action":null,"#,
            r#""bulk_created":false,"task":3,"project":1,"updated_by":null,"parent_prediction":null,"#,
            r#""parent_annotation":null,"last_created_by":null}"#
        );
        assert_eq!(written, expected);
    }

    /// The detail view's expanded author, and the typed struct writes what `to_json` writes.
    #[test]
    fn expanded_author() {
        let (a, user) = (annotation(), user());
        let brief = AuthorBrief {
            id: 2,
            first_name: "Ada".into(),
            last_name: String::new(),
            avatar: None,
            email: "a@example.com".into(),
            initials: "A".into(),
        };
        let typed = AnnotationApi::new(&a, Some(&user), CompletedBy::User(brief.clone()));
        let value = to_json(&a, Layout::Api { author: Some(&user), completed_by: CompletedBy::User(brief) });
        assert_eq!(serde_json::to_value(&typed).unwrap(), value);
        let expected = json!({"id": 2, "first_name": "Ada", "last_name": "", "avatar": null,
            "email": "a@example.com", "initials": "A"});
        assert_eq!(value["completed_by"], expected);
        assert_eq!(serde_json::to_string(&value["completed_by"]).unwrap(), expected.to_string());
    }
}
