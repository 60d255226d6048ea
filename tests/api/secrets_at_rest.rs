//! Secrets at rest: bound to their row and field, migrated from the unbound format, project
//! `task_data_password` encrypted and write-only, and the master key's minimum length.

use labelsync_db::storages::{self, Storage, StorageRecord};
use labelsync_server::config::{Common, LogFormat};
use labelsync_sync::crypto::{Binding, MasterKey, SecretBox};
use labelsync_sync::storages::{open_secrets, seal_secrets};
use labelsync_tests::{TEST_SECRET_KEY, TestApp, api_test, json};
use reqwest::StatusCode;
use serde_json::{Map, Value};

const UNDECRYPTABLE: &str = "cannot be decrypted";

/// An S3 import storage written straight to the database with `secret` as its secret key.
async fn s3_storage(app: &TestApp, project: i64, secret: &str) -> Storage {
    let mut settings = Map::new();
    settings.insert("bucket".into(), json!("bucket"));
    settings.insert("s3_endpoint".into(), json!("http://127.0.0.1:9"));
    let record = StorageRecord { title: Some(secret.into()), ..StorageRecord::new(project, settings) };
    let row =
        storages::insert(&app.db, storages::StorageKind::S3, storages::Role::Import, &record).await.unwrap();
    let secrets = secrets_map(secret);
    let sealed = seal_secrets(&secrets, &app.sync.secrets, row.id);
    storages::set_secrets(&app.db, row.id, sealed.as_deref()).await.unwrap();
    storages::find_unscoped(&app.db, row.id).await.unwrap().unwrap()
}

fn secrets_map(secret: &str) -> Map<String, Value> {
    let mut secrets = Map::new();
    secrets.insert("aws_access_key_id".into(), json!("AKIA"));
    secrets.insert("aws_secret_access_key".into(), json!(secret));
    secrets
}

/// Writes `secrets` into storage `id`'s column as they are (the swap an attacker with write
/// access to the database, or a bug, could make).
async fn put_raw(app: &TestApp, id: i64, secrets: Option<&str>) {
    storages::set_secrets(&app.db, id, secrets).await.unwrap();
}

/// Swapped sealed secrets do not open: sync and validate-by-id answer a clear 400 (no 500, no
/// secret), a queued sync ends `failed` saying why, and sending the secrets again repairs it.
async fn swapped_secrets_fail_cleanly(app: TestApp) {
    let project = app.project().await;
    let a = s3_storage(&app, project, "secret-of-a").await;
    let b = s3_storage(&app, project, "secret-of-b").await;
    put_raw(&app, a.id, b.secrets.as_deref()).await;
    put_raw(&app, b.id, a.secrets.as_deref()).await;

    let (status, body) = app.post(&format!("/api/storages/s3/{}/sync", a.id), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains(UNDECRYPTABLE), "{body}");
    assert!(!body.to_string().contains("secret-of"), "{body}");
    let (status, body) = app.post("/api/storages/s3/validate", json!({"id": b.id})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains(UNDECRYPTABLE), "{body}");
    let (status, body) = app.patch(&format!("/api/storages/s3/{}", a.id), json!({"title": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains(UNDECRYPTABLE), "{body}");

    // A sync already queued (by a worker's view of the row) fails with a traceback saying why.
    let mut tx = app.db.begin().await.unwrap();
    labelsync_sync::jobs::request_sync(&mut tx, a.id).await.unwrap();
    tx.commit().await.unwrap();
    app.run_jobs().await;
    let (_, after) = app.get(&format!("/api/storages/s3/{}", a.id)).await;
    assert_eq!(after["status"], "failed", "{after}");
    let traceback = after["traceback"].as_str().unwrap();
    assert!(traceback.contains(UNDECRYPTABLE), "{traceback}");
    assert!(!traceback.contains("secret-of"), "{traceback}");

    // Under its own row a value opens again; a PATCH that sends secrets replaces unreadable ones.
    let stored = storages::find_unscoped(&app.db, b.id).await.unwrap().unwrap();
    assert!(open_secrets(stored.secrets.as_deref(), &app.sync.secrets, b.id).is_err());
    let (status, body) = app
        .patch(
            &format!("/api/storages/s3/{}", b.id),
            json!({"aws_access_key_id": "AKIA", "aws_secret_access_key": "fresh"}),
        )
        .await;
    // The connection check may refuse the fake endpoint; what matters is that secrets were
    // accepted, not that the endpoint answers.
    assert!(!body.to_string().contains(UNDECRYPTABLE), "{status} {body}");
}
api_test!(swapped_secrets_fail_cleanly);

/// A sealed value moved to another field (a project's password column) does not open there.
async fn sealed_value_is_bound_to_its_field(app: TestApp) {
    let project = app.project().await;
    let a = s3_storage(&app, project, "secret-of-a").await;
    let sealed = a.secrets.clone().unwrap();
    let sealer = &app.sync.secrets;
    assert!(sealer.open(&sealed, Binding::storage_secrets(a.id)).is_ok());
    assert!(sealer.open(&sealed, Binding::task_data_password(a.id)).is_err());
    assert!(sealer.open(&sealed, Binding::storage_secrets(a.id + 1)).is_err());
}
api_test!(sealed_value_is_bound_to_its_field);

/// Old unbound secrets and plaintext project passwords are migrated at start, exactly once
/// even with two processes migrating at the same time, and keep working afterwards.
async fn migrates_old_format(app: TestApp) {
    let project = app.project().await;
    let sealer = app.sync.secrets.clone();
    let mut ids = Vec::new();
    for n in 0..6 {
        let storage = s3_storage(&app, project, &format!("legacy-{n}")).await;
        let json = serde_json::to_vec(&secrets_map(&format!("legacy-{n}"))).unwrap();
        put_raw(&app, storage.id, Some(&sealer.seal_unbound_for_tests(&json))).await;
        ids.push(storage.id);
    }
    // A storage row from before bindings does not open until it is migrated.
    let old = storages::find_unscoped(&app.db, ids[0]).await.unwrap().unwrap();
    assert!(open_secrets(old.secrets.as_deref(), &sealer, ids[0]).is_err());
    // A project password stored in plaintext by an older version.
    let mut settings = Map::new();
    settings.insert("task_data_password".into(), json!("plain-pw"));
    let fields = labelsync_db::projects::ProjectFields { settings: Some(settings), ..Default::default() };
    labelsync_db::projects::update(&app.db, app.org_id, project, fields).await.unwrap().unwrap();

    let (one, two) = tokio::join!(
        labelsync_sync::reseal::reseal_secrets(&app.db, &sealer),
        labelsync_sync::reseal::reseal_secrets(&app.db, &sealer),
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!(one.storages + two.storages, ids.len(), "{one:?} {two:?}");
    assert_eq!(one.project_passwords + two.project_passwords, 1, "{one:?} {two:?}");
    for (n, id) in ids.iter().enumerate() {
        let row = storages::find_unscoped(&app.db, *id).await.unwrap().unwrap();
        assert!(SecretBox::is_bound(row.secrets.as_deref().unwrap()));
        let opened = open_secrets(row.secrets.as_deref(), &sealer, *id).unwrap();
        assert_eq!(opened, secrets_map(&format!("legacy-{n}")));
    }
    let stored = labelsync_db::projects::find(&app.db, app.org_id, project).await.unwrap().unwrap();
    let password = stored.settings.0["task_data_password"].as_str().unwrap().to_owned();
    assert_eq!(sealer.open(&password, Binding::task_data_password(project)).unwrap(), b"plain-pw");

    // Idempotent: the operator's start-up path finds nothing left to do and changes nothing.
    let before = storages::find_unscoped(&app.db, ids[0]).await.unwrap().unwrap();
    labelsync_server::bootstrap::reseal_secrets(&app.db, &MasterKey::new(TEST_SECRET_KEY)).await.unwrap();
    let again = labelsync_sync::reseal::reseal_secrets(&app.db, &sealer).await.unwrap();
    assert_eq!(again, Default::default());
    let after = storages::find_unscoped(&app.db, ids[0]).await.unwrap().unwrap();
    assert_eq!(after.secrets, before.secrets);
    let project_after = labelsync_db::projects::find(&app.db, app.org_id, project).await.unwrap().unwrap();
    assert_eq!(project_after.settings.0["task_data_password"], json!(password));
}
api_test!(migrates_old_format);

/// `task_data_password` is sealed for its project on create and change, kept on unrelated
/// changes, and never returned.
async fn task_data_password_encrypted(app: TestApp) {
    let (status, created) = app
        .post(
            "/api/projects/",
            json!({"title": "Secret", "task_data_login": "bob", "task_data_password": "hunter2"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["task_data_password"], Value::Null);
    assert_eq!(created["task_data_login"], "bob");
    let id = created["id"].as_i64().unwrap();
    let stored_password = |app: &TestApp| {
        let (db, org) = (app.db.clone(), app.org_id);
        async move {
            let project = labelsync_db::projects::find(&db, org, id).await.unwrap().unwrap();
            project.settings.0["task_data_password"].as_str().unwrap().to_owned()
        }
    };
    let sealed = stored_password(&app).await;
    assert!(SecretBox::is_bound(&sealed) && !sealed.contains("hunter2"), "{sealed}");
    assert_eq!(app.sync.secrets.open(&sealed, Binding::task_data_password(id)).unwrap(), b"hunter2");

    let (status, body) = app.patch(&format!("/api/projects/{id}/"), json!({"title": "Renamed"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(stored_password(&app).await, sealed, "unchanged by an unrelated PATCH");
    let (status, body) =
        app.patch(&format!("/api/projects/{id}/"), json!({"task_data_password": "v2:x"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["task_data_password"], Value::Null);
    let changed = stored_password(&app).await;
    assert_eq!(app.sync.secrets.open(&changed, Binding::task_data_password(id)).unwrap(), b"v2:x");
    for path in [format!("/api/projects/{id}/"), "/api/projects/".to_owned()] {
        let (_, body) = app.get(&path).await;
        assert!(!body.to_string().contains(&changed) && !body.to_string().contains("hunter2"), "{body}");
    }
}
api_test!(task_data_password_encrypted);

/// A `LABELSYNC_SECRET_KEY` shorter than 32 bytes stops start-up with a message saying so.
async fn short_secret_key_refused(app: TestApp) {
    let common = |key: &str| Common {
        database_url: app.db_url.clone(),
        db_max_connections: 1,
        secret_key: Some(key.to_owned()),
        log_format: LogFormat::Human,
        log: "info".into(),
    };
    let err = labelsync_server::bootstrap::master_key(&app.db, &common("too-short")).await.unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains("LABELSYNC_SECRET_KEY") && message.contains("at least 32 bytes"), "{message}");
    assert!(!message.contains("too-short"), "the key is not echoed: {message}");
    assert!(labelsync_server::bootstrap::master_key(&app.db, &common(TEST_SECRET_KEY)).await.is_ok());
}
api_test!(short_secret_key_refused);
