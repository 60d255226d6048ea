use axum::Json;
use axum::extract::State;

use super::json::{AccessResponse, RefreshBody, refresh_field};
use crate::auth::jwt;
use crate::error::{ApiError, ApiResult};
use crate::extract::Body;
use crate::state::AppState;

/// Exchange a personal access token for a short-lived access token (`{"access": …}`).
/// Needs no other authentication, as in Label Studio.
#[utoipa::path(post, path = "/api/token/refresh/", tag = "tokens",
    request_body = RefreshBody,
    responses((status = 200, description = "An access token", body = AccessResponse),
               (status = 400, description = "No `refresh` string"),
               (status = 401, description = "Invalid, revoked or wrong-type token")))]
pub async fn refresh_token(State(app): State<AppState>, Body(body): Body) -> ApiResult<Json<AccessResponse>> {
    let user_id = verify_refresh(&app, refresh_field(&body)?).await?;
    Ok(Json(AccessResponse { access: super::access_token(&app, user_id) }))
}

/// Checks a personal access token: signature, type, expiry, not revoked, active user.
pub async fn verify_refresh(app: &AppState, token: &str) -> ApiResult<i64> {
    let invalid = || ApiError::Unauthorized("Token is invalid".into());
    let claims =
        jwt::decode(&app.jwt_key, token, chrono::Utc::now().timestamp(), 0).map_err(|_| invalid())?;
    if claims.token_type != "refresh" {
        return Err(ApiError::Unauthorized("Token has wrong type".into()));
    }
    let row = labelsync_db::tokens::find_personal_token(&app.db, &claims.jti).await?.ok_or_else(invalid)?;
    if row.blacklisted_at.is_some() {
        return Err(ApiError::Unauthorized("Token is blacklisted".into()));
    }
    let user = labelsync_db::orgs::find_user(&app.db, row.user_id).await?.ok_or_else(invalid)?;
    if !user.is_active {
        return Err(invalid());
    }
    Ok(user.id)
}
