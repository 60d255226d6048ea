//! The labeling page (`/projects/{id}/label`) end to end in headless Chromium, driven by
//! `tests/e2e/label_page.js` (playwright-core) as a person would use it: an S3 import storage
//! (s3s-fs) holds an image, the page asks for the API key, shows the image through the resolve
//! endpoint's signed URL, a label is chosen and submitted; the annotation is then in the API and
//! its JSON in the S3 export storage.

use labelsync_storage::Role;
use labelsync_storage::testing::conformance::{connect, list_all};
use labelsync_storage::testing::{Fixture, S3Fixture, Scope, skip_or_fail};
use labelsync_tests::{TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};

const CONFIG: &str = r#"<View><Image name="image" value="$image"/><Choices name="choice" toName="image"><Choice value="cat"/><Choice value="dog"/></Choices></View>"#;

/// The page's HTML names where the editor comes from: this server's `/editor/` when
/// `LABELSYNC_EDITOR_DIR` is set (and serves its files), else the CDN.
async fn page_names_the_editor_source(app: TestApp) {
    let page = app.anonymous(Method::GET, "/projects/1/label").send().await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("https://unpkg.com/@heartexlabs/label-studio@1.4.0/build/static/js/main.js"),
        "{html}"
    );
    assert!(html.contains("loaded from the unpkg.com CDN"), "{html}");
    let editor = app.anonymous(Method::GET, "/editor/static/js/main.js").send().await.expect("editor");
    assert_eq!(editor.status(), StatusCode::NOT_FOUND, "no editor files without LABELSYNC_EDITOR_DIR");
}
api_test!(page_names_the_editor_source);

/// An image in an S3 import storage is shown on the page, labeled and submitted: the annotation
/// is in the API with the chosen label, and the S3 export storage holds its JSON.
async fn label_an_s3_image_in_the_browser(app: TestApp) {
    let name = "label_an_s3_image_in_the_browser";
    let (Ok(node_path), Ok(chromium)) =
        (std::env::var("LABELSYNC_TEST_NODE_PATH"), std::env::var("LABELSYNC_TEST_CHROMIUM"))
    else {
        skip_or_fail(name, "LABELSYNC_TEST_NODE_PATH or LABELSYNC_TEST_CHROMIUM is not set");
        return;
    };
    let Some(fixture) = S3Fixture::for_test(name).await else { return };
    fixture.seed("media/red.png", &super::media::png()).await;
    let (status, project) =
        app.post("/api/projects/", json!({"title": "Cats", "label_config": CONFIG})).await;
    assert_eq!(status, StatusCode::CREATED, "{project}");
    let project = project["id"].as_i64().unwrap();
    let (key, secret) = fixture.keys();
    let s3 = json!({"project": project, "bucket": fixture.bucket(), "s3_endpoint": fixture.endpoint(),
        "aws_access_key_id": key, "aws_secret_access_key": secret, "region_name": "us-east-1"});
    let mut import = s3.clone();
    import["prefix"] = json!("media");
    import["use_blob_urls"] = json!(true);
    let (status, created) = app.post("/api/storages/s3/", import).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, _) =
        send(app.request(Method::POST, &format!("/api/storages/s3/{}/sync", created["id"]))).await;
    assert_eq!(status, StatusCode::OK);
    let mut export = s3.clone();
    export["prefix"] = json!("exported");
    let (status, created) = app.post("/api/storages/export/s3", export).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    app.run_jobs().await;

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/e2e/label_page.js");
    let mut command = std::process::Command::new("timeout");
    command
        .args(["180", "node", script, &app.base, &app.admin_token, &project.to_string(), "cat", &chromium])
        .env("NODE_PATH", node_path);
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("node ran");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the browser run failed:\n{stdout}\n{stderr}");
    let seen: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(seen["naturalWidth"], json!(3), "the image was shown: {seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");

    let (_, tasks) = app.get(&format!("/api/tasks/?project={project}&fields=all")).await;
    let task = &tasks["tasks"][0];
    assert_eq!(task["total_annotations"], json!(1), "{task}");
    let result = &task["annotations"][0]["result"][0];
    assert_eq!(
        (&result["from_name"], &result["value"]["choices"]),
        (&json!("choice"), &json!(["cat"])),
        "{task}"
    );
    app.run_jobs().await;
    let exported = connect(&fixture, Role::Import, Scope { prefix: Some("exported"), recursive: true })
        .await
        .import
        .expect("import role");
    let objects = list_all(exported.as_ref()).await;
    assert_eq!(objects.len(), 1, "one exported annotation: {objects:?}");
    let body = exported.get(&objects[0].key, 1 << 20).await.expect("exported JSON");
    let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(body["result"][0]["value"]["choices"], json!(["cat"]), "{body}");
}
api_test!(label_an_s3_image_in_the_browser, |args| args.editor_dir =
    std::env::var("LABELSYNC_TEST_EDITOR_DIR").ok().map(Into::into));
