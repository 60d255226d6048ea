//! Small pieces of Label Studio's wire format shared by every resource (the ones the export
//! jobs need too live in `labelsync_sync::wire`).

use chrono::{DateTime, Utc};
use labelsync_db::orgs::User;
use serde::Serialize;
use serde_json::Value;

pub use labelsync_sync::wire::{TS_FORMAT, timesince, timesince_now, ts, ts_opt};

/// The short user object Label Studio nests in projects and tasks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserBrief {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// Always null: labelsync keeps no avatars.
    #[schema(value_type = Option<String>)]
    pub avatar: Option<()>,
}

impl UserBrief {
    pub fn of(user: &User) -> UserBrief {
        UserBrief {
            id: user.id,
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            email: user.email.clone(),
            avatar: None,
        }
    }
}

/// A timestamp as Label Studio writes it (microseconds and `Z`), as text.
pub fn ts_text(t: &DateTime<Utc>) -> String {
    t.format(TS_FORMAT).to_string()
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
