//! Label Studio's export formats for one task.

use labelsync_db::annotations::Annotation;
use labelsync_db::predictions::Prediction;
use labelsync_db::tasks::Task;
use labelsync_sync::wire::annotation::{self, Layout};
use serde_json::{Map, Value, json};

use crate::wire::ts;

/// A task of the `JSON` export: annotations in full ([`Layout::Export`]), predictions as ids.
/// `data` is the served data (see `tasks::json::served_data`).
pub fn task_json(task: &Task, data: Value, annotations: &[Annotation], predictions: &[Prediction]) -> Value {
    json!({
        "id": task.id,
        "annotations": annotations.iter().map(|a| annotation::to_json(a, Layout::Export)).collect::<Vec<_>>(),
        "drafts": [],
        "predictions": predictions.iter().map(|p| p.id).collect::<Vec<_>>(),
        "data": data,
        "meta": task.meta.0,
        "created_at": ts(&task.created_at),
        "updated_at": ts(&task.updated_at),
        "allow_skip": task.allow_skip,
        "inner_id": task.inner_id,
        "total_annotations": task.total_annotations,
        "cancelled_annotations": task.cancelled_annotations,
        "total_predictions": task.total_predictions,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": null,
        "project": task.project_id,
        "updated_by": task.updated_by_id,
        "comment_authors": [],
    })
}

/// The rows of a task in the `JSON_MIN` export: one per non-cancelled annotation, newest
/// first, or one row of nulls when there is none. Each row is the task data, `id`, one key
/// per control of `controls` (name → tag) that the result uses, then the annotation's
/// `annotator`, `annotation_id`, `created_at`, `updated_at`, `lead_time`.
pub fn min_rows(
    task: &Task,
    data: &Value,
    annotations: &[Annotation],
    controls: &Map<String, Value>,
) -> Vec<Value> {
    let base = || {
        let mut row = data.as_object().cloned().unwrap_or_default();
        row.insert("id".into(), json!(task.id));
        row
    };
    let rows: Vec<Value> = annotations
        .iter()
        .rev()
        .filter(|a| !a.was_cancelled)
        .map(|a| {
            let mut row = base();
            for (name, value) in min_outputs(&a.result.0, controls) {
                row.insert(name, value);
            }
            row.insert("annotator".into(), json!(a.completed_by_id));
            row.insert("annotation_id".into(), json!(a.id));
            row.insert("created_at".into(), ts(&a.created_at));
            row.insert("updated_at".into(), ts(&a.updated_at));
            row.insert("lead_time".into(), json!(a.lead_time));
            Value::Object(row)
        })
        .collect();
    if !rows.is_empty() {
        return rows;
    }
    let mut row = base();
    for name in ["annotator", "annotation_id", "created_at", "updated_at", "lead_time"] {
        row.insert(name.into(), Value::Null);
    }
    vec![Value::Object(row)]
}

/// Label Studio's converter: result values grouped by control, a single choice or text
/// flattened to its string, a lone `Choices`/`TextArea` value unwrapped from its list.
fn min_outputs(result: &Value, controls: &Map<String, Value>) -> Vec<(String, Value)> {
    let mut grouped: Vec<(String, &str, Vec<Value>)> = Vec::new();
    for item in result.as_array().into_iter().flatten() {
        let Some(name) = item.get("from_name").and_then(Value::as_str) else {
            continue;
        };
        let Some(tag) = controls.get(name).and_then(|c| c["type"].as_str()) else {
            continue;
        };
        let mut value = item.get("value").and_then(Value::as_object).cloned().unwrap_or_default();
        for extra in ["original_width", "original_height"] {
            if let Some(v) = item.get(extra) {
                value.insert(extra.into(), v.clone());
            }
        }
        let pretty = match (tag, value.get("choices"), value.get("text")) {
            ("Choices", Some(Value::Array(c)), _) if c.len() == 1 => c[0].clone(),
            ("TextArea", _, Some(Value::Array(t))) if t.len() == 1 => t[0].clone(),
            _ => Value::Object(value),
        };
        match grouped.iter_mut().find(|(n, _, _)| n == name) {
            Some((_, _, values)) => values.push(pretty),
            None => grouped.push((name.to_owned(), tag, vec![pretty])),
        }
    }
    grouped
        .into_iter()
        .map(|(name, tag, mut values)| {
            let single = values.len() == 1 && matches!(tag, "Choices" | "TextArea");
            let value = if single { values.remove(0) } else { Value::Array(values) };
            (name, value)
        })
        .collect()
}
