//! Rows to build the task shapes from in unit tests: a task with one annotation and one
//! prediction, as the database returns them.

use chrono::{DateTime, TimeZone, Utc};
use labelsync_db::Json;
use labelsync_db::annotations::Annotation;
use labelsync_db::orgs::User;
use labelsync_db::predictions::Prediction;
use labelsync_db::tasks::Task;
use serde::Serialize;
use serde_json::json;

use crate::annotations::Users;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
}

pub fn task() -> Task {
    Task {
        id: 3,
        project_id: 1,
        data: Json(json!({"image": "s3://bucket/a.png"})),
        meta: Json(json!({})),
        created_at: at(),
        updated_at: at(),
        is_labeled: true,
        overlap: 1,
        inner_id: 1,
        total_annotations: 1,
        cancelled_annotations: 0,
        total_predictions: 1,
        allow_skip: true,
        updated_by_id: None,
        storage_filename: Some("a.json".into()),
        import_storage_id: None,
    }
}

pub fn annotation() -> Annotation {
    Annotation {
        id: 7,
        task_id: 3,
        project_id: 1,
        completed_by_id: Some(2),
        result: Json(json!([{"from_name": "label", "value": {"choices": ["pos"]}}])),
        was_cancelled: false,
        ground_truth: false,
        created_at: at(),
        updated_at: at(),
        draft_created_at: None,
        lead_time: Some(1.5),
        import_id: None,
        last_action: None,
        bulk_created: false,
        updated_by_id: Some(2),
        parent_prediction_id: None,
        parent_annotation_id: None,
        last_created_by_id: None,
        unique_id: "u".into(),
    }
}

pub fn prediction() -> Prediction {
    Prediction {
        id: 5,
        task_id: 3,
        project_id: 1,
        result: Json(json!([])),
        score: Some(0.5),
        model_version: "v1".into(),
        created_at: at(),
        updated_at: at(),
    }
}

pub fn users() -> Users {
    let user = User {
        id: 2,
        email: "a@example.com".into(),
        username: "a".into(),
        first_name: "Ada".into(),
        last_name: String::new(),
        active_organization_id: None,
        is_active: true,
        date_joined: at(),
        last_activity: None,
    };
    [(2, user)].into_iter().collect()
}

/// The keys every list item and detail view ends with, from `data` on.
pub const TAIL: [&str; 11] = [
    "data",
    "meta",
    "created_at",
    "updated_at",
    "is_labeled",
    "overlap",
    "comment_count",
    "unresolved_comment_count",
    "last_comment_updated_at",
    "project",
    "comment_authors",
];

/// The keys of `value` serialized, in the order they are written.
pub fn keys(value: &impl Serialize) -> Vec<String> {
    let value = serde_json::to_value(value).unwrap();
    value.as_object().unwrap().keys().cloned().collect()
}
