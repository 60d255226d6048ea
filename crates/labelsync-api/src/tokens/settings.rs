use axum::Json;
use axum::extract::State;
use labelsync_db::orgs::{self, Role};
use serde::Serialize;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Body};
use crate::fields::{self, Field, Kind};
use crate::state::AppState;

const FIELDS: &[Field] =
    &[Field::new("api_tokens_enabled", Kind::Bool), Field::new("legacy_api_tokens_enabled", Kind::Bool)];

crate::fields::schema::body_schema!(
    /// The token settings to change.
    TokenSettingsBody, fields: FIELDS, required: [], "Any of the two flags"
);

/// Which kinds of token the organization accepts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenSettings {
    pub api_tokens_enabled: bool,
    pub legacy_api_tokens_enabled: bool,
}

/// Whether the organization accepts personal access tokens and legacy tokens.
#[utoipa::path(get, path = "/api/jwt/settings", tag = "tokens",
    responses((status = 200, description = "The settings", body = TokenSettings)))]
pub async fn get_settings(State(app): State<AppState>, auth: AuthUser) -> ApiResult<Json<TokenSettings>> {
    let org = orgs::find_organization(&app.db, auth.org_id)
        .await?
        .ok_or_else(|| ApiError::no_match("Organization"))?;
    Ok(Json(TokenSettings {
        api_tokens_enabled: org.api_tokens_enabled,
        legacy_api_tokens_enabled: org.legacy_api_tokens_enabled,
    }))
}

/// Change the organization's token settings (administrators). labelsync enables both kinds
/// by default; Label Studio 1.23 disables legacy tokens for new organizations. Turning both off
/// is refused (labelsync has no session login to fall back on).
#[utoipa::path(post, path = "/api/jwt/settings", tag = "tokens",
    request_body = TokenSettingsBody,
    responses((status = 200, description = "The new settings", body = TokenSettings), (status = 400, description = "Invalid fields"), (status = 403, description = "Not an administrator")))]
pub async fn update_settings(
    State(app): State<AppState>,
    auth: AuthUser,
    Body(body): Body,
) -> ApiResult<Json<TokenSettings>> {
    auth.require(Role::Administrator)?;
    let valid = fields::validate(&body, FIELDS)?;
    let org = orgs::find_organization(&app.db, auth.org_id)
        .await?
        .ok_or_else(|| ApiError::no_match("Organization"))?;
    let flag = |name: &str, current: bool| valid.get(name).and_then(Value::as_bool).unwrap_or(current);
    let api = flag("api_tokens_enabled", org.api_tokens_enabled);
    let legacy = flag("legacy_api_tokens_enabled", org.legacy_api_tokens_enabled);
    if !api && !legacy {
        // labelsync has no session login: with neither kind, no one could call the API again.
        return Err(ApiError::non_field(
            "At least one kind of token must stay enabled: without either, no one in the organization \
             could call the API.",
        ));
    }
    orgs::set_token_settings(&app.db, auth.org_id, legacy, api).await?;
    Ok(Json(TokenSettings { api_tokens_enabled: api, legacy_api_tokens_enabled: legacy }))
}
