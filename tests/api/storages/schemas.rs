//! The OpenAPI document's storage schemas say what the storage routes answer and accept.

use labelsync_storage::StorageKind;
use labelsync_sync::storages::secret_fields;
use serde_json::{Value, json};

use super::crud::ORDERS;

fn document() -> Value {
    serde_json::to_value(labelsync_api::openapi()).expect("OpenAPI as JSON")
}

/// The component name of a kind's body: `S3ImportStorage`, `LocalFilesExportStorage`, ….
fn component(kind: &str, role: &str) -> String {
    let kind = match kind {
        "s3" => "S3",
        "gcs" => "Gcs",
        "azure" => "Azure",
        "redis" => "Redis",
        _ => "LocalFiles",
    };
    let role = if role == "import" { "Import" } else { "Export" };
    format!("{kind}{role}Storage")
}

/// Each of the ten documented storage bodies has exactly Label Studio's keys in its order (then
/// labelsync's own import policies), no secret, and a `type` that is its own kind only (so
/// `oneOf` picks exactly one).
#[test]
fn documented_storage_bodies_are_label_studios() {
    let doc = document();
    for (kind, role, order) in ORDERS {
        let schema = &doc["components"]["schemas"][component(kind, role)];
        let properties = schema["properties"].as_object().expect("a documented body");
        let keys: Vec<&str> = properties.keys().map(String::as_str).collect();
        assert_eq!(keys.join(","), *order, "{kind} {role}");
        assert_eq!(properties["type"]["enum"], json!([kind]), "{kind} {role}");
        for secret in secret_fields(StorageKind::parse(kind).expect("a kind")) {
            assert!(!properties.contains_key(secret), "{kind} {role}: secret {secret} documented");
        }
    }
}

/// Every `{kind}` route documents the kind as one of the five names and its 404, and answers
/// with a typed body wherever it answers JSON.
#[test]
fn kind_routes_document_the_kinds_and_their_bodies() {
    let doc = document();
    let paths = doc["paths"].as_object().expect("paths");
    for (path, item) in paths.iter().filter(|(path, _)| path.contains("{kind}")) {
        for (method, operation) in item.as_object().expect("path item") {
            let kind = operation["parameters"]
                .as_array()
                .and_then(|ps| ps.iter().find(|p| p["name"] == "kind"))
                .unwrap_or_else(|| panic!("{method} {path}: no kind parameter"));
            assert_eq!(kind["schema"]["enum"], json!(StorageKind::NAMES), "{method} {path}");
            let responses = &operation["responses"];
            assert!(responses.get("404").is_some(), "{method} {path}: the unknown kind's 404");
            for (status, response) in responses.as_object().expect("responses") {
                if status.starts_with('2') && response.get("content").is_some() {
                    let schema = &response["content"]["application/json"]["schema"];
                    assert!(schema != &Value::Null, "{method} {path} {status}: no schema");
                }
            }
        }
    }
}
