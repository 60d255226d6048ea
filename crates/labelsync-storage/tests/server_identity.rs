//! The server's own cloud identity is only used where the caller allowed it, and never towards
//! a tenant's endpoint: refused configurations fail at connect without contacting anything.

use labelsync_storage::guard::NetGuard;
use labelsync_storage::testing::{HTTP_FORBIDDEN, Recorder};
use labelsync_storage::{Error, GcsConfig, Role, S3Config, StorageConfig, connect};

fn guard_for(recorder: &Recorder) -> NetGuard {
    NetGuard::new(true, vec![format!("127.0.0.1:{}", recorder.port())])
}

async fn refused(config: StorageConfig, recorder: &Recorder) -> Error {
    let Err(err) = connect(&config, Role::Import, &guard_for(recorder)).await else {
        panic!("{config:?} must be refused at connect")
    };
    assert_eq!(recorder.connections(), 0, "nothing may be contacted: {err}");
    err
}

/// Without keys and without the grant, an S3 storage on the operator's endpoint is refused
/// with the operator's instruction, before any request (credentials or S3) is made.
#[tokio::test]
async fn s3_without_keys_or_grant_is_refused() {
    let recorder = Recorder::start(HTTP_FORBIDDEN);
    let config = S3Config {
        bucket: "bucket".into(),
        endpoint: Some(recorder.endpoint()),
        endpoint_trusted: true,
        sts_endpoint: Some(recorder.endpoint()),
        ..S3Config::default()
    };
    let err = refused(StorageConfig::S3(config.clone()), &recorder).await;
    assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
    assert!(err.to_string().contains("grant-server-credentials --backend s3"), "{err}");
    let role = S3Config { role_arn: Some("arn:aws:iam::123456789012:role/r".into()), ..config };
    let err = refused(StorageConfig::S3(role), &recorder).await;
    assert!(err.to_string().contains("grant-server-credentials --backend s3"), "{err}");
}

/// Even with the grant, the server's identity never signs for a tenant's own endpoint (nor
/// assumes a role for it).
#[tokio::test]
async fn server_identity_never_signs_for_a_tenant_endpoint() {
    let recorder = Recorder::start(HTTP_FORBIDDEN);
    let config = S3Config {
        bucket: "bucket".into(),
        endpoint: Some(recorder.endpoint()),
        endpoint_trusted: false,
        use_server_identity: true,
        sts_endpoint: Some(recorder.endpoint()),
        ..S3Config::default()
    };
    let err = refused(StorageConfig::S3(config.clone()), &recorder).await;
    assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
    assert!(err.to_string().contains("never sent to a storage's endpoint"), "{err}");
    let role = S3Config { role_arn: Some("arn:aws:iam::123456789012:role/r".into()), ..config };
    refused(StorageConfig::S3(role), &recorder).await;
}

/// Without credentials JSON and without the grant, GCS does not reach for Application Default
/// Credentials nor the endpoint.
#[tokio::test]
async fn gcs_without_credentials_or_grant_is_refused() {
    let recorder = Recorder::start(HTTP_FORBIDDEN);
    let config =
        GcsConfig { bucket: "bucket".into(), endpoint: Some(recorder.endpoint()), ..GcsConfig::default() };
    let err = refused(StorageConfig::Gcs(config), &recorder).await;
    assert!(err.to_string().contains("grant-server-credentials --backend gcs"), "{err}");
}
