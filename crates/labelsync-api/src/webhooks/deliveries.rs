//! `GET /api/webhooks/{id}/deliveries`: what became of each event sent to a webhook
//! (labelsync's own; Label Studio keeps no record).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use labelsync_db::webhooks::{self, Delivery};
use serde::Serialize;

use crate::error::ApiResult;
use crate::extract::{AuthUser, Path, Query};
use crate::pagination::{Page, PageQuery, Paginated};
use crate::state::AppState;
use crate::wire::ts_text;

/// One event sent (or being sent) to the webhook.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryItem {
    pub id: i64,
    /// The event (`TASKS_CREATED`, `STORAGE_SYNC_COMPLETED`, …).
    pub action: String,
    /// `pending` (waiting, or retrying after a failed attempt), `delivered` or `failed` (given up).
    pub status: String,
    /// The HTTP status of the last answer, null when none came.
    pub status_code: Option<i32>,
    /// Attempts made so far.
    pub attempts: i32,
    /// Why the last attempt did not deliver, null once delivered at the first try.
    pub last_error: Option<String>,
    /// When the event happened (ISO 8601).
    pub created_at: String,
    pub last_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
}

impl From<Delivery> for DeliveryItem {
    fn from(d: Delivery) -> DeliveryItem {
        DeliveryItem {
            id: d.id,
            action: d.action,
            status: d.status,
            status_code: d.status_code,
            attempts: d.attempts,
            last_error: d.last_error,
            created_at: ts_text(&d.created_at),
            last_attempt_at: d.last_attempt_at.as_ref().map(ts_text),
            delivered_at: d.delivered_at.as_ref().map(ts_text),
        }
    }
}

/// The deliveries of a webhook, newest first. Paginated as `{count, next, previous, results}`
/// (`page_size`: default 100, at most 1,000).
#[utoipa::path(get, path = "/api/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"),
           ("page" = Option<i64>, Query, description = "Page number, from 1"),
           ("page_size" = Option<i64>, Query, description = "Deliveries per page (default 100, max 1000)")),
    responses((status = 200, description = "A page of the delivery log", body = Paginated<DeliveryItem>),
               (status = 403, description = "Not a manager or administrator"),
               (status = 404, description = "No such webhook, or an invalid page")))]
pub async fn list_deliveries(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Json<Paginated<DeliveryItem>>> {
    let hook = super::load(&app, &auth, id).await?;
    let count = webhooks::delivery_count(&app.db, hook.id).await?;
    let page = Page::resolve(&query, 100, Some(1000), count)?;
    let rows = webhooks::deliveries_page(&app.db, hook.id, page.offset(), page.size).await?;
    let results = rows.into_iter().map(DeliveryItem::from).collect();
    Ok(Json(Paginated::new(&page, &uri, &headers, count, results)))
}
