//! Prediction fields on the wire: what a client may send and what it gets back.

use labelsync_db::predictions::{Prediction, PredictionChanges};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::fields::{self, Field, Kind, TEXT};
use crate::wire::{timesince_now, ts};

/// Fields Label Studio returns but sets itself; accepted and ignored.
const READ_ONLY: &[&str] = &[
    "id",
    "project",
    "created_ago",
    "cluster",
    "neighbors",
    "mislabeling",
    "created_at",
    "updated_at",
    "model",
    "model_run",
];

/// A validated create (`task` required) or update (`task` ignored) body.
#[derive(Debug)]
pub struct PredictionInput {
    pub task: Option<i64>,
    pub changes: PredictionChanges,
}

/// Validates a body; `result` must be a list or a JSON string holding one.
pub fn parse(body: &Map<String, Value>, creating: bool) -> Result<PredictionInput, ApiError> {
    let task_kind = Kind::Int { min: None, max: None };
    let mut spec = vec![
        Field::new("result", Kind::Any),
        Field::nullable("score", Kind::Float),
        Field::nullable("model_version", TEXT),
        if creating { Field::new("task", task_kind) } else { Field::read_only("task") },
    ];
    spec.extend(READ_ONLY.iter().map(|name| Field::read_only(name)));
    let valid = fields::validate(body, &spec)?;
    if creating {
        let missing: Map<String, Value> = ["task", "result"]
            .into_iter()
            .filter(|name| !valid.contains_key(*name))
            .map(|name| (name.to_owned(), json!(["This field is required."])))
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::Validation(missing));
        }
    }
    let result = valid
        .get("result")
        .map(|value| labelsync_sync::tasks::parse_result(value, "prediction"))
        .transpose()
        .map_err(|why| ApiError::field("result", why))?;
    Ok(PredictionInput {
        task: valid.get("task").and_then(Value::as_i64),
        changes: PredictionChanges {
            result,
            score: valid.get("score").map(Value::as_f64),
            model_version: valid.get("model_version").map(|v| v.as_str().unwrap_or_default().to_owned()),
        },
    })
}

/// A prediction in Label Studio's key order.
pub fn prediction_json(prediction: &Prediction) -> Value {
    json!({
        "id": prediction.id,
        "result": prediction.result.0,
        "model_version": prediction.model_version,
        "created_ago": timesince_now(&prediction.created_at),
        "score": prediction.score,
        "cluster": null,
        "neighbors": null,
        "mislabeling": 0.0,
        "created_at": ts(&prediction.created_at),
        "updated_at": ts(&prediction.updated_at),
        "model": null,
        "model_run": null,
        "task": prediction.task_id,
        "project": prediction.project_id,
    })
}
