//! Task fields on the wire. Label Studio serves tasks in several shapes (list item, detail,
//! create response, nested list); every shape takes its `data` from [`served_data`].

use labelsync_db::annotations::Annotation;
use labelsync_db::predictions::Prediction;
use labelsync_db::projects::Project;
use labelsync_db::tasks::Task;
use labelsync_sync::label_config::LabelConfig;
use labelsync_sync::media::MediaSources;
use serde_json::{Map, Value, json};

use crate::annotations::Users;
use crate::annotations::json::annotation_json;
use crate::predictions::json::prediction_json;
use crate::wire::{python_dumps, ts, ts_opt};

/// What serving a project's tasks needs to know about the project.
#[derive(Debug, Clone)]
pub struct ServeContext {
    /// The config's first data key: what a blob task's `$undefined$` key reads as.
    first_data_key: Option<String>,
    /// The project's import storages and the URL base, when storage URIs are rewritten.
    media: Option<(MediaSources, String)>,
}

impl ServeContext {
    /// Serving without URI rewriting (exports, write responses).
    pub fn new(project: &Project) -> ServeContext {
        let first_data_key =
            LabelConfig::parse(&project.label_config).ok().and_then(|config| config.first_data_key());
        ServeContext { first_data_key, media: None }
    }

    /// Also rewrites the storage URIs that `sources` resolve to `{host}/tasks/{id}/resolve/…`
    /// (build it with `media::serve_context`).
    pub fn resolving(mut self, sources: MediaSources, host: &str) -> ServeContext {
        self.media = (!sources.is_empty()).then(|| (sources, host.to_owned()));
        self
    }
}

/// A task's `data` as clients see it — the one place that turns stored data into served data,
/// used by every response and export that contains tasks. Blob tasks are stored as
/// `{"$undefined$": uri}` and served under the project's first data key
/// (`docs/label-studio-api.md` §5.8); with a resolving context, storage URIs of the project's
/// import storages become resolve URLs (`docs/label-studio-api.md` §7.1).
pub fn served_data(task: &Task, ctx: &ServeContext) -> Value {
    let data = labelsync_sync::tasks::rename_undefined(&task.data.0, ctx.first_data_key.as_deref());
    match &ctx.media {
        Some((sources, host)) => sources.rewrite(&data, task.id, task.import_storage_id, host),
        None => data,
    }
}

/// The fields every shape shares, from `data` to `comment_authors` (the create response).
pub fn simple(task: &Task, ctx: &ServeContext) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("id".into(), json!(task.id));
    out.insert("data".into(), served_data(task, ctx));
    out.insert("meta".into(), task.meta.0.clone());
    out.insert("created_at".into(), ts(&task.created_at));
    out.insert("updated_at".into(), ts(&task.updated_at));
    out.insert("is_labeled".into(), json!(task.is_labeled));
    out.insert("overlap".into(), json!(task.overlap));
    out.insert("inner_id".into(), json!(task.inner_id));
    out.insert("total_annotations".into(), json!(task.total_annotations));
    out.insert("cancelled_annotations".into(), json!(task.cancelled_annotations));
    out.insert("total_predictions".into(), json!(task.total_predictions));
    out.insert("comment_count".into(), json!(0));
    out.insert("unresolved_comment_count".into(), json!(0));
    out.insert("last_comment_updated_at".into(), Value::Null);
    out.insert("project".into(), json!(task.project_id));
    out.insert("updated_by".into(), json!(task.updated_by_id));
    out.insert("file_upload".into(), Value::Null);
    out.insert("comment_authors".into(), json!([]));
    out
}

/// [`simple`] followed by full `annotations` and `predictions` (PATCH response,
/// `/api/projects/{id}/tasks/` items).
pub fn with_nested(
    task: &Task,
    ctx: &ServeContext,
    annotations: &[Annotation],
    predictions: &[Prediction],
    users: &Users,
) -> Value {
    let mut out = simple(task, ctx);
    out.insert("annotations".into(), annotations.iter().map(|a| annotation_json(a, users, false)).collect());
    out.insert("predictions".into(), predictions.iter().map(prediction_json).collect());
    Value::Object(out)
}

/// An item of `/api/tasks/?project=` without `fields=all`: nothing nested, the computed
/// columns left blank as Label Studio leaves them.
pub fn list_item(task: &Task, ctx: &ServeContext) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(task.id));
    out.insert("drafts".into(), json!([]));
    out.insert("annotators".into(), json!([]));
    counters(&mut out, task);
    for name in ["annotations_results", "predictions_results"] {
        out.insert(name.into(), json!(""));
    }
    out.insert("file_upload".into(), Value::Null);
    out.insert("storage_filename".into(), json!(task.storage_filename));
    for name in ["annotations_ids", "predictions_model_versions"] {
        out.insert(name.into(), json!(""));
    }
    out.insert("updated_by".into(), json!([]));
    tail(&mut out, task, ctx);
    Value::Object(out)
}

/// The detail view (`GET /api/tasks/{id}/`, `list = false`: authors expanded, result
/// summaries blank) and the `fields=all` list item (`list = true`: author ids, result
/// summaries filled).
pub fn full(
    task: &Task,
    ctx: &ServeContext,
    annotations: &[Annotation],
    predictions: &[Prediction],
    users: &Users,
    list: bool,
) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(task.id));
    out.insert("predictions".into(), predictions.iter().map(prediction_json).collect());
    out.insert("annotations".into(), annotations.iter().map(|a| annotation_json(a, users, !list)).collect());
    out.insert("drafts".into(), json!([]));
    out.insert("annotators".into(), json!(distinct(annotations.iter().filter_map(|a| a.completed_by_id))));
    counters(&mut out, task);
    summaries(&mut out, task, annotations, predictions, list);
    tail(&mut out, task, ctx);
    Value::Object(out)
}

/// The computed fields of [`full`], from `completed_at` to `updated_by`.
fn summaries(
    out: &mut Map<String, Value>,
    task: &Task,
    annotations: &[Annotation],
    predictions: &[Prediction],
    list: bool,
) {
    let completed_at = annotations.iter().map(|a| a.created_at).max();
    out.insert("completed_at".into(), ts_opt(&completed_at));
    let summary = |results: Vec<&Value>| {
        if list { results_summary(&results) } else { String::new() }
    };
    out.insert(
        "annotations_results".into(),
        json!(summary(annotations.iter().map(|a| &a.result.0).collect())),
    );
    out.insert(
        "predictions_results".into(),
        json!(summary(predictions.iter().map(|p| &p.result.0).collect())),
    );
    out.insert("predictions_score".into(), Value::Null);
    out.insert("file_upload".into(), Value::Null);
    out.insert("storage_filename".into(), json!(task.storage_filename));
    out.insert("annotations_ids".into(), json!(joined(annotations.iter().map(|a| a.id.to_string()))));
    out.insert(
        "predictions_model_versions".into(),
        json!(joined(distinct(predictions.iter().map(|p| p.model_version.clone())))),
    );
    out.insert("avg_lead_time".into(), json!(average(annotations.iter().filter_map(|a| a.lead_time))));
    out.insert("draft_exists".into(), json!(false));
    let updaters = distinct(annotations.iter().filter_map(|a| a.updated_by_id));
    out.insert("updated_by".into(), updaters.iter().map(|id| json!({"user_id": id})).collect());
}

fn counters(out: &mut Map<String, Value>, task: &Task) {
    out.insert("inner_id".into(), json!(task.inner_id));
    out.insert("cancelled_annotations".into(), json!(task.cancelled_annotations));
    out.insert("total_annotations".into(), json!(task.total_annotations));
    out.insert("total_predictions".into(), json!(task.total_predictions));
}

fn tail(out: &mut Map<String, Value>, task: &Task, ctx: &ServeContext) {
    out.insert("data".into(), served_data(task, ctx));
    out.insert("meta".into(), task.meta.0.clone());
    out.insert("created_at".into(), ts(&task.created_at));
    out.insert("updated_at".into(), ts(&task.updated_at));
    out.insert("is_labeled".into(), json!(task.is_labeled));
    out.insert("overlap".into(), json!(task.overlap));
    out.insert("comment_count".into(), json!(0));
    out.insert("unresolved_comment_count".into(), json!(0));
    out.insert("last_comment_updated_at".into(), Value::Null);
    out.insert("project".into(), json!(task.project_id));
    out.insert("comment_authors".into(), json!([]));
}

/// Label Studio's display string of results: `json.dumps` of the list of results without its
/// outer brackets and quotes, cut at 500 characters
/// (`[{from_name: label, to_name: image, type: choices, value: {choices: [pos]}}]`).
fn results_summary(results: &[&Value]) -> String {
    if results.is_empty() {
        return String::new();
    }
    let dumped: Vec<String> = results.iter().map(|r| python_dumps(r)).collect();
    dumped.join(", ").chars().filter(|c| *c != '"').take(500).collect()
}

fn distinct<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn joined(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join(",")
}

fn average(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}
