use axum::extract::State;
use axum::http::StatusCode;
use labelsync_storage::{Role, StorageKind};
use serde_json::{Map, Value};

use super::draft::Draft;
use super::json::{ExportStorageValidate, ImportStorageValidate};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Body, Path};
use crate::fields::parse_int;
use crate::state::AppState;

async fn validate(
    app: &AppState,
    auth: &AuthUser,
    kind: &str,
    role: Role,
    mut body: Map<String, Value>,
) -> ApiResult<StatusCode> {
    let kind = super::kind(kind)?;
    auth.require_manager()?;
    // With `id`, unsent fields (secrets included) come from the stored storage. Unlike Label
    // Studio, validating never writes the submitted fields to it.
    let current = match body.remove("id") {
        Some(id) => {
            let id = parse_int(&id).ok_or_else(|| ApiError::field("id", "A valid integer is required."))?;
            Some(super::load(app, auth, kind, role, id).await?)
        }
        None => None,
    };
    let draft = Draft::apply(app, auth, kind, role, &body, current.as_ref()).await?;
    labelsync_sync::storages::validate(&draft.config(app)?, role, &app.guard).await?;
    Ok(StatusCode::OK)
}

/// Check an import storage configuration (and, with `id`, a stored storage's) without saving.
/// 200 with an empty body when the storage is reachable and its prefix readable; 400 with
/// the reason otherwise.
#[utoipa::path(post, path = "/api/storages/{kind}/validate", tag = "storages", params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`")),
    request_body(content = ImportStorageValidate, description = "Storage fields, optionally `id` of a stored storage"),
    responses((status = 200, description = "Valid (empty body)"), (status = 400, description = "Why it is not"),
               (status = 403, description = "Not a manager, or a blocked endpoint"),
               (status = 404, description = "Unknown kind, or no such stored storage")))]
pub async fn validate_import(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(kind): Path<String>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    validate(&app, &auth, &kind, Role::Import, body).await
}

/// Check an export storage configuration: reachable and writable.
#[utoipa::path(post, path = "/api/storages/export/{kind}/validate", tag = "storages", params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`")),
    request_body(content = ExportStorageValidate, description = "Storage fields, optionally `id` of a stored storage"),
    responses((status = 200, description = "Valid (empty body)"), (status = 400, description = "Why it is not"),
               (status = 403, description = "Not a manager, or a blocked endpoint"),
               (status = 404, description = "Unknown kind, or no such stored storage")))]
pub async fn validate_export(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(kind): Path<String>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    validate(&app, &auth, &kind, Role::Export, body).await
}
