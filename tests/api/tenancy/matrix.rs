//! The cross-tenant matrix: every route of the OpenAPI document that names an object, aimed
//! at organization 1's objects by another organization's manager (404, the same answer as for
//! ids that do not exist) and by organization 1's annotator (403 on management routes).

use labelsync_db::orgs::Role;
use labelsync_tests::{TestApp, api_test, send};
use reqwest::StatusCode;
use serde_json::Value;

use super::fixtures::{self, difference};
use super::routes::{ANNOTATOR_EXPECTS, ANNOTATOR_MAY, Call, Expect, STRANGER_EXPECTS, classified, expected};

/// Sends `call` with a legacy token.
pub async fn call_as(app: &TestApp, token: &str, call: &Call) -> (StatusCode, Value) {
    let mut request = app.request_as(token, call.method.clone(), &call.url);
    if let Some(body) = &call.body {
        request = request.json(body);
    }
    send(request).await
}

/// Whether `status` and `body` are what `expect` says; never a success that reveals or changes
/// anything, never a 5xx.
pub fn check(expect: Expect, status: StatusCode, body: &Value) -> Result<(), String> {
    let envelope = |code: u16| {
        let ok = status.as_u16() == code
            && ["id", "status_code", "detail"].iter().all(|k| body.get(k).is_some())
            && body["status_code"] == code;
        if ok { Ok(()) } else { Err(format!("expected {code} in the error envelope, got {status} {body}")) }
    };
    match expect {
        Expect::NotFound => envelope(404),
        Expect::Forbidden => envelope(403),
        Expect::Status(code) => envelope(code),
        Expect::EmptyList if status == StatusCode::OK && *body == serde_json::json!([]) => Ok(()),
        Expect::EmptyList => Err(format!("expected 200 [], got {status} {body}")),
        Expect::BareNotFound if status == StatusCode::NOT_FOUND => Ok(()),
        Expect::BareNotFound => Err(format!("expected 404, got {status} {body}")),
    }
}

/// The part of an answer that must not depend on whether the object exists: status, and
/// for an envelope its message and field errors (not its per-request id), with the object's
/// id in quotes (`Invalid pk "7"`) replaced.
pub fn comparable(status: StatusCode, body: &Value, ids: &[String]) -> String {
    let shown = match body.get("status_code") {
        Some(_) => serde_json::json!([body["detail"], body["validation_errors"]]),
        None => body.clone(),
    };
    let mut text = format!("{} {shown}", status.as_u16());
    for id in ids.iter().filter(|id| !id.is_empty()) {
        text = text.replace(&format!("\\\"{id}\\\""), "\\\"<id>\\\"");
    }
    text
}

/// Another organization's manager gets 404 (or Label Studio's answer for an unknown object)
/// from every route of the OpenAPI document aimed at organization 1's objects, the same answer
/// as for ids that exist nowhere; organization 1's objects, files and queue are unchanged.
async fn other_orgs_manager_reaches_nothing(app: TestApp) {
    let routes = classified();
    let objects = fixtures::owned(&app).await;
    let absent = objects.absent();
    let before = fixtures::snapshot(&app, &objects).await;
    let (org2, _) = app.other_org("eve@example.com").await;
    let stranger = app.member_of(org2, "mallory@example.com", Role::Manager).await;
    let mut failures = Vec::new();
    for aimed in &routes.aimed {
        let call = aimed.call(&objects);
        let (status, body) = call_as(&app, &stranger, &call).await;
        if let Err(why) = check(expected(STRANGER_EXPECTS, &aimed.op, Expect::NotFound), status, &body) {
            failures.push(format!("{} {}: {why}", call.label, call.url));
            continue;
        }
        let (none_status, none_body) = call_as(&app, &stranger, &aimed.call(&absent)).await;
        if comparable(status, &body, &[]) != comparable(none_status, &none_body, &[]) {
            failures.push(format!(
                "{}: {status} {body} for organization 1's object but {none_status} {none_body} for none \
                 (an existence oracle)",
                call.label
            ));
        }
        if call.method.is_safe() {
            // The owner's answer differs, so the ids named real objects.
            let (own_status, own_body) = call_as(&app, &app.admin_token, &call).await;
            if comparable(own_status, &own_body, &[]) == comparable(status, &body, &[]) {
                failures
                    .push(format!("{}: the owner gets the stranger's answer too: {own_body}", call.label));
            }
        }
    }
    assert!(failures.is_empty(), "cross-tenant matrix failures:\n{}", failures.join("\n"));
    let after = fixtures::snapshot(&app, &objects).await;
    assert!(before == after, "organization 1's objects changed: {:?}", difference(&before, &after));
    let drained = app.run_jobs().await;
    assert_eq!(
        drained.succeeded + drained.failed + drained.retried,
        0,
        "a stranger queued jobs: {drained:?}"
    );
}
api_test!(other_orgs_manager_reaches_nothing);

/// An annotator of organization 1 gets 403 from every management route aimed at its objects
/// (every object route not in `ANNOTATOR_MAY`), still reads what annotators read, and changes
/// nothing.
async fn annotator_manages_nothing(app: TestApp) {
    let routes = classified();
    let objects = fixtures::owned(&app).await;
    let before = fixtures::snapshot(&app, &objects).await;
    let annotator = app.user("ann@example.com", Role::Annotator).await;
    let mut failures = Vec::new();
    let mut refused = 0;
    for aimed in &routes.aimed {
        let call = aimed.call(&objects);
        let may = ANNOTATOR_MAY.iter().any(|(m, p)| aimed.op.is(m, p));
        if may && !call.method.is_safe() {
            continue; // annotating is an annotator's job; it would change the snapshot
        }
        let (status, body) = call_as(&app, &annotator, &call).await;
        if may {
            if status == StatusCode::FORBIDDEN || status.is_server_error() {
                failures.push(format!("{}: annotators read this, got {status} {body}", call.label));
            }
            continue;
        }
        refused += 1;
        if let Err(why) = check(expected(ANNOTATOR_EXPECTS, &aimed.op, Expect::Forbidden), status, &body) {
            failures.push(format!("{} {}: {why}", call.label, call.url));
        }
    }
    assert!(failures.is_empty(), "annotator matrix failures:\n{}", failures.join("\n"));
    assert!(refused > 20, "only {refused} management operations checked");
    let after = fixtures::snapshot(&app, &objects).await;
    assert!(before == after, "organization 1's objects changed: {:?}", difference(&before, &after));
    let drained = app.run_jobs().await;
    assert_eq!(
        drained.succeeded + drained.failed + drained.retried,
        0,
        "an annotator queued jobs: {drained:?}"
    );
}
api_test!(annotator_manages_nothing);
