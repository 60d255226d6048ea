use axum::Json;
use axum::extract::State;

use super::json::TokenResponse;
use crate::auth::jwt;
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

/// The caller's personal access tokens, unsigned (`header.payload`) as Label Studio lists them.
#[utoipa::path(get, path = "/api/token/", tag = "tokens",
    responses((status = 200, description = "The tokens", body = Vec<TokenResponse>)))]
pub async fn list_tokens(State(app): State<AppState>, auth: AuthUser) -> ApiResult<Json<Vec<TokenResponse>>> {
    let rows = labelsync_db::tokens::list_personal_tokens(&app.db, auth.user.id).await?;
    let out = rows
        .iter()
        .map(|row| {
            let full = jwt::encode(&app.jwt_key, &super::refresh_claims(row));
            TokenResponse::new(jwt::truncated(&full), row)
        })
        .collect();
    Ok(Json(out))
}
