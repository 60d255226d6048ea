use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use super::json::{RefreshBody, refresh_field, unverified_jti};
use crate::error::{ApiError, ApiResult, DetailBody};
use crate::extract::{AuthUser, Body};
use crate::state::AppState;

/// Revoke one of the caller's personal access tokens, given whole or as its unsigned
/// `header.payload` form. Access tokens already issued from it stay valid until they expire
/// (minutes), as in Label Studio. Unlike Label Studio, the caller must be authenticated, and
/// another user's token answers like an unknown one (nothing is revoked).
#[utoipa::path(post, path = "/api/token/blacklist/", tag = "tokens",
    request_body = RefreshBody,
    responses((status = 204, description = "Revoked"),
               (status = 400, description = "No `refresh` string"),
               (status = 401, description = "Not authenticated"),
               (status = 404, description = "Unknown, another user's, or already revoked",
                body = DetailBody)))]
pub async fn blacklist_token(
    State(app): State<AppState>,
    auth: AuthUser,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    let token = refresh_field(&body)?;
    let not_found = || {
        ApiError::Plain(StatusCode::NOT_FOUND, json!({"detail": "Token is invalid or already blacklisted."}))
    };
    let jti = unverified_jti(token).ok_or_else(not_found)?;
    if labelsync_db::tokens::blacklist_personal_token(&app.db, auth.user.id, &jti).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found())
    }
}
