//! Python's `repr` of JSON values: Label Studio quotes the offending item in import errors
//! as Python prints it (`{'data': {'image_url': 5}}`), and clients show those messages.

use std::fmt::Write;

use serde_json::{Number, Value};

/// `repr(value)` as Python prints the equivalent object.
pub fn py_repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, value);
    out
}

/// `str(value)`: like [`py_repr`] except that a string is printed bare.
pub fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// `repr` of a JSON number as Python prints it: integers as they are, floats with the shortest
/// round-trip digits, positional from 1e-4 up to 1e16 (`1.0`, `0.0001`) and scientific outside
/// (`1e-05`, `1.5e+16`).
pub fn py_number(n: &Number) -> String {
    let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.is_finite()) else { return n.to_string() };
    let scientific = format!("{f:e}"); // shortest round-trip digits: "1.5e-7", "1e16"
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..16).contains(&exponent) {
        let plain = format!("{f}");
        return if plain.contains('.') { plain } else { format!("{plain}.0") };
    }
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
}

/// Python's type name of a JSON value (`bool` before `int`, as `type()` reports it).
pub fn py_type(value: &Value) -> &'static str {
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

fn write_repr(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&py_number(n)),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(out, key);
                out.push_str(": ");
                write_repr(out, item);
            }
            out.push('}');
        }
    }
}

/// Python picks single quotes unless the text has a single quote and no double quote.
fn write_str(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Dicts, strings, numbers and constants print as Python prints them.
    #[test]
    fn reprs() {
        assert_eq!(
            py_repr(&json!({"data": {"image_url": 5}, "x": [1.0, true, null]})),
            "{'data': {'image_url': 5}, 'x': [1.0, True, None]}"
        );
        assert_eq!(py_repr(&json!("it's")), "\"it's\"");
        assert_eq!(py_repr(&json!("a'b\"c")), "'a\\'b\"c'");
        assert_eq!(py_str(&json!("plain")), "plain");
        assert_eq!(py_type(&json!(true)), "bool");
        assert_eq!(py_type(&json!(2.5)), "float");
    }

    /// Floats print as Python 3.11's `repr`.
    #[test]
    fn floats() {
        let cases = [
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (2.5, "2.5"),
            (100.0, "100.0"),
            (-0.0, "-0.0"),
        ];
        for (v, repr) in cases {
            assert_eq!(py_number(&Number::from_f64(v).expect("finite")), repr, "repr of {v}");
        }
        assert_eq!(py_number(&Number::from(-7)), "-7");
    }
}
