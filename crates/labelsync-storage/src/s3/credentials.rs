//! Where S3 requests get their credentials.
//!
//! | configured | credentials |
//! |---|---|
//! | access key id + secret (+ session token) | those, as given (the tenant's identity) |
//! | no keys, `use_server_identity`, operator's endpoint | the AWS default chain of the server: environment (`AWS_ACCESS_KEY_ID`…), shared profile files, web identity, ECS, instance metadata (aws-config's `DefaultCredentialsChain`) |
//! | no keys otherwise | refused before anything is contacted |
//! | `role_arn` (+ `external_id`) | STS `AssumeRole` signed with one of the above, refreshed before the session expires |
//!
//! Decided: "no keys" means the server's own identity only for organizations the operator
//! granted it (the caller sets `use_server_identity`), and never towards a tenant's endpoint:
//! the server's credentials must not sign a request a tenant's host receives. aws-config's
//! chain is used rather than object_store's `from_env` because it also covers profile files
//! and matches boto3's order.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::result::ConnectorError;
use object_store::aws::{AwsCredential, AwsCredentialProvider};
use object_store::{CredentialProvider, StaticCredentialProvider};

use crate::{Error, Result, S3Config, Secret};

/// Credentials are renewed this long before they expire.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);
/// How long credentials without an expiry (profile files, environment) are reused.
const REUSE_WITHOUT_EXPIRY: Duration = Duration::from_secs(15 * 60);
const SESSION_NAME: &str = "labelsync";

/// The credential provider for `config`: static keys, the default chain, or AssumeRole on
/// top of either. Nothing is fetched here; the first request (or `validate`) does that.
/// `profile_file` replaces the default shared credentials file (tests).
pub(super) async fn provider(
    config: &S3Config,
    region: &str,
    profile_file: Option<&Path>,
) -> Result<AwsCredentialProvider> {
    let keys = static_keys(config)?;
    if keys.is_none() {
        check_server_identity(config)?;
    }
    let Some(role_arn) = nonempty(config.role_arn.as_deref()) else {
        return Ok(match keys {
            Some(keys) => Arc::new(StaticCredentialProvider::new(keys)),
            None => {
                let sdk = sdk_config(config, region, profile_file).await;
                let chain = sdk.credentials_provider().ok_or_else(no_credentials)?;
                Arc::new(SdkCredentials::new(chain, Source::DefaultChain, config))
            }
        });
    };
    let sdk = sdk_config(config, region, profile_file).await;
    let mut builder = AssumeRoleProvider::builder(role_arn)
        .session_name(SESSION_NAME)
        .region(Region::new(region.to_owned()))
        .configure(&sdk);
    if let Some(external_id) = nonempty(config.external_id.as_deref()) {
        builder = builder.external_id(external_id);
    }
    let assume = match keys {
        Some(keys) => {
            let base = Credentials::new(keys.key_id, keys.secret_key, keys.token, None, "static");
            builder.build_from_provider(base).await
        }
        None => builder.build().await,
    };
    let source = Source::AssumeRole(role_arn.to_owned());
    let shared = SharedCredentialsProvider::new(assume);
    Ok(Arc::new(SdkCredentials::new(shared, source, config)))
}

/// The static keys, if configured (empty strings count as unset, as Label Studio stores them).
fn static_keys(config: &S3Config) -> Result<Option<AwsCredential>> {
    let secret = |s: &Option<Secret>| nonempty(s.as_ref().map(Secret::expose)).map(str::to_owned);
    match (secret(&config.access_key_id), secret(&config.secret_access_key)) {
        (Some(key_id), Some(secret_key)) => {
            Ok(Some(AwsCredential { key_id, secret_key, token: secret(&config.session_token) }))
        }
        (None, None) => Ok(None),
        _ => Err(Error::InvalidConfig(format!(
            "Wrong credentials for S3 {}: the access key id and the secret access key must be set together",
            config.bucket
        ))),
    }
}

/// Whether a storage without keys may use the server's identity: only when granted, and
/// only towards the operator's endpoint (AWS's, or `S3_ENDPOINT`).
fn check_server_identity(config: &S3Config) -> Result<()> {
    let tenant_endpoint = nonempty(config.endpoint.as_deref()).is_some() && !config.endpoint_trusted;
    if tenant_endpoint {
        return Err(Error::InvalidConfig(
            "An S3 storage with its own s3_endpoint needs aws_access_key_id and aws_secret_access_key: \
             the server's credentials are never sent to a storage's endpoint"
                .to_owned(),
        ));
    }
    if !config.use_server_identity {
        return Err(Error::InvalidConfig(
            "This S3 storage needs aws_access_key_id and aws_secret_access_key: the server's AWS \
             credentials are not granted to this organization (the operator grants them with \
             `labelsync admin grant-server-credentials --backend s3`)"
                .to_owned(),
        ));
    }
    Ok(())
}

/// aws-config's configuration for STS and the default chain: rustls with `ring` (no
/// aws-lc), the pinned behavior version, STS at `sts_endpoint` when set (trusted operator
/// input, like `S3_ENDPOINT`).
async fn sdk_config(config: &S3Config, region: &str, profile_file: Option<&Path>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::v2026_01_12())
        .http_client(https_client())
        .region(Region::new(region.to_owned()));
    if let Some(endpoint) = nonempty(config.sts_endpoint.as_deref()) {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(file) = profile_file {
        // The aliases are deprecated in favour of aws-runtime's names; not worth a dependency.
        #[allow(deprecated)]
        let files = aws_config::profile::profile_file::ProfileFiles::builder()
            .with_file(aws_config::profile::profile_file::ProfileFileKind::Credentials, file)
            .build();
        loader = loader.profile_files(files);
    }
    loader.load().await
}

/// One HTTPS client for every STS and credential-chain call (connection pools are shared).
fn https_client() -> SharedHttpClient {
    static CLIENT: OnceLock<SharedHttpClient> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
                .build_https()
        })
        .clone()
}

fn nonempty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn no_credentials() -> Error {
    Error::Unauthenticated(
        "No AWS credentials: set aws_access_key_id and aws_secret_access_key, or give the server \
         credentials (environment, profile, web identity or instance role)"
            .to_owned(),
    )
}

#[derive(Debug, Clone)]
pub(super) enum Source {
    DefaultChain,
    AssumeRole(String),
}

/// An aws-config credential provider as an object_store one, with a cache: one fetch at a
/// time, reused until [`REFRESH_BEFORE_EXPIRY`] before the credentials expire.
pub(super) struct SdkCredentials {
    inner: SharedCredentialsProvider,
    source: Source,
    /// Texts scrubbed from error messages (the configured secrets).
    secrets: Vec<String>,
    cached: tokio::sync::Mutex<Option<(Arc<AwsCredential>, SystemTime)>>,
}

impl SdkCredentials {
    pub(super) fn new(inner: SharedCredentialsProvider, source: Source, config: &S3Config) -> SdkCredentials {
        let secrets = [&config.access_key_id, &config.secret_access_key, &config.session_token]
            .into_iter()
            .filter_map(|s| nonempty(s.as_ref().map(Secret::expose)).map(str::to_owned))
            .collect();
        SdkCredentials { inner, source, secrets, cached: tokio::sync::Mutex::new(None) }
    }

    /// A credentials failure as one of our errors, worded for the user, secrets removed.
    fn error(&self, err: &CredentialsError) -> Error {
        let mut reason = crate::cloud::http::innermost(err);
        for secret in &self.secrets {
            reason = reason.replace(secret.as_str(), "[REDACTED]");
        }
        let unreachable =
            matches!(err, CredentialsError::ProviderTimedOut(_)) || has_source::<ConnectorError>(err);
        match (&self.source, err) {
            (Source::DefaultChain, CredentialsError::CredentialsNotLoaded(_)) => no_credentials(),
            (_, CredentialsError::InvalidConfiguration(_)) => {
                Error::InvalidConfig(format!("{}: {reason}", self.source))
            }
            _ if unreachable => Error::Unreachable(format!("{}: {reason}", self.source)),
            _ => Error::Unauthenticated(format!("{}: {reason}", self.source)),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::DefaultChain => f.write_str("Cannot load the server's AWS credentials"),
            Source::AssumeRole(arn) => write!(f, "Cannot assume role {arn}"),
        }
    }
}

fn has_source<T: std::error::Error + 'static>(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(err) = current {
        if err.is::<T>() {
            return true;
        }
        current = err.source();
    }
    false
}

impl fmt::Debug for SdkCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SdkCredentials").field("source", &self.source).finish_non_exhaustive()
    }
}

#[async_trait]
impl CredentialProvider for SdkCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        let mut cached = self.cached.lock().await;
        let now = SystemTime::now();
        if let Some((credential, refresh_at)) = cached.as_ref()
            && now < *refresh_at
        {
            return Ok(credential.clone());
        }
        let fetched = self
            .inner
            .provide_credentials()
            .await
            .map_err(|e| object_store::Error::Generic { store: "S3", source: Box::new(self.error(&e)) })?;
        let refresh_at = match fetched.expiry() {
            Some(expiry) => expiry.checked_sub(REFRESH_BEFORE_EXPIRY).unwrap_or(now).max(now),
            None => now + REUSE_WITHOUT_EXPIRY,
        };
        let credential = Arc::new(AwsCredential {
            key_id: fetched.access_key_id().to_owned(),
            secret_key: fetched.secret_access_key().to_owned(),
            token: fetched.session_token().map(str::to_owned),
        });
        *cached = Some((credential.clone(), refresh_at));
        Ok(credential)
    }
}
