use axum::Json;
use serde_json::{Value, json};

/// Versions, in Label Studio's shape: `release` is the Label Studio API version labelsync is
/// compatible with; `labelsync` carries our own. `edition` is `Community`, which makes the SDK
/// use the synchronous export flow.
#[utoipa::path(get, path = "/api/version", tag = "ops",
    responses((status = 200, description = "Version information")))]
pub async fn version() -> Json<Value> {
    Json(json!({
        "release": crate::LABEL_STUDIO_VERSION,
        "label-studio-os-package": {
            "version": crate::LABEL_STUDIO_VERSION,
            "short_version": "1.23",
            "latest_version_from_pypi": crate::LABEL_STUDIO_VERSION,
            "current_version_is_outdated": false
        },
        "edition": "Community",
        "labelsync": {"version": crate::VERSION}
    }))
}
