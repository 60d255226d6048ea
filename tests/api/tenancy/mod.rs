//! Tenancy and roles: another organization's objects are 404; annotators only read.
//!
//! [`routes`] classifies every route of the server's own OpenAPI document; [`matrix`] aims
//! each one at organization 1's objects ([`fixtures`]) as a stranger and as an annotator;
//! [`bodies`] covers request bodies and list filters that name another organization's object.

mod bodies;
mod fixtures;
mod matrix;
mod routes;
mod tables;

use labelsync_db::orgs::Role;
use labelsync_tests::{TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};

/// A second organization's administrator gets 404 on every project route of the first and
/// does not see its projects in lists.
async fn other_org_sees_404(app: TestApp) {
    let id = app.project().await;
    let (_, token) = app.other_org("eve@example.com").await;
    let path = format!("/api/projects/{id}/");
    for method in [Method::GET, Method::PATCH, Method::PUT, Method::DELETE] {
        let (status, body) =
            send(app.request_as(&token, method.clone(), &path).json(&json!({"title": "x"}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
    }
    let (_, list) = send(app.request_as(&token, Method::GET, "/api/projects/")).await;
    assert_eq!(list["count"], 0);
    let (status, _) = app.get(&path).await;
    assert_eq!(status, StatusCode::OK, "the owner still sees it");
}
api_test!(other_org_sees_404);

/// An annotator can read projects but not create, change or delete them.
async fn annotator_cannot_manage_projects(app: TestApp) {
    let id = app.project().await;
    let token = app.user("ann@example.com", Role::Annotator).await;
    let (status, _) = send(app.request_as(&token, Method::GET, &format!("/api/projects/{id}/"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(app.request_as(&token, Method::POST, "/api/projects/").json(&json!({}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        app.request_as(&token, Method::PATCH, &format!("/api/projects/{id}/")).json(&json!({"title": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(app.request_as(&token, Method::DELETE, &format!("/api/projects/{id}/"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
api_test!(annotator_cannot_manage_projects);
