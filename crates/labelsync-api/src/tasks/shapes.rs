//! The shapes Label Studio serves a task in, one typed struct each, fields in its key order:
//! [`TaskCreated`] (create response), [`TaskWithNested`] (PATCH response and
//! `/api/projects/{id}/tasks/` items), [`TaskListItem`] (`/api/tasks/?project=` items) and
//! [`TaskDetail`](super::detail::TaskDetail) (detail view and `fields=all` items). Every shape takes its `data` from
//! [`served_data`].

use labelsync_db::annotations::Annotation;
use labelsync_db::predictions::Prediction;
use labelsync_db::tasks::Task;
use labelsync_sync::wire::annotation::AnnotationApi;
use labelsync_sync::wire::timestamp::Timestamp;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::json::{ServeContext, served_data};
use crate::annotations::Users;
use crate::annotations::json::annotation_api;
use crate::predictions::json::PredictionApi;

/// A task as the create response writes it: the fields every shape shares, from `data` to
/// `comment_authors`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskCreated {
    pub id: i64,
    /// The task's data; storage URIs may be rewritten to resolve URLs.
    #[schema(value_type = Object)]
    pub data: Value,
    pub meta: Value,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub is_labeled: bool,
    pub overlap: i32,
    pub inner_id: i64,
    pub total_annotations: i32,
    pub cancelled_annotations: i32,
    pub total_predictions: i32,
    pub comment_count: i32,
    pub unresolved_comment_count: i32,
    pub last_comment_updated_at: Option<Timestamp>,
    pub project: i64,
    pub updated_by: Option<i64>,
    pub file_upload: Option<String>,
    pub comment_authors: Vec<Value>,
}

impl TaskCreated {
    pub fn new(task: &Task, ctx: &ServeContext) -> TaskCreated {
        TaskCreated {
            id: task.id,
            data: served_data(task, ctx),
            meta: task.meta.0.clone(),
            created_at: task.created_at.into(),
            updated_at: task.updated_at.into(),
            is_labeled: task.is_labeled,
            overlap: task.overlap,
            inner_id: task.inner_id,
            total_annotations: task.total_annotations,
            cancelled_annotations: task.cancelled_annotations,
            total_predictions: task.total_predictions,
            comment_count: 0,
            unresolved_comment_count: 0,
            last_comment_updated_at: None,
            project: task.project_id,
            updated_by: task.updated_by_id,
            file_upload: None,
            comment_authors: Vec::new(),
        }
    }
}

/// A task as the create response writes it, followed by its annotations and predictions in full.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskWithNested {
    #[serde(flatten)]
    pub task: TaskCreated,
    pub annotations: Vec<AnnotationApi>,
    pub predictions: Vec<PredictionApi>,
}

impl TaskWithNested {
    pub fn new(
        task: &Task,
        ctx: &ServeContext,
        annotations: &[Annotation],
        predictions: &[Prediction],
        users: &Users,
    ) -> TaskWithNested {
        TaskWithNested {
            task: TaskCreated::new(task, ctx),
            annotations: annotations.iter().map(|a| annotation_api(a, users, false)).collect(),
            predictions: predictions.iter().map(PredictionApi::new).collect(),
        }
    }
}

/// One author of a task's annotations, as `updated_by` lists them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UpdatedBy {
    pub user_id: i64,
}

/// An item of `/api/tasks/?project=` without `fields=all`: nothing nested, the computed
/// columns left blank as Label Studio leaves them. Closed (no other keys), which tells it from
/// the full item of `fields=all`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskListItem {
    pub id: i64,
    pub drafts: Vec<Value>,
    pub annotators: Vec<i64>,
    pub inner_id: i64,
    pub cancelled_annotations: i32,
    pub total_annotations: i32,
    pub total_predictions: i32,
    pub annotations_results: String,
    pub predictions_results: String,
    pub file_upload: Option<String>,
    pub storage_filename: Option<String>,
    pub annotations_ids: String,
    pub predictions_model_versions: String,
    pub updated_by: Vec<UpdatedBy>,
    #[schema(value_type = Object)]
    pub data: Value,
    pub meta: Value,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub is_labeled: bool,
    pub overlap: i32,
    pub comment_count: i32,
    pub unresolved_comment_count: i32,
    pub last_comment_updated_at: Option<Timestamp>,
    pub project: i64,
    pub comment_authors: Vec<Value>,
}

impl TaskListItem {
    pub fn new(task: &Task, ctx: &ServeContext) -> TaskListItem {
        TaskListItem {
            id: task.id,
            drafts: Vec::new(),
            annotators: Vec::new(),
            inner_id: task.inner_id,
            cancelled_annotations: task.cancelled_annotations,
            total_annotations: task.total_annotations,
            total_predictions: task.total_predictions,
            annotations_results: String::new(),
            predictions_results: String::new(),
            file_upload: None,
            storage_filename: task.storage_filename.clone(),
            annotations_ids: String::new(),
            predictions_model_versions: String::new(),
            updated_by: Vec::new(),
            data: served_data(task, ctx),
            meta: task.meta.0.clone(),
            created_at: task.created_at.into(),
            updated_at: task.updated_at.into(),
            is_labeled: task.is_labeled,
            overlap: task.overlap,
            comment_count: 0,
            unresolved_comment_count: 0,
            last_comment_updated_at: None,
            project: task.project_id,
            comment_authors: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::fixtures::{TAIL, annotation, keys, prediction, task, users};

    /// The keys the create response wrote before it was typed, in their order.
    const CREATED: [&str; 18] = [
        "id",
        "data",
        "meta",
        "created_at",
        "updated_at",
        "is_labeled",
        "overlap",
        "inner_id",
        "total_annotations",
        "cancelled_annotations",
        "total_predictions",
        "comment_count",
        "unresolved_comment_count",
        "last_comment_updated_at",
        "project",
        "updated_by",
        "file_upload",
        "comment_authors",
    ];

    /// The create response has the old map's keys in the old map's order.
    #[test]
    fn created_key_order() {
        let created = TaskCreated::new(&task(), &ServeContext::plain());
        assert_eq!(keys(&created), CREATED);
    }

    /// The nested shape is the create response's keys, then `annotations` and `predictions`.
    #[test]
    fn with_nested_key_order() {
        let (a, p) = ([annotation()], [prediction()]);
        let nested = TaskWithNested::new(&task(), &ServeContext::plain(), &a, &p, &users());
        assert_eq!(keys(&nested), [&CREATED[..], &["annotations", "predictions"]].concat());
    }

    /// The short list item has the old map's keys in the old map's order.
    #[test]
    fn list_item_key_order() {
        let item = TaskListItem::new(&task(), &ServeContext::plain());
        let head = ["id", "drafts", "annotators"];
        let counters = ["inner_id", "cancelled_annotations", "total_annotations", "total_predictions"];
        let blanks = ["annotations_results", "predictions_results", "file_upload", "storage_filename"];
        let more = ["annotations_ids", "predictions_model_versions", "updated_by"];
        assert_eq!(keys(&item), [&head[..], &counters, &blanks, &more, &TAIL].concat());
    }

    /// The always-null and always-empty fields are written as null and `[]`, not left out.
    #[test]
    fn constant_fields() {
        let item = serde_json::to_value(TaskListItem::new(&task(), &ServeContext::plain())).unwrap();
        assert_eq!((&item["file_upload"], &item["last_comment_updated_at"]), (&Value::Null, &Value::Null));
        assert_eq!(
            (&item["updated_by"], &item["annotations_ids"]),
            (&serde_json::json!([]), &serde_json::json!(""))
        );
        assert_eq!(item["created_at"], "2026-01-02T03:04:05.000000Z");
    }
}
