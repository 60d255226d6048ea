//! What an organization may use of the server's own cloud identity (the operator's grants).

use labelsync_db::Db;
use labelsync_db::server_credentials::{self, CredentialBackend};
use labelsync_storage::StorageKind;

/// The grants of one organization, loaded where a storage configuration is built (API drafts,
/// sync jobs, media clients) and passed to [`super::config_from_settings`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TenantCredentials {
    /// The AWS default chain, role assumption with it, `S3_ENDPOINT` / `S3_REGION`.
    pub s3: bool,
    /// Google Application Default Credentials.
    pub gcs: bool,
    /// `AZURE_BLOB_ACCOUNT_NAME` / `AZURE_BLOB_ACCOUNT_KEY`.
    pub azure: bool,
    /// The organization's external id, sent when a role is assumed with the server's identity.
    pub external_id: String,
}

impl TenantCredentials {
    /// The grants of `organization_id` (its external id is generated on first use).
    pub async fn load(db: &Db, organization_id: i64) -> labelsync_db::Result<TenantCredentials> {
        let backends = server_credentials::backends(db, organization_id).await?;
        let granted = |backend: CredentialBackend| backends.contains(&backend);
        Ok(TenantCredentials {
            s3: granted(CredentialBackend::S3),
            gcs: granted(CredentialBackend::Gcs),
            azure: granted(CredentialBackend::Azure),
            external_id: server_credentials::external_id(db, organization_id).await?,
        })
    }

    /// The grants of the organization owning `project_id`; none when the project is gone.
    pub async fn of_project(db: &Db, project_id: i64) -> labelsync_db::Result<TenantCredentials> {
        match server_credentials::organization_of_project(db, project_id).await? {
            Some(organization_id) => TenantCredentials::load(db, organization_id).await,
            None => Ok(TenantCredentials::default()),
        }
    }

    /// Whether storages of `kind` may use the server's identity.
    pub fn granted(&self, kind: StorageKind) -> bool {
        match kind {
            StorageKind::S3 => self.s3,
            StorageKind::Gcs => self.gcs,
            StorageKind::Azure => self.azure,
            StorageKind::Redis | StorageKind::LocalFiles => false,
        }
    }
}
