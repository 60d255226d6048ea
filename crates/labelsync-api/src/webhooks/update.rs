use axum::Json;
use axum::extract::State;
use axum::http::Method;

use super::json::{self, Mode, WebhookResponse, WebhookUpdateRequest};
use crate::error::ApiResult;
use crate::extract::{AuthUser, Body, Path};
use crate::state::AppState;

/// Change a webhook: PATCH some fields, PUT all of them (`url` required; `actions` absent means
/// none, as in Label Studio). `project` cannot change; it is ignored when sent.
#[utoipa::path(method(patch, put), path = "/api/webhooks/{id}/", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    request_body = WebhookUpdateRequest,
    responses((status = 200, description = "The changed webhook", body = WebhookResponse),
               (status = 400, description = "Invalid fields, or a URL the network guard refuses"),
               (status = 403, description = "Not a manager or administrator"),
               (status = 404, description = "No such webhook")))]
pub async fn update_webhook(
    State(app): State<AppState>,
    auth: AuthUser,
    method: Method,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<WebhookResponse>> {
    let hook = super::load(&app, &auth, id).await?;
    let mode = if method == Method::PUT { Mode::Put } else { Mode::Patch };
    let fields = json::parse(&body, Some(&hook), mode)?;
    json::check_actions(&fields)?;
    if fields.url != hook.url {
        super::check_url(&app, &fields.url).await?;
    }
    let hook = labelsync_db::webhooks::update(&app.db, hook.id, &fields).await?;
    Ok(Json(WebhookResponse::from(&hook)))
}
