//! Tasks from JSON: Label Studio's rules for turning an API upload or a storage object into
//! [`TaskCandidate`]s, and [`create_tasks`], which creates candidates with their annotations,
//! predictions and import links inside the caller's transaction.
//!
//! Two sets of rules produce candidates:
//! - [`validate_import`]: the import API's strict checks (`POST /api/projects/{id}/import`),
//!   with Label Studio's messages; one bad item rejects the whole upload.
//! - [`parse_task_json`] + [`candidate_from_object`]: storage sync (`docs/label-studio-api.md`
//!   §5.6/§5.7), lenient about annotations and predictions, no data-key checks.

mod create;
mod data;
mod delete;
mod item;
mod pyrepr;
mod storage;
mod validate;

pub use create::{CreatedTasks, create_tasks};
pub use data::{UNDEFINED_KEY, rename_undefined};
pub use delete::{delete_all_tasks, delete_tasks};
pub use item::{CandidateAnnotation, CandidatePrediction, parse_result};
pub use pyrepr::{py_number, py_repr};
pub use storage::{StorageTaskError, candidate_from_object, parse_task_json};
pub use validate::{ImportRejected, check_task_data, validate_import};

use serde_json::{Map, Value};

/// One task to create.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskCandidate {
    /// The task's `data`, always an object.
    pub data: Map<String, Value>,
    /// The task's `meta` (`{}` when not given).
    pub meta: Value,
    pub annotations: Vec<CandidateAnnotation>,
    pub predictions: Vec<CandidatePrediction>,
    pub allow_skip: bool,
    /// The storage object the task came from; becomes its import link.
    pub source: Option<TaskSource>,
}

/// Where in a storage a task came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSource {
    /// The object key.
    pub key: String,
    /// The row within a JSON array or JSONL file; `None` for a single-object file or a blob.
    pub row_index: Option<i32>,
    /// What identified the object's content when it was read ([`labelsync_storage::ObjectMeta::version`]).
    pub version: Option<String>,
}

/// The storage whose import links new tasks get, and the sync generation that listed them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkTarget {
    pub storage_id: i64,
    pub generation: i64,
}

impl TaskCandidate {
    /// A candidate with just `data`.
    pub fn new(data: Map<String, Value>) -> TaskCandidate {
        TaskCandidate {
            data,
            meta: Value::Object(Map::new()),
            annotations: Vec::new(),
            predictions: Vec::new(),
            allow_skip: true,
            source: None,
        }
    }

    /// A "files" mode task (`docs/label-studio-api.md` §5.8): data `{"$undefined$": uri}`, stored
    /// like that and renamed to the project's first data key whenever it is served.
    pub fn blob(uri: String, key: String, version: Option<String>) -> TaskCandidate {
        let mut data = Map::new();
        data.insert(UNDEFINED_KEY.to_owned(), Value::String(uri));
        let source = TaskSource { key, row_index: None, version };
        TaskCandidate { source: Some(source), ..TaskCandidate::new(data) }
    }
}
