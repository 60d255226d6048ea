//! Personal access tokens: the JWT refresh/access flow of Label Studio 1.23.

use labelsync_db::orgs::Role;
use labelsync_tests::{TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};

async fn create_pat(app: &TestApp) -> String {
    let (status, body) = send(app.request(Method::POST, "/api/token/")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

async fn refresh(app: &TestApp, pat: &str) -> (StatusCode, serde_json::Value) {
    send(app.anonymous(Method::POST, "/api/token/refresh/").json(&json!({"refresh": pat}))).await
}

fn bearer(app: &TestApp, access: &str, path: &str) -> reqwest::RequestBuilder {
    app.anonymous(Method::GET, path).header("Authorization", format!("Bearer {access}"))
}

/// A PAT is exchanged without other auth for an access token that authenticates as Bearer.
async fn refresh_then_bearer(app: TestApp) {
    let pat = create_pat(&app).await;
    let (status, body) = refresh(&app, &pat).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let access = body["access"].as_str().unwrap();
    let (status, me) = send(bearer(&app, access, "/api/current-user/whoami")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "admin@example.com");
    // The refresh token itself is not a bearer credential.
    let (status, _) = send(bearer(&app, &pat, "/api/current-user/whoami")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Nor is garbage or a tampered token.
    let tampered = format!("{}x", &access[..access.len() - 1]);
    for token in ["garbage", tampered.as_str()] {
        let (status, _) = send(bearer(&app, token, "/api/current-user/whoami")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}
api_test!(refresh_then_bearer);

/// Tokens carry Label Studio's claims: refresh type, string user id, numeric exp.
async fn token_claims(app: TestApp) {
    use base64::Engine;
    let pat = create_pat(&app).await;
    let payload = pat.split('.').nth(1).unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap())
            .unwrap();
    assert_eq!(claims["token_type"], "refresh");
    assert!(claims["user_id"].is_string());
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
    let (_, body) = refresh(&app, &pat).await;
    let access = body["access"].as_str().unwrap();
    let payload = access.split('.').nth(1).unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap())
            .unwrap();
    assert_eq!(claims["token_type"], "access");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 300);
}
api_test!(token_claims);

/// Listed tokens are unsigned; blacklisting (whole or unsigned form) stops refreshes.
async fn list_and_blacklist(app: TestApp) {
    let pat = create_pat(&app).await;
    let (status, list) = app.get("/api/token/").await;
    assert_eq!(status, StatusCode::OK);
    let listed = list[0]["token"].as_str().unwrap();
    assert_eq!(format!("{listed}.{}", pat.rsplit('.').next().unwrap()), pat);
    let (status, _) = app.post("/api/token/blacklist/", json!({"refresh": listed})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = refresh(&app, &pat).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["detail"], "Token is blacklisted");
    let (status, body) = app.post("/api/token/blacklist", json!({"refresh": pat})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "Token is invalid or already blacklisted."}));
    let (_, list) = app.get("/api/token/").await;
    assert_eq!(list, json!([]));
}
api_test!(list_and_blacklist);

/// Blacklisting needs authentication and reaches only the caller's own tokens: another
/// user's token, of the same or another organization, answers like an unknown one and stays
/// valid.
async fn blacklist_only_own_tokens(app: TestApp) {
    let pat = create_pat(&app).await;
    let unsigned = pat.rsplit_once('.').unwrap().0.to_owned();
    let (status, body) =
        send(app.anonymous(Method::POST, "/api/token/blacklist/").json(&json!({"refresh": pat}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let colleague = app.user("colleague@example.com", Role::Manager).await;
    let (_, stranger) = app.other_org("stranger@example.com").await;
    for token in [&colleague, &stranger] {
        for form in [&pat, &unsigned] {
            let request = app.request_as(token, Method::POST, "/api/token/blacklist/");
            let (status, body) = send(request.json(&json!({"refresh": form}))).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
            assert_eq!(body, json!({"detail": "Token is invalid or already blacklisted."}));
        }
    }
    assert_eq!(refresh(&app, &pat).await.0, StatusCode::OK, "still valid");
    // The colleague can revoke their own token, with a Bearer access token too.
    let (status, body) = send(app.request_as(&colleague, Method::POST, "/api/token/")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let own = body["token"].as_str().unwrap().to_owned();
    let (_, body) = refresh(&app, &own).await;
    let access = body["access"].as_str().unwrap();
    let request = app
        .anonymous(Method::POST, "/api/token/blacklist/")
        .header("Authorization", format!("Bearer {access}"))
        .json(&json!({"refresh": own}));
    assert_eq!(send(request).await.0, StatusCode::NO_CONTENT);
    assert_eq!(refresh(&app, &own).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(refresh(&app, &pat).await.0, StatusCode::OK);
}
api_test!(blacklist_only_own_tokens);

/// Refresh errors: missing field is 400, garbage 401, an access token has the wrong type.
async fn refresh_errors(app: TestApp) {
    let (status, body) = send(app.anonymous(Method::POST, "/api/token/refresh").json(&json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["validation_errors"]["refresh"][0], "This field is required.");
    let (status, body) = refresh(&app, "garbage").await;
    assert_eq!((status, body["detail"].clone()), (StatusCode::UNAUTHORIZED, json!("Token is invalid")));
    let pat = create_pat(&app).await;
    let (_, body) = refresh(&app, &pat).await;
    let (status, body) = refresh(&app, body["access"].as_str().unwrap()).await;
    assert_eq!((status, body["detail"].clone()), (StatusCode::UNAUTHORIZED, json!("Token has wrong type")));
}
api_test!(refresh_errors);

/// Rotation revokes the old PAT and returns a working new one.
async fn rotate(app: TestApp) {
    let pat = create_pat(&app).await;
    let (status, body) = app.post("/api/token/rotate/", json!({"refresh": pat})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new = body["refresh"].as_str().unwrap();
    assert_eq!(refresh(&app, new).await.0, StatusCode::OK);
    assert_eq!(refresh(&app, &pat).await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = app.post("/api/token/rotate/", json!({"refresh": pat})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
api_test!(rotate);

/// Turning legacy tokens off refuses them with Label Studio's message; Bearer still works.
async fn legacy_tokens_can_be_disabled(app: TestApp) {
    let pat = create_pat(&app).await;
    let (status, body) = app.post("/api/jwt/settings", json!({"legacy_api_tokens_enabled": false})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.get("/api/current-user/whoami").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["detail"].as_str().unwrap().contains("legacy token authentication has been disabled"));
    let (_, body) = refresh(&app, &pat).await;
    let (status, _) = send(bearer(&app, body["access"].as_str().unwrap(), "/api/jwt/settings")).await;
    assert_eq!(status, StatusCode::OK);
}
api_test!(legacy_tokens_can_be_disabled);
