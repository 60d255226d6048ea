use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::auth::{hash_token, new_legacy_token};
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

/// `{"token": …}`: a legacy API token, shown once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LegacyToken {
    pub token: String,
}

/// Replace the caller's legacy API token; the new token is shown once, in this response.
#[utoipa::path(post, path = "/api/current-user/reset-token/", tag = "users",
    responses((status = 201, description = "The new legacy token", body = LegacyToken)))]
pub async fn reset_token(
    State(app): State<AppState>,
    auth: AuthUser,
) -> ApiResult<(StatusCode, Json<LegacyToken>)> {
    let token = new_legacy_token();
    let mut tx = app.db.begin().await?;
    labelsync_db::tokens::delete_api_tokens(&mut tx, auth.user.id).await?;
    labelsync_db::tokens::insert_api_token(&mut tx, auth.user.id, &hash_token(&token)).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(LegacyToken { token })))
}
