//! The objects the matrix aims at: an organization's project with tasks, an annotation, a
//! prediction, local-files import and export storages, a served file, a personal token and a
//! dry run of the import storage and a webhook;
//! and a snapshot of all of it, read back as its owner, to prove nothing changed.

use std::path::Path;

use labelsync_db::storages::{self, StorageRecord};
use labelsync_tests::{TestApp, json, send};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};

use super::routes::Objects;

/// Organization 1's objects, created through the API as its administrator; every job they
/// queued has run.
pub async fn owned(app: &TestApp) -> Objects {
    let project = app.project().await;
    let in_dir = app.dir.join("org1/in");
    let out_dir = app.dir.join("org1/out");
    std::fs::create_dir_all(&in_dir).expect("import dir");
    std::fs::create_dir_all(&out_dir).expect("export dir");
    std::fs::write(in_dir.join("a.jpg"), b"organization 1's image").expect("file");
    let tasks = app
        .import(project, json!([{"image_url": "/data/local-files/?d=org1/in/a.jpg"}, {"image_url": "b.jpg"}]))
        .await;
    let (status, annotation) =
        app.post(&format!("/api/tasks/{}/annotations/", tasks[0]), json!({"result": []})).await;
    assert_eq!(status, StatusCode::CREATED, "{annotation}");
    let (status, prediction) =
        app.post("/api/predictions/", json!({"task": tasks[0], "result": [], "score": 0.5})).await;
    assert_eq!(status, StatusCode::CREATED, "{prediction}");
    let import_storage = create_storage(app, "/api/storages/localfiles/", project, &in_dir).await;
    let export_storage = create_storage(app, "/api/storages/export/localfiles", project, &out_dir).await;
    let token = personal_token(app, &app.admin_token).await;
    let (status, diff) =
        send(app.request(Method::POST, &format!("/api/storages/localfiles/{import_storage}/diff"))).await;
    assert_eq!(status, StatusCode::CREATED, "{diff}");
    app.run_jobs().await;
    // Inactive, so the owner's own calls in the matrix queue no deliveries.
    let (status, webhook) = app
        .post(
            "/api/webhooks/",
            json!({"project": project, "url": "http://127.0.0.1:9/hook", "is_active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{webhook}");
    Objects {
        project,
        task: tasks[0],
        annotation: id_of(&annotation),
        prediction: id_of(&prediction),
        import_storage,
        export_storage,
        kind: "localfiles",
        local_file: "org1/in/a.jpg".into(),
        token,
        diff: id_of(&diff),
        webhook: id_of(&webhook),
    }
}

/// Another organization's own objects, for bodies that name them: a project with a task,
/// Redis import and export storages (inserted directly: they need no server and no grant)
/// and a personal token of `member`.
pub async fn own_objects(app: &TestApp, org_admin: &str, member: &str) -> Objects {
    let (status, project) = send(
        app.request_as(org_admin, Method::POST, "/api/projects/")
            .json(&json!({"title": "theirs", "label_config": labelsync_tests::IMAGE_CONFIG})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{project}");
    let project = id_of(&project);
    let (status, tasks) = send(
        app.request_as(
            org_admin,
            Method::POST,
            &format!("/api/projects/{project}/import?return_task_ids=true"),
        )
        .json(&json!([{"image_url": "theirs.jpg"}])),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{tasks}");
    Objects {
        project,
        task: tasks["task_ids"][0].as_i64().expect("task id"),
        annotation: 0,
        prediction: 0,
        import_storage: redis_storage(app, project, "import").await,
        export_storage: redis_storage(app, project, "export").await,
        kind: "redis",
        local_file: String::new(),
        token: personal_token(app, member).await,
        diff: 0,
        webhook: 0,
    }
}

async fn create_storage(app: &TestApp, url: &str, project: i64, dir: &Path) -> i64 {
    let (status, body) = app.post(url, json!({"project": project, "path": dir})).await;
    assert_eq!(status, StatusCode::CREATED, "{url}: {body}");
    id_of(&body)
}

async fn redis_storage(app: &TestApp, project: i64, role: &str) -> i64 {
    let settings = json!({"host": "127.0.0.1", "port": "1", "db": 1});
    let settings = settings.as_object().cloned().expect("settings");
    let record = StorageRecord { title: Some("theirs".into()), ..StorageRecord::new(project, settings) };
    storages::insert(&app.db, storages::StorageKind::Redis, role.parse().expect("role"), &record)
        .await
        .expect("insert storage")
        .id
}

/// A new personal access (refresh) token of the holder of `legacy_token`.
pub async fn personal_token(app: &TestApp, legacy_token: &str) -> String {
    let (status, body) = send(app.request_as(legacy_token, Method::POST, "/api/token/")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

fn id_of(body: &Value) -> i64 {
    body["id"].as_i64().unwrap_or_else(|| panic!("no id in {body}"))
}

/// Everything organization 1 can see of its objects, read as its administrator, and the files
/// under the document root: equal before and after means nothing was changed, deleted, moved,
/// queued or exported.
pub async fn snapshot(app: &TestApp, o: &Objects) -> Value {
    let reads = [
        format!("/api/projects/{}/", o.project),
        "/api/projects/".to_owned(),
        format!("/api/tasks/?project={}&fields=all", o.project),
        format!("/api/annotations/{}/", o.annotation),
        format!("/api/predictions/{}/", o.prediction),
        format!("/api/storages/{}/{}", o.kind, o.import_storage),
        format!("/api/storages/export/{}/{}", o.kind, o.export_storage),
        format!("/api/storages/?project={}", o.project),
        format!("/api/storages/export?project={}", o.project),
        "/api/token/".to_owned(),
        format!("/api/webhooks/{}/", o.webhook),
    ];
    let mut out = Map::new();
    for path in reads {
        let (status, body) = app.get(&path).await;
        out.insert(path, json!({"status": status.as_u16(), "body": body}));
    }
    let (status, _) =
        send(app.anonymous(Method::POST, "/api/token/refresh/").json(&json!({"refresh": o.token}))).await;
    out.insert("personal token refreshes".into(), json!(status.as_u16()));
    out.insert("files".into(), files_under(&app.dir));
    Value::Object(out)
}

/// Relative path → size of every file under `root`.
fn files_under(root: &Path) -> Value {
    let mut files = Map::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let entry = entry.expect("dir entry");
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let size = entry.metadata().map(|m| m.len()).unwrap_or_default();
                let name = path.strip_prefix(root).unwrap_or(&path).display().to_string();
                files.insert(name, json!(size));
            }
        }
    }
    Value::Object(files)
}

/// The first difference between two snapshots, for the failure message.
pub fn difference(before: &Value, after: &Value) -> Option<String> {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return (before != after).then(|| format!("{before} became {after}"));
    };
    b.iter()
        .find(|(k, v)| a.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: was {v}, now {}", a.get(k).cloned().unwrap_or(Value::Null)))
}
