//! Annotations and predictions that arrive inside a task, and Label Studio's checks on them.

use serde_json::{Map, Value};

/// An annotation that comes with a task (import or storage sync). It is stored with
/// `completed_by` = the importing user (none for storage sync) and `updated_by` null.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateAnnotation {
    /// Always a JSON array.
    pub result: Value,
    pub was_cancelled: bool,
    /// Label Studio marks imported annotations as ground truth unless told otherwise.
    pub ground_truth: bool,
    pub lead_time: Option<f64>,
}

/// A prediction that comes with a task.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidatePrediction {
    /// Always a JSON array.
    pub result: Value,
    pub score: Option<f64>,
    /// `"undefined"` when not given, as Label Studio's import sets it.
    pub model_version: String,
}

impl CandidateAnnotation {
    /// Reads one element of a task's `annotations`, with Label Studio's messages.
    pub fn from_json(value: &Value) -> Result<CandidateAnnotation, String> {
        let object = value.as_object().ok_or_else(|| "Annotation must be dict".to_owned())?;
        let result = result_list(object, "annotation")?;
        Ok(CandidateAnnotation {
            result,
            was_cancelled: flag(object, "was_cancelled", false)?,
            ground_truth: flag(object, "ground_truth", true)?,
            lead_time: number(object, "lead_time")?,
        })
    }
}

impl CandidatePrediction {
    /// Reads one element of a task's `predictions`, with Label Studio's messages.
    pub fn from_json(value: &Value) -> Result<CandidatePrediction, String> {
        let object = value.as_object().ok_or_else(|| "Prediction must be dict".to_owned())?;
        let result = result_list(object, "prediction")?;
        let model_version = match object.get("model_version") {
            None | Some(Value::Null) => "undefined".to_owned(),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err("Prediction \"model_version\" must be a string".into()),
        };
        Ok(CandidatePrediction { result, score: number(object, "score")?, model_version })
    }
}

/// `result` of an annotation or prediction: a list, or a JSON string holding one.
pub fn parse_result(value: &Value, what: &str) -> Result<Value, String> {
    let not_list = || format!("\"result\" field in {what} must be list");
    match value {
        Value::Array(_) => Ok(value.clone()),
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(parsed @ Value::Array(_)) => Ok(parsed),
            Ok(_) => Err(not_list()),
            Err(_) => Err(format!("{what} \"result\" can't be parse from str to JSON")),
        },
        _ => Err(not_list()),
    }
}

fn result_list(object: &Map<String, Value>, what: &str) -> Result<Value, String> {
    let capitalized = if what == "annotation" { "Annotation" } else { "Prediction" };
    let value = object.get("result").ok_or_else(|| format!("{capitalized} must have \"result\" fields"))?;
    parse_result(value, what)
}

fn flag(object: &Map<String, Value>, name: &str, default: bool) -> Result<bool, String> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(format!("\"{name}\" must be a boolean")),
    }
}

fn number(object: &Map<String, Value>, name: &str) -> Result<Option<f64>, String> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| format!("\"{name}\" must be a number")),
        Some(_) => Err(format!("\"{name}\" must be a number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Imported annotations default to ground truth; a JSON string result is parsed.
    #[test]
    fn annotation_defaults() {
        let a = CandidateAnnotation::from_json(&json!({"result": "[{\"a\": 1}]"})).unwrap();
        assert_eq!(a.result, json!([{"a": 1}]));
        assert!(a.ground_truth && !a.was_cancelled);
        assert_eq!(
            CandidateAnnotation::from_json(&json!({"foo": 1})).unwrap_err(),
            "Annotation must have \"result\" fields"
        );
        assert_eq!(
            CandidateAnnotation::from_json(&json!({"result": {"a": 1}})).unwrap_err(),
            "\"result\" field in annotation must be list"
        );
    }

    /// Predictions without a model version get "undefined".
    #[test]
    fn prediction_defaults() {
        let p = CandidatePrediction::from_json(&json!({"result": [], "score": 0.5})).unwrap();
        assert_eq!(p.model_version, "undefined");
        assert_eq!(p.score, Some(0.5));
        assert!(CandidatePrediction::from_json(&json!({"result": [], "score": "x"})).is_err());
    }
}
