//! Small pieces of Label Studio's wire format shared by every resource (the ones the export
//! jobs need too live in `labelsync_sync::wire`).

use labelsync_db::orgs::User;
use serde_json::{Value, json};

pub use labelsync_sync::wire::{timesince, timesince_now, ts, ts_opt};

/// The short user object Label Studio nests in projects and tasks.
pub fn user_brief(user: &User) -> Value {
    json!({
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "avatar": null,
    })
}

/// Label Studio's `initials`: first letters of the names, else the first two of the email.
pub fn initials(user: &User) -> String {
    match (user.first_name.chars().next(), user.last_name.chars().next()) {
        (Some(f), Some(l)) => format!("{f}{l}"),
        (Some(f), None) => f.to_string(),
        _ => user.email.chars().take(2).collect(),
    }
}

/// `json.dumps(value)` as Python writes it by default (`", "` and `": "` separators, raw
/// UTF-8); Label Studio builds some display strings from it.
pub fn python_dumps(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(python_dumps).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), python_dumps(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    /// Python's separators, keys and strings quoted as JSON.
    #[test]
    fn python_style_json() {
        let v = serde_json::json!([{"from_name": "label", "value": {"choices": ["pos"], "x": 1.5}}]);
        assert_eq!(python_dumps(&v), r#"[{"from_name": "label", "value": {"choices": ["pos"], "x": 1.5}}]"#);
    }
}
