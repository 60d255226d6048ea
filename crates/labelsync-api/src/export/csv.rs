//! The `CSV` export, as Label Studio's converter writes it (`label_studio_sdk.converter`
//! `exports/csv2.py`, the version Label Studio 1.23.2 ships): one row per [`MinRow`], the
//! columns sorted by name, every cell that is not a number quoted (`QUOTE_NONNUMERIC`), `\r\n`
//! line ends. A task data key that is also a control's name becomes `_data_{key}`. Objects and
//! arrays in cells are `ujson` text (compact, `/` escaped); numbers are Python's `repr`.
//!
//! The header needs every column of the whole export, so the export reads its tasks twice: once
//! to learn the columns ([`CsvColumns::observe`]), once to write the rows.

use std::collections::BTreeSet;

use bytes::BytesMut;
use serde_json::{Map, Number, Value};

use labelsync_sync::tasks::py_number;

use super::json::MinRow;
use crate::wire::ts;

/// Columns every export has.
const ALWAYS: [&str; 6] = ["id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time"];

/// The columns seen so far: task data keys and control names.
#[derive(Debug, Default)]
pub struct CsvColumns {
    inputs: BTreeSet<String>,
    outputs: BTreeSet<String>,
}

impl CsvColumns {
    pub fn observe(&mut self, row: &MinRow<'_>) {
        self.inputs.extend(row.data.keys().cloned());
        self.outputs.extend(row.outputs.iter().map(|(name, _)| name.clone()));
    }

    /// The header, once every row has been observed.
    pub fn finish(self) -> CsvHeader {
        let colliding: BTreeSet<String> = self.inputs.intersection(&self.outputs).cloned().collect();
        let mut columns: BTreeSet<String> = ALWAYS.iter().map(|c| (*c).to_owned()).collect();
        columns.extend(self.inputs.iter().map(|key| input_column(key, &colliding)));
        columns.extend(self.outputs);
        CsvHeader { columns: columns.into_iter().collect(), colliding }
    }
}

/// The column of task data key `key`.
fn input_column(key: &str, colliding: &BTreeSet<String>) -> String {
    if colliding.contains(key) { format!("_data_{key}") } else { key.to_owned() }
}

/// The columns of an export, in order, and the data keys renamed.
#[derive(Debug)]
pub struct CsvHeader {
    columns: Vec<String>,
    colliding: BTreeSet<String>,
}

impl CsvHeader {
    pub fn write_header(&self, out: &mut BytesMut) {
        let cells: Vec<Value> = self.columns.iter().map(|c| Value::String(c.clone())).collect();
        write_line(out, cells.iter().map(Some));
    }

    /// Writes `row`: outputs, then data, then the annotation's fields, where a later one of the
    /// same name replaces an earlier one (as the converter fills its record).
    pub fn write_row(&self, out: &mut BytesMut, row: &MinRow<'_>) {
        let mut record = Map::new();
        record.insert("id".into(), Value::from(row.task_id));
        for (name, value) in &row.outputs {
            let cell = match value {
                Value::String(_) => value.clone(),
                other => Value::String(ujson(other)),
            };
            record.insert(name.clone(), cell);
        }
        for (key, value) in row.data {
            let cell = match value {
                Value::Object(_) | Value::Array(_) => Value::String(ujson(value)),
                other => other.clone(),
            };
            record.insert(input_column(key, &self.colliding), cell);
        }
        let a = row.annotation;
        // `get_annotator`: the author's id as text ("None" without one); no annotation, no cell.
        let annotator = a.map(|a| a.completed_by_id.map_or_else(|| "None".to_owned(), |id| id.to_string()));
        record.insert("annotator".into(), annotator.map_or(Value::Null, Value::String));
        record.insert("annotation_id".into(), a.map_or(Value::Null, |a| Value::from(a.id)));
        record.insert("created_at".into(), a.map_or(Value::Null, |a| ts(&a.created_at)));
        record.insert("updated_at".into(), a.map_or(Value::Null, |a| ts(&a.updated_at)));
        record.insert("lead_time".into(), a.and_then(|a| a.lead_time).map_or(Value::Null, Value::from));
        write_line(out, self.columns.iter().map(|c| record.get(c)));
    }
}

/// One CSV line: `None` (no such key) and null are `""`, as Python's `csv` writes them.
fn write_line<'a>(out: &mut BytesMut, cells: impl Iterator<Item = Option<&'a Value>>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.extend_from_slice(b",");
        }
        match cell {
            None | Some(Value::Null) => out.extend_from_slice(b"\"\""),
            Some(Value::Bool(b)) => out.extend_from_slice(if *b { b"True" } else { b"False" }),
            Some(Value::Number(n)) => out.extend_from_slice(py_number(n).as_bytes()),
            Some(Value::String(s)) => quoted(out, s),
            Some(other) => quoted(out, &ujson(other)),
        }
    }
    out.extend_from_slice(b"\r\n");
}

fn quoted(out: &mut BytesMut, text: &str) {
    out.extend_from_slice(b"\"");
    out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
    out.extend_from_slice(b"\"");
}

/// `ujson.dumps(value, ensure_ascii=False)`: compact, key order kept, `/` escaped as `\/`,
/// floats as Python's `repr` with an unpadded exponent.
fn ujson(value: &Value) -> String {
    let mut out = String::new();
    write_ujson(&mut out, value);
    out
}

fn write_ujson(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&ujson_number(n)),
        Value::String(s) => out.push_str(&json_string(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_ujson(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&json_string(key));
                out.push(':');
                write_ujson(out, item);
            }
            out.push('}');
        }
    }
}

fn json_string(s: &str) -> String {
    Value::String(s.to_owned()).to_string().replace('/', "\\/")
}

/// A number as ujson writes it: Python's `repr` with the exponent unpadded (`1e-5`, `1e+16`).
fn ujson_number(n: &Number) -> String {
    let repr = py_number(n);
    match repr.split_once('e') {
        Some((mantissa, exponent)) => {
            let (sign, digits) = exponent.split_at(1);
            format!("{mantissa}e{sign}{}", digits.trim_start_matches('0'))
        }
        None => repr,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Inside JSON text floats print as ujson does: Python's `repr` with an unpadded exponent
    /// (checked against ujson 6.1.0).
    #[test]
    fn ujson_floats() {
        let cases =
            [(1e16, "1e+16"), (1e-5, "1e-5"), (1.5e-7, "1.5e-7"), (0.0001, "0.0001"), (100.0, "100.0")];
        for (v, ujson) in cases {
            assert_eq!(ujson_number(&Number::from_f64(v).expect("finite")), ujson, "ujson of {v}");
        }
        assert_eq!(ujson_number(&Number::from(-7)), "-7");
    }

    /// ujson text is compact, keeps key order, escapes `/` and keeps non-ASCII as it is.
    #[test]
    fn ujson_text() {
        let value = json!({"b": "x/y", "a": [1, 0.1, 1e-5, 1e20, 1.0, null, true], "c": "é\"\n"});
        assert_eq!(ujson(&value), r#"{"b":"x\/y","a":[1,0.1,1e-5,1e+20,1.0,null,true],"c":"é\"\n"}"#);
    }

    /// Cells: strings quoted with quotes doubled, numbers and booleans bare, nulls and missing
    /// columns as `""`, lines ended by `\r\n` (Python's `csv.QUOTE_NONNUMERIC`).
    #[test]
    fn cells_are_quoted_as_python_csv_does() {
        let mut out = BytesMut::new();
        let cells = [json!("a\"b,c\nd"), json!(3), json!(1e-5), json!(true), Value::Null];
        write_line(&mut out, cells.iter().map(Some).chain([None]));
        assert_eq!(&out[..], b"\"a\"\"b,c\nd\",3,1e-05,True,\"\",\"\"\r\n");
    }

    /// A data key that is also a control's name is renamed; the header is sorted and always
    /// has the annotation's columns.
    #[test]
    fn colliding_data_keys_are_renamed() {
        let data: Map<String, Value> =
            json!({"text": "hello", "image": "s3://b/k", "meta": {"u": "a/b"}}).as_object().cloned().unwrap();
        let row = MinRow {
            task_id: 7,
            data: &data,
            outputs: vec![("text".into(), json!("Positive"))],
            annotation: None,
        };
        let mut columns = CsvColumns::default();
        columns.observe(&row);
        let header = columns.finish();
        let mut out = BytesMut::new();
        header.write_header(&mut out);
        header.write_row(&mut out, &row);
        let text = String::from_utf8(out.to_vec()).unwrap();
        assert_eq!(
            text,
            "\"_data_text\",\"annotation_id\",\"annotator\",\"created_at\",\"id\",\"image\",\"lead_time\",\"meta\",\"text\",\"updated_at\"\r\n\
             \"hello\",\"\",\"\",\"\",7,\"s3://b/k\",\"\",\"{\"\"u\"\":\"\"a\\/b\"\"}\",\"Positive\",\"\"\r\n"
        );
    }
}
