//! The GCS fixture: a fresh bucket on fake-gcs-server.

use crate::cloud::http::RawClient;
use async_trait::async_trait;

use super::raw::{client, gcs_create_bucket, gcs_put_object};
use super::{Capabilities, Fixture, Listing, Scope};
use crate::guard::NetGuard;
use crate::{GcsConfig, Secret, StorageConfig};

/// The test service account (a throwaway RSA key, also behind the signer's golden vectors).
pub const GCS_SERVICE_ACCOUNT: &str = include_str!("../../testdata/gcs-v4/service-account.json");

/// A bucket of its own on fake-gcs-server, configured with the test service account (which
/// the emulator does not check) and the emulator as operator endpoint.
#[derive(Debug)]
pub struct GcsFixture {
    endpoint: String,
    bucket: String,
    http: RawClient,
}

impl GcsFixture {
    /// A fresh bucket, or `None` (skipped, printed) without fake-gcs-server.
    pub async fn for_test(test: &str) -> Option<GcsFixture> {
        let endpoint = super::gcs_endpoint(test)?.trim_end_matches('/').to_owned();
        let http = client();
        let bucket = super::unique_bucket();
        gcs_create_bucket(&http, &endpoint, &bucket).await;
        Some(GcsFixture { endpoint, bucket, http })
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn config_for(&self, prefix: Option<&str>, recursive: bool) -> GcsConfig {
        GcsConfig {
            bucket: self.bucket.clone(),
            prefix: prefix.map(str::to_owned),
            recursive,
            credentials_json: Some(Secret::new(GCS_SERVICE_ACCOUNT)),
            project_id: Some("labelsync-test".to_owned()),
            endpoint: Some(self.endpoint.clone()),
            use_server_identity: false,
        }
    }
}

#[async_trait]
impl Fixture for GcsFixture {
    fn capabilities(&self) -> Capabilities {
        Capabilities { listing: Listing::Folders, may_repeat_keys: false }
    }

    fn guard(&self) -> NetGuard {
        NetGuard::new(true, Vec::new())
    }

    fn config(&self, scope: Scope<'_>) -> StorageConfig {
        StorageConfig::Gcs(self.config_for(scope.prefix, scope.recursive))
    }

    /// fake-gcs-server accepts any credentials, so there is nothing to refuse.
    fn config_with_bad_credentials(&self) -> Option<StorageConfig> {
        None
    }

    fn secrets(&self) -> Vec<String> {
        Vec::new()
    }

    async fn seed(&self, name: &str, body: &[u8]) {
        gcs_put_object(&self.http, &self.endpoint, &self.bucket, name, body).await;
    }

    fn key_of(&self, name: &str) -> String {
        name.to_owned()
    }
}
