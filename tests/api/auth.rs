//! Authentication: legacy tokens, missing and bad credentials.

use labelsync_tests::{TestApp, api_test, assert_envelope, send};
use reqwest::{Method, StatusCode};

/// A request without credentials gets 401 with `WWW-Authenticate: Token` and the envelope.
async fn missing_credentials_are_401(app: TestApp) {
    let response = app.anonymous(Method::GET, "/api/projects/").send().await.unwrap();
    assert_eq!(response.headers()["www-authenticate"], "Token");
    let (status, body) = labelsync_tests::read(response).await;
    assert_envelope(status, StatusCode::UNAUTHORIZED, &body);
    assert_eq!(body["detail"], "Authentication credentials were not provided.");
}
api_test!(missing_credentials_are_401);

/// A wrong legacy token gets 401 "Invalid token."; the right one (or X-Api-Key) works.
async fn legacy_tokens(app: TestApp) {
    let (status, body) = send(app.request_as("nope", Method::GET, "/api/current-user/whoami")).await;
    assert_envelope(status, StatusCode::UNAUTHORIZED, &body);
    assert_eq!(body["detail"], "Invalid token.");
    let (status, body) = app.get("/api/current-user/whoami").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["email"], "admin@example.com");
    let (status, _) =
        send(app.anonymous(Method::GET, "/api/current-user/whoami").header("X-Api-Key", &app.admin_token))
            .await;
    assert_eq!(status, StatusCode::OK);
}
api_test!(legacy_tokens);

/// Resetting the legacy token revokes the old one and returns a working new one.
async fn reset_token_replaces_old(app: TestApp) {
    let token = app.user("ann@example.com", labelsync_db::orgs::Role::Annotator).await;
    let (status, body) = send(app.request_as(&token, Method::POST, "/api/current-user/reset-token/")).await;
    assert_eq!(status, StatusCode::CREATED);
    let new = body["token"].as_str().unwrap().to_owned();
    assert_eq!(new.len(), 40);
    let (status, _) = send(app.request_as(&token, Method::GET, "/api/current-user/whoami")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(app.request_as(&new, Method::GET, "/api/current-user/whoami")).await;
    assert_eq!(status, StatusCode::OK);
}
api_test!(reset_token_replaces_old);
