//! `POST` and `DELETE /api/storages/{kind}/{id}/events-secret` (labelsync's own): turn bucket
//! event notifications of an S3, GCS or Azure import storage on (a new secret, shown once) or
//! off.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use labelsync_db::storages::Storage;
use labelsync_storage::{Role, StorageKind};
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// The header a notification may carry the secret in (else `?secret=`).
pub const SECRET_HEADER: &str = "X-Labelsync-Events-Secret";

/// A new events secret. It is not stored (only its SHA-256 is) and cannot be shown again.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventsSecret {
    /// Send it as `?secret=` or in the `X-Labelsync-Events-Secret` header.
    pub secret: String,
    /// Where the bucket's notifications go (this server's path; prefix it with its public URL).
    #[schema(example = "/api/storages/s3/1/events")]
    pub events_path: String,
    /// The header that may carry the secret instead of the query.
    #[schema(example = "X-Labelsync-Events-Secret")]
    pub header: String,
}

/// The storage kind of a path, if it has bucket events (S3, GCS, Azure); other kinds are a 404.
pub(super) fn events_kind(segment: &str) -> ApiResult<StorageKind> {
    match super::kind(segment)? {
        kind @ (StorageKind::S3 | StorageKind::Gcs | StorageKind::Azure) => Ok(kind),
        _ => Err(ApiError::not_found()),
    }
}

async fn load(app: &AppState, auth: &AuthUser, kind: &str, id: i64) -> ApiResult<Storage> {
    auth.require_manager()?;
    super::load(app, auth, events_kind(kind)?, Role::Import, id).await
}

/// Create (or replace) this import storage's events secret: bucket event notifications sent to
/// `POST /api/storages/{kind}/{id}/events` with it are applied. A previous secret stops working.
#[utoipa::path(post, path = "/api/storages/{kind}/{id}/events-secret", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs` or `azure`"),
           ("id" = i64, Path, description = "Storage id")),
    responses((status = 201, description = "The new secret, shown this once", body = EventsSecret),
               (status = 404, description = "No such storage, or a kind without bucket events")))]
pub async fn create_events_secret(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
) -> ApiResult<(StatusCode, Json<EventsSecret>)> {
    let storage = load(&app, &auth, &kind, id).await?;
    let (secret, sha256) = labelsync_sync::events::secret::new_secret();
    labelsync_db::bucket_events::set_secret_sha256(&app.db, storage.id, Some(&sha256)).await?;
    let events_path = format!("/api/storages/{}/{}/events", storage.kind.as_str(), storage.id);
    Ok((StatusCode::CREATED, Json(EventsSecret { secret, events_path, header: SECRET_HEADER.to_owned() })))
}

/// Turn bucket event notifications of this import storage off: its secret is forgotten.
#[utoipa::path(delete, path = "/api/storages/{kind}/{id}/events-secret", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs` or `azure`"),
           ("id" = i64, Path, description = "Storage id")),
    responses((status = 204, description = "Events are off"),
               (status = 404, description = "No such storage, or a kind without bucket events")))]
pub async fn delete_events_secret(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let storage = load(&app, &auth, &kind, id).await?;
    labelsync_db::bucket_events::set_secret_sha256(&app.db, storage.id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
