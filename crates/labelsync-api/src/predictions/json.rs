//! Prediction fields on the wire: what a client may send and what it gets back.

use labelsync_db::predictions::{Prediction, PredictionChanges};
use labelsync_sync::wire::timestamp::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::fields::schema::body_schema;
use crate::fields::{self, Field, Kind, TEXT};
use crate::wire::timesince_now;

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

/// Every field a body may hold; `task` is writable on create only.
fn spec(creating: bool) -> Vec<Field> {
    let task_kind = Kind::Int { min: None, max: None };
    let mut spec = vec![
        Field::new("result", Kind::Any),
        Field::nullable("score", Kind::Float),
        Field::nullable("model_version", TEXT),
        if creating { Field::new("task", task_kind) } else { Field::read_only("task") },
    ];
    spec.extend(READ_ONLY.iter().map(|name| Field::read_only(name)));
    spec
}

body_schema!(
    /// The body of `POST /api/predictions/`.
    NewPredictionBody,
    fields: spec(true),
    required: ["task", "result"],
    "A prediction: its task, `result` (a list, or a JSON string holding one), `score`, `model_version`"
);

body_schema!(
    /// The body of `PATCH /api/predictions/{id}/`.
    PredictionChangesBody,
    fields: spec(false),
    required: [],
    "Prediction fields to change; `task` cannot change"
);

/// A validated create (`task` required) or update (`task` ignored) body.
#[derive(Debug)]
pub struct PredictionInput {
    pub task: Option<i64>,
    pub changes: PredictionChanges,
}

/// Validates a body; `result` must be a list or a JSON string holding one.
pub fn parse(body: &Map<String, Value>, creating: bool) -> Result<PredictionInput, ApiError> {
    let valid = fields::validate(body, &spec(creating))?;
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

/// A prediction as the API writes it, in Label Studio's key order. The fields labelsync does
/// not keep (`cluster`, `neighbors`, `model`, `model_run`) are always null.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PredictionApi {
    pub id: i64,
    /// The list of result regions.
    #[schema(value_type = Vec<Value>)]
    pub result: Value,
    pub model_version: String,
    /// How long ago it was created, as Django's `timesince`.
    pub created_ago: String,
    pub score: Option<f64>,
    pub cluster: Option<i64>,
    #[schema(value_type = Option<Vec<Value>>)]
    pub neighbors: Option<Value>,
    pub mislabeling: f64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub model: Option<i64>,
    pub model_run: Option<i64>,
    pub task: i64,
    pub project: i64,
}

impl PredictionApi {
    pub fn new(prediction: &Prediction) -> PredictionApi {
        PredictionApi {
            id: prediction.id,
            result: prediction.result.0.clone(),
            model_version: prediction.model_version.clone(),
            created_ago: timesince_now(&prediction.created_at),
            score: prediction.score,
            cluster: None,
            neighbors: None,
            mislabeling: 0.0,
            created_at: prediction.created_at.into(),
            updated_at: prediction.updated_at.into(),
            model: None,
            model_run: None,
            task: prediction.task_id,
            project: prediction.project_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::fixtures::{keys, prediction};

    /// A prediction has the old map's keys in the old map's order, the unkept fields null.
    #[test]
    fn key_order() {
        let written = PredictionApi::new(&prediction());
        let order = [
            "id",
            "result",
            "model_version",
            "created_ago",
            "score",
            "cluster",
            "neighbors",
            "mislabeling",
            "created_at",
            "updated_at",
            "model",
            "model_run",
            "task",
            "project",
        ];
        assert_eq!(keys(&written), order);
        let value = serde_json::to_value(&written).unwrap();
        assert_eq!((&value["cluster"], &value["model_run"]), (&Value::Null, &Value::Null));
        assert_eq!(serde_json::to_string(&value["mislabeling"]).unwrap(), "0.0");
    }
}
