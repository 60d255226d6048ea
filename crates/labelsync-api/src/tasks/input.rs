//! What a client may send to create or change a task.

use labelsync_db::tasks::TaskChanges;
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::fields::schema::body_schema;
use crate::fields::{self, Field, Kind};

const ANY_INT: Kind = Kind::Int { min: None, max: None };

/// Fields of a task that the server sets; accepted on input and ignored.
const READ_ONLY: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "inner_id",
    "total_annotations",
    "cancelled_annotations",
    "total_predictions",
    "comment_count",
    "unresolved_comment_count",
    "last_comment_updated_at",
    "updated_by",
    "file_upload",
    "comment_authors",
    "annotations",
    "predictions",
    "drafts",
    "annotators",
    "storage_filename",
    "completed_at",
    "annotations_results",
    "predictions_results",
    "predictions_score",
    "annotations_ids",
    "predictions_model_versions",
    "avg_lead_time",
    "draft_exists",
];

/// A validated `POST /api/tasks/` body. `data` is checked against the label config later.
#[derive(Debug)]
pub struct NewTaskInput {
    pub project: i64,
    pub data: Value,
    pub meta: Value,
    pub allow_skip: bool,
}

/// Every field a create body may hold.
fn create_spec() -> Vec<Field> {
    let mut spec = vec![
        Field::new("project", ANY_INT),
        Field::new("data", Kind::Any),
        Field::nullable("meta", Kind::Any),
        Field::new("allow_skip", Kind::Bool),
        Field::read_only("is_labeled"),
        Field::read_only("overlap"),
    ];
    spec.extend(READ_ONLY.iter().map(|name| Field::read_only(name)));
    spec
}

body_schema!(
    /// The body of `POST /api/tasks/`.
    NewTaskBody,
    fields: create_spec(),
    required: ["project", "data"],
    "A task: its `project`, its `data` (an object holding every data key of the label config), optional `meta`"
);

pub fn parse_create(body: &Map<String, Value>) -> Result<NewTaskInput, ApiError> {
    let valid = fields::validate(body, &create_spec())?;
    let missing: Map<String, Value> = ["project", "data"]
        .into_iter()
        .filter(|name| !valid.contains_key(*name))
        .map(|name| (name.to_owned(), json!(["This field is required."])))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing));
    }
    Ok(NewTaskInput {
        project: valid["project"].as_i64().unwrap_or_default(),
        data: valid["data"].clone(),
        meta: match valid.get("meta") {
            None | Some(Value::Null) => json!({}),
            Some(meta) => meta.clone(),
        },
        allow_skip: valid.get("allow_skip").and_then(Value::as_bool).unwrap_or(true),
    })
}

/// Every field a PATCH/PUT body may hold.
fn update_spec() -> Vec<Field> {
    let mut spec = vec![
        Field::new("project", ANY_INT),
        Field::new("data", Kind::Object),
        Field::nullable("meta", Kind::Any),
        Field::new("is_labeled", Kind::Bool),
        Field::new("overlap", Kind::Int { min: Some(1), max: Some(i64::from(i32::MAX)) }),
        Field::new("allow_skip", Kind::Bool),
    ];
    spec.extend(READ_ONLY.iter().map(|name| Field::read_only(name)));
    spec
}

body_schema!(
    /// The body of `PATCH /api/tasks/{id}/`.
    TaskChangesBody,
    fields: update_spec(),
    required: [],
    "Task fields to change; naming another `project` is 404"
);

/// A validated PATCH/PUT body: the project it names (if any) and the changes. `data` must be
/// an object (Label Studio stores anything and then fails to serve the task); it is not
/// checked against the label config, as in Label Studio.
pub fn parse_update(body: &Map<String, Value>) -> Result<(Option<i64>, TaskChanges), ApiError> {
    let valid = fields::validate(body, &update_spec())?;
    let changes = TaskChanges {
        data: valid.get("data").cloned(),
        meta: valid.get("meta").map(|meta| if meta.is_null() { json!({}) } else { meta.clone() }),
        is_labeled: valid.get("is_labeled").and_then(Value::as_bool),
        overlap: match valid.get("overlap") {
            Some(n) => fields::to_i32("overlap", n)?,
            None => None,
        },
        allow_skip: valid.get("allow_skip").and_then(Value::as_bool),
    };
    Ok((valid.get("project").and_then(Value::as_i64), changes))
}
