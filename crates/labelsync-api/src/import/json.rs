//! The import's query, body and response as Label Studio has them.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::fields::parse_bool;

#[derive(Debug, Default, Deserialize)]
pub struct ImportQuery {
    return_task_ids: Option<String>,
    commit_to_project: Option<String>,
}

impl ImportQuery {
    /// `return_task_ids` (default false).
    pub fn return_task_ids(&self) -> Result<bool, ApiError> {
        flag("return_task_ids", self.return_task_ids.as_deref(), false)
    }

    /// `commit_to_project` (default true); false only counts what would be created.
    pub fn commit_to_project(&self) -> Result<bool, ApiError> {
        flag("commit_to_project", self.commit_to_project.as_deref(), true)
    }
}

fn flag(name: &str, value: Option<&str>, default: bool) -> Result<bool, ApiError> {
    match value {
        None => Ok(default),
        Some(text) => parse_bool(&Value::String(text.to_owned()))
            .ok_or_else(|| ApiError::field(name, "Must be a valid boolean.")),
    }
}

/// The uploaded items: an array as is, an object as one item; Label Studio's messages for
/// an empty array and for anything else.
pub fn items(body: Value) -> Result<Vec<Value>, ApiError> {
    match body {
        Value::Array(items) if items.is_empty() => Err(ApiError::non_field("load_tasks: No tasks added")),
        Value::Array(items) => Ok(items),
        object @ Value::Object(_) => Ok(vec![object]),
        _ => Err(ApiError::non_field("load_tasks: No data found in DATA or in FILES")),
    }
}

/// What an import created, in Label Studio's key order. Without a commit the annotation and
/// prediction counts are null, as in Label Studio.
pub struct ImportSummary {
    pub task_count: usize,
    pub annotation_count: Option<usize>,
    pub prediction_count: Option<usize>,
    pub duration: f64,
    pub task_ids: Option<Vec<i64>>,
}

pub fn response(summary: ImportSummary) -> Value {
    let mut out = Map::new();
    out.insert("task_count".into(), json!(summary.task_count));
    out.insert("annotation_count".into(), json!(summary.annotation_count));
    out.insert("prediction_count".into(), json!(summary.prediction_count));
    out.insert("duration".into(), json!(summary.duration));
    out.insert("file_upload_ids".into(), json!([]));
    out.insert("could_be_tasks_list".into(), json!(false));
    out.insert("found_formats".into(), json!([]));
    out.insert("data_columns".into(), json!([]));
    if let Some(ids) = summary.task_ids {
        out.insert("task_ids".into(), json!(ids));
    }
    Value::Object(out)
}
