//! The black-box test harness: a real labelsync server per test, on a loopback port, over a
//! throwaway SQLite or PostgreSQL database, driven with HTTP.
//!
//! Write a scenario as `async fn name(app: TestApp)` and list it with [`api_test!`], which runs
//! it on SQLite and on PostgreSQL (skipped with a printed reason when `TEST_DATABASE_URL` is
//! unset, and a failure when `LABELSYNC_TEST_REQUIRE_SERVICES=1`).

use std::path::PathBuf;

use labelsync_db::orgs::{self, Role};
use labelsync_db::testing::TestDb;
use labelsync_queue::{Drained, Runner, RunnerConfig};
use labelsync_server::config::{ServeArgs, StorageArgs, WorkerArgs};
use labelsync_server::serve::{self, Running};
use labelsync_sync::context::SyncContext;
use labelsync_sync::crypto::MasterKey;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

pub use serde_json::json;

/// Runs a scenario `async fn $name(app: TestApp)` on both databases.
#[macro_export]
macro_rules! api_test {
    ($name:ident) => {
        $crate::api_test!($name, |_args| {});
    };
    ($name:ident, $configure:expr) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::TestApp::sqlite_with($configure).await;
                super::$name(app.clone_handle()).await;
                app.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let name = concat!(module_path!(), "::postgres");
                let Some(app) = $crate::TestApp::postgres_with(name, $configure).await else {
                    return;
                };
                super::$name(app.clone_handle()).await;
                app.finish().await;
            }
        }
    };
}

/// The `labelsync` binary: `$LABELSYNC_BIN` when set (scripts/test builds it and sets it), otherwise
/// the one next to this test binary when a workspace build has put it there. `None` (after
/// `skip_or_fail`, which fails under `scripts/test`) when there is none.
pub fn labelsync_bin(scenario: &str) -> Option<PathBuf> {
    let bin = match std::env::var_os("LABELSYNC_BIN").map(PathBuf::from) {
        Some(bin) => bin.exists().then_some(bin),
        None => std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.parent()?.join("labelsync")))
            .filter(|bin| bin.exists()),
    };
    if bin.is_none() {
        labelsync_db::testing::skip_or_fail(scenario, "the labelsync binary is not built next to the tests");
    }
    bin
}

/// The master key of test servers (`LABELSYNC_SECRET_KEY` for processes started beside them).
pub const TEST_SECRET_KEY: &str = "test-secret-key-of-at-least-32-bytes";

/// A running server and the means to call it. `clone_handle` gives scenarios a copy that
/// shares the server; the original stops it.
pub struct TestApp {
    pub base: String,
    /// Legacy token of the administrator of organization 1.
    pub admin_token: String,
    pub org_id: i64,
    pub db: labelsync_db::Db,
    /// The database's URL, for other processes (workers) to share it.
    pub db_url: String,
    /// A directory the test may use (local-files document root by default).
    pub dir: PathBuf,
    /// The job context of the server (jobs run on demand with [`TestApp::run_jobs`]).
    pub sync: SyncContext,
    client: reqwest::Client,
    owner: Option<Owner>,
}

struct Owner {
    running: Running,
    test_db: TestDb,
    _dir: tempfile::TempDir,
}

/// The serve settings tests start from: SSRF protection off (emulators are on loopback),
/// local files served from the test's directory.
pub fn test_args(dir: &std::path::Path) -> ServeArgs {
    ServeArgs {
        bind: "127.0.0.1:0".parse().expect("addr"),
        admin_email: "admin@example.com".into(),
        admin_token: None,
        max_body_bytes: 4 * 1024 * 1024,
        resolve_within_prefix: false,
        access_token_ttl: 300,
        max_label_config_bytes: 1024 * 1024,
        metrics_token: None,
        cors_origins: Vec::new(),
        editor_dir: None,
        worker: WorkerArgs {
            workers: 0,
            job_lease_secs: 60,
            job_poll_ms: 1000,
            max_running_jobs_per_org: 0,
            sync_batch_size: 1000,
            sync_fetch_concurrency: 16,
            max_task_file_bytes: 64 * 1024 * 1024,
            sync_max_bytes_in_flight: 256 * 1024 * 1024,
            min_sync_interval_secs: 60,
            webhook_timeout: 10.0,
            storage: StorageArgs {
                ssrf_protection_enabled: false,
                outbound_allow_hosts: Vec::new(),
                local_files_serving_enabled: true,
                local_files_document_root: dir.to_path_buf(),
                label_studio_host: None,
                s3_endpoint: None,
                s3_region: None,
                sts_endpoint: None,
                azure_blob_account_name: None,
                azure_blob_account_key: None,
                azure_blob_endpoint: None,
                storage_emulator_host: None,
                outbound: Default::default(),
            },
        },
    }
}

impl TestApp {
    pub async fn sqlite_with(configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
        TestApp::start(TestDb::sqlite().await, configure).await
    }

    pub async fn postgres_with(test: &str, configure: impl FnOnce(&mut ServeArgs)) -> Option<TestApp> {
        let test_db = TestDb::postgres(test).await?;
        Some(TestApp::start(test_db, configure).await)
    }

    async fn start(test_db: TestDb, configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("canonical temp dir");
        let mut args = test_args(&root);
        configure(&mut args);
        let db = test_db.db.clone();
        let admin_token = "0123456789abcdef0123456789abcdef01234567".to_owned();
        labelsync_server::bootstrap::ensure_admin(
            &db,
            &args.admin_email,
            Some(&admin_token),
            &args.worker.storage.local_files_document_root,
        )
        .await
        .expect("create admin");
        let org_id = orgs::list_organizations(&db).await.expect("orgs")[0].id;
        let listener = tokio::net::TcpListener::bind(args.bind).await.expect("bind");
        let running = serve::start(db.clone(), &MasterKey::new(TEST_SECRET_KEY), &args, listener)
            .await
            .expect("start server");
        TestApp {
            base: format!("http://{}", running.addr),
            admin_token,
            org_id,
            db,
            db_url: test_db.url.clone(),
            dir: root,
            sync: running.sync.clone(),
            client: reqwest::Client::new(),
            owner: Some(Owner { running, test_db, _dir: dir }),
        }
    }

    /// A handle for the scenario; it does not own the server.
    pub fn clone_handle(&self) -> TestApp {
        TestApp {
            base: self.base.clone(),
            admin_token: self.admin_token.clone(),
            org_id: self.org_id,
            db: self.db.clone(),
            db_url: self.db_url.clone(),
            dir: self.dir.clone(),
            sync: self.sync.clone(),
            client: self.client.clone(),
            owner: None,
        }
    }

    /// Stops the server and drops the database.
    pub async fn finish(mut self) {
        if let Some(owner) = self.owner.take() {
            owner.running.stop().await.expect("server stopped cleanly");
            owner.test_db.finish().await;
        }
    }

    /// Runs every queued job (and the jobs they enqueue) to completion, retries included.
    pub async fn run_jobs(&self) -> Drained {
        self.run_jobs_with_backoff(std::time::Duration::ZERO).await
    }

    /// Like [`TestApp::run_jobs`], but a failed attempt's retry waits `backoff` (so it stays
    /// queued when `backoff` is long).
    pub async fn run_jobs_with_backoff(&self, backoff: std::time::Duration) -> Drained {
        let config = RunnerConfig {
            workers: 2,
            backoff_base: backoff,
            backoff_max: backoff,
            ..RunnerConfig::default()
        };
        let runner = labelsync_sync::jobs::register(
            Runner::new(self.db.clone(), self.sync.clone()).with_config(config),
        );
        runner.run_until_empty().await.expect("jobs ran")
    }

    /// A request as the administrator.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.request_as(&self.admin_token, method, path)
    }

    /// A request with a legacy token.
    pub fn request_as(&self, token: &str, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", format!("Token {token}"))
    }

    /// A request without credentials.
    pub fn anonymous(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        send(self.request(Method::POST, path).json(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        send(self.request(Method::PATCH, path).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        send(self.request(Method::DELETE, path)).await
    }

    /// A new user with `role` in the administrator's organization; returns their legacy token.
    pub async fn user(&self, email: &str, role: Role) -> String {
        self.user_in(self.org_id, email, role).await
    }

    /// A new organization with an administrator; returns (organization id, their token).
    pub async fn other_org(&self, email: &str) -> (i64, String) {
        let org = orgs::create_organization(&self.db, "other", None).await.expect("create org");
        let token = self.user_in(org.id, email, Role::Administrator).await;
        (org.id, token)
    }

    async fn user_in(&self, org_id: i64, email: &str, role: Role) -> String {
        let user = orgs::create_user(&self.db, email, "", "", Some(org_id)).await.expect("create user");
        orgs::upsert_membership(&self.db, org_id, user.id, role).await.expect("membership");
        let token = labelsync_api::auth::new_legacy_token();
        labelsync_db::tokens::insert_api_token(&self.db, user.id, &labelsync_api::auth::hash_token(&token))
            .await
            .expect("token");
        token
    }

    /// Creates a project with an image + choices config; returns its id.
    pub async fn project(&self) -> i64 {
        let (status, body) =
            self.post("/api/projects/", json!({"title": "Test project", "label_config": IMAGE_CONFIG})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().expect("project id")
    }

    /// Imports `tasks` (a JSON array) into `project` as the administrator; returns the new
    /// task ids.
    pub async fn import(&self, project: i64, tasks: Value) -> Vec<i64> {
        let (status, body) =
            self.post(&format!("/api/projects/{project}/import?return_task_ids=true"), tasks).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["task_ids"]
            .as_array()
            .expect("task_ids")
            .iter()
            .map(|id| id.as_i64().expect("task id"))
            .collect()
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        send(self.request(Method::PUT, path).json(&body)).await
    }
}

/// The keys of a JSON object, in order.
pub fn keys(value: &Value) -> Vec<&str> {
    value.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default()
}

/// An image classification config (data key `image_url`).
pub const IMAGE_CONFIG: &str = r#"<View><Image name="image" value="$image_url"/><Choices name="label" toName="image"><Choice value="pos"/><Choice value="neg"/></Choices></View>"#;

/// Sends a request and returns the status and the JSON body (`Null` for an empty body; the raw
/// text as a JSON string for a non-JSON body).
pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request sent");
    read(response).await
}

pub async fn read(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body read");
    if text.is_empty() {
        return (status, Value::Null);
    }
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// Asserts Label Studio's error envelope with `status` and returns it.
pub fn assert_envelope(status: StatusCode, expected: StatusCode, body: &Value) {
    assert_eq!(status, expected, "{body}");
    for key in ["id", "status_code", "version", "detail", "exc_info"] {
        assert!(body.get(key).is_some(), "envelope lacks {key}: {body}");
    }
    assert_eq!(body["status_code"], json!(expected.as_u16()), "{body}");
}

impl TestApp {
    /// A new user with `role` in organization `org_id` (e.g. one from [`TestApp::other_org`]);
    /// returns their legacy token.
    pub async fn member_of(&self, org_id: i64, email: &str, role: Role) -> String {
        self.user_in(org_id, email, role).await
    }
}
