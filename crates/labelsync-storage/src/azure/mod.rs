//! Azure Blob Storage (Label Studio's `azure_blob` storage), with an account name and key.
//!
//! Reads, writes and deletes go through object_store; listing is our own `List Blobs` call
//! (exact names); presigned URLs are service SAS signed by our [`sas`] module. The endpoint
//! is `https://{account}.blob.core.windows.net` unless the operator set one (Azurite:
//! `http://127.0.0.1:10000/devstoreaccount1`). Environment fallbacks for the account name and
//! key (`AZURE_BLOB_ACCOUNT_NAME`/`_KEY`) are the caller's to resolve into the config.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use bytes::Bytes;
use object_store::azure::{AzureAccessKey, AzureCredential, MicrosoftAzure, MicrosoftAzureBuilder};
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, StaticCredentialProvider};

use crate::cloud::errors::{Class, Codes, Failure};
use crate::cloud::http::{RawClient, Reach, client_options, install_crypto_provider, retry_config};
use crate::cloud::keys::{check_bucket, object_path};
use crate::cloud::{CloudStorage, Page, PageRequest, Provider, Resume};
use crate::guard::NetGuard;
use crate::{AzureConfig, Connected, Error, Result, Role};

mod list;
mod sas;

use sas::{Grant, SasSigner, expiry_after};

/// `AuthorizationFailure` is missing from `denied` on purpose: Azurite answers a wrong account
/// key with it (Azure says `AuthenticationFailed`), and with an account key Azure itself only
/// uses it for network rules, where "cannot connect with these credentials" still fits.
const CODES: Codes = Codes {
    container_missing: &["ContainerNotFound"],
    denied: &[
        "AuthorizationPermissionMismatch",
        "AuthorizationResourceTypeMismatch",
        "AuthorizationSourceIPMismatch",
        "AuthorizationProtocolMismatch",
    ],
};

/// Label Studio's message, for organizations that may use the server's account.
const MISSING_CREDENTIALS: &str = "Azure account name and key must be set using environment variables \
AZURE_BLOB_ACCOUNT_NAME and AZURE_BLOB_ACCOUNT_KEY or account_name and account_key fields.";

/// For the others: the server's variables are not theirs to use.
const NOT_GRANTED: &str = "This Azure storage needs account_name and account_key: the server's Azure \
account is not granted to this organization (the operator grants it with \
`labelsync admin grant-server-credentials --backend azure`)";

/// Builds the Azure roles for `role` (import storages also serve media). A missing name or
/// key fails here with Label Studio's message; nothing is contacted.
pub(crate) fn connect(config: &AzureConfig, role: Role, guard: &NetGuard) -> Result<Connected> {
    let provider = AzureProvider::new(config, guard)?;
    let label = match config.prefix.as_deref().filter(|p| !p.is_empty()) {
        Some(prefix) => format!("Azure(azure-blob://{}/{prefix})", config.container),
        None => format!("Azure(azure-blob://{})", config.container),
    };
    let storage = CloudStorage::new(provider, label, config.prefix.as_deref(), config.recursive)
        .with_limits(guard.limits());
    Ok(storage.connected(role))
}

/// One container.
pub(crate) struct AzureProvider {
    store: MicrosoftAzure,
    http: RawClient,
    credential: Arc<AzureCredential>,
    signer: SasSigner,
    account: String,
    container: String,
    /// The account's blob endpoint, no trailing slash.
    base_url: String,
}

impl AzureProvider {
    fn new(config: &AzureConfig, guard: &NetGuard) -> Result<AzureProvider> {
        install_crypto_provider();
        check_bucket("container", &config.container)?;
        let (account, key) = account_and_key(config)?;
        let bad_key = || Error::Unauthenticated("Invalid Azure account key: not base64".to_owned());
        let decoded = base64::engine::general_purpose::STANDARD.decode(&key).map_err(|_| bad_key())?;
        let access_key = AzureAccessKey::try_new(&key).map_err(|_| bad_key())?;
        let credential = Arc::new(AzureCredential::AccessKey(access_key.clone()));
        let base_url = match config.endpoint.as_deref().map(str::trim) {
            Some(endpoint) if !endpoint.is_empty() => endpoint.trim_end_matches('/').to_owned(),
            _ => format!("https://{account}.blob.core.windows.net"),
        };
        let url = url::Url::parse(&base_url)
            .map_err(|_| Error::InvalidConfig(format!("Invalid Azure endpoint {base_url:?}")))?;
        let options = client_options(url.scheme() == "http");
        let unusable = |e: object_store::Error| {
            Error::InvalidConfig(format!(
                "Azure container {}: {}",
                config.container,
                crate::cloud::http::innermost(&e)
            ))
        };
        let store = MicrosoftAzureBuilder::new()
            .with_account(&account)
            .with_container_name(&config.container)
            .with_endpoint(base_url.clone())
            .with_credentials(Arc::new(StaticCredentialProvider::new(AzureCredential::AccessKey(access_key))))
            .with_client_options(options.clone())
            .with_retry(retry_config())
            .with_http_connector(Reach::trusted(guard))
            .build()
            .map_err(unusable)?;
        let http = Reach::trusted(guard).raw_client(&options).map_err(unusable)?;
        Ok(AzureProvider {
            store,
            http,
            credential,
            signer: SasSigner::new(&account, &decoded),
            account,
            container: config.container.clone(),
            base_url,
        })
    }
}

/// The account name (letters and digits, so it cannot change the default endpoint's host)
/// and key, or Label Studio's message when either is missing.
fn account_and_key(config: &AzureConfig) -> Result<(String, String)> {
    let secret = |s: &Option<crate::Secret>| {
        s.as_ref().map(|s| s.expose().trim().to_owned()).filter(|s| !s.is_empty())
    };
    let (Some(account), Some(key)) = (secret(&config.account_name), secret(&config.account_key)) else {
        let message = if config.use_server_identity { MISSING_CREDENTIALS } else { NOT_GRANTED };
        return Err(Error::InvalidConfig(message.to_owned()));
    };
    if !account.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::InvalidConfig("Invalid Azure account name: letters and digits only".to_owned()));
    }
    Ok((account, key))
}

#[async_trait]
impl Provider for AzureProvider {
    fn store(&self) -> &dyn ObjectStore {
        &self.store
    }

    async fn list_page(&self, request: PageRequest<'_>) -> Result<Page> {
        self.list_blobs(request).await
    }

    /// By `NextMarker`, the only position List Blobs takes.
    fn resume(&self) -> Resume {
        Resume::Marker
    }

    fn empty_prefix(&self, prefix: &str) -> Error {
        Error::ContainerNotFound(format!("azure-blob://{}/{prefix} not found.", self.container))
    }

    async fn put(&self, key: &str, body: Bytes) -> Result<()> {
        let path = object_path(key)?;
        self.store
            .put(&path, PutPayload::from_bytes(body))
            .await
            .map_err(|e| self.error(Failure::from_object_store(&e), Some(key)))?;
        Ok(())
    }

    /// A read-only service SAS expiring `ttl` from now.
    async fn presign(&self, key: &str, ttl: Duration, content_type: Option<&str>) -> Result<url::Url> {
        let grant = Grant { container: &self.container, blob: key, expiry: expiry_after(ttl), content_type };
        self.signer
            .blob_url(&self.base_url, &grant)
            .map_err(|e| Error::InvalidKey(format!("{key:?} cannot be signed: {e}")))
    }

    /// Label Studio's texts where it has them (`Container not found: {container}`).
    fn error(&self, failure: Failure, key: Option<&str>) -> Error {
        let container = &self.container;
        match failure.classify(&CODES, key.is_some()) {
            Class::Storage(err) => err,
            Class::ContainerMissing => Error::ContainerNotFound(format!("Container not found: {container}")),
            Class::KeyMissing => Error::NotFound { key: key.unwrap_or_default().to_owned() },
            Class::BadCredentials => Error::Unauthenticated(format!(
                "Cannot connect to Azure container {container} with the specified account name and key"
            )),
            Class::Denied => Error::PermissionDenied(match key {
                Some(key) => format!("Access denied to azure-blob://{container}/{key}"),
                None => format!("Access denied to Azure container {container}"),
            }),
            Class::Unreachable(reason) => {
                Error::Unreachable(format!("Cannot connect to Azure at {}: {reason}", self.base_url))
            }
            Class::InvalidPath | Class::WrongRegion => Error::InvalidKey(format!(
                "{:?} cannot be addressed in Azure container {container}",
                key.unwrap_or_default()
            )),
            Class::Other(what) => Error::Other(format!("Azure container {container}: {what}")),
        }
    }
}
