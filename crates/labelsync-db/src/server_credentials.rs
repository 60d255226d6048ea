//! Which organizations may use the server's own cloud credentials, and each organization's
//! server-generated external id (`server_credential_grants`, `organization_external_ids`).
//!
//! A grant names one backend (`s3`, `gcs`, `azure`): the AWS default chain (and role
//! assumption on top of it) with `S3_ENDPOINT`/`S3_REGION`, Google Application Default
//! Credentials, or `AZURE_BLOB_ACCOUNT_NAME`/`_KEY`. Without a grant, an organization's storages
//! must bring their own credentials.

use chrono::{DateTime, Utc};

use crate::conn::with_conn;
use crate::{Ex, Result};

pub use labelsync_types::CredentialBackend;

/// The backends a grant can name.
pub const BACKENDS: &[CredentialBackend] = CredentialBackend::ALL;

/// One grant.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Grant {
    pub organization_id: i64,
    pub backend: CredentialBackend,
    pub granted_at: DateTime<Utc>,
}

/// Grants `backend` to the organization; `false` when it was already granted.
pub async fn grant(ex: impl Into<Ex<'_>>, organization_id: i64, backend: CredentialBackend) -> Result<bool> {
    let now = crate::now();
    with_conn!(ex, |c| {
        let done = sqlx::query(
            "insert into server_credential_grants (organization_id, backend, granted_at) \
             values ($1, $2, $3) on conflict (organization_id, backend) do nothing",
        )
        .bind(organization_id)
        .bind(backend)
        .bind(now)
        .execute(c)
        .await?;
        Ok(done.rows_affected() > 0)
    })
}

/// Withdraws `backend` from the organization; `false` when it was not granted.
pub async fn revoke(ex: impl Into<Ex<'_>>, organization_id: i64, backend: CredentialBackend) -> Result<bool> {
    with_conn!(ex, |c| {
        let done =
            sqlx::query("delete from server_credential_grants where organization_id = $1 and backend = $2")
                .bind(organization_id)
                .bind(backend)
                .execute(c)
                .await?;
        Ok(done.rows_affected() > 0)
    })
}

/// Every grant, by organization and backend.
pub async fn list(ex: impl Into<Ex<'_>>) -> Result<Vec<Grant>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Grant>(
            "select organization_id, backend, granted_at from server_credential_grants \
             order by organization_id, backend",
        )
        .fetch_all(c)
        .await
    })
}

/// The backends granted to the organization.
pub async fn backends(ex: impl Into<Ex<'_>>, organization_id: i64) -> Result<Vec<CredentialBackend>> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, CredentialBackend>(
            "select backend from server_credential_grants where organization_id = $1 order by backend",
        )
        .bind(organization_id)
        .fetch_all(c)
        .await
    })
}

/// The organization's external id, generated on first use (`labelsync-<org>-<32 hex>`).
/// Concurrent first uses agree on one value. Only the first use writes: every storage read shows
/// the id, and on SQLite a write, even one that inserts nothing, waits for a running sync's batch.
pub async fn external_id(ex: impl Into<Ex<'_>>, organization_id: i64) -> Result<String> {
    const SELECT: &str = "select external_id from organization_external_ids where organization_id = $1";
    with_conn!(ex, |c| {
        let existing =
            sqlx::query_scalar::<_, String>(SELECT).bind(organization_id).fetch_optional(&mut *c).await?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let candidate = format!("labelsync-{organization_id}-{}", uuid::Uuid::new_v4().simple());
        sqlx::query(
            "insert into organization_external_ids (organization_id, external_id, created_at) \
             values ($1, $2, $3) on conflict (organization_id) do nothing",
        )
        .bind(organization_id)
        .bind(&candidate)
        .bind(crate::now())
        .execute(&mut *c)
        .await?;
        sqlx::query_scalar::<_, String>(SELECT).bind(organization_id).fetch_one(c).await
    })
}

/// The organization of a project (`None` when the project is gone).
pub async fn organization_of_project(ex: impl Into<Ex<'_>>, project_id: i64) -> Result<Option<i64>> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>("select organization_id from projects where id = $1")
            .bind(project_id)
            .fetch_optional(c)
            .await
    })
}
