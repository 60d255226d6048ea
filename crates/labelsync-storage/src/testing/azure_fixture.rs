//! The Azure fixture: a fresh container on Azurite, with its well-known development account.

use crate::cloud::http::RawClient;
use async_trait::async_trait;
use bytes::Bytes;
use http::Method;
use object_store::azure::AzureCredential;

use super::raw::{azure_credential, azure_send, client};
use super::{Capabilities, Fixture, Listing, Scope};
use crate::cloud::keys::encode_path;
use crate::guard::NetGuard;
use crate::{AzureConfig, Secret, StorageConfig};

/// Azurite's development account.
pub const AZURITE_ACCOUNT: &str = "devstoreaccount1";
/// Azurite's published development key (not a secret).
pub const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// A container of its own on Azurite (which verifies Shared Key and SAS signatures), with the
/// emulator as operator endpoint.
pub struct AzureFixture {
    endpoint: String,
    container: String,
    credential: AzureCredential,
    http: RawClient,
}

impl std::fmt::Debug for AzureFixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureFixture")
            .field("endpoint", &self.endpoint)
            .field("container", &self.container)
            .finish_non_exhaustive()
    }
}

impl AzureFixture {
    /// A fresh container, or `None` (skipped, printed) without Azurite.
    pub async fn for_test(test: &str) -> Option<AzureFixture> {
        let endpoint = super::azurite_endpoint(test)?.trim_end_matches('/').to_owned();
        let fixture = AzureFixture {
            container: super::unique_bucket(),
            credential: azure_credential(AZURITE_KEY),
            http: client(),
            endpoint,
        };
        let url = format!("{}/{}?restype=container", fixture.endpoint, fixture.container);
        fixture.send(Method::PUT, &url, Bytes::new(), &[]).await;
        Some(fixture)
    }

    pub fn container(&self) -> &str {
        &self.container
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn config_for(&self, prefix: Option<&str>, recursive: bool) -> AzureConfig {
        AzureConfig {
            container: self.container.clone(),
            prefix: prefix.map(str::to_owned),
            recursive,
            account_name: Some(Secret::new(AZURITE_ACCOUNT)),
            account_key: Some(Secret::new(AZURITE_KEY)),
            endpoint: Some(self.endpoint.clone()),
            use_server_identity: false,
        }
    }

    async fn send(&self, method: Method, url: &str, body: Bytes, headers: &[(&'static str, &'static str)]) {
        azure_send(&self.http, &self.credential, AZURITE_ACCOUNT, method, url, body, headers).await;
    }
}

#[async_trait]
impl Fixture for AzureFixture {
    fn capabilities(&self) -> Capabilities {
        Capabilities { listing: Listing::Folders, may_repeat_keys: false }
    }

    fn guard(&self) -> NetGuard {
        NetGuard::new(true, Vec::new())
    }

    fn config(&self, scope: Scope<'_>) -> StorageConfig {
        StorageConfig::Azure(self.config_for(scope.prefix, scope.recursive))
    }

    /// Another valid-looking key: Azurite refuses the signature.
    fn config_with_bad_credentials(&self) -> Option<StorageConfig> {
        let config = AzureConfig { account_key: Some(Secret::new(WRONG_KEY)), ..self.config_for(None, true) };
        Some(StorageConfig::Azure(config))
    }

    fn secrets(&self) -> Vec<String> {
        vec![AZURITE_KEY.to_owned(), WRONG_KEY.to_owned()]
    }

    async fn seed(&self, name: &str, body: &[u8]) {
        let url = format!("{}/{}/{}", self.endpoint, self.container, encode_path(name));
        let headers = [("x-ms-blob-type", "BlockBlob")];
        self.send(Method::PUT, &url, Bytes::copy_from_slice(body), &headers).await;
    }

    fn key_of(&self, name: &str) -> String {
        name.to_owned()
    }
}

/// A well-formed key that is not Azurite's.
const WRONG_KEY: &str = "bGFiZWxzeW5jLXdyb25nLWtleS1sYWJlbHN5bmMtd3Jvbmcta2V5LWxhYmVsc3luYw==";
