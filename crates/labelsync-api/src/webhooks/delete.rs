use axum::extract::State;
use axum::http::StatusCode;

use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// Delete a webhook with its delivery log; deliveries still queued are dropped.
#[utoipa::path(delete, path = "/api/webhooks/{id}/", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 204, description = "Deleted"),
               (status = 403, description = "Not a manager or administrator"),
               (status = 404, description = "No such webhook")))]
pub async fn delete_webhook(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let hook = super::load(&app, &auth, id).await?;
    labelsync_db::webhooks::delete(&app.db, hook.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
