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

/// One row of Label Studio's converter, behind the `JSON_MIN` and `CSV` exports: a
/// non-cancelled annotation of a task, or the task alone when it has no annotation at all.
pub struct MinRow<'a> {
    pub task_id: i64,
    /// The task's data (`input` in the converter).
    pub data: &'a Map<String, Value>,
    /// One value per control of the label config that the result uses (`output`).
    pub outputs: Vec<(String, Value)>,
    pub annotation: Option<&'a Annotation>,
}

/// The converter's rows of a task: one per non-cancelled annotation, newest first (a stable
/// sort on `created_at`, so annotations created together keep their order); one row without
/// an annotation when the task has none; none when all its annotations are cancelled
/// (`annotation_result_from_task`). `controls` maps control names to their tags.
pub fn min_rows<'a>(
    task: &Task,
    data: &'a Map<String, Value>,
    annotations: &'a [Annotation],
    controls: &Map<String, Value>,
) -> Vec<MinRow<'a>> {
    if annotations.is_empty() {
        return vec![MinRow { task_id: task.id, data, outputs: Vec::new(), annotation: None }];
    }
    let mut kept: Vec<&Annotation> = annotations.iter().filter(|a| !a.was_cancelled).collect();
    kept.sort_by_key(|a| std::cmp::Reverse(a.created_at));
    kept.into_iter()
        .map(|a| MinRow {
            task_id: task.id,
            data,
            outputs: min_outputs(&a.result.0, controls),
            annotation: Some(a),
        })
        .collect()
}

/// A row of the `JSON_MIN` export: the task data, `id`, the outputs, then the annotation's
/// `annotator` (its author's id; `"None"` for an annotation without one, as `get_annotator`
/// writes it), `annotation_id`, `created_at`, `updated_at`, `lead_time` (nulls without an
/// annotation); later keys replace earlier ones, as in Label Studio.
pub fn min_json(row: &MinRow<'_>) -> Value {
    let mut out = row.data.clone();
    out.insert("id".into(), json!(row.task_id));
    for (name, value) in &row.outputs {
        out.insert(name.clone(), value.clone());
    }
    let a = row.annotation;
    let annotator = a.map(|a| a.completed_by_id.map_or_else(|| json!("None"), |id| json!(id)));
    out.insert("annotator".into(), annotator.unwrap_or(Value::Null));
    out.insert("annotation_id".into(), json!(a.map(|a| a.id)));
    out.insert("created_at".into(), a.map_or(Value::Null, |a| ts(&a.created_at)));
    out.insert("updated_at".into(), a.map_or(Value::Null, |a| ts(&a.updated_at)));
    out.insert("lead_time".into(), json!(a.and_then(|a| a.lead_time)));
    Value::Object(out)
}

/// Label Studio's converter: result values grouped by control, a single choice or text
/// flattened to its string, a lone `Choices`/`TextArea` value unwrapped from its list.
fn min_outputs(result: &Value, controls: &Map<String, Value>) -> Vec<(String, Value)> {
    let mut grouped: Vec<(String, &str, Vec<Value>)> = Vec::new();
    for item in result.as_array().into_iter().flatten() {
        let Some(name) = item.get("from_name").and_then(Value::as_str) else {
            continue;
        };
        // A config without controls (an interface-only project) keeps every region, under its
        // result's own type; otherwise only regions of the config's controls count.
        let tag = match controls.get(name).and_then(|c| c["type"].as_str()) {
            Some(tag) => tag,
            None if controls.is_empty() => item.get("type").and_then(Value::as_str).unwrap_or("unknown"),
            None => continue,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn controls(config: Value) -> Map<String, Value> {
        config.as_object().cloned().unwrap_or_default()
    }

    /// Results are grouped by control: a lone choice is unwrapped, two regions give a list of
    /// their choices, and a region of no control is dropped; with no controls at all every region
    /// is kept under its own type, never unwrapped (label_studio_sdk 2.1.2's converter, run on the
    /// same results).
    #[test]
    fn outputs_follow_the_converter() {
        let result = json!([
            {"from_name": "label", "to_name": "image", "type": "choices", "value": {"choices": ["pos"]}},
            {"from_name": "other", "to_name": "image", "type": "choices", "value": {"choices": ["x"]}},
        ]);
        let config = controls(json!({"label": {"type": "Choices"}}));
        assert_eq!(min_outputs(&result, &config), [("label".to_owned(), json!("pos"))]);

        let result = json!([
            {"from_name": "label", "to_name": "image", "type": "choices", "value": {"choices": ["pos"]}},
            {"from_name": "label", "to_name": "image", "type": "choices", "value": {"choices": ["neg"]}},
            {"to_name": "x", "type": "choices", "value": {"choices": ["z"]}},
        ]);
        let kept = json!([{"choices": ["pos"]}, {"choices": ["neg"]}]);
        assert_eq!(min_outputs(&result, &Map::new()), [("label".to_owned(), kept)]);
        assert_eq!(min_outputs(&result, &config), [("label".to_owned(), json!(["pos", "neg"]))]);
    }
}
