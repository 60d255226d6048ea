//! Legacy API tokens (stored as SHA-256 hashes) and personal access tokens (stored by `jti`).

use chrono::{DateTime, Utc};

use crate::conn::with_conn;
use crate::{Ex, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonalToken {
    pub id: i64,
    pub user_id: i64,
    pub jti: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub blacklisted_at: Option<DateTime<Utc>>,
}

/// Stores the hash of a new legacy token for `user_id`.
pub async fn insert_api_token(ex: impl Into<Ex<'_>>, user_id: i64, key_hash: &str) -> Result<()> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query("insert into api_tokens (user_id, key_hash, created_at) values ($1, $2, $3)")
            .bind(user_id)
            .bind(key_hash)
            .bind(now)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// Removes every legacy token of `user_id` (before issuing a new one).
pub async fn delete_api_tokens(ex: impl Into<Ex<'_>>, user_id: i64) -> Result<u64> {
    with_conn!(ex, |c| {
        sqlx::query("delete from api_tokens where user_id = $1")
            .bind(user_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })
}

/// The user a legacy token hash belongs to.
pub async fn user_for_api_token(ex: impl Into<Ex<'_>>, key_hash: &str) -> Result<Option<crate::orgs::User>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, crate::orgs::User>(
            "select u.id, u.email, u.username, u.first_name, u.last_name, \
             u.active_organization_id, u.is_active, u.date_joined, u.last_activity \
             from api_tokens t join users u on u.id = t.user_id where t.key_hash = $1",
        )
        .bind(key_hash)
        .fetch_optional(c)
        .await
    })
}

pub async fn insert_personal_token(
    ex: impl Into<Ex<'_>>,
    user_id: i64,
    jti: &str,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<PersonalToken> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, PersonalToken>(
            "insert into personal_tokens (user_id, jti, created_at, expires_at) \
             values ($1, $2, $3, $4) \
             returning id, user_id, jti, created_at, expires_at, blacklisted_at",
        )
        .bind(user_id)
        .bind(jti)
        .bind(created_at)
        .bind(expires_at)
        .fetch_one(c)
        .await
    })
}

pub async fn find_personal_token(ex: impl Into<Ex<'_>>, jti: &str) -> Result<Option<PersonalToken>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, PersonalToken>(
            "select id, user_id, jti, created_at, expires_at, blacklisted_at \
             from personal_tokens where jti = $1",
        )
        .bind(jti)
        .fetch_optional(c)
        .await
    })
}

/// The user's personal access tokens that are not revoked, oldest first.
pub async fn list_personal_tokens(ex: impl Into<Ex<'_>>, user_id: i64) -> Result<Vec<PersonalToken>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, PersonalToken>(
            "select id, user_id, jti, created_at, expires_at, blacklisted_at \
             from personal_tokens where user_id = $1 and blacklisted_at is null order by id",
        )
        .bind(user_id)
        .fetch_all(c)
        .await
    })
}

/// Revokes a personal access token of `user_id`. Returns false when it was unknown, another
/// user's, or already revoked.
pub async fn blacklist_personal_token(ex: impl Into<Ex<'_>>, user_id: i64, jti: &str) -> Result<bool> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query(
            "update personal_tokens set blacklisted_at = $1 \
             where jti = $2 and user_id = $3 and blacklisted_at is null",
        )
        .bind(now)
        .bind(jti)
        .bind(user_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}
