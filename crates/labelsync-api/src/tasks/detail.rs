//! The fullest shape of a task: the detail view and the `fields=all` list item, with its
//! annotations, predictions and the summaries Label Studio computes from them.

use labelsync_db::annotations::Annotation;
use labelsync_db::predictions::Prediction;
use labelsync_db::tasks::Task;
use labelsync_sync::wire::annotation::AnnotationApi;
use labelsync_sync::wire::timestamp::Timestamp;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::json::{ServeContext, average, distinct, joined, results_summary, served_data};
use super::shapes::UpdatedBy;
use crate::annotations::Users;
use crate::annotations::json::annotation_api;
use crate::predictions::json::PredictionApi;

/// A task with its annotations and predictions: the detail view (`GET /api/tasks/{id}/`:
/// authors expanded, result summaries blank) and the `fields=all` list item (author ids,
/// result summaries filled).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskDetail {
    pub id: i64,
    pub predictions: Vec<PredictionApi>,
    pub annotations: Vec<AnnotationApi>,
    pub drafts: Vec<Value>,
    /// The authors of the annotations, by id.
    pub annotators: Vec<i64>,
    pub inner_id: i64,
    pub cancelled_annotations: i32,
    pub total_annotations: i32,
    pub total_predictions: i32,
    /// When the last annotation was created.
    pub completed_at: Option<Timestamp>,
    /// The annotations' results as display text (list items only; `""` in the detail view).
    pub annotations_results: String,
    /// The predictions' results as display text (list items only; `""` in the detail view).
    pub predictions_results: String,
    pub predictions_score: Option<f64>,
    pub file_upload: Option<String>,
    pub storage_filename: Option<String>,
    /// The annotation ids, comma-separated.
    pub annotations_ids: String,
    /// The predictions' model versions, comma-separated.
    pub predictions_model_versions: String,
    pub avg_lead_time: Option<f64>,
    pub draft_exists: bool,
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

impl TaskDetail {
    /// `list` picks the `fields=all` list item over the detail view.
    pub fn new(
        task: &Task,
        ctx: &ServeContext,
        annotations: &[Annotation],
        predictions: &[Prediction],
        users: &Users,
        list: bool,
    ) -> TaskDetail {
        let summary = |results: Vec<&Value>| if list { results_summary(&results) } else { String::new() };
        // An annotation nobody edited through the API (imported with its task, e.g. by a storage
        // sync) was last updated by its author: Label Studio lists the importing user there.
        let updaters = distinct(annotations.iter().filter_map(|a| a.updated_by_id.or(a.completed_by_id)));
        TaskDetail {
            id: task.id,
            predictions: predictions.iter().map(PredictionApi::new).collect(),
            annotations: annotations.iter().map(|a| annotation_api(a, users, !list)).collect(),
            drafts: Vec::new(),
            annotators: distinct(annotations.iter().filter_map(|a| a.completed_by_id)),
            inner_id: task.inner_id,
            cancelled_annotations: task.cancelled_annotations,
            total_annotations: task.total_annotations,
            total_predictions: task.total_predictions,
            completed_at: annotations.iter().map(|a| a.created_at).max().map(Timestamp),
            annotations_results: summary(annotations.iter().map(|a| &a.result.0).collect()),
            predictions_results: summary(predictions.iter().map(|p| &p.result.0).collect()),
            predictions_score: None,
            file_upload: None,
            storage_filename: task.storage_filename.clone(),
            annotations_ids: joined(annotations.iter().map(|a| a.id.to_string())),
            predictions_model_versions: joined(distinct(predictions.iter().map(|p| p.model_version.clone()))),
            avg_lead_time: average(annotations.iter().filter_map(|a| a.lead_time)),
            draft_exists: false,
            updated_by: updaters.into_iter().map(|user_id| UpdatedBy { user_id }).collect(),
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
    use serde_json::json;

    use super::*;
    use crate::tasks::fixtures::{TAIL, annotation, keys, prediction, task, users};

    fn detail(list: bool) -> TaskDetail {
        let (a, p) = ([annotation()], [prediction()]);
        TaskDetail::new(&task(), &ServeContext::plain(), &a, &p, &users(), list)
    }

    /// The detail view has the old map's keys in the old map's order.
    #[test]
    fn key_order() {
        let head = ["id", "predictions", "annotations", "drafts", "annotators"];
        let counters = ["inner_id", "cancelled_annotations", "total_annotations", "total_predictions"];
        let summaries = [
            "completed_at",
            "annotations_results",
            "predictions_results",
            "predictions_score",
            "file_upload",
            "storage_filename",
            "annotations_ids",
            "predictions_model_versions",
            "avg_lead_time",
            "draft_exists",
            "updated_by",
        ];
        assert_eq!(keys(&detail(false)), [&head[..], &counters, &summaries, &TAIL].concat());
        assert_eq!(keys(&detail(true)), keys(&detail(false)));
    }

    /// The summaries: filled in list items, blank in the detail view, whose authors are expanded.
    #[test]
    fn summaries() {
        let item = serde_json::to_value(detail(true)).unwrap();
        assert_eq!(item["annotations_results"], "[{from_name: label, value: {choices: [pos]}}]");
        assert_eq!(
            (&item["annotations_ids"], &item["predictions_model_versions"]),
            (&json!("7"), &json!("v1"))
        );
        assert_eq!((&item["annotators"], &item["updated_by"]), (&json!([2]), &json!([{"user_id": 2}])));
        assert_eq!(
            (&item["avg_lead_time"], &item["completed_at"]),
            (&json!(1.5), &json!("2026-01-02T03:04:05.000000Z"))
        );
        assert_eq!(item["annotations"][0]["completed_by"], 2);
        let view = serde_json::to_value(detail(false)).unwrap();
        assert_eq!((&view["annotations_results"], &view["predictions_score"]), (&json!(""), &Value::Null));
        assert_eq!(view["annotations"][0]["completed_by"]["initials"], "A");
    }

    /// An imported annotation (no `updated_by`) lists its author in the task's `updated_by`.
    #[test]
    fn imported_annotations_list_their_author() {
        let imported = Annotation { updated_by_id: None, ..annotation() };
        let item = TaskDetail::new(&task(), &ServeContext::plain(), &[imported], &[], &users(), true);
        assert_eq!(serde_json::to_value(item).unwrap()["updated_by"], json!([{"user_id": 2}]));
    }
}
