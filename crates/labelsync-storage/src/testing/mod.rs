//! Test support (feature `testing`): the conformance suite every backend runs, a fixture per
//! backend, and the test-environment contract.
//!
//! Start with [`conformance`]: free functions taking a [`Fixture`], which connects a backend
//! to a private sandbox and seeds objects directly at the provider. A backend's test file
//! runs each function against its fixture (see `tests/conformance.rs`).
//!
//! Services come from the environment (`scripts/test` sets them): without the variable a
//! service-backed test prints why it skips and passes, unless `LABELSYNC_TEST_REQUIRE_SERVICES=1`
//! turns the skip into a failure.

use async_trait::async_trait;

use crate::StorageConfig;
use crate::guard::NetGuard;

mod azure_fixture;
pub mod conformance;
mod gcs_fixture;
mod local_fixture;
mod raw;
mod recorder;
mod redis_fixture;
mod s3_fixture;

pub use azure_fixture::{AZURITE_ACCOUNT, AZURITE_KEY, AzureFixture};
pub use gcs_fixture::{GCS_SERVICE_ACCOUNT, GcsFixture};
pub use local_fixture::LocalFixture;
pub use recorder::{HTTP_FORBIDDEN, REDIS_ERROR, Recorder};
pub use redis_fixture::RedisFixture;
pub use s3_fixture::S3Fixture;

/// The variable naming the throwaway redis-server (`redis://127.0.0.1:<port>`).
pub const REDIS_URL_VAR: &str = "LABELSYNC_TEST_REDIS_URL";
/// s3s-fs, which verifies SigV4 (headers and presigned URLs): `http://127.0.0.1:<port>`.
pub const S3_ENDPOINT_VAR: &str = "LABELSYNC_TEST_S3_ENDPOINT";
/// The access key s3s-fs accepts.
pub const S3_ACCESS_KEY_VAR: &str = "LABELSYNC_TEST_S3_ACCESS_KEY";
/// The secret key s3s-fs accepts.
pub const S3_SECRET_KEY_VAR: &str = "LABELSYNC_TEST_S3_SECRET_KEY";
/// moto server (S3 and STS on one port, no signature checks), for AssumeRole tests.
pub const MOTO_ENDPOINT_VAR: &str = "LABELSYNC_TEST_MOTO_ENDPOINT";
/// fake-gcs-server's base URL.
pub const GCS_ENDPOINT_VAR: &str = "LABELSYNC_TEST_GCS_ENDPOINT";
/// Azurite's blob endpoint, `http://127.0.0.1:<port>/devstoreaccount1`.
pub const AZURITE_ENDPOINT_VAR: &str = "LABELSYNC_TEST_AZURITE_ENDPOINT";

/// Lowers the page size of every listing in this process to `size` objects (cloud listing
/// pages, Redis `SCAN` counts, local-files checkpoints), or restores the providers' own with
/// `None`; so a test spans many pages with a few hundred objects. nextest runs each test in
/// its own process; under `cargo test` other tests of the binary may list in small pages
/// meanwhile, which changes no result.
pub fn set_listing_page_size(size: Option<usize>) {
    crate::paging::test_page_size::set(size);
}

/// True when `scripts/test` asked for every service-backed test to run (never skip).
pub fn services_required() -> bool {
    std::env::var("LABELSYNC_TEST_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// Prints why `test` skips, or fails it when services are required.
pub fn skip_or_fail(test: &str, reason: &str) {
    assert!(!services_required(), "{test}: {reason}, and LABELSYNC_TEST_REQUIRE_SERVICES=1 forbids skipping");
    eprintln!("SKIPPED {test}: {reason}");
}

/// The value of the service variable `var`, or `None` after [`skip_or_fail`].
pub fn service_env(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) if !value.trim().is_empty() => Some(value.trim().to_owned()),
        _ => {
            skip_or_fail(test, &format!("{var} is not set"));
            None
        }
    }
}

/// The redis-server to test against ([`REDIS_URL_VAR`]), or `None` (skipped).
pub fn redis_url(test: &str) -> Option<url::Url> {
    let raw = service_env(REDIS_URL_VAR, test)?;
    let url = url::Url::parse(&raw).unwrap_or_else(|e| panic!("{REDIS_URL_VAR}={raw:?} is not a URL: {e}"));
    Some(url)
}

/// The s3s-fs endpoint and the keys it accepts.
#[derive(Debug, Clone)]
pub struct S3Service {
    pub endpoint: String,
    pub access_key: String,
    pub secret_key: String,
}

/// The s3s-fs service ([`S3_ENDPOINT_VAR`] and its keys), or `None` (skipped).
pub fn s3_service(test: &str) -> Option<S3Service> {
    Some(S3Service {
        endpoint: service_env(S3_ENDPOINT_VAR, test)?,
        access_key: service_env(S3_ACCESS_KEY_VAR, test)?,
        secret_key: service_env(S3_SECRET_KEY_VAR, test)?,
    })
}

/// The moto server ([`MOTO_ENDPOINT_VAR`]), or `None` (skipped).
pub fn moto_endpoint(test: &str) -> Option<String> {
    service_env(MOTO_ENDPOINT_VAR, test)
}

/// fake-gcs-server ([`GCS_ENDPOINT_VAR`]), or `None` (skipped).
pub fn gcs_endpoint(test: &str) -> Option<String> {
    service_env(GCS_ENDPOINT_VAR, test)
}

/// Azurite ([`AZURITE_ENDPOINT_VAR`]), or `None` (skipped).
pub fn azurite_endpoint(test: &str) -> Option<String> {
    service_env(AZURITE_ENDPOINT_VAR, test)
}

/// A bucket or container name no other test (in this or another process) uses:
/// `ls-<pid>-<counter>`, valid on S3, GCS and Azure.
pub fn unique_bucket() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("ls-{}-{n}-{nanos:x}", std::process::id())
}

/// The port of an `http://host:port/…` service URL.
pub fn port_of(endpoint: &str) -> u16 {
    let url = url::Url::parse(endpoint).unwrap_or_else(|e| panic!("{endpoint:?}: {e}"));
    url.port_or_known_default().expect("a port")
}

/// How a backend's listing interprets the prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// The prefix is a folder (`subdir` and `subdir/` are the same and do not match
    /// `subdirX/…`), and recursion is an option: local files, S3, GCS, Azure.
    Folders,
    /// Keys are flat and the prefix is a raw string prefix (`subdir` matches `subdirX`):
    /// Redis.
    RawPrefix,
}

/// What the suite may expect of a backend.
#[derive(Debug, Clone, Copy)]
pub struct Capabilities {
    pub listing: Listing,
    /// The listing may report a key more than once (Redis `SCAN` across pages).
    pub may_repeat_keys: bool,
}

/// The part of the sandbox a storage selects.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    pub prefix: Option<&'a str>,
    pub recursive: bool,
}

impl Scope<'static> {
    /// The whole sandbox, recursively.
    pub const ALL: Scope<'static> = Scope { prefix: None, recursive: true };
}

/// A backend connected to a private sandbox that nothing else uses during the test.
#[async_trait]
pub trait Fixture: Send + Sync {
    fn capabilities(&self) -> Capabilities;

    /// The guard to connect with (the fixture allowlists its own loopback service).
    fn guard(&self) -> NetGuard;

    /// A storage configuration for `scope` of the sandbox (valid, serving enabled).
    fn config(&self, scope: Scope<'_>) -> StorageConfig;

    /// A configuration the provider refuses for its credentials; `None` when the backend
    /// has none.
    fn config_with_bad_credentials(&self) -> Option<StorageConfig>;

    /// Texts that must never appear in an error message (passwords, keys).
    fn secrets(&self) -> Vec<String>;

    /// Stores `body` as `name` (a `/`-separated name relative to the sandbox) directly at the
    /// provider, bypassing the adapter.
    async fn seed(&self, name: &str, body: &[u8]);

    /// The key listings report for `name`, which is also what an export `put(name)` in
    /// [`Scope::ALL`] writes.
    fn key_of(&self, name: &str) -> String;
}
