//! The checked-in OpenAPI document matches the code. Regenerate with
//! `UPDATE_OPENAPI=1 cargo nextest run -p labelsync-tests openapi`.

use std::path::PathBuf;

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json")
}

/// `openapi/openapi.json` is exactly what the route table generates.
#[test]
fn openapi_document_is_current() {
    let generated = labelsync_api::openapi().to_pretty_json().expect("OpenAPI serializes") + "\n";
    let path = checked_in();
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write openapi.json");
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "openapi/openapi.json is out of date; run UPDATE_OPENAPI=1 cargo nextest run -p labelsync-tests openapi"
    );
}

/// Every operation is documented with at least one response and a tag.
#[test]
fn every_operation_is_documented() {
    let doc = serde_json::to_value(labelsync_api::openapi()).expect("OpenAPI as JSON");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() > 30, "only {} paths", paths.len());
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("path item") {
            let responses = operation["responses"].as_object().map_or(0, |r| r.len());
            assert!(responses > 0, "{method} {path} documents no response");
            assert!(
                operation["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{method} {path} has no tag"
            );
        }
    }
}

/// Operations whose success answers no JSON body: deletions (204), file and media streams,
/// redirects, Prometheus text, and the empty 200 of storage validation.
fn answers_json(method: &str, path: &str) -> bool {
    let streams = [
        "/data/local-files/",
        "/metrics",
        "/tasks/{id}/",
        "/projects/{id}/presign/",
        "/projects/{id}/resolve/",
    ];
    let empty = ["/api/current-user/token", "/api/token/blacklist/"];
    !(method == "delete"
        || method == "head"
        || streams.iter().any(|s| path.starts_with(s))
        || empty.contains(&path)
        || path.ends_with("/validate"))
}

/// At least 90% of the operations that answer JSON document their success body's schema, every
/// JSON request body has a schema of its own (not a bare object), and every error response
/// documents a body (the error envelope unless it names another).
#[test]
fn bodies_are_typed() {
    let doc = serde_json::to_value(labelsync_api::openapi()).expect("OpenAPI as JSON");
    let (mut json_operations, mut typed, mut untyped) = (0, 0, Vec::new());
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let responses = operation["responses"].as_object().expect("responses");
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(response["content"].is_object(), "{method} {path} {status} documents no body");
                }
            }
            if let Some(body) = operation.get("requestBody") {
                let schema = &body["content"]["application/json"]["schema"];
                assert!(
                    schema.is_object() && *schema != serde_json::json!({"type": "object"}),
                    "{method} {path}: request body without a schema: {body}"
                );
            }
            if !answers_json(method, path) {
                continue;
            }
            json_operations += 1;
            let documented = responses.iter().any(|(status, response)| {
                status.starts_with('2') && response["content"]["application/json"]["schema"].is_object()
            });
            if documented {
                typed += 1;
            } else {
                untyped.push(format!("{method} {path}"));
            }
        }
    }
    assert!(
        typed * 10 >= json_operations * 9,
        "{typed} of {json_operations} JSON operations document their body; untyped: {untyped:#?}"
    );
}
