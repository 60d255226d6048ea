//! The default credential chain, fed from a profile file, against s3s-fs (which checks
//! signatures). In-crate because the profile file is not part of the public configuration.

use std::io::Write;

use super::*;
use crate::ImportStorage;
use crate::testing::{Fixture, S3Fixture};

/// Without keys in the configuration, the server's shared credentials file signs requests.
#[tokio::test]
async fn default_chain_uses_the_shared_credentials_file() {
    let test = "s3::tests::default_chain_uses_the_shared_credentials_file";
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() || std::env::var_os("AWS_PROFILE").is_some() {
        // The environment comes first in the chain; this test is about the profile file.
        crate::testing::skip_or_fail(test, "AWS_ACCESS_KEY_ID or AWS_PROFILE is set");
        return;
    }
    let Some(fx) = S3Fixture::for_test(test).await else {
        return;
    };
    fx.seed("one.json", b"{}").await;
    let (key, secret) = fx.keys();
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    write!(file, "[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
        .expect("write profile");
    let config = S3Config {
        access_key_id: None,
        secret_access_key: None,
        use_server_identity: true,
        endpoint_trusted: true,
        ..fx.config_for(None, true)
    };
    let provider = S3Provider::new(&config, &fx.guard(), Some(file.path())).await.expect("provider");
    let storage = CloudStorage::new(provider, "S3(test)".into(), None, true);
    storage.validate().await.expect("validate with profile credentials");
    let got = storage.get("one.json", 100).await.expect("signed GET");
    assert_eq!(got.as_ref(), b"{}");
}

/// With the grant, a role is assumed with the server's identity (here its shared credentials
/// file) and STS (moto) sees the external id the caller put in the config: the
/// organization's, never one the tenant chose (the caller's rule, see labelsync-sync).
#[tokio::test]
async fn server_identity_assumes_the_role_with_the_given_external_id() {
    let test = "s3::tests::server_identity_assumes_the_role_with_the_given_external_id";
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() || std::env::var_os("AWS_PROFILE").is_some() {
        crate::testing::skip_or_fail(test, "AWS_ACCESS_KEY_ID or AWS_PROFILE is set");
        return;
    }
    let Some(fx) = S3Fixture::moto(test).await else {
        return;
    };
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    write!(
        file,
        "[default]\naws_access_key_id = AKIASERVERIDENTITY\naws_secret_access_key = server-secret\n"
    )
    .expect("write profile");
    let external_id = format!("labelsync-7-{}", crate::testing::unique_bucket());
    let config = S3Config {
        access_key_id: None,
        secret_access_key: None,
        use_server_identity: true,
        endpoint_trusted: true,
        role_arn: Some("arn:aws:iam::123456789012:role/tenant-role".to_owned()),
        external_id: Some(external_id.clone()),
        sts_endpoint: Some(fx.endpoint().to_owned()),
        ..fx.config_for(None, true)
    };
    let provider = S3Provider::new(&config, &fx.guard(), Some(file.path())).await.expect("provider");
    let storage = CloudStorage::new(provider, "S3(test)".into(), None, true);
    storage.validate().await.expect("validate with the assumed role");
    let data: serde_json::Value = reqwest::get(format!("{}/moto-api/data.json", fx.endpoint()))
        .await
        .expect("moto data")
        .json()
        .await
        .expect("moto data JSON");
    let roles = data["sts"]["AssumedRole"].as_array().cloned().unwrap_or_default();
    assert!(
        roles.iter().any(|r| r["external_id"] == external_id.as_str() && r["role_arn"].as_str().is_some()),
        "STS saw {external_id}: {roles:?}"
    );
}
