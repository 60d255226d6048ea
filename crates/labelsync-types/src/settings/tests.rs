use serde_json::json;

use super::*;

fn map(value: Value) -> Map<String, Value> {
    value.as_object().cloned().expect("object")
}

fn parse(kind: StorageKind, role: Role, settings: Value, secrets: Value) -> StorageSettings {
    StorageSettings::parse(kind, role, &map(settings), &map(secrets)).expect("parses")
}

/// Absent fields take the table's defaults; an explicit `null` stays `null`.
#[test]
fn absent_fields_get_defaults_and_null_stays() {
    let StorageSettings::Redis(redis) = parse(StorageKind::Redis, Role::Export, json!({}), json!({})) else {
        panic!("redis")
    };
    assert_eq!(redis.db, 2);
    assert_eq!(redis.common.can_delete_objects, None);
    let s3 = parse(StorageKind::S3, Role::Import, json!({"recursive_scan": null}), json!({}));
    assert_eq!(s3.presign(), Some(&Presign { presign: Some(true), presign_ttl: Some(1) }));
    assert_eq!(s3.common().recursive_scan, None);
    let s3 = parse(StorageKind::S3, Role::Import, json!({}), json!({}));
    assert_eq!(s3.common().recursive_scan, Some(false));
}

/// Secrets are read from the secrets, never serialized back out, and never printed.
#[test]
fn secrets_never_leave() {
    let s3 =
        parse(StorageKind::S3, Role::Import, json!({"bucket": "b"}), json!({"aws_secret_access_key": "SK"}));
    let StorageSettings::S3(inner) = &s3 else { panic!("s3") };
    assert_eq!(inner.aws_secret_access_key.as_ref().map(SecretText::expose), Some("SK"));
    assert!(!format!("{s3:?}").contains("SK"));
    let wire = s3.to_wire();
    assert_eq!(wire["bucket"], json!("b"));
    assert!(!wire.contains_key("aws_secret_access_key"));
}

/// `validate` refuses bad bucket names, endpoints, ports and credentials with Label Studio's words.
#[test]
fn validate_refuses_with_label_studios_messages() {
    let err = |kind, settings, secrets| parse(kind, Role::Import, settings, secrets).validate().unwrap_err();
    assert_eq!(err(StorageKind::S3, json!({"bucket": "a b"}), json!({})).field, Some("bucket"));
    assert_eq!(err(StorageKind::S3, json!({"s3_endpoint": "ftp://x"}), json!({})).field, Some("s3_endpoint"));
    assert_eq!(err(StorageKind::Redis, json!({"port": "0"}), json!({})).field, Some("port"));
    let gcs = err(StorageKind::Gcs, json!({}), json!({"google_application_credentials": "{"}));
    assert!(gcs.field.is_none() && gcs.message.starts_with("Google Application Credentials must be"));
    assert!(
        parse(StorageKind::S3, Role::Import, json!({"bucket": "arn:aws:s3:x"}), json!({})).validate().is_ok()
    );
}
