//! Organizations (tenants), users and their memberships.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::conn::with_conn;
use crate::{Ex, Result};

/// A tenant. Every project belongs to exactly one organization.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Organization {
    pub id: i64,
    pub title: String,
    pub created_by_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub legacy_api_tokens_enabled: bool,
    pub api_tokens_enabled: bool,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub active_organization_id: Option<i64>,
    pub is_active: bool,
    pub date_joined: DateTime<Utc>,
    pub last_activity: Option<DateTime<Utc>>,
}

/// What a member may do in an organization: stored as its text, and an unknown text fails to
/// decode the row (never a silent annotator).
pub use labelsync_types::MemberRole as Role;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Membership {
    pub organization_id: i64,
    pub user_id: i64,
    role: Role,
}

impl Membership {
    pub fn role(&self) -> Role {
        self.role
    }
}

macro_rules! user_columns {
    ($p:literal) => {
        concat!(
            $p,
            "id, ",
            $p,
            "email, ",
            $p,
            "username, ",
            $p,
            "first_name, ",
            $p,
            "last_name, ",
            $p,
            "active_organization_id, ",
            $p,
            "is_active, ",
            $p,
            "date_joined, ",
            $p,
            "last_activity"
        )
    };
}

pub async fn create_organization(
    ex: impl Into<Ex<'_>>,
    title: &str,
    created_by_id: Option<i64>,
) -> Result<Organization> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Organization>(
            "insert into organizations (title, created_by_id, created_at) values ($1, $2, $3) \
             returning id, title, created_by_id, created_at, legacy_api_tokens_enabled, \
             api_tokens_enabled",
        )
        .bind(title)
        .bind(created_by_id)
        .bind(now)
        .fetch_one(c)
        .await
    })
}

pub async fn find_organization(ex: impl Into<Ex<'_>>, id: i64) -> Result<Option<Organization>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Organization>(
            "select id, title, created_by_id, created_at, legacy_api_tokens_enabled, \
             api_tokens_enabled from organizations where id = $1",
        )
        .bind(id)
        .fetch_optional(c)
        .await
    })
}

pub async fn list_organizations(ex: impl Into<Ex<'_>>) -> Result<Vec<Organization>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Organization>(
            "select id, title, created_by_id, created_at, legacy_api_tokens_enabled, \
             api_tokens_enabled from organizations order by id",
        )
        .fetch_all(c)
        .await
    })
}

pub async fn count_users(ex: impl Into<Ex<'_>>) -> Result<i64> {
    with_conn!(ex, |c| sqlx::query_scalar::<_, i64>("select count(*) from users").fetch_one(c).await)
}

/// Creates a user whose active organization is `organization_id`.
pub async fn create_user(
    ex: impl Into<Ex<'_>>,
    email: &str,
    first_name: &str,
    last_name: &str,
    organization_id: Option<i64>,
) -> Result<User> {
    let now = crate::now();
    let username = email.to_owned();
    with_conn!(ex, |c| {
        sqlx::query_as::<_, User>(concat!(
            "insert into users (email, username, first_name, last_name, active_organization_id, \
             date_joined) values ($1, $2, $3, $4, $5, $6) returning ",
            user_columns!("")
        ))
        .bind(email)
        .bind(&username)
        .bind(first_name)
        .bind(last_name)
        .bind(organization_id)
        .bind(now)
        .fetch_one(c)
        .await
    })
}

pub async fn find_user(ex: impl Into<Ex<'_>>, id: i64) -> Result<Option<User>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, User>(concat!("select ", user_columns!(""), " from users where id = $1"))
            .bind(id)
            .fetch_optional(c)
            .await
    })
}

pub async fn find_user_by_email(ex: impl Into<Ex<'_>>, email: &str) -> Result<Option<User>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, User>(concat!(
            "select ",
            user_columns!(""),
            " from users where lower(email) = lower($1)"
        ))
        .bind(email)
        .fetch_optional(c)
        .await
    })
}

/// The users among `ids` that exist, in id order (for the names shown on annotations).
pub async fn find_users(ex: impl Into<Ex<'_>>, ids: &[i64]) -> Result<Vec<User>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    with_conn!(ex, |c| {
        let mut qb =
            crate::conn::builder(&*c, concat!("select ", user_columns!(""), " from users where id in ("));
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        qb.push(") order by id");
        qb.build_query_as::<User>().fetch_all(c).await
    })
}

/// Users of an organization, by id, for the `/api/users` listing and user lookups.
pub async fn list_members(ex: impl Into<Ex<'_>>, organization_id: i64) -> Result<Vec<User>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, User>(concat!(
            "select ",
            user_columns!("u."),
            " from users u join memberships m on m.user_id = u.id \
             where m.organization_id = $1 order by u.id"
        ))
        .bind(organization_id)
        .fetch_all(c)
        .await
    })
}

pub async fn set_active_organization(
    ex: impl Into<Ex<'_>>,
    user_id: i64,
    organization_id: i64,
) -> Result<()> {
    with_conn!(ex, |c| {
        sqlx::query("update users set active_organization_id = $1 where id = $2")
            .bind(organization_id)
            .bind(user_id)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// Adds `user_id` to `organization_id` with `role`, or changes the role of an existing member.
pub async fn upsert_membership(
    ex: impl Into<Ex<'_>>,
    organization_id: i64,
    user_id: i64,
    role: Role,
) -> Result<()> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query(
            "insert into memberships (organization_id, user_id, role, created_at) \
             values ($1, $2, $3, $4) \
             on conflict (organization_id, user_id) do update set role = excluded.role",
        )
        .bind(organization_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())
    })
}

pub async fn find_membership(
    ex: impl Into<Ex<'_>>,
    organization_id: i64,
    user_id: i64,
) -> Result<Option<Membership>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Membership>(
            "select organization_id, user_id, role from memberships \
             where organization_id = $1 and user_id = $2",
        )
        .bind(organization_id)
        .bind(user_id)
        .fetch_optional(c)
        .await
    })
}

/// The user's first membership, used when the active organization is unset or was left.
pub async fn first_membership(ex: impl Into<Ex<'_>>, user_id: i64) -> Result<Option<Membership>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Membership>(
            "select organization_id, user_id, role from memberships where user_id = $1 \
             order by organization_id limit 1",
        )
        .bind(user_id)
        .fetch_optional(c)
        .await
    })
}

/// The organization a user acts in, with its token settings.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActiveMembership {
    pub organization_id: i64,
    role: Role,
    pub legacy_api_tokens_enabled: bool,
    pub api_tokens_enabled: bool,
}

impl ActiveMembership {
    pub fn role(&self) -> Role {
        self.role
    }
}

/// The membership of `user_id` in `preferred_org` if they have one, else their first, joined
/// with the organization's token settings. One query, for every authenticated request.
pub async fn active_membership(
    ex: impl Into<Ex<'_>>,
    user_id: i64,
    preferred_org: Option<i64>,
) -> Result<Option<ActiveMembership>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, ActiveMembership>(
            "select m.organization_id, m.role, o.legacy_api_tokens_enabled, o.api_tokens_enabled \
             from memberships m join organizations o on o.id = m.organization_id \
             where m.user_id = $1 \
             order by case when m.organization_id = $2 then 0 else 1 end, m.organization_id \
             limit 1",
        )
        .bind(user_id)
        .bind(preferred_org)
        .fetch_optional(c)
        .await
    })
}

/// Turns legacy tokens and personal access tokens on or off for an organization.
pub async fn set_token_settings(
    ex: impl Into<Ex<'_>>,
    organization_id: i64,
    legacy_api_tokens_enabled: bool,
    api_tokens_enabled: bool,
) -> Result<()> {
    with_conn!(ex, |c| {
        sqlx::query(
            "update organizations set legacy_api_tokens_enabled = $2, api_tokens_enabled = $3 \
             where id = $1",
        )
        .bind(organization_id)
        .bind(legacy_api_tokens_enabled)
        .bind(api_tokens_enabled)
        .execute(c)
        .await
        .map(|_| ())
    })
}
