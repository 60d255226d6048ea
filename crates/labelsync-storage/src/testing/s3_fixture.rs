//! The S3 fixture: a fresh bucket on s3s-fs (which verifies signatures) or on moto (which
//! also serves STS, for AssumeRole).

use crate::cloud::http::RawClient;
use async_trait::async_trait;
use object_store::aws::AwsCredential;

use super::raw::{client, s3_create_bucket, s3_put_object};
use super::{Capabilities, Fixture, Listing, Scope};
use crate::guard::NetGuard;
use crate::{S3Config, Secret, StorageConfig};

/// A bucket of its own on an S3 emulator. The endpoint is configured as a tenant's: the guard
/// (protection on, the emulator's `127.0.0.1:<port>` allowlisted) checks every connection.
/// Buckets are left behind; the emulators are throwaway.
pub struct S3Fixture {
    endpoint: String,
    port: u16,
    credential: AwsCredential,
    bucket: String,
    http: RawClient,
    bad_secret: String,
}

impl std::fmt::Debug for S3Fixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Fixture")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .finish_non_exhaustive()
    }
}

impl S3Fixture {
    /// A fresh bucket on s3s-fs, or `None` (skipped, printed) without one.
    pub async fn for_test(test: &str) -> Option<S3Fixture> {
        let service = super::s3_service(test)?;
        Some(S3Fixture::create(service.endpoint, service.access_key, service.secret_key).await)
    }

    /// A fresh bucket on moto (any keys are accepted), or `None` (skipped, printed).
    pub async fn moto(test: &str) -> Option<S3Fixture> {
        let endpoint = super::moto_endpoint(test)?;
        let fixture =
            S3Fixture::create(endpoint, "AKIALABELSYNCTEST".to_owned(), "labelsync-moto-secret".to_owned())
                .await;
        Some(fixture)
    }

    async fn create(endpoint: String, access_key: String, secret_key: String) -> S3Fixture {
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        let credential = AwsCredential { key_id: access_key, secret_key, token: None };
        let http = client();
        let bucket = super::unique_bucket();
        s3_create_bucket(&http, &credential, &endpoint, &bucket).await;
        S3Fixture {
            port: super::port_of(&endpoint),
            bad_secret: format!("wrong-secret-{}", std::process::id()),
            endpoint,
            credential,
            bucket,
            http,
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The emulator's access key and secret.
    pub fn keys(&self) -> (&str, &str) {
        (&self.credential.key_id, &self.credential.secret_key)
    }

    /// A configuration of this bucket with static keys and the emulator as tenant endpoint.
    pub fn config_for(&self, prefix: Option<&str>, recursive: bool) -> S3Config {
        S3Config {
            bucket: self.bucket.clone(),
            prefix: prefix.map(str::to_owned),
            recursive,
            access_key_id: Some(Secret::new(self.credential.key_id.clone())),
            secret_access_key: Some(Secret::new(self.credential.secret_key.clone())),
            region: Some("us-east-1".to_owned()),
            endpoint: Some(self.endpoint.clone()),
            ..S3Config::default()
        }
    }
}

#[async_trait]
impl Fixture for S3Fixture {
    fn capabilities(&self) -> Capabilities {
        Capabilities { listing: Listing::Folders, may_repeat_keys: false }
    }

    fn guard(&self) -> NetGuard {
        NetGuard::new(true, vec![format!("127.0.0.1:{}", self.port)])
    }

    fn config(&self, scope: Scope<'_>) -> StorageConfig {
        StorageConfig::S3(self.config_for(scope.prefix, scope.recursive))
    }

    fn config_with_bad_credentials(&self) -> Option<StorageConfig> {
        let config = S3Config {
            secret_access_key: Some(Secret::new(self.bad_secret.clone())),
            ..self.config_for(None, true)
        };
        Some(StorageConfig::S3(config))
    }

    fn secrets(&self) -> Vec<String> {
        vec![self.credential.key_id.clone(), self.credential.secret_key.clone(), self.bad_secret.clone()]
    }

    async fn seed(&self, name: &str, body: &[u8]) {
        s3_put_object(&self.http, &self.credential, &self.endpoint, &self.bucket, name, body).await;
    }

    fn key_of(&self, name: &str) -> String {
        name.to_owned()
    }
}
