//! S3 credential modes and export encryption against moto (S3 + STS, no signature checks):
//! AssumeRole with an external id, an unreachable STS, SSE-KMS headers on exports.

use std::time::Duration;

use bytes::Bytes;
use labelsync_storage::testing::{Fixture, S3Fixture, unique_bucket};
use labelsync_storage::{Error, Role, S3Config, StorageConfig, connect};

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/labelsync-test";

/// The `AssumedRole` records moto's STS keeps (`/moto-api/data.json`).
async fn assumed_roles(endpoint: &str) -> Vec<serde_json::Value> {
    labelsync_storage::install_crypto_provider();
    let data: serde_json::Value = reqwest::get(format!("{endpoint}/moto-api/data.json"))
        .await
        .expect("moto data")
        .json()
        .await
        .expect("moto data JSON");
    data["sts"]["AssumedRole"].as_array().cloned().unwrap_or_default()
}

/// With `role_arn` + `external_id`, requests and presigned URLs use the session credentials
/// STS issued for that role, and STS saw the external id and our session name.
#[tokio::test]
async fn assume_role_with_external_id() {
    let Some(fx) = S3Fixture::moto("assume_role_with_external_id").await else {
        return;
    };
    let external_id = format!("ext-{}", unique_bucket());
    let config = S3Config {
        role_arn: Some(ROLE_ARN.to_owned()),
        external_id: Some(external_id.clone()),
        sts_endpoint: Some(fx.endpoint().to_owned()),
        ..fx.config_for(None, true)
    };
    let config = StorageConfig::S3(config);
    let export = connect(&config, Role::Export, &fx.guard()).await.expect("connect");
    let export = export.export.expect("export role");
    export.validate().await.expect("validate with the assumed role");
    export.put("1", Bytes::from_static(b"{}")).await.expect("put");
    let import = connect(&config, Role::Import, &fx.guard()).await.expect("connect");
    let media = import.media.expect("media role");
    let url = media.presign_get("1", Duration::from_secs(60), None).await.expect("presign");
    let query = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let credential = query("X-Amz-Credential").expect("credential");
    let key_id = credential.split('/').next().expect("key id").to_owned();
    assert!(key_id.starts_with("ASIA"), "a session key, got {key_id}");
    assert!(query("X-Amz-Security-Token").is_some(), "{url}");
    let roles = assumed_roles(fx.endpoint()).await;
    let role = roles
        .iter()
        .find(|r| r["access_key_id"] == key_id.as_str())
        .unwrap_or_else(|| panic!("STS issued {key_id}: {roles:?}"));
    assert_eq!(role["external_id"], external_id.as_str());
    assert_eq!(role["role_arn"], ROLE_ARN);
    assert_eq!(role["session_name"], "labelsync");
}

/// An STS endpoint nobody answers on makes validation `Unreachable`, naming the role.
#[tokio::test]
async fn unreachable_sts_is_reported() {
    let Some(fx) = S3Fixture::moto("unreachable_sts_is_reported").await else {
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let config = S3Config {
        role_arn: Some(ROLE_ARN.to_owned()),
        sts_endpoint: Some(format!("http://127.0.0.1:{port}")),
        ..fx.config_for(None, true)
    };
    let connected = connect(&StorageConfig::S3(config), Role::Import, &fx.guard()).await.expect("connect");
    let err = connected.import.expect("import role").validate().await.expect_err("no STS");
    assert!(matches!(err, Error::Unreachable(_)), "{err:?}");
    assert!(err.to_string().contains(ROLE_ARN), "{err}");
    let (key, secret) = fx.keys();
    assert!(!err.to_string().contains(key) && !err.to_string().contains(secret), "{err}");
}

/// Exports to a storage with `sse_kms_key_id` are written with SSE-KMS and that key.
#[tokio::test]
async fn exports_use_sse_kms() {
    let Some(fx) = S3Fixture::moto("exports_use_sse_kms").await else {
        return;
    };
    let kms = "arn:aws:kms:us-east-1:123456789012:key/labelsync-test";
    let config = S3Config { sse_kms_key_id: Some(kms.to_owned()), ..fx.config_for(Some("ann"), true) };
    let config = StorageConfig::S3(config);
    let connected = connect(&config, Role::Export, &fx.guard()).await.expect("connect");
    let export = connected.export.expect("export role");
    export.put("7", Bytes::from_static(b"{}")).await.expect("put");
    // Read back through a signed URL (moto refuses anonymous reads) to see the object's headers.
    let connected = connect(&config, Role::Import, &fx.guard()).await.expect("connect");
    let url = connected
        .media
        .expect("media role")
        .presign_get("ann/7", Duration::from_secs(60), None)
        .await
        .expect("presign");
    labelsync_storage::install_crypto_provider();
    let head = reqwest::get(url).await.expect("GET");
    assert_eq!(head.status().as_u16(), 200, "ann/7 was written");
    let header = |name: &str| head.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(header("x-amz-server-side-encryption").as_deref(), Some("aws:kms"));
    assert_eq!(header("x-amz-server-side-encryption-aws-kms-key-id").as_deref(), Some(kms));
}
