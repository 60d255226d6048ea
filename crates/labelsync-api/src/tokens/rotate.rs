use axum::Json;
use axum::extract::State;

use super::json::{RefreshBody, RefreshResponse, refresh_field};
use super::refresh::verify_refresh;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Body};
use crate::state::AppState;

/// Replace one of the caller's personal access tokens with a new one (`{"refresh": …}`).
#[utoipa::path(post, path = "/api/token/rotate/", tag = "tokens",
    request_body = RefreshBody,
    responses((status = 200, description = "The new token", body = RefreshResponse),
               (status = 400, description = "Invalid refresh token")))]
pub async fn rotate_token(
    State(app): State<AppState>,
    auth: AuthUser,
    Body(body): Body,
) -> ApiResult<Json<RefreshResponse>> {
    let token = refresh_field(&body)?;
    let invalid = || ApiError::non_field("Invalid refresh token");
    let user_id = verify_refresh(&app, token).await.map_err(|_| invalid())?;
    if user_id != auth.user.id {
        return Err(invalid());
    }
    let jti = super::json::unverified_jti(token).ok_or_else(invalid)?;
    let mut tx = app.db.begin().await?;
    if !labelsync_db::tokens::blacklist_personal_token(&mut tx, user_id, &jti).await? {
        return Err(invalid());
    }
    let (new, _) = super::issue(&app, &mut tx, user_id).await?;
    tx.commit().await?;
    Ok(Json(RefreshResponse { refresh: new }))
}
