//! Tasks from storage objects in "tasks" mode (`docs/label-studio-api.md` §5.6 and §5.7): parsing
//! an object's bytes into rows, and a row into a candidate with Label Studio's lenient rules.

use serde_json::{Map, Value};

use super::item::{CandidateAnnotation, CandidatePrediction};
use super::{TaskCandidate, TaskSource};

/// Why an object could not become tasks; the storage's sync fails with this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageTaskError {
    #[error(
        "Can't import JSON-formatted tasks from {0}. If you're trying to import binary objects, perhaps you forgot to enable \"Tasks\" import method?"
    )]
    NotJson(String),
    #[error("Can't import task from {key}: a task must be a JSON object, got {found}")]
    NotAnObject { key: String, found: &'static str },
    #[error("If you use \"{0}\" field in the task, you must put \"data\" field in the task too")]
    NeedsData(&'static str),
    #[error("Can't import task from {0}: null characters (\\u0000) are not allowed")]
    NullCharacter(String),
}

/// The rows of a task file (`docs/label-studio-api.md` §5.6): a JSON array (rows 0, 1, …), one JSON
/// object (row `None`), or JSON Lines (rows 0, 1, …). Empty input, other JSON and a BOM are errors.
pub fn parse_task_json(bytes: &[u8], key: &str) -> Result<Vec<(Value, Option<i32>)>, StorageTaskError> {
    let not_json = || StorageTaskError::NotJson(key.to_owned());
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'[') => {
            let rows: Vec<Value> = serde_json::from_slice(bytes).map_err(|_| not_json())?;
            numbered(rows, key)
        }
        Some(b'{') => {
            if let Ok(object) = serde_json::from_slice::<Value>(bytes) {
                return Ok(vec![(object, None)]);
            }
            let text = std::str::from_utf8(bytes).map_err(|_| not_json())?;
            let rows = text
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(|line| serde_json::from_str::<Value>(line).map_err(|_| not_json()))
                .collect::<Result<Vec<_>, _>>()?;
            numbered(rows, key)
        }
        _ => Err(not_json()),
    }
}

fn numbered(rows: Vec<Value>, key: &str) -> Result<Vec<(Value, Option<i32>)>, StorageTaskError> {
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let index = i32::try_from(i).map_err(|_| StorageTaskError::NotJson(key.to_owned()))?;
            Ok((row, Some(index)))
        })
        .collect()
}

/// True when a key or a string anywhere in `object` holds U+0000, which PostgreSQL cannot store.
fn holds_null_character(object: &Map<String, Value>) -> bool {
    fn value(v: &Value) -> bool {
        match v {
            Value::String(s) => s.contains('\0'),
            Value::Array(items) => items.iter().any(value),
            Value::Object(map) => holds_null_character(map),
            _ => false,
        }
    }
    object.iter().any(|(k, v)| k.contains('\0') || value(v))
}

/// One row of a task file as a candidate (`docs/label-studio-api.md` §5.7): `data` is the row's
/// `data` object if it has one (other keys but `annotations`, `predictions`, `allow_skip` ignored),
/// else the row itself. Invalid annotations and predictions are dropped with a warning, as Label
/// Studio drops them; `meta` is never set.
pub fn candidate_from_object(row: Value, source: TaskSource) -> Result<TaskCandidate, StorageTaskError> {
    let Value::Object(mut object) = row else {
        return Err(StorageTaskError::NotAnObject { key: source.key, found: json_type(&row) });
    };
    if holds_null_character(&object) {
        return Err(StorageTaskError::NullCharacter(source.key));
    }
    let has_data = object.contains_key("data");
    let annotations = take_list(&object, "annotations");
    let predictions = take_list(&object, "predictions");
    if !predictions.is_empty() && !has_data {
        return Err(StorageTaskError::NeedsData("predictions"));
    }
    if !annotations.is_empty() && !has_data {
        return Err(StorageTaskError::NeedsData("annotations"));
    }
    let allow_skip = object.get("allow_skip").and_then(Value::as_bool).unwrap_or(true);
    let data = match object.remove("data") {
        Some(Value::Object(data)) => data,
        Some(other) => {
            object.insert("data".into(), other);
            object
        }
        None => object,
    };
    Ok(TaskCandidate {
        annotations: lenient(&annotations, CandidateAnnotation::from_json, &source),
        predictions: lenient(&predictions, CandidatePrediction::from_json, &source),
        allow_skip,
        source: Some(source),
        ..TaskCandidate::new(data)
    })
}

fn take_list(object: &Map<String, Value>, name: &str) -> Vec<Value> {
    match object.get(name) {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    }
}

fn lenient<T>(items: &[Value], parse: fn(&Value) -> Result<T, String>, source: &TaskSource) -> Vec<T> {
    items
        .iter()
        .filter_map(|item| match parse(item) {
            Ok(parsed) => Some(parsed),
            Err(why) => {
                tracing::warn!(key = %source.key, row = ?source.row_index, %why, "dropped an invalid item of an imported task");
                None
            }
        })
        .collect()
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn src(row: Option<i32>) -> TaskSource {
        TaskSource { key: "k.json".into(), row_index: row, version: None }
    }

    /// Arrays, single objects and JSON Lines give the rows of §5.6; anything else is refused.
    #[test]
    fn parses_files() {
        let rows = parse_task_json(b" [{\"a\":1},{\"a\":2}]", "k").unwrap();
        assert_eq!(rows[1], (json!({"a": 2}), Some(1)));
        assert_eq!(parse_task_json(b"{\"a\":1}", "k").unwrap(), vec![(json!({"a": 1}), None)]);
        let jsonl = parse_task_json(b"{\"a\":1}\n\n{\"a\":2}\n", "k").unwrap();
        assert_eq!(jsonl[1], (json!({"a": 2}), Some(1)));
        assert!(parse_task_json(b"[]", "k").unwrap().is_empty());
        for bad in [&b""[..], b"  ", b"\"x\"", b"\xef\xbb\xbf[]", b"[1,", b"{\"a\":1}\nnope"] {
            assert!(matches!(parse_task_json(bad, "k"), Err(StorageTaskError::NotJson(_))));
        }
    }

    /// `data` wins over other keys; a flat row is the data; predictions need `data`.
    #[test]
    fn candidates() {
        let c = candidate_from_object(
            json!({"data": {"t": 1}, "meta": {"x": 1}, "allow_skip": false,
            "annotations": [{"result": []}, {"bad": 1}], "predictions": [{"result": []}]}),
            src(Some(0)),
        )
        .unwrap();
        assert_eq!(Value::Object(c.data), json!({"t": 1}));
        assert_eq!(c.meta, json!({}));
        assert!(!c.allow_skip);
        assert_eq!((c.annotations.len(), c.predictions.len()), (1, 1));
        let flat = candidate_from_object(json!({"text": "single", "meta_x": 1}), src(None)).unwrap();
        assert_eq!(Value::Object(flat.data), json!({"text": "single", "meta_x": 1}));
        assert_eq!(
            candidate_from_object(json!({"t": 1, "predictions": [{"result": []}]}), src(None)),
            Err(StorageTaskError::NeedsData("predictions"))
        );
        assert!(candidate_from_object(json!("x"), src(Some(0))).is_err());
    }

    /// A row holding U+0000 in a value or a key (PostgreSQL cannot store it) is refused with a
    /// message naming the object, before anything is written.
    #[test]
    fn null_characters() {
        for row in [json!({"data": {"t": ["a\u{0}"]}}), json!({"t\u{0}": 1})] {
            assert_eq!(
                candidate_from_object(row, src(Some(0))),
                Err(StorageTaskError::NullCharacter("k.json".into()))
            );
        }
    }
}
