//! What the client commands print: the server's JSON (`--json`), tables and `field: value` lines.

use serde_json::Value;

/// The server's JSON, pretty-printed, on stdout.
pub fn json(value: &Value) {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()));
}

/// A value as a table cell: strings bare, null as `-`, the rest as JSON.
pub fn text(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(s) if s.is_empty() => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Left-aligned columns separated by two spaces.
pub fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// A storage's fields as `field: value` lines, in the server's order.
pub fn fields(storage: &Value) {
    let Some(object) = storage.as_object() else { return json(storage) };
    let width = object.keys().map(|k| k.chars().count()).max().unwrap_or(0);
    for (key, value) in object {
        let value = match value {
            Value::String(s) if s.contains('\n') => format!("\n  {}", s.trim_end().replace('\n', "\n  ")),
            other => text(other),
        };
        println!("{:<width$}  {value}", format!("{key}:"), width = width + 1);
    }
}

/// `TYPE/ID` of a storage in an answer (`type` as Label Studio writes it).
pub fn storage_name(storage: &Value) -> String {
    format!("{}/{}", text(&storage["type"]), text(&storage["id"]))
}

/// Where a storage's objects are: `s3://bucket/prefix`, a directory, a Redis server.
pub fn location(storage: &Value) -> String {
    let s = |key: &str| storage[key].as_str().unwrap_or_default();
    let joined = |scheme: &str, bucket: &str| match s("prefix") {
        "" => format!("{scheme}://{bucket}"),
        prefix => format!("{scheme}://{bucket}/{prefix}"),
    };
    match s("type") {
        "s3" => joined("s3", s("bucket")),
        "gcs" => joined("gs", s("bucket")),
        "azure" => joined("azure-blob", s("container")),
        "redis" => {
            let host = if s("host").is_empty() { "localhost" } else { s("host") };
            let port = match &storage["port"] {
                Value::Null => "6379".into(),
                port => text(port),
            };
            format!("redis://{host}:{port}/{} {}", text(&storage["db"]), s("path")).trim_end().to_owned()
        }
        _ => text(&storage["path"]),
    }
}
