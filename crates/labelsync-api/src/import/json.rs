//! The import's query, body and response as Label Studio has them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
/// prediction counts are null, as in Label Studio; `task_ids` only with `return_task_ids`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub task_count: usize,
    pub annotation_count: Option<usize>,
    pub prediction_count: Option<usize>,
    /// Seconds the import took.
    pub duration: f64,
    /// Always empty: labelsync imports no files.
    #[schema(value_type = Vec<i64>)]
    pub file_upload_ids: [(); 0],
    pub could_be_tasks_list: bool,
    #[schema(value_type = Vec<String>)]
    pub found_formats: [(); 0],
    #[schema(value_type = Vec<String>)]
    pub data_columns: [(); 0],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_ids: Option<Vec<i64>>,
}

impl ImportSummary {
    /// The summary of `task_count` tasks (with their annotations and predictions when committed).
    pub fn new(
        task_count: usize,
        created: Option<(usize, usize)>,
        duration: f64,
        task_ids: Option<Vec<i64>>,
    ) -> ImportSummary {
        ImportSummary {
            task_count,
            annotation_count: created.map(|(annotations, _)| annotations),
            prediction_count: created.map(|(_, predictions)| predictions),
            duration,
            file_upload_ids: [],
            could_be_tasks_list: false,
            found_formats: [],
            data_columns: [],
            task_ids,
        }
    }
}

/// The import body's schema: one task or a non-empty array of tasks, each an object (flat data,
/// or `data` with optional `annotations`, `predictions` and `meta`); checked against the label
/// config, not the schema.
pub struct ImportBody;

impl utoipa::PartialSchema for ImportBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
        let object = || ObjectBuilder::new().schema_type(Type::Object);
        let list = || ArrayBuilder::new().items(object());
        let task = || {
            object()
                .description(Some("A task: its data, flat, or `data` with the optional keys below"))
                .property("data", object())
                .property("annotations", list())
                .property("predictions", list())
                .property("meta", object())
                .build()
        };
        OneOfBuilder::new()
            .item(task())
            .item(ArrayBuilder::new().items(task()).min_items(Some(1)).build())
            .into()
    }
}

impl utoipa::ToSchema for ImportBody {}
