//! `GET /data/local-files/?d=…`: who may read which file, path safety, and HTTP caching and
//! ranges (`docs/label-studio-api.md` §8.3, §10.2, §10.10).

use std::path::{Path, PathBuf};

use labelsync_db::orgs::Role;
use labelsync_db::storages::{self, StorageRecord};
use labelsync_tests::{TestApp, api_test, assert_envelope, json, read};
use reqwest::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
    LAST_MODIFIED, RANGE, WWW_AUTHENTICATE,
};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Map;

const PATH: &str = "/data/local-files/";
const SECRET: &[u8] = b"outside-the-document-root secret";

/// Writes `bytes` to `relative` under the document root, creating folders.
fn put(app: &TestApp, relative: &str, bytes: &[u8]) -> PathBuf {
    let path = app.dir.join(relative);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("create dirs");
    std::fs::write(&path, bytes).expect("write file");
    path
}

/// Creates a local-files storage of `role` (`"import"` or `"export"`) on `path` in `project`.
async fn storage(app: &TestApp, project: i64, role: &str, path: &str) {
    let url = match role {
        "export" => "/api/storages/export/localfiles".to_owned(),
        _ => "/api/storages/localfiles/".to_owned(),
    };
    let (status, body) = app.post(&url, json!({"project": project, "path": path})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// A project of the administrator with a local-files import storage on `dir` (under the root).
async fn served(app: &TestApp, dir: &str) -> i64 {
    let project = app.project().await;
    std::fs::create_dir_all(app.dir.join(dir)).expect("storage dir");
    storage(app, project, "import", &app.dir.join(dir).display().to_string()).await;
    project
}

/// `/data/local-files/?d=<d, form-encoded>`.
fn url_for(d: &str) -> String {
    let mut url = reqwest::Url::parse("http://localhost/data/local-files/").expect("url");
    url.query_pairs_mut().append_pair("d", d);
    format!("{PATH}?{}", url.query().unwrap_or(""))
}

fn file(app: &TestApp, token: &str, d: &str) -> RequestBuilder {
    app.request_as(token, Method::GET, &url_for(d))
}

async fn fetch(request: RequestBuilder) -> (StatusCode, Response) {
    let response = request.send().await.expect("request sent");
    (response.status(), response)
}

async fn bytes_of(app: &TestApp, d: &str) -> (StatusCode, Vec<u8>) {
    let (status, response) = fetch(file(app, &app.admin_token, d)).await;
    (status, response.bytes().await.expect("body").to_vec())
}

fn header(response: &Response, name: impl reqwest::header::AsHeaderName) -> &str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// A file under an import storage is served with its bytes and the content headers.
async fn serves_file_under_storage(app: TestApp) {
    served(&app, "ds1").await;
    put(&app, "ds1/a.jpg", b"jpeg bytes");
    let (status, response) = fetch(file(&app, &app.admin_token, "ds1/a.jpg")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&response, CONTENT_TYPE), "image/jpeg");
    assert_eq!(header(&response, CONTENT_LENGTH), "10");
    assert!(header(&response, ETAG).starts_with("W/\""), "{:?}", response.headers());
    assert!(header(&response, LAST_MODIFIED).ends_with(" GMT"));
    assert_eq!(header(&response, ACCEPT_RANGES), "bytes");
    assert_eq!(header(&response, CACHE_CONTROL), "private");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"jpeg bytes");
    put(&app, "ds1/notes", b"x");
    let (_, response) = fetch(file(&app, &app.admin_token, "ds1/notes")).await;
    assert_eq!(header(&response, CONTENT_TYPE), "application/octet-stream");
}
api_test!(serves_file_under_storage);

/// `d` with a leading slash works, and so do storages created with a trailing slash or
/// backslashes in their path.
async fn leading_slash_and_normalized_storage_paths(app: TestApp) {
    let project = served(&app, "ds1").await;
    put(&app, "ds1/a.jpg", b"a");
    assert_eq!(bytes_of(&app, "/ds1/a.jpg").await, (StatusCode::OK, b"a".to_vec()));
    put(&app, "ds2/b.txt", b"b");
    storage(&app, project, "import", &format!("{}/ds2/", app.dir.display())).await;
    assert_eq!(bytes_of(&app, "ds2/b.txt").await, (StatusCode::OK, b"b".to_vec()));
    put(&app, "ds3/nested/c.txt", b"c");
    let backslashed = format!("{}\\ds3\\", app.dir.display()).replace('/', "\\");
    storage(&app, project, "import", &backslashed).await;
    assert_eq!(bytes_of(&app, "ds3/nested/c.txt").await, (StatusCode::OK, b"c".to_vec()));
}
api_test!(leading_slash_and_normalized_storage_paths);

/// A storage on `dataset` covers `dataset/nested/…` but not the sibling `dataset-private/…`.
async fn sibling_prefix_not_covered(app: TestApp) {
    served(&app, "dataset").await;
    put(&app, "dataset/nested/allowed.txt", b"allowed");
    put(&app, "dataset-private/secret.txt", b"secret");
    assert_eq!(bytes_of(&app, "dataset/nested/allowed.txt").await.0, StatusCode::OK);
    let (status, body) =
        read(file(&app, &app.admin_token, "dataset-private/secret.txt").send().await.unwrap()).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
}
api_test!(sibling_prefix_not_covered);

/// An export storage on a directory does not make its files servable.
async fn export_storage_grants_nothing(app: TestApp) {
    let project = app.project().await;
    put(&app, "out/1", b"annotation");
    storage(&app, project, "export", &app.dir.join("out").display().to_string()).await;
    assert_eq!(bytes_of(&app, "out/1").await.0, StatusCode::NOT_FOUND);
}
api_test!(export_storage_grants_nothing);

/// A file no storage covers is 404 with the JSON envelope; so is a missing file under one.
async fn not_covered_or_missing_is_404(app: TestApp) {
    put(&app, "loose/a.txt", b"a");
    let (status, body) = read(file(&app, &app.admin_token, "loose/a.txt").send().await.unwrap()).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    served(&app, "ds1").await;
    assert_eq!(bytes_of(&app, "ds1/missing.jpg").await.0, StatusCode::NOT_FOUND);
    assert_eq!(bytes_of(&app, "ds1").await.0, StatusCode::NOT_FOUND, "a directory is not a file");
}
api_test!(not_covered_or_missing_is_404);

/// Another organization's user gets 404 for our file, even with a storage (and a root) of its own.
async fn other_organization_gets_404(app: TestApp) {
    served(&app, "ds1").await;
    put(&app, "ds1/a.jpg", b"ours");
    let (org, token) = app.other_org("eve@example.com").await;
    let (status, body) =
        send_as(&app, &token, Method::POST, "/api/projects/", json!({"title": "eve's"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    std::fs::create_dir_all(app.dir.join("eve")).unwrap();
    labelsync_server::local_roots::grant(&app.db, org, &app.dir.join("eve").display().to_string(), &app.dir)
        .await
        .expect("grant eve's directory");
    let eve_storage = json!({"project": body["id"], "path": app.dir.join("eve")});
    let (status, body) = send_as(&app, &token, Method::POST, "/api/storages/localfiles/", eve_storage).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, response) = fetch(file(&app, &token, "ds1/a.jpg")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!response.text().await.unwrap().contains("ours"));
}
api_test!(other_organization_gets_404);

async fn send_as(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    labelsync_tests::send(app.request_as(token, method, path).json(&body)).await
}

/// An annotator of the same organization may view the media (200).
async fn annotator_may_view(app: TestApp) {
    served(&app, "ds1").await;
    put(&app, "ds1/a.jpg", b"media");
    let token = app.user("ann@example.com", Role::Annotator).await;
    let (status, response) = fetch(file(&app, &token, "ds1/a.jpg")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"media");
}
api_test!(annotator_may_view);

/// Without credentials the answer is 401 with the envelope and `WWW-Authenticate`.
async fn unauthenticated_is_401(app: TestApp) {
    served(&app, "ds1").await;
    put(&app, "ds1/a.jpg", b"media");
    let response = app.anonymous(Method::GET, &url_for("ds1/a.jpg")).send().await.unwrap();
    assert_eq!(header(&response, WWW_AUTHENTICATE), "Token");
    let (status, body) = read(response).await;
    assert_envelope(status, StatusCode::UNAUTHORIZED, &body);
}
api_test!(unauthenticated_is_401);

/// A missing or empty `d` is refused with 403, as in Label Studio.
async fn missing_d_is_403(app: TestApp) {
    let (status, body) = app.get(PATH).await;
    assert_envelope(status, StatusCode::FORBIDDEN, &body);
    assert!(body["detail"].as_str().unwrap().contains("\"d\""), "{body}");
    let (status, _) = read(file(&app, &app.admin_token, "").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
api_test!(missing_d_is_403);

/// With serving disabled, even a file under an import storage is 403 with an explanation.
async fn serving_disabled_is_403(app: TestApp) {
    let project = app.project().await;
    put(&app, "ds1/a.jpg", b"media");
    let mut settings = Map::new();
    settings.insert("path".into(), json!(app.dir.join("ds1")));
    let record = StorageRecord::new(project, settings);
    storages::insert(&app.db, storages::StorageKind::LocalFiles, storages::Role::Import, &record)
        .await
        .unwrap();
    let (status, body) = read(file(&app, &app.admin_token, "ds1/a.jpg").send().await.unwrap()).await;
    assert_envelope(status, StatusCode::FORBIDDEN, &body);
    assert!(body["detail"].as_str().unwrap().contains("LOCAL_FILES_SERVING_ENABLED"), "{body}");
}
api_test!(serving_disabled_is_403, |args| args.worker.storage.local_files_serving_enabled = false);

/// A secret file in a directory next to (outside) the document root.
fn outside_secret(app: &TestApp) -> (tempfile::TempDir, PathBuf) {
    let parent = app.dir.parent().expect("root has a parent");
    let outside = tempfile::tempdir_in(parent).expect("outside dir");
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, SECRET).unwrap();
    (outside, secret)
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// `../` escapes and symlinks pointing outside the root are 404 and never leak the bytes.
async fn escapes_are_404(app: TestApp) {
    served(&app, "ds1").await;
    let (outside, secret) = outside_secret(&app);
    let dir = name(outside.path());
    std::os::unix::fs::symlink(&secret, app.dir.join("ds1/link.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path(), app.dir.join("ds1/linkdir")).unwrap();
    let attempts = [
        format!("../{dir}/secret.txt"),
        format!("ds1/../../{dir}/secret.txt"),
        format!("/../{dir}/secret.txt"),
        secret.display().to_string(),
        "ds1/link.txt".to_owned(),
        "ds1/linkdir/secret.txt".to_owned(),
        "../../../../../../etc/passwd".to_owned(),
    ];
    for d in attempts {
        let (status, body) = bytes_of(&app, &d).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{d}");
        let leaked = body.windows(SECRET.len()).any(|w| w == SECRET);
        assert!(!leaked, "{d} leaked the outside file");
    }
}
api_test!(escapes_are_404);

/// The weak ETag is answered with 304 (same ETag, no body) by `If-None-Match`, also by `*`;
/// another tag gets the file.
async fn etag_revalidates_with_304(app: TestApp) {
    served(&app, "ds1").await;
    put(&app, "ds1/a.jpg", b"cached");
    let (_, first) = fetch(file(&app, &app.admin_token, "ds1/a.jpg")).await;
    let etag = header(&first, ETAG).to_owned();
    for tag in [etag.as_str(), "*", "\"other\", W/\"x\", ", "\"other\""] {
        let request = file(&app, &app.admin_token, "ds1/a.jpg").header(IF_NONE_MATCH, tag);
        let (status, response) = fetch(request).await;
        if tag.starts_with("\"other\"") {
            assert_eq!(status, StatusCode::OK, "{tag}");
            continue;
        }
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{tag}");
        assert_eq!(header(&response, ETAG), etag);
        assert!(response.bytes().await.unwrap().is_empty());
    }
}
api_test!(etag_revalidates_with_304);

const DIGITS: &[u8] = b"0123456789abcdefghij";

async fn ranged(app: &TestApp, range: &str) -> (StatusCode, Response) {
    fetch(file(app, &app.admin_token, "ds1/digits.txt").header(RANGE, range)).await
}

/// `bytes=a-b` is 206 with exactly that slice and its `Content-Range`.
async fn range_is_206(app: TestApp) {
    served(&app, "ds1").await;
    put(&app, "ds1/digits.txt", DIGITS);
    let (status, response) = ranged(&app, "bytes=2-5").await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&response, CONTENT_RANGE), "bytes 2-5/20");
    assert_eq!(header(&response, CONTENT_LENGTH), "4");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"2345");
    let (status, response) = ranged(&app, "bytes=15-99").await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&response, CONTENT_RANGE), "bytes 15-19/20");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"fghij");
}
api_test!(range_is_206);

/// `bytes=-n` is the last n bytes and `bytes=a-` runs to the end.
async fn suffix_and_open_ranges(app: TestApp) {
    served(&app, "ds1").await;
    put(&app, "ds1/digits.txt", DIGITS);
    let (status, response) = ranged(&app, "bytes=-3").await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&response, CONTENT_RANGE), "bytes 17-19/20");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"hij");
    let (_, response) = ranged(&app, "bytes=18-").await;
    assert_eq!(header(&response, CONTENT_RANGE), "bytes 18-19/20");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"ij");
}
api_test!(suffix_and_open_ranges);

/// A range past the end is 416 with `bytes */size`; malformed and multiple ranges get the
/// whole file (200).
async fn unsatisfiable_is_416_and_malformed_is_ignored(app: TestApp) {
    served(&app, "ds1").await;
    put(&app, "ds1/digits.txt", DIGITS);
    for range in ["bytes=20-", "bytes=25-30", "bytes=-0"] {
        let (status, response) = ranged(&app, range).await;
        assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE, "{range}");
        assert_eq!(header(&response, CONTENT_RANGE), "bytes */20", "{range}");
    }
    for range in ["bytes=5-2", "bytes=0-1,4-5", "pages=1-2", "bytes=x-"] {
        let (status, response) = ranged(&app, range).await;
        assert_eq!(status, StatusCode::OK, "{range}");
        assert_eq!(response.bytes().await.unwrap().as_ref(), DIGITS, "{range}");
    }
}
api_test!(unsatisfiable_is_416_and_malformed_is_ignored);

/// HEAD answers the headers of GET (length, tag, range) without a body.
async fn head_has_headers_only(app: TestApp) {
    served(&app, "ds1").await;
    put(&app, "ds1/digits.txt", DIGITS);
    let request = app.request(Method::HEAD, &url_for("ds1/digits.txt"));
    let (status, response) = fetch(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&response, CONTENT_LENGTH), "20");
    assert!(header(&response, ETAG).starts_with("W/"));
    assert!(response.bytes().await.unwrap().is_empty());
    let request = app.request(Method::HEAD, &url_for("ds1/digits.txt")).header(RANGE, "bytes=-4");
    let (status, response) = fetch(request).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&response, CONTENT_RANGE), "bytes 16-19/20");
}
api_test!(head_has_headers_only);

/// A 20 MB file streams whole: its length and SHA-256 match the file's.
async fn large_file_streams(app: TestApp) {
    use futures::StreamExt;
    served(&app, "ds1").await;
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let content: Vec<u8> = (0..20 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let expected = ring::digest::digest(&ring::digest::SHA256, &content);
    put(&app, "ds1/big.bin", &content);
    drop(content);
    let (status, response) = fetch(file(&app, &app.admin_token, "ds1/big.bin")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&response, CONTENT_LENGTH), (20 * 1024 * 1024).to_string());
    let mut hasher = ring::digest::Context::new(&ring::digest::SHA256);
    let mut received = 0;
    let mut chunks = response.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.expect("chunk");
        received += chunk.len();
        hasher.update(&chunk);
    }
    assert_eq!(received, 20 * 1024 * 1024);
    assert_eq!(hasher.finish().as_ref(), expected.as_ref());
}
api_test!(large_file_streams);
