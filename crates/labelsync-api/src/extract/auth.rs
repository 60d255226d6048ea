//! The authenticated caller, from `Authorization: Token <key>`, `X-Api-Key: <key>` or
//! `Authorization: Bearer <access JWT>`, as Label Studio accepts them (`docs/label-studio-api.md`
//! §9.1).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use labelsync_db::orgs::{self, Role, User};

use crate::auth::{hash_token, jwt};
use crate::error::{ApiError, NOT_AUTHENTICATED};
use crate::state::AppState;

/// An authenticated user acting in their active organization.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub org_id: i64,
    pub role: Role,
}

impl AuthUser {
    /// Refuses callers below `role` with Label Studio's 403.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    /// Managers and administrators: project, task and storage management.
    pub fn require_manager(&self) -> Result<(), ApiError> {
        self.require(Role::Manager)
    }
}

enum Credential<'a> {
    Legacy(&'a str),
    Bearer(&'a str),
}

fn credential(parts: &Parts) -> Option<Credential<'_>> {
    // Label Studio rewrites `X-Api-Key` to a legacy token header, overriding Authorization.
    if let Some(key) = parts.headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(Credential::Legacy(key.trim()));
    }
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.trim().split_once(' ')?;
    let token = rest.trim();
    if scheme.eq_ignore_ascii_case("token") {
        Some(Credential::Legacy(token))
    } else if scheme == "Bearer" {
        Some(Credential::Bearer(token))
    } else {
        None
    }
}

fn unauthenticated() -> ApiError {
    ApiError::Unauthorized(NOT_AUTHENTICATED.into())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<AuthUser>() {
            return Ok(user.clone());
        }
        let credential = credential(parts).ok_or_else(unauthenticated)?;
        let user = match credential {
            Credential::Legacy(key) => labelsync_db::tokens::user_for_api_token(&state.db, &hash_token(key))
                .await?
                .ok_or_else(|| ApiError::Unauthorized("Invalid token.".into()))?,
            Credential::Bearer(token) => {
                let now = chrono::Utc::now().timestamp();
                let claims = jwt::decode(&state.jwt_key, token, now, 0).map_err(|_| unauthenticated())?;
                if claims.token_type != "access" {
                    return Err(unauthenticated());
                }
                let id = claims.user_id.parse().map_err(|_| unauthenticated())?;
                orgs::find_user(&state.db, id).await?.ok_or_else(unauthenticated)?
            }
        };
        if !user.is_active {
            return Err(ApiError::Unauthorized("User inactive or deleted.".into()));
        }
        let membership = orgs::active_membership(&state.db, user.id, user.active_organization_id)
            .await?
            .ok_or_else(|| ApiError::Forbidden("You are not a member of any organization.".into()))?;
        match credential {
            Credential::Legacy(_) if !membership.legacy_api_tokens_enabled => {
                return Err(ApiError::Unauthorized(
                    "Authentication token no longer valid: legacy token authentication has been \
                     disabled for this organization"
                        .into(),
                ));
            }
            Credential::Bearer(_) if !membership.api_tokens_enabled => {
                return Err(unauthenticated());
            }
            _ => {}
        }
        let auth = AuthUser { org_id: membership.organization_id, role: membership.role(), user };
        parts.extensions.insert(auth.clone());
        Ok(auth)
    }
}
