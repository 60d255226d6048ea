//! Create, list, get, change and delete storages; response shapes of every kind and role.

use labelsync_db::storages::{self, StorageRecord};
use labelsync_storage::StorageKind;
use labelsync_sync::storages::{open_secrets, seal_secrets, secret_fields};
use labelsync_tests::{TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};

/// The keys Label Studio returns for each kind and role, in order (`docs/label-studio-api.md`
/// §3.7), then labelsync's own import fields (`sync_deleted`, `sync_changed`,
/// `sync_interval_seconds`).
pub(super) const ORDERS: &[(&str, &str, &str)] = &[
    (
        "s3",
        "import",
        "id,type,synchronizable,presign,last_sync,last_sync_count,last_sync_job,status,traceback,meta,title,description,created_at,bucket,prefix,regex_filter,use_blob_urls,aws_sse_kms_key_id,region_name,s3_endpoint,role_arn,external_id,presign_ttl,recursive_scan,project,sync_deleted,sync_changed,sync_interval_seconds",
    ),
    (
        "s3",
        "export",
        "id,type,synchronizable,last_sync,last_sync_count,last_sync_job,status,traceback,meta,title,description,created_at,can_delete_objects,bucket,prefix,regex_filter,use_blob_urls,aws_sse_kms_key_id,region_name,s3_endpoint,role_arn,external_id,project",
    ),
    (
        "gcs",
        "import",
        "id,type,synchronizable,presign,bucket,prefix,regex_filter,use_blob_urls,google_project_id,last_sync,last_sync_count,last_sync_job,status,traceback,meta,title,description,created_at,presign_ttl,recursive_scan,project,sync_deleted,sync_changed,sync_interval_seconds",
    ),
    (
        "gcs",
        "export",
        "id,type,synchronizable,bucket,prefix,regex_filter,use_blob_urls,google_project_id,last_sync,last_sync_count,last_sync_job,status,traceback,meta,title,description,created_at,can_delete_objects,project",
    ),
    (
        "azure",
        "import",
        "id,type,synchronizable,presign,container,prefix,regex_filter,use_blob_urls,last_sync,last_sync_count,last_sync_job,status,traceback,meta,title,description,created_at,presign_ttl,recursive_scan,project,sync_deleted,sync_changed,sync_interval_seconds",
    ),
    (
        "azure",
        "export",
        "id,type,synchronizable,container,prefix,regex_filter,use_blob_urls,last_sync,last_sync_count,last_sync_job,status,traceback,meta,title,description,created_at,can_delete_objects,project",
    ),
    (
        "redis",
        "import",
        "id,type,synchronizable,path,host,port,regex_filter,use_blob_urls,last_sync,last_sync_count,last_sync_job,status,traceback,meta,title,description,created_at,db,project,sync_deleted,sync_changed,sync_interval_seconds",
    ),
    (
        "redis",
        "export",
        "id,type,synchronizable,path,host,port,regex_filter,use_blob_urls,last_sync,last_sync_count,last_sync_job,status,traceback,meta,title,description,created_at,can_delete_objects,db,project",
    ),
    (
        "localfiles",
        "import",
        "id,type,synchronizable,path,regex_filter,use_blob_urls,last_sync,last_sync_count,last_sync_job,status,traceback,meta,title,description,created_at,recursive_scan,project,sync_deleted,sync_changed,sync_interval_seconds",
    ),
    (
        "localfiles",
        "export",
        "id,type,synchronizable,path,regex_filter,use_blob_urls,last_sync,last_sync_count,last_sync_job,status,traceback,meta,title,description,created_at,can_delete_objects,project",
    ),
];

fn base(kind: &str, role: &str) -> String {
    if role == "import" { format!("/api/storages/{kind}/") } else { format!("/api/storages/export/{kind}") }
}

fn item(kind: &str, role: &str, id: i64) -> String {
    if role == "import" {
        format!("/api/storages/{kind}/{id}")
    } else {
        format!("/api/storages/export/{kind}/{id}")
    }
}

/// Every kind and role answers get and list with Label Studio's keys, in order, with defaults,
/// and without the secrets it stores (rows are written directly so no backend is needed).
async fn response_shapes(app: TestApp) {
    let project = app.project().await;
    for (kind, role, order) in ORDERS {
        let record = StorageRecord { title: Some("t".into()), ..StorageRecord::new(project, Map::new()) };
        let row =
            storages::insert(&app.db, kind.parse().unwrap(), role.parse().unwrap(), &record).await.unwrap();
        let names = secret_fields(StorageKind::parse(kind).unwrap());
        let secrets: Map<String, Value> =
            names.iter().map(|name| (name.to_string(), json!(format!("SECRET-{name}")))).collect();
        let sealed = seal_secrets(&secrets, &app.sync.secrets, row.id);
        storages::set_secrets(&app.db, row.id, sealed.as_deref()).await.unwrap();
        // The secrets really are stored (and open), so their absence below means something.
        let stored = storages::find_unscoped(&app.db, row.id).await.unwrap().unwrap();
        assert_eq!(open_secrets(stored.secrets.as_deref(), &app.sync.secrets, row.id).unwrap(), secrets);
        let (status, body) = app.get(&item(kind, role, row.id)).await;
        assert_eq!(status, StatusCode::OK, "{kind} {role}: {body}");
        let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.join(","), *order, "{kind} {role}");
        assert_eq!(body["type"], *kind);
        assert_eq!(body["status"], "initialized");
        assert_eq!(body["meta"], json!({}));
        if *kind == "redis" {
            assert_eq!(body["db"], if *role == "import" { 1 } else { 2 });
        }
        let (status, list) = app.get(&format!("{}?project={project}", base(kind, role))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1, "{kind} {role}");
        for text in [body.to_string(), list.to_string()] {
            assert!(!text.contains("SECRET-"), "{kind} {role} leaks a secret: {text}");
            assert!(
                !text.contains(stored.secrets.as_deref().unwrap_or("v2:")),
                "{kind} {role} leaks the sealed value"
            );
        }
        // The other role's paths do not see it.
        let other = if *role == "import" { "export" } else { "import" };
        assert_eq!(app.get(&item(kind, other, row.id)).await.0, StatusCode::NOT_FOUND);
    }
    let (_, all) = app.get(&format!("/api/storages/?project={project}")).await;
    let kinds: Vec<&str> = all.as_array().unwrap().iter().map(|s| s["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["s3", "gcs", "azure", "redis", "localfiles"]);
    assert!(!all.to_string().contains("SECRET-"));
    let (_, all) = app.get(&format!("/api/storages/export?project={project}")).await;
    assert_eq!(all.as_array().unwrap().len(), 5);
    assert!(!all.to_string().contains("SECRET-"));
}
api_test!(response_shapes);

/// A local-files import storage goes through create → list → get → patch → delete, and
/// unsent fields keep their values.
async fn local_files_lifecycle(app: TestApp) {
    let project = app.project().await;
    let dir = app.dir.join("dataset1");
    std::fs::create_dir_all(&dir).unwrap();
    let (status, created) = app
        .post(
            "/api/storages/localfiles/",
            json!({"project": project, "path": format!("{}/", dir.display()),
              "title": "Local", "use_blob_urls": "true", "regex_filter": ".*\\.jpg"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["path"], dir.display().to_string(), "trailing slash normalized away");
    assert_eq!(created["use_blob_urls"], true);
    let id = created["id"].as_i64().unwrap();
    let (status, patched) =
        app.patch(&format!("/api/storages/localfiles/{id}"), json!({"title": "Renamed"})).await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["title"], "Renamed");
    assert_eq!(patched["regex_filter"], ".*\\.jpg");
    let (status, put) = send(
        app.request(Method::PUT, &format!("/api/storages/localfiles/{id}"))
            .json(&json!({"description": "d"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["description"], "d");
    let (status, _) = app.delete(&format!("/api/storages/localfiles/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("/api/storages/localfiles/{id}")).await.0, StatusCode::NOT_FOUND);
}
api_test!(local_files_lifecycle);

/// Status fields are accepted and validated as in Label Studio, but only a sync writes them:
/// a PATCH leaves them as they were; an invalid status is still a choice error.
async fn status_fields_accepted_and_ignored(app: TestApp) {
    let project = app.project().await;
    let dir = app.dir.join("d");
    std::fs::create_dir_all(&dir).unwrap();
    let (_, created) = app
        .post("/api/storages/localfiles", json!({"project": project, "path": dir, "status": "completed"}))
        .await;
    assert_eq!(created["status"], "initialized", "{created}");
    let id = created["id"].as_i64().unwrap();
    let (status, body) = app
        .patch(
            &format!("/api/storages/localfiles/{id}"),
            json!({"status": "in_progress", "meta": {"x": 1}, "last_sync_count": 77, "title": "t"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["status"].clone(),
            body["meta"].clone(),
            body["last_sync_count"].clone(),
            body["title"].clone()
        ),
        (json!("initialized"), json!({}), json!(null), json!("t"))
    );
    let (status, body) =
        app.patch(&format!("/api/storages/localfiles/{id}"), json!({"status": "bogus"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["validation_errors"]["status"][0], "\"bogus\" is not a valid choice.");
}
api_test!(status_fields_accepted_and_ignored);

/// The type lists name the five kinds in Label Studio's order.
async fn types(app: TestApp) {
    for path in ["/api/storages/types", "/api/storages/export/types"] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body,
            json!([{"name":"s3","title":"AWS S3"},{"name":"gcs","title":"Google Cloud Storage"},
            {"name":"azure","title":"Microsoft Azure"},{"name":"redis","title":"Redis"},{"name":"localfiles","title":"Local files"}])
        );
    }
}
api_test!(types);

/// Form layouts are served for every kind and role.
async fn forms(app: TestApp) {
    for kind in ["s3", "gcs", "azure", "redis", "localfiles"] {
        for path in [format!("/api/storages/{kind}/form"), format!("/api/storages/export/{kind}/form")] {
            let (status, body) = app.get(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(body.as_array().is_some_and(|rows| !rows.is_empty()), "{path}: {body}");
        }
    }
    let _: Value = Value::Null;
}
api_test!(forms);
