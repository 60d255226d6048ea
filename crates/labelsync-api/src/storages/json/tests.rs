use chrono::Utc;
use labelsync_db::Json;
use labelsync_db::storages::SyncStatus;

use super::*;

fn row(kind: StorageKind, role: Role, settings: Value) -> Storage {
    Storage {
        id: 7,
        project_id: 3,
        kind,
        role,
        title: Some("t".into()),
        description: None,
        created_at: Utc::now(),
        synchronizable: true,
        last_sync: None,
        last_sync_count: None,
        last_sync_job: None,
        status: SyncStatus::Initialized,
        traceback: None,
        meta: Json(Map::new()),
        settings: Json(settings.as_object().cloned().unwrap_or_default()),
        secrets: None,
        sync_generation: 0,
        sync_checkpoint: None,
    }
}

fn keys(value: &impl Serialize) -> Vec<String> {
    match serde_json::to_value(value).expect("serializes") {
        Value::Object(map) => map.keys().cloned().collect(),
        other => panic!("not an object: {other}"),
    }
}

/// Each of the ten typed bodies serializes exactly the table's response keys, in its order.
#[test]
fn typed_bodies_follow_the_table_order() {
    for &kind in StorageKind::ALL {
        let storage = row(kind, Role::Import, json!({}));
        let expected: Vec<&str> = table::response_keys(kind, Role::Import).collect();
        assert_eq!(keys(&ImportStorage::of(&storage, "org").expect("import body")), expected, "{kind}");
        let storage = row(kind, Role::Export, json!({}));
        let expected: Vec<&str> = table::response_keys(kind, Role::Export).collect();
        assert_eq!(keys(&ExportStorage::of(&storage, "org").expect("export body")), expected, "{kind}");
    }
}

/// Defaults fill absent settings, stored values (even `null`) are returned as stored, and a
/// secret left in `settings` by mistake still never reaches a response.
#[test]
fn values_are_stored_or_default_and_never_secret() {
    let settings = json!({"db": 5, "host": " h ", "password": "leak"});
    let body = serde_json::to_value(
        ExportStorage::of(&row(StorageKind::Redis, Role::Export, settings), "o").unwrap(),
    )
    .unwrap();
    assert_eq!((body["db"].clone(), body["host"].clone()), (json!(5), json!(" h ")));
    assert_eq!(body["type"], json!("redis"));
    assert!(body.get("password").is_none());
    let s3 = row(StorageKind::S3, Role::Import, json!({"recursive_scan": null, "external_id": "mine"}));
    let body = serde_json::to_value(ImportStorage::of(&s3, "org-id").unwrap()).unwrap();
    assert_eq!(body["recursive_scan"], Value::Null);
    assert_eq!((body["presign"].clone(), body["presign_ttl"].clone()), (json!(true), json!(1)));
    assert_eq!(body["external_id"], json!("org-id"), "no own keys: the organization's external id");
    assert_eq!(body["status"], json!("initialized"));
}
