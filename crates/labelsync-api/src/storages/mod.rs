//! `/api/storages/…`: import ("source") and export ("target") storages of every kind, with
//! Label Studio's paths, fields, defaults and status codes (`docs/label-studio-api.md` §2–§4).
//!
//! One set of handlers serves all five kinds: the kind is a path parameter, and per-kind
//! differences live in the kinds' field tables (`labelsync_types::fields`, from which [`spec`]
//! derives the accepted fields and request schemas), in the typed bodies of [`json`] (the one
//! row → wire conversion) and in `labelsync_sync::storages` (the backend configuration). Each
//! operation has an import and an export handler that share one body, generic over the role's
//! response type ([`json::StorageBody`]).

pub mod create;
pub mod delete;
pub mod diff;
pub mod draft;
pub mod errors;
pub mod events;
pub mod events_secret;
pub mod files;
pub mod form;
pub mod get;
pub mod identity;
pub mod json;
pub mod list;
pub mod spec;
pub mod sync;
pub mod types;
pub mod update;
pub mod validate;

use labelsync_db::storages::Storage;
use labelsync_storage::{Role, StorageKind};

use crate::error::storage as storage_error;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

/// The storage kind of a path, or 404 for an unknown one.
pub fn kind(segment: &str) -> ApiResult<StorageKind> {
    StorageKind::parse(segment).ok_or_else(ApiError::not_found)
}

/// Storage `id` of `kind` and `role` in the caller's organization, or 404. Storage management
/// needs a manager or administrator.
pub async fn load(
    app: &AppState,
    auth: &AuthUser,
    kind: StorageKind,
    role: Role,
    id: i64,
) -> ApiResult<Storage> {
    auth.require_manager()?;
    labelsync_db::storages::find(&app.db, auth.org_id, kind, role, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("No {} matches the given query.", model_name(kind, role))))
}

/// Label Studio's model name, for 404 messages.
fn model_name(kind: StorageKind, role: Role) -> String {
    let kind = match kind {
        StorageKind::S3 => "S3",
        StorageKind::Gcs => "GCS",
        StorageKind::Azure => "AzureBlob",
        StorageKind::Redis => "Redis",
        StorageKind::LocalFiles => "LocalFiles",
    };
    let role = match role {
        Role::Import => "Import",
        Role::Export => "Export",
    };
    format!("{kind}{role}Storage")
}

/// The caller's organization's external id (for `external_id` in S3 responses).
pub async fn org_external_id(app: &AppState, auth: &AuthUser) -> ApiResult<String> {
    Ok(labelsync_db::server_credentials::external_id(&app.db, auth.org_id).await?)
}

/// Checks the draft's connection when it changed. A backend that is not available in this
/// build is not an error here (the storage can be saved); sync and validate report it.
pub async fn check_connection(app: &AppState, draft: &draft::Draft) -> ApiResult<()> {
    if !draft.connection_changed {
        return Ok(());
    }
    labelsync_sync::storages::validate(&draft.config(app)?, draft.role, &app.guard)
        .await
        .or_else(storage_error::saving)
}
