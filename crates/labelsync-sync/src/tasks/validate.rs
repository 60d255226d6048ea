//! The import API's checks (Label Studio's `TaskValidator`): every item is checked, valid
//! items are reported as `{}` and bad ones as `"Error at item {i}: {why} :: {repr(item)}"`,
//! and any error rejects the whole upload.

use serde_json::{Map, Value};

use super::data::rename_in_place;
use super::item::{CandidateAnnotation, CandidatePrediction};
use super::pyrepr::{py_repr, py_str, py_type};
use super::{TaskCandidate, UNDEFINED_KEY};
use crate::label_config::LabelConfig;

/// Suffix of data errors for an item with a `data` key.
pub const WRAPPED_SUFFIX: &str = " [assume: item[\"data\"] = task root with values]";
/// Suffix of data errors for an item that is the data itself (the trailing space is
/// Label Studio's).
const FLAT_SUFFIX: &str = " [assume: item as is = task root with values] ";
/// Label Studio stops listing errors after this many.
const MAX_ERRORS: usize = 100;

/// Why an upload was refused: Label Studio's `non_field_errors` list (`{}` for each valid
/// item before the last error, a message for each bad one).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRejected(pub Vec<Value>);

/// Checks uploaded task items against the project's label config and turns them into
/// candidates. `$undefined$` data keys are renamed to the config's first data key here, as
/// Label Studio does on import.
pub fn validate_import(
    items: Vec<Value>,
    config: &LabelConfig,
) -> Result<Vec<TaskCandidate>, ImportRejected> {
    let data_types = config.data_types();
    let mut candidates = Vec::with_capacity(items.len());
    let mut errors: Vec<Value> = Vec::new();
    let mut failed = 0usize;
    for (index, item) in items.into_iter().enumerate() {
        match candidate(&item, &data_types) {
            Ok(candidate) => {
                candidates.push(candidate);
                errors.push(Value::Object(Map::new()));
            }
            Err(why) => {
                failed += 1;
                errors.push(Value::String(format!("Error at item {index}: {why} :: {}", py_repr(&item))));
                if failed >= MAX_ERRORS {
                    if let Some(last) = errors.last_mut() {
                        *last = Value::String("...".into());
                    }
                    break;
                }
            }
        }
    }
    if failed > 0 {
        return Err(ImportRejected(errors));
    }
    Ok(candidates)
}

/// Checks the `data` of a task created through `POST /api/tasks/`, returning it as an
/// object, or Label Studio's message (with its `[assume: …]` suffix).
pub fn check_task_data(data: Value, config: &LabelConfig) -> Result<Map<String, Value>, String> {
    let data_types = config.data_types();
    let data = check_data(data, &data_types).map_err(|why| format!("{why}{}", WRAPPED_SUFFIX))?;
    match data {
        Value::Object(map) => Ok(map),
        _ => Err("Task[data] must be dict".into()),
    }
}

fn candidate(item: &Value, data_types: &[(String, String)]) -> Result<TaskCandidate, String> {
    let Some(task) = item.as_object() else {
        return Err(
            "Task root must be dict with \"data\", \"meta\", \"annotations\", \"predictions\" fields".into(),
        );
    };
    let Some(data) = task.get("data") else {
        let data = check_data(item.clone(), data_types).map_err(|why| format!("{why}{}", FLAT_SUFFIX))?;
        return match data {
            Value::Object(map) => Ok(TaskCandidate::new(map)),
            _ => Err("Task[data] must be dict".into()),
        };
    };
    if !matches!(data, Value::Object(_) | Value::Array(_)) {
        return Err("Task[data] must be dict or list".into());
    }
    let data = check_data(data.clone(), data_types).map_err(|why| format!("{why}{}", WRAPPED_SUFFIX))?;
    let Value::Object(data) = data else {
        return Err("Task[data] must be dict".into());
    };
    let annotations = list_of(task, "annotations", CandidateAnnotation::from_json)?;
    let predictions = list_of(task, "predictions", CandidatePrediction::from_json)?;
    let meta = match task.get("meta") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(meta @ (Value::Object(_) | Value::Array(_))) => meta.clone(),
        Some(_) => return Err("Task[meta] must be dict or list".into()),
    };
    Ok(TaskCandidate {
        data,
        meta,
        annotations,
        predictions,
        allow_skip: task.get("allow_skip").and_then(Value::as_bool).unwrap_or(true),
        source: None,
    })
}

fn list_of<T>(
    task: &Map<String, Value>,
    name: &str,
    parse: fn(&Value) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    match task.get(name) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(parse).collect(),
        Some(_) => Err(format!("Task[{name}] must be list")),
    }
}

/// Label Studio's `check_data`: `$undefined$` renamed, every data key of the config present
/// with a type its object tag accepts.
fn check_data(mut data: Value, data_types: &[(String, String)]) -> Result<Value, String> {
    if let (Value::Object(map), Some((first, _))) = (&mut data, data_types.first())
        && map.contains_key(UNDEFINED_KEY)
    {
        rename_in_place(map, first);
    }
    for (key, tag) in data_types {
        let value = match &data {
            Value::Object(map) => map.get(key),
            _ => None,
        };
        let Some(value) = value else {
            return Err(format!("\"{key}\" key is expected in task data"));
        };
        let expected = expected_types(tag);
        if !expected.iter().any(|t| is_instance(value, t)) {
            let names: Vec<String> = expected.iter().map(|t| format!("'{t}'")).collect();
            return Err(format!(
                "data['{key}']={} is of type '{}', but the object tag {tag} expects the following types: [{}]",
                py_str(value),
                py_type(value),
                names.join(", ")
            ));
        }
    }
    Ok(data)
}

/// The Python types each object tag accepts for its data value.
fn expected_types(tag: &str) -> &'static [&'static str] {
    match tag {
        "Text" => &["str", "int", "float", "list"],
        "Header" => &["str", "int", "float"],
        "HyperText" => &["str"],
        "Image" => &["str", "list"],
        "Paragraphs" | "Chat" | "List" | "Ranker" => &["list", "str"],
        "Table" | "TimeSeries" | "TimeSeriesChannel" => &["dict", "list", "str"],
        _ => &["str"],
    }
}

/// Python's `isinstance` for JSON values (`bool` is an `int`).
fn is_instance(value: &Value, py_type: &str) -> bool {
    match py_type {
        "str" => value.is_string(),
        "int" => value.is_boolean() || value.is_i64() || value.is_u64(),
        "float" => value.is_f64(),
        "list" => value.is_array(),
        "dict" => value.is_object(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const IMAGE: &str = r#"<View><Image name="image" value="$image_url"/><Choices name="label" toName="image"><Choice value="pos"/></Choices></View>"#;

    fn config() -> LabelConfig {
        LabelConfig::parse(IMAGE).unwrap()
    }

    /// Flat and wrapped items become candidates; meta, annotations and predictions are kept.
    #[test]
    fn accepts_flat_and_wrapped() {
        let items = vec![
            json!({"image_url": "a", "extra": 1}),
            json!({"data": {"image_url": "b"}, "meta": {"m": 1}, "id": 7,
                   "annotations": [{"result": []}], "predictions": [{"result": []}]}),
        ];
        let c = validate_import(items, &config()).unwrap();
        assert_eq!(Value::Object(c[0].data.clone()), json!({"image_url": "a", "extra": 1}));
        assert_eq!(c[1].meta, json!({"m": 1}));
        assert_eq!((c[1].annotations.len(), c[1].predictions.len()), (1, 1));
    }

    /// Errors carry Label Studio's text, with `{}` for valid items.
    #[test]
    fn messages() {
        let err = validate_import(vec![json!({"image_url": "a"}), json!({"data": {"text": "x"}})], &config())
            .unwrap_err();
        assert_eq!(
            err.0,
            vec![
                json!({}),
                json!(
                    "Error at item 1: \"image_url\" key is expected in task data [assume: item[\"data\"] = task root with values] :: {'data': {'text': 'x'}}"
                )
            ]
        );
        let err = validate_import(vec![json!({})], &config()).unwrap_err();
        assert_eq!(
            err.0[0],
            json!(
                "Error at item 0: \"image_url\" key is expected in task data [assume: item as is = task root with values]  :: {}"
            )
        );
        let err = validate_import(vec![json!({"data": {"image_url": 5}})], &config()).unwrap_err();
        assert_eq!(
            err.0[0],
            json!(
                "Error at item 0: data['image_url']=5 is of type 'int', but the object tag Image expects the following types: ['str', 'list'] [assume: item[\"data\"] = task root with values] :: {'data': {'image_url': 5}}"
            )
        );
        let err = validate_import(vec![json!({"data": "str"}), json!(1)], &config()).unwrap_err();
        assert_eq!(err.0[0], json!("Error at item 0: Task[data] must be dict or list :: {'data': 'str'}"));
        assert!(err.0[1].as_str().unwrap().starts_with("Error at item 1: Task root must be dict"));
        let err = validate_import(
            vec![json!({"data": {"image_url": "d"}, "annotations": {"result": []}})],
            &config(),
        )
        .unwrap_err();
        assert!(err.0[0].as_str().unwrap().contains("Task[annotations] must be list"));
    }

    /// `$undefined$` is renamed to the first data key at import.
    #[test]
    fn renames_undefined() {
        let c = validate_import(vec![json!({"$undefined$": "u"})], &config()).unwrap();
        assert_eq!(Value::Object(c[0].data.clone()), json!({"image_url": "u"}));
    }

    /// `POST /api/tasks/` data checks: keys, and an object in the end.
    #[test]
    fn task_data() {
        assert!(check_task_data(json!({"image_url": "x"}), &config()).is_ok());
        assert_eq!(
            check_task_data(json!([1, 2]), &config()).unwrap_err(),
            "\"image_url\" key is expected in task data [assume: item[\"data\"] = task root with values]"
        );
        let empty = LabelConfig::parse("<View></View>").unwrap();
        assert_eq!(check_task_data(json!([1]), &empty).unwrap_err(), "Task[data] must be dict");
    }
}
