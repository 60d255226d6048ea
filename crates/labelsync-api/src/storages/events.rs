//! `POST /api/storages/{kind}/{id}/events` (labelsync's own): bucket event notifications of an
//! S3, GCS or Azure import storage (S3 event notifications, directly or through SNS; Cloud
//! Storage Pub/Sub push messages; Azure Event Grid events). Clouds cannot send our tokens, so the
//! storage's events secret (`POST …/events-secret`) authenticates them, as `?secret=` or the
//! `X-Labelsync-Events-Secret` header. The events are applied by a job queued here
//! (`labelsync_sync::events`); handshakes are answered at once.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use labelsync_db::storages::Storage;
use labelsync_storage::{Role, StorageKind};
use labelsync_sync::events::{self, Notice};
use labelsync_types::settings::StorageSettings;
use serde::{Deserialize, Serialize};

use super::events_secret::{SECRET_HEADER, events_kind};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::state::AppState;

/// The secret, when sent in the query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// The storage's events secret (or send the `X-Labelsync-Events-Secret` header).
    pub secret: Option<String>,
}

/// What a notification did. Object events are queued (202); handshakes and test messages are
/// answered (200).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct EventsReceived {
    /// Object events queued for import or removal.
    pub accepted: usize,
    /// Events about another bucket or container, or of a type that changes no object.
    pub ignored: usize,
    /// Event Grid's subscription validation: the code it sent.
    #[serde(rename = "validationResponse", skip_serializing_if = "Option::is_none")]
    pub validation_response: Option<String>,
    /// An SNS subscription was confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<bool>,
}

/// Receive a bucket event notification for this import storage: S3 event notifications (plain
/// or in an SNS envelope, SNS subscription confirmations included), Cloud Storage Pub/Sub push
/// messages (`OBJECT_FINALIZE`, `OBJECT_DELETE`) or Azure Event Grid events (`BlobCreated`,
/// `BlobDeleted`, `BlobRenamed`; the validation handshake; `OPTIONS` answers the CloudEvents
/// handshake). Each named key is looked up and imported or removed under the storage's prefix,
/// filter and `sync_deleted`/`sync_changed` policies, without listing the bucket. The body is
/// read whatever its content type (SNS sends `text/plain`).
#[utoipa::path(post, path = "/api/storages/{kind}/{id}/events", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs` or `azure`"),
           ("id" = i64, Path, description = "Storage id"), EventsQuery),
    request_body(content = serde_json::Value, description = "The provider's notification JSON (an object, or an array of Event Grid events)"),
    security(("EventsSecret" = []), ("EventsSecretHeader" = [])),
    responses((status = 202, description = "Object events queued", body = EventsReceived),
               (status = 200, description = "A handshake or test message answered", body = EventsReceived),
               (status = 400, description = "Not a notification of this storage's provider"),
               (status = 403, description = "No events secret, or not this storage's"),
               (status = 404, description = "A kind without bucket events")))]
pub async fn receive_events(
    State(app): State<AppState>,
    Path((kind, id)): Path<(String, i64)>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let storage = authenticate(&app, &kind, id, &query, &headers).await?;
    let settings =
        StorageSettings::parse(storage.kind, Role::Import, &storage.settings.0, &Default::default())
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let bucket = settings.bucket().unwrap_or_default();
    let notice = events::parse::parse(storage.kind, bucket, &body).map_err(ApiError::BadRequest)?;
    let answered = |received| Ok((StatusCode::OK, Json(received)).into_response());
    match notice {
        Notice::Validate { code } => {
            answered(EventsReceived { validation_response: Some(code), ..EventsReceived::default() })
        }
        Notice::ConfirmSubscription { url } => {
            events::confirm_subscription(&app.guard, &url).await.map_err(ApiError::BadRequest)?;
            answered(EventsReceived { confirmed: Some(true), ..EventsReceived::default() })
        }
        Notice::Nothing(_) => answered(EventsReceived { ignored: 1, ..EventsReceived::default() }),
        Notice::Objects { events: object_events, ignored } => {
            let accepted = object_events.len();
            if accepted > 0 {
                let mut tx = app.db.begin().await?;
                events::enqueue(&mut tx, storage.id, object_events).await?;
                tx.commit().await?;
                app.queue.wake();
            }
            let received = EventsReceived { accepted, ignored, ..EventsReceived::default() };
            Ok((StatusCode::ACCEPTED, Json(received)).into_response())
        }
    }
}

/// Event Grid's CloudEvents handshake: `OPTIONS` with `WebHook-Request-Origin` is answered with
/// `WebHook-Allowed-Origin` (the secret is checked as for notifications).
pub async fn events_handshake(
    State(app): State<AppState>,
    Path((kind, id)): Path<(String, i64)>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    authenticate(&app, &kind, id, &query, &headers).await?;
    let origin = headers.get("webhook-request-origin").cloned().unwrap_or(HeaderValue::from_static("*"));
    let mut response = StatusCode::OK.into_response();
    response.headers_mut().insert("webhook-allowed-origin", origin);
    response.headers_mut().insert("webhook-allowed-rate", HeaderValue::from_static("*"));
    Ok(response)
}

/// The import storage `id` of `kind` whose events secret the request carries. A storage that
/// does not exist, is not an import storage of `kind`, has events off or another secret: the
/// same 403, so the endpoint tells nothing about other storages.
async fn authenticate(
    app: &AppState,
    kind: &str,
    id: i64,
    query: &EventsQuery,
    headers: &HeaderMap,
) -> ApiResult<Storage> {
    let kind = events_kind(kind)?;
    let refused = || ApiError::Forbidden("Invalid or missing events secret.".into());
    let offered = query
        .secret
        .as_deref()
        .or_else(|| headers.get(SECRET_HEADER).and_then(|v| v.to_str().ok()))
        .ok_or_else(refused)?;
    let storage = labelsync_db::storages::find_unscoped(&app.db, id)
        .await?
        .filter(|s| s.kind == kind && s.role == Role::Import)
        .ok_or_else(refused)?;
    let stored =
        labelsync_db::bucket_events::secret_sha256(&app.db, storage.id).await?.ok_or_else(refused)?;
    if !events::secret::matches(offered, &stored) {
        return Err(refused());
    }
    Ok(storage)
}
