use axum::Json;
use serde::Serialize;

/// Versions, in Label Studio's shape: `release` is the Label Studio API version labelsync is
/// compatible with; `labelsync` carries our own. `edition` is `Community`, which makes the SDK
/// use the synchronous export flow.
#[utoipa::path(get, path = "/api/version", tag = "ops",
    responses((status = 200, description = "Version information", body = Version)))]
pub async fn version() -> Json<Version> {
    Json(Version {
        release: crate::LABEL_STUDIO_VERSION,
        label_studio_os_package: Package {
            version: crate::LABEL_STUDIO_VERSION,
            short_version: "1.23",
            latest_version_from_pypi: crate::LABEL_STUDIO_VERSION,
            current_version_is_outdated: false,
        },
        edition: "Community",
        labelsync: OwnVersion { version: crate::VERSION },
    })
}

/// Label Studio's version object, with labelsync's own version added.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Version {
    pub release: &'static str,
    #[serde(rename = "label-studio-os-package")]
    pub label_studio_os_package: Package,
    pub edition: &'static str,
    pub labelsync: OwnVersion,
}

/// The Label Studio package labelsync answers for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Package {
    pub version: &'static str,
    pub short_version: &'static str,
    pub latest_version_from_pypi: &'static str,
    pub current_version_is_outdated: bool,
}

/// labelsync's own version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OwnVersion {
    pub version: &'static str,
}
