//! Local roots: the directories under the local-files document root that the operator granted to
//! each organization. Paths are stored normalized (callers normalize; see
//! `labelsync_storage::local::normalize_root`), so equality is path equality.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::conn::with_conn;
use crate::{Ex, Result};

/// One granted directory.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct LocalRoot {
    pub id: i64,
    pub organization_id: i64,
    pub path: String,
    pub created_at: DateTime<Utc>,
}

/// Grants `path` to `organization_id`. True when newly granted, false when it already was.
pub async fn grant(ex: impl Into<Ex<'_>>, organization_id: i64, path: &str) -> Result<bool> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query(
            "insert into local_roots (organization_id, path, created_at) values ($1, $2, $3) \
             on conflict (organization_id, path) do nothing",
        )
        .bind(organization_id)
        .bind(path)
        .bind(now)
        .execute(c)
        .await
        .map(|done| done.rows_affected() > 0)
    })
}

/// Revokes the grant of exactly `path`. True when there was one.
pub async fn revoke(ex: impl Into<Ex<'_>>, organization_id: i64, path: &str) -> Result<bool> {
    with_conn!(ex, |c| {
        sqlx::query("delete from local_roots where organization_id = $1 and path = $2")
            .bind(organization_id)
            .bind(path)
            .execute(c)
            .await
            .map(|done| done.rows_affected() > 0)
    })
}

/// The roots of one organization, by path.
pub async fn list_for_org(ex: impl Into<Ex<'_>>, organization_id: i64) -> Result<Vec<LocalRoot>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, LocalRoot>(
            "select id, organization_id, path, created_at from local_roots \
             where organization_id = $1 order by path",
        )
        .bind(organization_id)
        .fetch_all(c)
        .await
    })
}

/// Every grant, by organization then path.
pub async fn list_all(ex: impl Into<Ex<'_>>) -> Result<Vec<LocalRoot>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, LocalRoot>(
            "select id, organization_id, path, created_at from local_roots order by organization_id, path",
        )
        .fetch_all(c)
        .await
    })
}

/// Just the paths of one organization's roots (what every access check needs).
pub async fn paths_for_org(ex: impl Into<Ex<'_>>, organization_id: i64) -> Result<Vec<String>> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, String>("select path from local_roots where organization_id = $1")
            .bind(organization_id)
            .fetch_all(c)
            .await
    })
}
