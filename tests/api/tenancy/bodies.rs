//! Request bodies and list filters that name another organization's object: refused exactly
//! as a nonexistent object would be, while the caller's own object gets past that check.

use labelsync_db::orgs::Role;
use labelsync_tests::{TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::fixtures::{self, difference};
use super::matrix::{call_as, comparable};
use super::routes::{BODY_REFS, Call, Objects, Ref, classified, fill_path};

/// The value of a body field naming `what` in `path`, as `objects` have it.
fn named(objects: &Objects, what: Ref, path: &str) -> Value {
    objects.value(what, path)
}

fn ids_of(objects: &[&Objects], what: Ref, path: &str) -> Vec<String> {
    objects
        .iter()
        .map(|o| match named(o, what, path) {
            Value::String(s) => s,
            other => other.to_string(),
        })
        .collect()
}

/// Every body field of `BODY_REFS` set to organization 1's object, sent by organization 2's
/// manager on its own objects: a 4xx that matches the answer for a nonexistent object, where
/// the caller's own object gets a different answer; organization 1's objects unchanged.
async fn bodies_naming_other_orgs_objects_are_refused(app: TestApp) {
    let routes = classified();
    let theirs = fixtures::owned(&app).await;
    let absent = theirs.absent();
    let before = fixtures::snapshot(&app, &theirs).await;
    let (org2, org2_admin) = app.other_org("eve@example.com").await;
    let stranger = app.member_of(org2, "mallory@example.com", Role::Manager).await;
    let mut own = fixtures::own_objects(&app, &org2_admin, &stranger).await;
    let mut failures = Vec::new();
    for (method, template, field, what, base) in BODY_REFS {
        let op = routes.operations.iter().find(|op| op.is(method, template)).expect("classified route");
        let path = fill_path(op, &own);
        let call = |objects: &Objects| {
            let mut body: Value = serde_json::from_str(base).expect("base body");
            body[*field] = named(objects, *what, template);
            Call {
                label: format!("{method} {template} {{{field}}}"),
                method: op.method.clone(),
                url: path.clone(),
                body: Some(body),
            }
        };
        let foreign = call(&theirs);
        let (status, body) = call_as(&app, &stranger, &foreign).await;
        if !status.is_client_error() {
            failures.push(format!(
                "{}: organization 1's object accepted or failed: {status} {body}",
                foreign.label
            ));
            continue;
        }
        let ids = ids_of(&[&theirs, &absent, &own], *what, template);
        let refusal = comparable(status, &body, &ids);
        let (none_status, none_body) = call_as(&app, &stranger, &call(&absent)).await;
        if comparable(none_status, &none_body, &ids) != refusal {
            failures.push(format!(
                "{}: {status} {body} for organization 1's object but {none_status} {none_body} for none",
                foreign.label
            ));
        }
        if *what == Ref::Token {
            own.token = fixtures::personal_token(&app, &stranger).await;
        }
        let (own_status, own_body) = call_as(&app, &stranger, &call(&own)).await;
        if comparable(own_status, &own_body, &ids) == refusal || own_status.is_server_error() {
            failures.push(format!(
                "{}: the caller's own object gets {own_status} {own_body}, so the refusal proves nothing",
                foreign.label
            ));
        }
    }
    assert!(failures.is_empty(), "bodies naming another organization's objects:\n{}", failures.join("\n"));
    let after = fixtures::snapshot(&app, &theirs).await;
    assert!(before == after, "organization 1's objects changed: {:?}", difference(&before, &after));
}
api_test!(bodies_naming_other_orgs_objects_are_refused);

/// Lists filtered by organization 1's project or task show organization 2's manager nothing:
/// 404 for a per-project list, `[]` where Label Studio always answers 200, and an export of
/// their own project restricted to organization 1's task ids holds no task.
async fn filters_naming_other_orgs_objects_show_nothing(app: TestApp) {
    let theirs = fixtures::owned(&app).await;
    let (org2, org2_admin) = app.other_org("eve@example.com").await;
    let stranger = app.member_of(org2, "mallory@example.com", Role::Manager).await;
    let own = fixtures::own_objects(&app, &org2_admin, &stranger).await;
    let get = |url: String| send(app.request_as(&stranger, Method::GET, &url));
    let p = theirs.project;
    for url in [
        format!("/api/tasks/?project={p}"),
        format!("/api/storages/localfiles/?project={p}"),
        format!("/api/storages/export/localfiles?project={p}"),
        format!("/api/storages/s3/?project={p}"),
    ] {
        let (status, body) = get(url.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{url}: {body}");
    }
    for url in [format!("/api/storages/?project={p}"), format!("/api/storages/export?project={p}")] {
        let (status, body) = get(url.clone()).await;
        assert_eq!((status, body), (StatusCode::OK, json!([])), "{url}");
    }
    let (status, body) = get(format!("/api/predictions/?task={}", theirs.task)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = get("/api/predictions/".to_owned()).await;
    assert_eq!((status, body), (StatusCode::OK, json!([])), "organization-wide predictions");
    let url = format!("/api/projects/{}/export?download_all_tasks=true&ids[]={}", own.project, theirs.task);
    let (status, body) = get(url.clone()).await;
    assert_eq!((status, body), (StatusCode::OK, json!([])), "{url}");
    let url = format!("/api/projects/{}/export?download_all_tasks=true&ids[]={}", own.project, own.task);
    let (status, body) = get(url.clone()).await;
    assert_eq!(status, StatusCode::OK, "{url}: {body}");
    assert_eq!(body.as_array().map(Vec::len), Some(1), "their own task is exported: {body}");
}
api_test!(filters_naming_other_orgs_objects_show_nothing);
