//! Google Cloud Storage (Label Studio's `gcs` storage).
//!
//! Reads and deletes go through object_store (XML API); listing and writes through the JSON
//! API (see [`json_api`]), with the same credentials: the service-account JSON when given,
//! else Application Default Credentials (the server's own identity, as in Label Studio) when
//! the caller allows it (`use_server_identity`, set for granted organizations only); without
//! either, connecting fails before anything is contacted. When the operator set an emulator
//! endpoint (`STORAGE_EMULATOR_HOST`), a granted organization's storage without credentials
//! sends its requests unauthenticated, as Google's client libraries (and so Label Studio) do with
//! an emulator, instead of asking a metadata server for a token.
//! Presigned URLs are V4-signed by our [`signer`] and need a service account; with default
//! credentials presigning is [`Error::NotSupported`].
//!
//! The endpoint is the operator's (`STORAGE_EMULATOR_HOST` style), never the tenant's: the
//! service-account JSON's own `gcs_base_url`/`disable_oauth` fields, which object_store would
//! honour, are dropped before object_store sees the JSON.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use object_store::ObjectStore;
use object_store::gcp::{GoogleCloudStorage, GoogleCloudStorageBuilder};
use serde::Deserialize;

use crate::cloud::errors::{Class, Codes, Failure};
use crate::cloud::http::{RawClient, Reach, client_options, install_crypto_provider, retry_config};
use crate::cloud::keys::check_bucket;
use crate::cloud::{CloudStorage, Page, PageRequest, Provider, Resume};
use crate::guard::NetGuard;
use crate::{Connected, Error, GcsConfig, Result, Role};

mod json_api;
mod signer;

use signer::V4Signer;

const DEFAULT_BASE_URL: &str = "https://storage.googleapis.com";

const NO_CREDENTIALS: &str = "This GCS storage needs google_application_credentials: the server's \
Google credentials are not granted to this organization (the operator grants them with \
`labelsync admin grant-server-credentials --backend gcs`)";

const CODES: Codes = Codes {
    container_missing: &["NoSuchBucket"],
    denied: &["AccessDenied", "forbidden", "insufficientPermissions"],
};

/// Builds the GCS roles for `role` (import storages also serve media). Malformed
/// credentials JSON fails here with Label Studio's message; nothing is contacted.
pub(crate) fn connect(config: &GcsConfig, role: Role, guard: &NetGuard) -> Result<Connected> {
    let provider = GcsProvider::new(config, guard)?;
    let label = match config.prefix.as_deref().filter(|p| !p.is_empty()) {
        Some(prefix) => format!("GCS(gs://{}/{prefix})", config.bucket),
        None => format!("GCS(gs://{})", config.bucket),
    };
    let storage = CloudStorage::new(provider, label, config.prefix.as_deref(), config.recursive)
        .with_limits(guard.limits());
    Ok(storage.connected(role))
}

/// The fields of a service-account JSON we use.
#[derive(Deserialize)]
struct ServiceAccount {
    client_email: String,
    private_key: String,
    private_key_id: String,
}

/// One bucket.
pub(crate) struct GcsProvider {
    store: GoogleCloudStorage,
    http: RawClient,
    bucket: String,
    /// Scheme and authority of the API, no trailing slash.
    base_url: String,
    /// Present with service-account credentials.
    signer: Option<V4Signer>,
    /// No credentials at all: the operator's emulator, which checks none.
    anonymous: bool,
}

impl GcsProvider {
    fn new(config: &GcsConfig, guard: &NetGuard) -> Result<GcsProvider> {
        install_crypto_provider();
        check_bucket("bucket", &config.bucket)?;
        let base_url = base_url(config);
        let url = url::Url::parse(&base_url)
            .map_err(|_| Error::InvalidConfig(format!("Invalid GCS endpoint {base_url:?}")))?;
        let options = client_options(url.scheme() == "http");
        let mut builder = GoogleCloudStorageBuilder::new()
            .with_bucket_name(&config.bucket)
            .with_base_url(&base_url)
            .with_client_options(options.clone())
            .with_retry(retry_config())
            .with_http_connector(Reach::trusted(guard));
        let credentials =
            config.credentials_json.as_ref().map(|s| s.expose().trim()).filter(|s| !s.is_empty());
        // The emulator is the operator's, like the server's identity: granted organizations only.
        let emulator = config.endpoint.as_deref().is_some_and(|e| !e.trim().is_empty());
        let anonymous = credentials.is_none() && emulator && config.use_server_identity;
        if anonymous {
            builder = builder.with_skip_signature(true);
        }
        let signer = match credentials {
            Some(json) => {
                let account = service_account(json)?;
                builder = builder.with_service_account_key(
                    serde_json::json!({
                        "client_email": account.client_email,
                        "private_key": account.private_key,
                        "private_key_id": account.private_key_id,
                    })
                    .to_string(),
                );
                Some(V4Signer::new(&account.client_email, &account.private_key, &base_url)?)
            }
            None if config.use_server_identity => None,
            None => return Err(Error::InvalidConfig(NO_CREDENTIALS.to_owned())),
        };
        let unusable = |e: object_store::Error| {
            Error::InvalidConfig(format!(
                "GCS {}: the credentials cannot be used: {}",
                config.bucket,
                crate::cloud::http::innermost(&e)
            ))
        };
        let store = builder.build().map_err(unusable)?;
        let http = Reach::trusted(guard).raw_client(&options).map_err(unusable)?;
        Ok(GcsProvider { store, http, bucket: config.bucket.clone(), base_url, signer, anonymous })
    }
}

/// The operator's endpoint or Google's, without a trailing slash.
fn base_url(config: &GcsConfig) -> String {
    config
        .endpoint
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .unwrap_or(DEFAULT_BASE_URL)
        .trim_end_matches('/')
        .to_owned()
}

/// Parses the service-account JSON, with Label Studio's message when it is not JSON. The
/// JSON error names a line and column, never the content.
fn service_account(json: &str) -> Result<ServiceAccount> {
    serde_json::from_str::<serde_json::Value>(json).map_err(|e| {
        Error::InvalidConfig(format!("Google Application Credentials must be valid JSON string. {e}"))
    })?;
    serde_json::from_str(json).map_err(|e| {
        Error::InvalidConfig(format!("Google Application Credentials must be a service account key: {e}"))
    })
}

#[async_trait]
impl Provider for GcsProvider {
    fn store(&self) -> &dyn ObjectStore {
        &self.store
    }

    async fn list_page(&self, request: PageRequest<'_>) -> Result<Page> {
        self.list_objects(request).await
    }

    /// By key: `startOffset`, durable where page tokens are not promised to be.
    fn resume(&self) -> Resume {
        Resume::AfterKey
    }

    fn empty_prefix(&self, prefix: &str) -> Error {
        Error::ContainerNotFound(format!(
            "No blobs found in {}/{prefix} or prefix doesn't exist",
            self.bucket
        ))
    }

    async fn put(&self, key: &str, body: Bytes) -> Result<()> {
        self.upload(key, body).await
    }

    async fn presign(&self, key: &str, ttl: Duration, content_type: Option<&str>) -> Result<url::Url> {
        let signer = self.signer.as_ref().ok_or(Error::NotSupported {
            operation: "presign",
            store: "gcs",
            note: ": signing URLs needs service-account credentials (google_application_credentials)",
        })?;
        signer.sign(&self.bucket, key, ttl, content_type, chrono::Utc::now())
    }

    fn error(&self, failure: Failure, key: Option<&str>) -> Error {
        let bucket = &self.bucket;
        match failure.classify(&CODES, key.is_some()) {
            Class::Storage(err) => err,
            Class::ContainerMissing => {
                Error::ContainerNotFound(format!("Cannot find bucket {bucket} in GCS"))
            }
            Class::KeyMissing => Error::NotFound { key: key.unwrap_or_default().to_owned() },
            Class::BadCredentials => Error::Unauthenticated(format!(
                "Cannot connect to GCS bucket {bucket} with the specified Google Application Credentials"
            )),
            Class::Denied => Error::PermissionDenied(match key {
                Some(key) => format!("Access denied to gs://{bucket}/{key}"),
                None => format!("Access denied to GCS bucket {bucket}"),
            }),
            Class::Unreachable(reason) => {
                Error::Unreachable(format!("Cannot connect to GCS at {}: {reason}", self.base_url))
            }
            Class::InvalidPath | Class::WrongRegion => Error::InvalidKey(format!(
                "{:?} cannot be addressed in GCS {bucket}",
                key.unwrap_or_default()
            )),
            Class::Other(what) => Error::Other(format!("GCS {bucket}: {what}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    /// Malformed credentials JSON fails with Label Studio's message and without echoing it.
    #[test]
    fn malformed_credentials_are_reported_without_content() {
        let config = GcsConfig {
            bucket: "b".into(),
            credentials_json: Some(Secret::new("{not json: s3cr3t")),
            ..GcsConfig::default()
        };
        let Err(err) = GcsProvider::new(&config, &NetGuard::disabled()) else {
            panic!("malformed JSON must fail")
        };
        assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
        assert!(
            err.to_string().starts_with("Google Application Credentials must be valid JSON string. "),
            "{err}"
        );
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
    }

    /// Without credentials JSON and without the grant, no client is built (no ADC lookup).
    #[test]
    fn no_credentials_without_the_grant() {
        let config = GcsConfig { bucket: "b".into(), ..GcsConfig::default() };
        let Err(err) = GcsProvider::new(&config, &NetGuard::disabled()) else {
            panic!("ADC must not be used")
        };
        assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
        assert!(err.to_string().contains("grant-server-credentials --backend gcs"), "{err}");
        let granted = GcsConfig { use_server_identity: true, ..config };
        assert!(GcsProvider::new(&granted, &NetGuard::disabled()).is_ok(), "granted: ADC may be used");
    }

    /// A tenant's `gcs_base_url` in the JSON does not move requests or signed URLs.
    #[test]
    fn credentials_cannot_choose_the_endpoint() {
        let mut account: serde_json::Value =
            serde_json::from_str(include_str!("../../testdata/gcs-v4/service-account.json")).expect("json");
        account["gcs_base_url"] = "http://169.254.169.254".into();
        account["disable_oauth"] = true.into();
        let config = GcsConfig {
            bucket: "b".into(),
            credentials_json: Some(Secret::new(account.to_string())),
            ..GcsConfig::default()
        };
        let provider = GcsProvider::new(&config, &NetGuard::disabled()).expect("provider");
        assert_eq!(provider.base_url, DEFAULT_BASE_URL);
        let url = provider
            .signer
            .as_ref()
            .expect("signer")
            .sign("b", "k", Duration::from_secs(60), None, chrono::Utc::now())
            .expect("signed");
        assert_eq!(url.host_str(), Some("storage.googleapis.com"));
    }
}
