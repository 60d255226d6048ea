//! Amazon S3 and S3-compatible stores (Label Studio's `s3` storage), over object_store.
//!
//! Requests are path-style (`{endpoint}/{bucket}/{key}`) against `https://s3.{region}.amazonaws.com`
//! or the configured endpoint. A tenant's endpoint is checked by the network guard when the
//! storage connects and again at every connection (see [`crate::cloud::http::Reach`]); an
//! operator's (`endpoint_trusted`) is not. Credentials (the tenant's keys, or the server's
//! identity for granted organizations towards the operator's endpoint): see [`credentials`].
//! Exports carry SSE-KMS headers when `sse_kms_key_id` is set. Presigned URLs are SigV4
//! query-signed by object_store, with `response-content-type` signed in when asked for.

use std::path::Path as FsPath;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::signer::{SignedUrlOptions, Signer};
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::cloud::errors::{Class, Codes, Failure};
use crate::cloud::http::{RawClient, Reach, client_options, install_crypto_provider, retry_config};
use crate::cloud::keys::{check_bucket, object_path};
use crate::cloud::{CloudStorage, Page, PageRequest, Provider, Resume};
use crate::guard::NetGuard;
use crate::{Connected, Error, Result, Role, S3Config};

mod credentials;
mod list;

const DEFAULT_REGION: &str = "us-east-1";

const CODES: Codes = Codes {
    container_missing: &["NoSuchBucket"],
    denied: &["AccessDenied", "AllAccessDisabled", "AccountProblem"],
};

/// Builds the S3 roles for `role` (import storages also serve media).
///
/// A tenant endpoint the guard refuses fails here with [`Error::Blocked`]; nothing else is
/// contacted until the first call (credentials included).
pub(crate) async fn connect(config: &S3Config, role: Role, guard: &NetGuard) -> Result<Connected> {
    let provider = S3Provider::new(config, guard, None).await?;
    let label = match config.prefix.as_deref().filter(|p| !p.is_empty()) {
        Some(prefix) => format!("S3(s3://{}/{prefix})", config.bucket),
        None => format!("S3(s3://{})", config.bucket),
    };
    let storage = CloudStorage::new(provider, label, config.prefix.as_deref(), config.recursive)
        .with_limits(guard.limits());
    Ok(storage.connected(role))
}

/// One bucket.
pub(crate) struct S3Provider {
    store: AmazonS3,
    /// The same reach as `store`'s client, for the listing calls we make ourselves.
    http: RawClient,
    bucket: String,
    region: String,
    /// `{endpoint}/{bucket}`.
    bucket_url: String,
    /// The endpoint's host (and port), for messages.
    host: String,
}

impl S3Provider {
    /// `profile_file` replaces the shared credentials file of the default chain (tests).
    pub(crate) async fn new(
        config: &S3Config,
        guard: &NetGuard,
        profile_file: Option<&FsPath>,
    ) -> Result<S3Provider> {
        install_crypto_provider();
        check_bucket("bucket", &config.bucket)?;
        let region = match config.region.as_deref().map(str::trim) {
            Some(region) if !region.is_empty() => region.to_owned(),
            _ => DEFAULT_REGION.to_owned(),
        };
        if !region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(Error::InvalidConfig(format!("Invalid S3 region {region:?}")));
        }
        // Credentials first: a storage that may not sign has its endpoint neither resolved nor contacted.
        let credentials = credentials::provider(config, &region, profile_file).await?;
        let (endpoint, reach) = endpoint(config, &region, guard).await?;
        let url = url::Url::parse(&endpoint)
            .map_err(|_| Error::InvalidConfig(format!("Invalid S3 endpoint {endpoint:?}")))?;
        let allow_http = url.scheme() == "http";
        let options = client_options(allow_http);
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&region)
            .with_endpoint(&endpoint)
            .with_virtual_hosted_style_request(false)
            .with_credentials(credentials)
            .with_client_options(options.clone())
            .with_retry(retry_config())
            .with_http_connector(reach.clone());
        if let Some(kms) = config.sse_kms_key_id.as_deref().filter(|k| !k.is_empty()) {
            builder = builder.with_sse_kms_encryption(kms);
        }
        let store =
            builder.build().map_err(|e| Error::InvalidConfig(format!("S3 {}: {e}", config.bucket)))?;
        let http = reach
            .raw_client(&options)
            .map_err(|e| Error::InvalidConfig(format!("S3 {}: {e}", config.bucket)))?;
        Ok(S3Provider {
            store,
            http,
            bucket: config.bucket.clone(),
            region,
            bucket_url: format!("{endpoint}/{}", config.bucket),
            host: url[url::Position::BeforeHost..url::Position::AfterPort].to_owned(),
        })
    }
}

/// The endpoint URL (no trailing slash) and how to reach it.
async fn endpoint(config: &S3Config, region: &str, guard: &NetGuard) -> Result<(String, Reach)> {
    let configured = config.endpoint.as_deref().map(str::trim);
    let Some(endpoint) = configured.filter(|e| !e.is_empty()) else {
        return Ok((format!("https://s3.{region}.amazonaws.com"), Reach::trusted(guard)));
    };
    let endpoint = endpoint.trim_end_matches('/').to_owned();
    if config.endpoint_trusted {
        return Ok((endpoint, Reach::trusted(guard)));
    }
    // Checked now (IP literals never reach the resolver) and at every connect.
    let url = guard.check_url(&endpoint).await?;
    let reach = Reach::Guarded {
        guard: guard.clone(),
        port: url.port_or_known_default().unwrap_or(443),
        allow_http: url.scheme() == "http",
    };
    Ok((endpoint, reach))
}

#[async_trait]
impl Provider for S3Provider {
    fn store(&self) -> &dyn ObjectStore {
        &self.store
    }

    async fn list_page(&self, request: PageRequest<'_>) -> Result<Page> {
        self.list_objects(request).await
    }

    /// By key: `start-after`, durable where continuation tokens are not promised to be.
    fn resume(&self) -> Resume {
        Resume::AfterKey
    }

    fn empty_prefix(&self, prefix: &str) -> Error {
        Error::ContainerNotFound(format!("s3://{}/{prefix} not found.", self.bucket))
    }

    async fn put(&self, key: &str, body: Bytes) -> Result<()> {
        let path = object_path(key)?;
        self.store
            .put(&path, PutPayload::from_bytes(body))
            .await
            .map_err(|e| self.error(Failure::from_object_store(&e), Some(key)))?;
        Ok(())
    }

    /// SigV4 query signing; `response-content-type` is part of the signature.
    async fn presign(&self, key: &str, ttl: Duration, content_type: Option<&str>) -> Result<url::Url> {
        let path = object_path(key)?;
        let mut options = SignedUrlOptions::default();
        if let Some(content_type) = content_type {
            options = options.with_query([("response-content-type", content_type)]);
        }
        self.store
            .signed_url_opts(http::Method::GET, &path, ttl, &options)
            .await
            .map_err(|e| self.error(Failure::from_object_store(&e), Some(key)))
    }

    /// Label Studio's texts for validation (`Cannot find bucket {bucket} in S3`, `Cannot
    /// connect to S3 {bucket} with specified AWS credentials`).
    fn error(&self, failure: Failure, key: Option<&str>) -> Error {
        let bucket = &self.bucket;
        match failure.classify(&CODES, key.is_some()) {
            Class::Storage(err) => err,
            Class::ContainerMissing => Error::ContainerNotFound(format!("Cannot find bucket {bucket} in S3")),
            Class::KeyMissing => Error::NotFound { key: key.unwrap_or_default().to_owned() },
            Class::BadCredentials => Error::Unauthenticated(format!(
                "Cannot connect to S3 {bucket} with specified AWS credentials"
            )),
            Class::Denied => Error::PermissionDenied(match key {
                Some(key) => format!("Access denied to s3://{bucket}/{key}"),
                None => format!("Cannot connect to S3 {bucket} with specified AWS credentials"),
            }),
            Class::Unreachable(reason) => {
                Error::Unreachable(format!("Cannot connect to S3 endpoint {}: {reason}", self.host))
            }
            Class::WrongRegion => Error::InvalidConfig(format!(
                "S3 bucket {bucket} is not in region {}: set region_name to the bucket's region",
                self.region
            )),
            Class::InvalidPath => {
                Error::InvalidKey(format!("{:?} cannot be addressed in S3 {bucket}", key.unwrap_or_default()))
            }
            Class::Other(what) => Error::Other(format!("S3 {bucket}: {what}")),
        }
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests;
