//! Request and response bodies of the token endpoints.

use labelsync_db::tokens::PersonalToken;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::jwt;
use crate::error::ApiError;
use crate::fields::{Field, Kind};
use crate::wire::ts_text;

/// A personal access token as Label Studio lists (unsigned) and creates (whole) it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub token: String,
    pub created_at: String,
    /// Null for a token that never expires.
    pub expires_at: Option<String>,
}

impl TokenResponse {
    pub fn new(token: &str, row: &PersonalToken) -> TokenResponse {
        TokenResponse {
            token: token.to_owned(),
            created_at: ts_text(&row.created_at),
            expires_at: row.expires_at.as_ref().map(ts_text),
        }
    }
}

/// `{"access": …}`: a short-lived access token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessResponse {
    pub access: String,
}

/// `{"refresh": …}`: a new personal access token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RefreshResponse {
    pub refresh: String,
}

const REFRESH_FIELDS: &[Field] = &[Field::new("refresh", Kind::Str { max_len: None, allow_blank: false })];

crate::fields::schema::body_schema!(
    /// `{"refresh": "<personal access token>"}`.
    RefreshBody, fields: REFRESH_FIELDS, required: ["refresh"],
    "A personal access token, whole (or, to revoke, its unsigned `header.payload` form)"
);

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
