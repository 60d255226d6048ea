//! `/api/token/…` and `/api/jwt/settings`: personal access tokens, Label Studio 1.23's JWT flow.
//!
//! A personal access token is a long-lived *refresh* JWT. `POST /api/token/refresh/` exchanges
//! it for a short-lived *access* JWT that authenticates as `Authorization: Bearer …`. Only the
//! token's `jti` is stored, so a token can be listed and revoked but never shown again.

pub mod blacklist;
pub mod create;
pub mod json;
pub mod list;
pub mod refresh;
pub mod rotate;
pub mod settings;

use chrono::{DateTime, TimeDelta, Utc};
use labelsync_db::tokens::PersonalToken;

use crate::auth::{jwt, new_jti};
use crate::state::AppState;

/// Personal access tokens live as long as Label Studio's: 200 years.
const REFRESH_LIFETIME_DAYS: i64 = 200 * 365;

/// The claims of a stored personal access token (deterministic, so the unsigned part of the
/// token can be shown again in listings).
pub fn refresh_claims(token: &PersonalToken) -> jwt::Claims {
    jwt::Claims {
        token_type: "refresh".into(),
        exp: token.expires_at.map_or(i64::MAX, |t| t.timestamp()),
        iat: token.created_at.timestamp(),
        jti: token.jti.clone(),
        user_id: token.user_id.to_string(),
    }
}

/// Issues and stores a new personal access token for `user_id`; returns it and its row.
pub async fn issue(
    app: &AppState,
    ex: impl Into<labelsync_db::Ex<'_>>,
    user_id: i64,
) -> Result<(String, PersonalToken), labelsync_db::Error> {
    let now = whole_seconds(labelsync_db::now());
    let expires = now + TimeDelta::days(REFRESH_LIFETIME_DAYS);
    let row =
        labelsync_db::tokens::insert_personal_token(ex, user_id, &new_jti(), now, Some(expires)).await?;
    Ok((jwt::encode(&app.jwt_key, &refresh_claims(&row)), row))
}

/// JWT times are whole seconds; stored times match them exactly.
fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// A new access token for `user_id`.
pub fn access_token(app: &AppState, user_id: i64) -> String {
    let now = Utc::now().timestamp();
    jwt::encode(
        &app.jwt_key,
        &jwt::Claims {
            token_type: "access".into(),
            exp: now + app.config.access_token_ttl_secs,
            iat: now,
            jti: new_jti(),
            user_id: user_id.to_string(),
        },
    )
}
