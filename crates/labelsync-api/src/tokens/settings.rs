use axum::Json;
use axum::extract::State;
use labelsync_db::orgs::{self, Role};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Body};
use crate::fields::{self, Field, Kind};
use crate::state::AppState;

const FIELDS: &[Field] =
    &[Field::new("api_tokens_enabled", Kind::Bool), Field::new("legacy_api_tokens_enabled", Kind::Bool)];

/// Whether the organization accepts personal access tokens and legacy tokens.
#[utoipa::path(get, path = "/api/jwt/settings", tag = "tokens",
    responses((status = 200, description = "`{api_tokens_enabled, legacy_api_tokens_enabled}`")))]
pub async fn get_settings(State(app): State<AppState>, auth: AuthUser) -> ApiResult<Json<Value>> {
    let org = orgs::find_organization(&app.db, auth.org_id)
        .await?
        .ok_or_else(|| ApiError::no_match("Organization"))?;
    Ok(Json(json!({
        "api_tokens_enabled": org.api_tokens_enabled,
        "legacy_api_tokens_enabled": org.legacy_api_tokens_enabled,
    })))
}

/// Change the organization's token settings (administrators). labelsync enables both kinds
/// by default; Label Studio 1.23 disables legacy tokens for new organizations.
#[utoipa::path(post, path = "/api/jwt/settings", tag = "tokens",
    request_body(content = Object, description = "Any of `api_tokens_enabled`, `legacy_api_tokens_enabled`"),
    responses((status = 200, description = "The new settings"), (status = 403, description = "Not an administrator")))]
pub async fn update_settings(
    State(app): State<AppState>,
    auth: AuthUser,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Administrator)?;
    let valid = fields::validate(&body, FIELDS)?;
    let org = orgs::find_organization(&app.db, auth.org_id)
        .await?
        .ok_or_else(|| ApiError::no_match("Organization"))?;
    let flag = |name: &str, current: bool| valid.get(name).and_then(Value::as_bool).unwrap_or(current);
    let api = flag("api_tokens_enabled", org.api_tokens_enabled);
    let legacy = flag("legacy_api_tokens_enabled", org.legacy_api_tokens_enabled);
    orgs::set_token_settings(&app.db, auth.org_id, legacy, api).await?;
    Ok(Json(json!({"api_tokens_enabled": api, "legacy_api_tokens_enabled": legacy})))
}
