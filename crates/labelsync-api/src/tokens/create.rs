use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::json::TokenResponse;
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

/// Issue a personal access token for the caller. It is shown once, in this response.
/// (Label Studio allows one per user and answers 409 for a second; labelsync allows several,
/// so rotating clients never have to revoke first.)
#[utoipa::path(post, path = "/api/token/", tag = "tokens",
    responses((status = 201, description = "The new token, whole", body = TokenResponse)))]
pub async fn create_token(
    State(app): State<AppState>,
    auth: AuthUser,
) -> ApiResult<(StatusCode, Json<TokenResponse>)> {
    let (token, row) = super::issue(&app, &app.db, auth.user.id).await?;
    Ok((StatusCode::CREATED, Json(TokenResponse::new(&token, &row))))
}
