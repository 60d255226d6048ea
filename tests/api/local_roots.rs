//! Local roots: each organization's local-files storages and served files stay under the
//! directories the operator granted it (`labelsync admin grant-local-root`). Two organizations
//! with sibling roots `data/a` (the first organization) and `data/b` (a second one) under the
//! document root; the second tries everything it can to reach the first's files.

use std::path::{Path, PathBuf};

use labelsync_server::admin;
use labelsync_server::config::AdminCommand;
use labelsync_tests::{IMAGE_CONFIG, TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

const SECRET: &[u8] = b"organization A's secret";

/// The two organizations and their directories.
struct Tenants {
    a_dir: PathBuf,
    b_dir: PathBuf,
    b_org: i64,
    b_token: String,
    b_project: i64,
}

/// Organization A (the first; its document-root grant replaced by `data/a`, holding a secret
/// under an import storage) and organization B (granted `data/b`, with a project).
async fn tenants(app: &TestApp) -> Tenants {
    let (a_dir, b_dir) = (app.dir.join("data/a"), app.dir.join("data/b"));
    std::fs::create_dir_all(&a_dir).unwrap();
    std::fs::create_dir_all(&b_dir).unwrap();
    std::fs::write(a_dir.join("secret.jpg"), SECRET).unwrap();
    admin_ok(app, grant(app.org_id, &a_dir, &app.dir)).await;
    admin_ok(app, AdminCommand::RevokeLocalRoot { org: app.org_id, path: text(&app.dir) }).await;
    let a_project = app.project().await;
    let (status, body) =
        app.post("/api/storages/localfiles/", json!({"project": a_project, "path": a_dir})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (b_org, b_token) = app.other_org("bob@example.com").await;
    admin_ok(app, grant(b_org, &b_dir, &app.dir)).await;
    let project = json!({"title": "Project B", "label_config": IMAGE_CONFIG});
    let (status, body) = as_b(app, &b_token, Method::POST, "/api/projects/", project).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Tenants { a_dir, b_dir, b_org, b_token, b_project: body["id"].as_i64().unwrap() }
}

fn grant(org: i64, path: &Path, document_root: &Path) -> AdminCommand {
    AdminCommand::GrantLocalRoot {
        org,
        path: text(path),
        local_files_document_root: document_root.to_path_buf(),
    }
}

async fn admin_ok(app: &TestApp, command: AdminCommand) {
    admin::run(&app.db, command).await.expect("admin command");
}

async fn b_post(app: &TestApp, t: &Tenants, path: &str, body: Value) -> (StatusCode, Value) {
    as_b(app, &t.b_token, Method::POST, path, body).await
}

fn text(path: &Path) -> String {
    path.display().to_string()
}

async fn as_b(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
    send(app.request_as(token, method, path).json(&body)).await
}

/// The refusal's status and messages (the envelope's `id` differs per response).
fn refusal((status, body): (StatusCode, Value)) -> (StatusCode, Value) {
    (status, body["validation_errors"].clone())
}

/// `/data/local-files/?d=…` as `token`: status and body bytes.
async fn serve(app: &TestApp, token: &str, d: &str) -> (StatusCode, Vec<u8>) {
    let mut url = reqwest::Url::parse("http://localhost/data/local-files/").unwrap();
    url.query_pairs_mut().append_pair("d", d);
    let response = app
        .request_as(token, Method::GET, &format!("/data/local-files/?{}", url.query().unwrap()))
        .send()
        .await
        .unwrap();
    (response.status(), response.bytes().await.unwrap().to_vec())
}

/// The admin commands: the first organization holds the document root; grants must be
/// existing directories under it; revoking needs the exact grant; listings by organization.
async fn admin_commands(app: TestApp) {
    use labelsync_db::local_roots::{list_all, list_for_org};
    let roots = |org| {
        let db = app.db.clone();
        async move { list_for_org(&db, org).await.unwrap().into_iter().map(|r| r.path).collect::<Vec<_>>() }
    };
    assert_eq!(roots(app.org_id).await, [text(&app.dir)], "first start grants the document root");
    let (org, _) = app.other_org("bob@example.com").await;
    assert!(roots(org).await.is_empty(), "a later organization has none");
    let dir = app.dir.join("b");
    std::fs::create_dir_all(&dir).unwrap();
    admin_ok(&app, grant(org, &app.dir.join("b/"), &app.dir)).await;
    admin_ok(&app, grant(org, &dir, &app.dir)).await;
    assert_eq!(roots(org).await, [text(&dir)], "normalized, granted once");
    let refused = [
        (grant(org, Path::new("/etc"), &app.dir), "is not under LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT"),
        (grant(org, &app.dir.join("missing"), &app.dir), "is not an existing directory"),
        (grant(org + 100, &dir, &app.dir), "does not exist"),
        (AdminCommand::RevokeLocalRoot { org, path: text(&app.dir) }, "has no local root"),
    ];
    for (command, message) in refused {
        let err = admin::run(&app.db, command).await.expect_err(message).to_string();
        assert!(err.contains(message), "{err}");
    }
    assert_eq!(list_all(&app.db).await.unwrap().len(), 2);
    admin_ok(&app, AdminCommand::ListLocalRoots { org: Some(org) }).await;
    admin_ok(&app, AdminCommand::RevokeLocalRoot { org, path: format!("{}/", text(&dir)) }).await;
    assert!(roots(org).await.is_empty());
}
api_test!(admin_commands);

/// The `labelsync` process reads Label Studio's bare `LOCAL_FILES_DOCUMENT_ROOT` when the
/// prefixed variable is unset: a grant under it succeeds, the same grant under another bare root fails.
async fn bare_label_studio_variables_are_read(app: TestApp) {
    let Some(bin) = labelsync_tests::labelsync_bin("bare_label_studio_variables_are_read") else { return };
    let (org, _) = app.other_org("bob@example.com").await;
    let (root, other, granted) = (app.dir.join("root"), app.dir.join("other"), app.dir.join("root/b"));
    for dir in [&other, &granted] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let grant_under = |document_root: &Path| {
        std::process::Command::new(&bin)
            .args(["admin", "grant-local-root", "--org", &org.to_string(), "--path", &text(&granted)])
            .env_clear()
            .env("DATABASE_URL", &app.db_url)
            .env("LABELSYNC_SECRET_KEY", labelsync_tests::TEST_SECRET_KEY)
            .env("LOCAL_FILES_DOCUMENT_ROOT", document_root)
            .output()
            .expect("run labelsync admin")
    };
    let refused = grant_under(&other);
    assert!(!refused.status.success(), "granted outside the bare document root");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("is not under LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT"), "{stderr}");
    let accepted = grant_under(&root);
    assert!(accepted.status.success(), "{}", String::from_utf8_lossy(&accepted.stderr));
    let roots = labelsync_db::local_roots::list_for_org(&app.db, org).await.unwrap();
    assert_eq!(roots.into_iter().map(|r| r.path).collect::<Vec<_>>(), [text(&granted)]);
}
api_test!(bare_label_studio_variables_are_read);

/// B cannot create, change, validate or preview a storage on A's directory, also as export,
/// through `..` or through a symlink in its own root; every refusal is the same operator-facing
/// message, and its own directory works.
async fn storages_stay_in_own_roots(app: TestApp) {
    let t = tenants(&app).await;
    std::os::unix::fs::symlink(&t.a_dir, t.b_dir.join("to_a")).unwrap();
    std::os::unix::fs::symlink(t.a_dir.join("gone"), t.b_dir.join("dangling")).unwrap();
    let attempts = [
        text(&t.a_dir),
        format!("{}/../a", text(&t.b_dir)),
        text(&t.b_dir.join("to_a")),
        text(&t.b_dir.join("to_a/sub")),
        text(&t.b_dir.join("dangling")),
        text(&app.dir.join("data")),
        text(&app.dir.join("data/nonexistent")),
    ];
    let mut answers = Vec::new();
    for path in &attempts {
        let body = json!({"project": t.b_project, "path": path});
        for url in [
            "/api/storages/localfiles/",
            "/api/storages/export/localfiles",
            "/api/storages/localfiles/validate",
            "/api/storages/export/localfiles/validate",
            "/api/storages/localfiles/files",
        ] {
            answers.push(refusal(b_post(&app, &t, url, body.clone()).await));
        }
    }
    let (status, message) = &answers[0];
    assert_eq!(*status, StatusCode::BAD_REQUEST);
    let message = message["non_field_errors"][0].as_str().unwrap();
    assert!(message.contains(&format!("labelsync admin grant-local-root --org {}", t.b_org)), "{message}");
    assert!(answers.iter().all(|answer| answer == &answers[0]), "{answers:#?}");
    let (status, own) =
        b_post(&app, &t, "/api/storages/localfiles/", json!({"project": t.b_project, "path": t.b_dir})).await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    let id = own["id"].as_i64().unwrap();
    let item = format!("/api/storages/localfiles/{id}");
    let moved = as_b(&app, &t.b_token, Method::PATCH, &item, json!({"path": t.a_dir})).await;
    assert_eq!(refusal(moved), answers[0]);
    let by_id =
        b_post(&app, &t, "/api/storages/localfiles/validate", json!({"id": id, "path": t.a_dir})).await;
    assert_eq!(refusal(by_id), answers[0]);
    let files = b_post(&app, &t, "/api/storages/localfiles/files", json!({"id": id, "path": t.a_dir})).await;
    assert_eq!(refusal(files), answers[0]);
}
api_test!(storages_stay_in_own_roots);

/// B never reads A's file through `/data/local-files`: not with a storage left on an ancestor
/// of A's directory after its broader grant was revoked, not through `..`, not through a
/// symlinked directory or file in its own root. Its own files are served.
async fn serving_stays_in_own_roots(app: TestApp) {
    let t = tenants(&app).await;
    let data = app.dir.join("data");
    admin_ok(&app, grant(t.b_org, &data, &app.dir)).await;
    let ancestor = json!({"project": t.b_project, "path": data});
    let (status, body) = as_b(&app, &t.b_token, Method::POST, "/api/storages/localfiles/", ancestor).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(serve(&app, &t.b_token, "data/a/secret.jpg").await, (StatusCode::OK, SECRET.to_vec()));
    admin_ok(&app, AdminCommand::RevokeLocalRoot { org: t.b_org, path: text(&data) }).await;
    std::fs::write(t.b_dir.join("own.jpg"), b"B's own").unwrap();
    std::os::unix::fs::symlink(&t.a_dir, t.b_dir.join("to_a")).unwrap();
    std::os::unix::fs::symlink(t.a_dir.join("secret.jpg"), t.b_dir.join("evil.jpg")).unwrap();
    let own = json!({"project": t.b_project, "path": t.b_dir});
    let (status, body) = as_b(&app, &t.b_token, Method::POST, "/api/storages/localfiles/", own).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(serve(&app, &t.b_token, "data/b/own.jpg").await, (StatusCode::OK, b"B's own".to_vec()));
    for d in ["data/a/secret.jpg", "data/b/../a/secret.jpg", "data/b/to_a/secret.jpg", "data/b/evil.jpg"] {
        let (status, body) = serve(&app, &t.b_token, d).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{d}");
        assert!(!body.windows(SECRET.len()).any(|w| w == SECRET), "{d} leaked A's file");
    }
    assert_eq!(serve(&app, &app.admin_token, "data/a/secret.jpg").await.0, StatusCode::OK);
}
api_test!(serving_stays_in_own_roots);

/// Grant then revoke, end to end: while granted, B's storage syncs and serves; once revoked,
/// serving stops at once and the next sync fails with a traceback naming the fix; granted
/// again, both work again.
async fn revoke_stops_serving_and_sync(app: TestApp) {
    let t = tenants(&app).await;
    std::fs::write(t.b_dir.join("1.jpg"), b"one").unwrap();
    let body = json!({"project": t.b_project, "path": t.b_dir, "use_blob_urls": true});
    let (status, created) = as_b(&app, &t.b_token, Method::POST, "/api/storages/localfiles/", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let item = format!("/api/storages/localfiles/{}", created["id"]);
    let sync = || async {
        let (status, _) = as_b(&app, &t.b_token, Method::POST, &format!("{item}/sync"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        app.run_jobs().await;
        as_b(&app, &t.b_token, Method::GET, &item, json!({})).await.1
    };
    assert_eq!(sync().await["status"], "completed");
    assert_eq!(serve(&app, &t.b_token, "data/b/1.jpg").await.0, StatusCode::OK);
    admin_ok(&app, AdminCommand::RevokeLocalRoot { org: t.b_org, path: text(&t.b_dir) }).await;
    assert_eq!(serve(&app, &t.b_token, "data/b/1.jpg").await.0, StatusCode::NOT_FOUND);
    std::fs::write(t.b_dir.join("2.jpg"), b"two").unwrap();
    let failed = sync().await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let traceback = failed["traceback"].as_str().unwrap_or("");
    assert!(traceback.contains(&format!("grant-local-root --org {}", t.b_org)), "{traceback}");
    let tasks_url = format!("/api/tasks/?project={}", t.b_project);
    let (_, tasks) = as_b(&app, &t.b_token, Method::GET, &tasks_url, json!({})).await;
    assert_eq!(
        tasks["tasks"].as_array().map(Vec::len),
        Some(1),
        "nothing imported after the revocation: {tasks}"
    );
    admin_ok(&app, grant(t.b_org, &t.b_dir, &app.dir)).await;
    assert_eq!(serve(&app, &t.b_token, "data/b/2.jpg").await.0, StatusCode::OK);
    assert_eq!(sync().await["status"], "completed");
}
api_test!(revoke_stops_serving_and_sync);

/// Refused requests tell nothing about the host: with serving disabled, create, validate and
/// the files preview give one answer for `/etc` and for a path that does not exist (and list
/// nothing); outside the organization's roots, an existing and a missing directory get one
/// answer.
async fn refusals_are_no_oracle(app: TestApp) {
    let project = app.project().await;
    let mut answers = Vec::new();
    for path in ["/etc", "/nonexistent-labelsync-path", "/etc/passwd"] {
        for url in [
            "/api/storages/localfiles/",
            "/api/storages/localfiles/validate",
            "/api/storages/localfiles/files",
        ] {
            let (status, body) = app.post(url, json!({"project": project, "path": path})).await;
            assert!(!body.to_string().contains("passwd"), "{url} {path}: {body}");
            answers.push(refusal((status, body)));
        }
    }
    assert_eq!(answers[0].0, StatusCode::BAD_REQUEST);
    let message = answers[0].1["non_field_errors"][0].as_str().unwrap();
    assert!(message.starts_with("Serving local files"), "{message}");
    assert!(answers.iter().all(|answer| answer == &answers[0]), "{answers:#?}");
}
api_test!(refusals_are_no_oracle, |args| args.worker.storage.local_files_serving_enabled = false);

/// Outside the organization's roots, an existing directory (another organization's), a
/// missing one and a file get the same answer from validate and the files preview.
async fn outside_roots_is_no_oracle(app: TestApp) {
    let t = tenants(&app).await;
    let paths = [text(&t.a_dir), text(&app.dir.join("data/missing")), text(&t.a_dir.join("secret.jpg"))];
    let mut answers = Vec::new();
    for path in &paths {
        for url in ["/api/storages/localfiles/validate", "/api/storages/localfiles/files"] {
            let body = json!({"project": t.b_project, "path": path});
            answers.push(refusal(as_b(&app, &t.b_token, Method::POST, url, body).await));
        }
    }
    assert_eq!(answers[0].0, StatusCode::BAD_REQUEST);
    assert!(answers.iter().all(|answer| answer == &answers[0]), "{answers:#?}");
}
api_test!(outside_roots_is_no_oracle);
