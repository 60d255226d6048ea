//! Request and response bodies of the token endpoints.

use labelsync_db::tokens::PersonalToken;
use serde_json::{Map, Value, json};

use crate::auth::jwt;
use crate::error::ApiError;
use crate::wire::ts_opt;

/// `{token, created_at, expires_at}` as Label Studio lists and creates tokens.
pub fn token_json(token: &str, row: &PersonalToken) -> Value {
    json!({
        "token": token,
        "created_at": crate::wire::ts(&row.created_at),
        "expires_at": ts_opt(&row.expires_at),
    })
}

/// The `refresh` field of a body, or Label Studio's 400.
pub fn refresh_field(body: &Map<String, Value>) -> Result<&str, ApiError> {
    match body.get("refresh") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) => Err(ApiError::field("refresh", "This field may not be blank.")),
        Some(_) => Err(ApiError::field("refresh", "Not a valid string.")),
        None => Err(ApiError::field("refresh", "This field is required.")),
    }
}

/// The `jti` of a full token or of its unsigned `header.payload` form, without checking the
/// signature (Label Studio revokes by either form).
pub fn unverified_jti(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: jwt::Claims = serde_json::from_slice(&bytes).ok()?;
    Some(claims.jti)
}
