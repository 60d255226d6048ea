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
