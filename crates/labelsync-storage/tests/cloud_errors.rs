//! What `connect` and `validate` tell the user about S3, GCS and Azure: blocked endpoints,
//! unreachable endpoints, missing buckets and containers, missing credentials. The
//! emulator-backed tests skip without their `LABELSYNC_TEST_*` variable.

use labelsync_storage::guard::NetGuard;
use labelsync_storage::testing::{AzureFixture, Fixture, GcsFixture, S3Fixture, Scope};
use labelsync_storage::{
    AzureConfig, Error, GcsConfig, ImportStorage, Role, S3Config, Secret, StorageConfig, connect,
};

async fn import(config: StorageConfig, guard: &NetGuard) -> Result<std::sync::Arc<dyn ImportStorage>, Error> {
    let connected = connect(&config, Role::Import, guard).await?;
    Ok(connected.import.expect("import role"))
}

async fn validate(config: StorageConfig, guard: &NetGuard) -> Error {
    match import(config, guard).await {
        Err(err) => err,
        Ok(storage) => storage.validate().await.expect_err("validation must fail"),
    }
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

fn s3_config(endpoint: &str) -> S3Config {
    S3Config {
        bucket: "bucket".into(),
        access_key_id: Some(Secret::new("AKIAEXAMPLE")),
        secret_access_key: Some(Secret::new("example-secret")),
        endpoint: Some(endpoint.into()),
        ..S3Config::default()
    }
}

/// With protection on, tenant S3 endpoints on loopback, private and metadata addresses are
/// refused at connect; the operator's trusted endpoint is not checked.
#[tokio::test]
async fn tenant_s3_endpoints_pass_the_guard() {
    let guard = NetGuard::new(true, Vec::new());
    for endpoint in [
        "http://127.0.0.1:9000",
        "http://169.254.169.254",
        "http://10.1.2.3:9000",
        "http://localhost:9000",
        "http://[::1]:9000",
    ] {
        let err = validate(StorageConfig::S3(s3_config(endpoint)), &guard).await;
        assert!(matches!(err, Error::Blocked(_)), "{endpoint}: {err:?}");
    }
    let err = validate(StorageConfig::S3(s3_config("file:///etc")), &guard).await;
    assert!(matches!(err, Error::Blocked(_)), "{err:?}");
    let trusted = S3Config { endpoint_trusted: true, ..s3_config("http://127.0.0.1:9000") };
    assert!(import(StorageConfig::S3(trusted), &guard).await.is_ok());
}

/// An endpoint nobody answers on is `Unreachable`, for all three clouds.
#[tokio::test]
async fn unreachable_endpoints_are_reported() {
    let port = closed_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let guard = NetGuard::new(true, vec![format!("127.0.0.1:{port}")]);
    let gcs = GcsConfig {
        bucket: "bucket".into(),
        credentials_json: Some(Secret::new(labelsync_storage::testing::GCS_SERVICE_ACCOUNT)),
        endpoint: Some(endpoint.clone()),
        ..GcsConfig::default()
    };
    let azure = AzureConfig {
        container: "container".into(),
        account_name: Some(Secret::new("devstoreaccount1")),
        account_key: Some(Secret::new(labelsync_storage::testing::AZURITE_KEY)),
        endpoint: Some(format!("{endpoint}/devstoreaccount1")),
        ..AzureConfig::default()
    };
    for config in
        [StorageConfig::S3(s3_config(&endpoint)), StorageConfig::Gcs(gcs), StorageConfig::Azure(azure)]
    {
        let err = validate(config.clone(), &guard).await;
        assert!(matches!(err, Error::Unreachable(_)), "{config:?}: {err:?}");
        assert!(err.to_string().contains(&format!("127.0.0.1:{port}")), "{err}");
    }
}

/// Azure without an account name or key fails with Label Studio's message where the server's
/// account was on offer, and names the operator's grant where it was not.
#[tokio::test]
async fn azure_needs_name_and_key() {
    let config = AzureConfig {
        container: "c".into(),
        account_name: Some(Secret::new("acct")),
        use_server_identity: true,
        ..AzureConfig::default()
    };
    let err = validate(StorageConfig::Azure(config.clone()), &NetGuard::disabled()).await;
    assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
    assert!(err.to_string().starts_with("Azure account name and key must be set"), "{err}");
    let ungranted = AzureConfig { use_server_identity: false, ..config };
    let err = validate(StorageConfig::Azure(ungranted), &NetGuard::disabled()).await;
    assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
    assert!(err.to_string().contains("grant-server-credentials --backend azure"), "{err}");
}

/// Names that would change a URL are refused before anything is contacted.
#[tokio::test]
async fn bucket_names_are_checked() {
    let config = S3Config { bucket: "evil/../x?".into(), ..s3_config("https://s3.example.com") };
    let err = validate(StorageConfig::S3(config), &NetGuard::disabled()).await;
    assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
}

/// GCS with Application Default Credentials cannot presign; it says so instead of signing badly.
#[tokio::test]
async fn gcs_presign_needs_a_service_account() {
    let config = GcsConfig {
        bucket: "bucket".into(),
        endpoint: Some("http://127.0.0.1:1".into()),
        use_server_identity: true,
        ..GcsConfig::default()
    };
    let connected =
        connect(&StorageConfig::Gcs(config), Role::Import, &NetGuard::disabled()).await.expect("connect");
    let media = connected.media.expect("media role");
    let err = media
        .presign_get("k.jpg", std::time::Duration::from_secs(60), None)
        .await
        .expect_err("no service account");
    assert!(matches!(err, Error::NotSupported { .. }), "{err:?}");
}

/// A missing S3 bucket is `ContainerNotFound` with Label Studio's text (s3s-fs).
#[tokio::test]
async fn s3_missing_bucket_is_reported() {
    let Some(fx) = S3Fixture::for_test("s3_missing_bucket_is_reported").await else {
        return;
    };
    let config = S3Config { bucket: format!("{}-missing", fx.bucket()), ..fx.config_for(None, false) };
    let err = validate(StorageConfig::S3(config), &fx.guard()).await;
    assert_eq!(err.to_string(), format!("Cannot find bucket {}-missing in S3", fx.bucket()));
    assert!(matches!(err, Error::ContainerNotFound(_)), "{err:?}");
}

/// A missing GCS bucket is `ContainerNotFound` (fake-gcs-server).
#[tokio::test]
async fn gcs_missing_bucket_is_reported() {
    let Some(fx) = GcsFixture::for_test("gcs_missing_bucket_is_reported").await else {
        return;
    };
    let config = GcsConfig { bucket: format!("{}-missing", fx.bucket()), ..fx.config_for(None, false) };
    let err = validate(StorageConfig::Gcs(config), &fx.guard()).await;
    assert!(matches!(err, Error::ContainerNotFound(_)), "{err:?}");
}

/// A missing Azure container is `ContainerNotFound` with Label Studio's text (Azurite).
#[tokio::test]
async fn azure_missing_container_is_reported() {
    let Some(fx) = AzureFixture::for_test("azure_missing_container_is_reported").await else {
        return;
    };
    let config =
        AzureConfig { container: format!("{}-missing", fx.container()), ..fx.config_for(None, false) };
    let err = validate(StorageConfig::Azure(config), &fx.guard()).await;
    assert_eq!(err.to_string(), format!("Container not found: {}-missing", fx.container()));
}

/// The fixture's own sandbox validates through the guard with its loopback allowlisted, and
/// the same endpoint without the allowlist entry is refused (s3s-fs).
#[tokio::test]
async fn s3_allowlist_admits_the_emulator() {
    let Some(fx) = S3Fixture::for_test("s3_allowlist_admits_the_emulator").await else {
        return;
    };
    let storage = import(fx.config(Scope::ALL), &fx.guard()).await.expect("connect");
    storage.validate().await.expect("validate");
    let err = validate(fx.config(Scope::ALL), &NetGuard::new(true, Vec::new())).await;
    assert!(matches!(err, Error::Blocked(_)), "{err:?}");
}
