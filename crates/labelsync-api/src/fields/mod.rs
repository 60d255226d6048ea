//! Request fields validated the way Label Studio's serializers (Django REST framework) do:
//! the same coercions (`"true"` is a boolean, `"5"` an integer — form bodies carry only
//! strings) and the same messages. One difference: an unknown field is an error, not silently
//! ignored, so a typo never loses a setting.

pub mod schema;

use std::num::IntErrorKind;

use serde_json::{Map, Value, json};

use crate::error::{ApiError, FieldErrors};

/// The type of one field.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Text. Numbers are accepted and turned into their text, as DRF's `CharField` does.
    Str {
        max_len: Option<usize>,
        allow_blank: bool,
    },
    Bool,
    Int {
        min: Option<i64>,
        max: Option<i64>,
    },
    Float,
    /// One of the listed strings.
    Choice(&'static [&'static str]),
    /// A JSON object.
    Object,
    /// Any JSON value.
    Any,
    /// A field Label Studio returns but ignores on input; accepted and dropped.
    ReadOnly,
}

/// One accepted field of a request body.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
}

impl Field {
    pub const fn new(name: &'static str, kind: Kind) -> Field {
        Field { name, kind, nullable: false }
    }

    pub const fn nullable(name: &'static str, kind: Kind) -> Field {
        Field { name, kind, nullable: true }
    }

    pub const fn read_only(name: &'static str) -> Field {
        Field { name, kind: Kind::ReadOnly, nullable: true }
    }
}

pub const TEXT: Kind = Kind::Str { max_len: None, allow_blank: true };

/// Django's `IntegerField` (a 32-bit column): DRF checks its range with these bounds.
pub const INT32: Kind = Kind::Int { min: Some(i32::MIN as i64), max: Some(i32::MAX as i64) };
/// Django's `PositiveIntegerField`.
pub const POSITIVE_INT32: Kind = Kind::Int { min: Some(0), max: Some(i32::MAX as i64) };
/// Django's `PositiveSmallIntegerField`.
pub const POSITIVE_INT16: Kind = Kind::Int { min: Some(0), max: Some(i16::MAX as i64) };

/// A validated integer field as `i32` (`None` for null). Its spec should bound it to
/// [`INT32`]; a value out of range is still a field error, never truncated.
pub fn to_i32(name: &str, value: &Value) -> Result<Option<i32>, ApiError> {
    let Some(n) = value.as_i64() else { return Ok(None) };
    i32::try_from(n).map(Some).map_err(|_| {
        let message = if n > 0 {
            format!("Ensure this value is less than or equal to {}.", i32::MAX)
        } else {
            format!("Ensure this value is greater than or equal to {}.", i32::MIN)
        };
        ApiError::field(name, message)
    })
}

/// Validates `body` against `fields`: returns the writable fields that were sent, coerced to
/// their kind, or every field's problem at once.
pub fn validate(body: &Map<String, Value>, fields: &[Field]) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    let mut errors = FieldErrors::new();
    for (name, value) in body {
        let Some(field) = fields.iter().find(|f| f.name == name) else {
            errors.insert(name.clone(), json!(["Unknown field."]));
            continue;
        };
        if matches!(field.kind, Kind::ReadOnly) {
            continue;
        }
        match coerce(field, value) {
            Ok(v) => {
                out.insert(name.clone(), v);
            }
            Err(message) => {
                errors.insert(name.clone(), json!([message]));
            }
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(ApiError::Validation(errors)) }
}

/// Coerces one value to the field's kind, or says why it cannot (DRF's wording).
pub fn coerce(field: &Field, value: &Value) -> Result<Value, String> {
    if value.is_null() {
        return if field.nullable || matches!(field.kind, Kind::Any) {
            Ok(Value::Null)
        } else {
            Err("This field may not be null.".into())
        };
    }
    match field.kind {
        Kind::Str { max_len, allow_blank } => {
            let s = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return Err("Not a valid string.".into()),
            };
            if !allow_blank && s.trim().is_empty() {
                return Err("This field may not be blank.".into());
            }
            if let Some(max) = max_len.filter(|max| s.chars().count() > *max) {
                return Err(format!("Ensure this field has no more than {max} characters."));
            }
            Ok(Value::String(s))
        }
        Kind::Bool => parse_bool(value).map(Value::Bool).ok_or_else(|| "Must be a valid boolean.".into()),
        Kind::Int { min, max } => {
            let n = parse_int(value).ok_or_else(|| "A valid integer is required.".to_string())?;
            if let Some(min) = min.filter(|min| n < *min) {
                return Err(format!("Ensure this value is greater than or equal to {min}."));
            }
            if let Some(max) = max.filter(|max| n > *max) {
                return Err(format!("Ensure this value is less than or equal to {max}."));
            }
            Ok(json!(n))
        }
        Kind::Float => {
            parse_float(value).map(|f| json!(f)).ok_or_else(|| "A valid number is required.".into())
        }
        Kind::Choice(choices) => match value.as_str() {
            Some(s) if choices.contains(&s) => Ok(Value::String(s.to_owned())),
            _ => Err(format!("\"{}\" is not a valid choice.", display(value))),
        },
        Kind::Object => match value {
            Value::Object(_) => Ok(value.clone()),
            other => Err(format!("Expected a dictionary of items but got type \"{}\".", type_name(other))),
        },
        Kind::Any | Kind::ReadOnly => Ok(value.clone()),
    }
}

/// DRF's `BooleanField` inputs.
pub fn parse_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        Value::String(s) => match s.as_str() {
            "t" | "T" | "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON"
            | "1" => Some(true),
            "f" | "F" | "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off"
            | "OFF" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// DRF's `IntegerField` inputs: integers, integral floats, and their text. Integers beyond
/// `i64` saturate (Python's are unbounded), so a range check reports them as out of range
/// rather than as not integers, as DRF does.
pub fn parse_int(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => {
            let t = s.trim();
            let int = match t.split_once('.') {
                Some((int, frac)) if frac.chars().all(|c| c == '0') => int,
                Some(_) => return None,
                None => t,
            };
            match int.parse::<i64>() {
                Ok(n) => Some(n),
                Err(e) => match e.kind() {
                    IntErrorKind::PosOverflow => Some(i64::MAX),
                    IntErrorKind::NegOverflow => Some(i64::MIN),
                    _ => None,
                },
            }
        }
        _ => None,
    }
}

pub fn parse_float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        Field::new("flag", Kind::Bool),
        Field::new("count", Kind::Int { min: Some(0), max: None }),
        Field::nullable("title", Kind::Str { max_len: Some(5), allow_blank: true }),
        Field::new("mode", Kind::Choice(&["a", "b"])),
        Field::read_only("id"),
    ];

    fn check(body: Value) -> Result<Map<String, Value>, FieldErrors> {
        match validate(body.as_object().unwrap(), FIELDS) {
            Ok(map) => Ok(map),
            Err(ApiError::Validation(errors)) => Err(errors),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    /// Form-style strings are coerced like DRF; read-only fields are dropped.
    #[test]
    fn coerces_strings() {
        let out = check(json!({"flag": "true", "count": "5", "title": 12, "id": 9})).unwrap();
        assert_eq!(Value::Object(out), json!({"flag": true, "count": 5, "title": "12"}));
    }

    /// Every bad field is reported at once with DRF's message; unknown fields are errors.
    #[test]
    fn reports_every_error() {
        let errors = check(json!({"flag": "maybe", "count": -1, "title": "toolong", "mode": "c", "x": 1}))
            .unwrap_err();
        assert_eq!(errors["flag"], json!(["Must be a valid boolean."]));
        assert_eq!(errors["count"], json!(["Ensure this value is greater than or equal to 0."]));
        assert_eq!(errors["title"], json!(["Ensure this field has no more than 5 characters."]));
        assert_eq!(errors["mode"], json!(["\"c\" is not a valid choice."]));
        assert_eq!(errors["x"], json!(["Unknown field."]));
    }

    /// Null is refused unless the field is nullable.
    #[test]
    fn nulls() {
        assert!(check(json!({"title": null})).is_ok());
        assert_eq!(check(json!({"flag": null})).unwrap_err()["flag"], json!(["This field may not be null."]));
    }

    /// Integral floats and their text are integers; other fractions are not.
    #[test]
    fn ints() {
        assert_eq!(parse_int(&json!(3.0)), Some(3));
        assert_eq!(parse_int(&json!("7.00")), Some(7));
        assert_eq!(parse_int(&json!("7.5")), None);
        assert_eq!(parse_int(&json!(true)), None);
        assert_eq!(parse_int(&json!("7.")), Some(7));
        assert_eq!(parse_int(&json!("")), None);
    }

    /// Integers too large for any column are out of range, never truncated or wrapped.
    #[test]
    fn int_ranges() {
        let field = Field::new("n", INT32);
        let too_big = "Ensure this value is less than or equal to 2147483647.";
        let too_small = "Ensure this value is greater than or equal to -2147483648.";
        for value in [json!(2147483648_i64), json!("99999999999999999999999"), json!(1e30), json!(u64::MAX)] {
            assert_eq!(coerce(&field, &value).unwrap_err(), too_big, "{value}");
        }
        for value in [json!(-2147483649_i64), json!("-99999999999999999999999"), json!(-1e30)] {
            assert_eq!(coerce(&field, &value).unwrap_err(), too_small, "{value}");
        }
        assert_eq!(coerce(&field, &json!(2147483647)).unwrap(), json!(2147483647));
        let small = Field::new("n", POSITIVE_INT16);
        assert_eq!(
            coerce(&small, &json!(32768)).unwrap_err(),
            "Ensure this value is less than or equal to 32767."
        );
        assert_eq!(to_i32("n", &json!(7)).unwrap(), Some(7));
        assert!(to_i32("n", &json!(4294967297_i64)).is_err());
        assert_eq!(to_i32("n", &Value::Null).unwrap(), None);
    }
}
