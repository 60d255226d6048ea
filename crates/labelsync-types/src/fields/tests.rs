use super::*;

fn roles() -> [Role; 2] {
    [Role::Import, Role::Export]
}

/// No secret is ever a response key, and every field name appears once per kind and role.
#[test]
fn no_secret_in_responses_and_names_are_unique() {
    for &kind in StorageKind::ALL {
        for role in roles() {
            let keys: Vec<&str> = response_keys(kind, role).collect();
            for secret in secrets(kind) {
                assert!(!keys.contains(&secret), "{kind} {role}: secret {secret} in responses");
            }
            let mut names: Vec<&str> = fields(kind, role).map(|f| f.name).collect();
            let count = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), count, "{kind} {role}: a field is listed twice");
        }
    }
}

/// The derived lists match what Label Studio has: secrets, destinations, role-only fields.
#[test]
fn derived_lists_are_label_studios() {
    let list = |it: &mut dyn Iterator<Item = &'static str>| it.collect::<Vec<_>>();
    assert_eq!(
        list(&mut secrets(StorageKind::S3)),
        ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"]
    );
    assert_eq!(list(&mut secrets(StorageKind::Azure)), ["account_name", "account_key"]);
    assert!(list(&mut secrets(StorageKind::LocalFiles)).is_empty());
    assert_eq!(list(&mut destinations(StorageKind::Redis)), ["host", "port"]);
    assert_eq!(list(&mut destinations(StorageKind::S3)), ["s3_endpoint"]);
    assert!(find(StorageKind::S3, Role::Export, "presign").is_none());
    assert!(find(StorageKind::Redis, Role::Import, "recursive_scan").is_none());
    assert!(find(StorageKind::Gcs, Role::Import, "can_delete_objects").is_none());
    let keys: Vec<&str> = response_keys(StorageKind::LocalFiles, Role::Export).collect();
    assert_eq!(keys[..4], ["id", "type", "synchronizable", "path"]);
    assert_eq!(keys[keys.len() - 2..], ["can_delete_objects", "project"]);
}

/// Defaults are Label Studio's, and Redis's `db` is the only one that depends on the role.
#[test]
fn defaults_are_written_once_per_field() {
    let default = |kind, role, name| find(kind, role, name).expect(name).default_value(role);
    assert_eq!(default(StorageKind::Redis, Role::Import, "db"), json!(1));
    assert_eq!(default(StorageKind::Redis, Role::Export, "db"), json!(2));
    assert_eq!(default(StorageKind::S3, Role::Import, "presign"), json!(true));
    assert_eq!(default(StorageKind::S3, Role::Import, "presign_ttl"), json!(1));
    assert_eq!(default(StorageKind::Gcs, Role::Import, "recursive_scan"), json!(false));
    assert_eq!(default(StorageKind::Azure, Role::Export, "status"), json!("initialized"));
    assert_eq!(default(StorageKind::Azure, Role::Export, "meta"), json!({}));
    assert_eq!(default(StorageKind::Gcs, Role::Export, "bucket"), Value::Null);
}

/// Only the fields Label Studio's form marks as passive skip the connection check.
#[test]
fn passive_fields_are_the_status_and_presentation_ones() {
    let passive: Vec<&str> = fields(StorageKind::S3, Role::Import)
        .filter(|f| f.identity == Identity::Passive && f.place != Place::ReadOnly)
        .map(|f| f.name)
        .collect();
    assert!(passive.contains(&"presign_ttl") && passive.contains(&"regex_filter"));
    assert!(!passive.contains(&"bucket") && !passive.contains(&"recursive_scan"));
    assert!(!passive.contains(&"aws_access_key_id"));
}
