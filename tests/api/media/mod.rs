//! Media URL resolution (`docs/label-studio-api.md` §7, §10.11): task data rewriting, the resolve
//! endpoints in presign and proxy mode, scoping, against the emulators of `scripts/test`, and a
//! real browser.

mod browser;
mod clouds;
mod s3;
mod scoping;

use base64::Engine;
use labelsync_tests::{TestApp, json, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A 3×2 red PNG.
pub const PNG_B64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEElEQVR4nGP4z8AAQQxwFgBB0gX7h/C5SAAAAABJRU5ErkJggg==";

pub fn png() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(PNG_B64).unwrap()
}

/// Label Studio's resolve URL of `uri` in task `task`.
pub fn resolve_url(task: i64, uri: &str) -> String {
    let encoded = base64::engine::general_purpose::URL_SAFE.encode(uri);
    format!("/tasks/{task}/resolve/?fileuri={encoded}")
}

/// A client that does not follow redirects (to see the 303 itself).
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// GET `path` on the server as `token`, without following redirects.
pub async fn raw_get(app: &TestApp, token: &str, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request =
        no_redirects().get(format!("{}{path}", app.base)).header("Authorization", format!("Token {token}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// Creates an import storage of `kind` with `fields`, syncs it, and returns its id.
pub async fn synced_storage(app: &TestApp, kind: &str, project: i64, fields: Value) -> i64 {
    let mut body = json!({"project": project, "title": "media"});
    body.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
    let (status, created) = app.post(&format!("/api/storages/{kind}/"), body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (status, _) = send(app.request(Method::POST, &format!("/api/storages/{kind}/{id}/sync"))).await;
    assert_eq!(status, StatusCode::OK);
    app.run_jobs().await;
    let (_, storage) = app.get(&format!("/api/storages/{kind}/{id}")).await;
    assert_eq!(storage["status"], "completed", "{storage}");
    id
}

/// The project's tasks (id, data) as the task list serves them.
pub async fn tasks(app: &TestApp, project: i64) -> Vec<(i64, Value)> {
    let (_, page) = app.get(&format!("/api/tasks/?project={project}")).await;
    page["tasks"].as_array().unwrap().iter().map(|t| (t["id"].as_i64().unwrap(), t["data"].clone())).collect()
}

/// Follows a 303 from the resolve endpoint without credentials and returns the body.
pub async fn follow(app: &TestApp, path: &str) -> Vec<u8> {
    let response = raw_get(app, &app.admin_token, path, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let object = reqwest::get(&location).await.unwrap();
    assert_eq!(object.status(), StatusCode::OK, "{location}");
    object.bytes().await.unwrap().to_vec()
}

/// The body of a proxied GET, after checking its status.
pub async fn proxied(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    status: StatusCode,
) -> reqwest::Response {
    let response = raw_get(app, &app.admin_token, path, headers).await;
    assert_eq!(response.status(), status, "{path}");
    response
}
