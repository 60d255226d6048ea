use axum::Json;
use axum::extract::State;

use super::json::WebhookResponse;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// One webhook of the caller's organization (its signing key is never shown again).
#[utoipa::path(get, path = "/api/webhooks/{id}/", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, description = "The webhook", body = WebhookResponse),
               (status = 403, description = "Not a manager or administrator"),
               (status = 404, description = "No such webhook")))]
pub async fn get_webhook(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<WebhookResponse>> {
    let hook = super::load(&app, &auth, id).await?;
    Ok(Json(WebhookResponse::from(&hook)))
}
