//! The client CLI (`labelsync storage|sync|export`): the real binary against a real server, its
//! output and its exit codes.

use std::fs;
use std::process::{Command, Output};

use labelsync_tests::{TestApp, api_test, json};
use serde_json::Value;

/// Runs `labelsync ARGS…` against the test server as the administrator (URL and key from the
/// SDK's variables), or `None` when the binary is not built.
async fn cli(app: &TestApp, args: &[&str]) -> Option<Output> {
    cli_with_key(app, &app.admin_token, args).await
}

async fn cli_with_key(app: &TestApp, key: &str, args: &[&str]) -> Option<Output> {
    let bin = labelsync_tests::labelsync_bin("cli")?;
    let mut command = Command::new(bin);
    command.args(args).env_clear().env("LABEL_STUDIO_URL", &app.base).env("LABEL_STUDIO_API_KEY", key);
    let output = tokio::task::spawn_blocking(move || command.output().expect("run labelsync")).await.unwrap();
    Some(output)
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

/// Writes `files` into `app.dir/name`; returns the directory.
fn directory(app: &TestApp, name: &str, files: &[(&str, &str)]) -> String {
    let dir = app.dir.join(name);
    fs::create_dir_all(&dir).unwrap();
    for (file, body) in files {
        fs::write(dir.join(file), body).unwrap();
    }
    dir.display().to_string()
}

/// `storage add` prints TYPE/ID; `list`, `get` (table and `--json`) show the storage;
/// `validate` (of the stored storage, or of the same flags as `add`) exits 0 while its directory
/// exists and 1 once it is gone; `remove` deletes it.
async fn storage_commands(app: TestApp) {
    let project = app.project().await.to_string();
    let dir = directory(&app, "imgs", &[("a.jpg", "A")]);
    let Some(added) = cli(
        &app,
        &[
            "storage",
            "add",
            "localfiles",
            "--project",
            &project,
            "--path",
            &dir,
            "--use-blob-urls",
            "--title",
            "Imgs",
        ],
    )
    .await
    else {
        return;
    };
    assert_eq!(code(&added), 0, "{}", stderr(&added));
    let name = stdout(&added).trim().to_owned();
    assert!(name.starts_with("localfiles/"), "{name}");

    let listed = cli(&app, &["storage", "list", "--project", &project]).await.unwrap();
    assert_eq!(code(&listed), 0, "{}", stderr(&listed));
    let table = stdout(&listed);
    assert!(table.starts_with("STORAGE") && table.contains(&name) && table.contains(&dir), "{table}");
    let listed = cli(&app, &["storage", "list", "--project", &project, "--type", "localfiles", "--json"])
        .await
        .unwrap();
    assert_eq!(json_of(&listed)[0]["title"], "Imgs");

    let got = cli(&app, &["storage", "get", &name, "--json"]).await.unwrap();
    let storage = json_of(&got);
    assert_eq!(
        (storage["path"].as_str(), storage["use_blob_urls"].as_bool()),
        (Some(dir.as_str()), Some(true))
    );
    let got = cli(&app, &["storage", "get", &name]).await.unwrap();
    assert!(stdout(&got).contains("status:"), "{}", stdout(&got));

    let valid = cli(&app, &["storage", "validate", &name]).await.unwrap();
    assert_eq!(code(&valid), 0, "{}", stderr(&valid));
    let unsaved = ["storage", "validate", "localfiles", "--project", &project, "--path", &dir];
    let valid = cli(&app, &unsaved).await.unwrap();
    assert_eq!(code(&valid), 0, "{}", stderr(&valid));
    fs::remove_dir_all(&dir).unwrap();
    let invalid = cli(&app, &["storage", "validate", &name]).await.unwrap();
    assert_eq!(code(&invalid), 1, "{}", stderr(&invalid));
    assert!(stderr(&invalid).contains("not valid"), "{}", stderr(&invalid));

    let removed = cli(&app, &["storage", "remove", &name]).await.unwrap();
    assert_eq!(code(&removed), 0, "{}", stderr(&removed));
    let gone = cli(&app, &["storage", "get", &name]).await.unwrap();
    assert_eq!(code(&gone), 2, "a storage that does not exist is a usage error");
}
api_test!(storage_commands);

/// A flag of another kind is refused before anything is sent (exit 2).
async fn flag_of_another_kind(app: TestApp) {
    let project = app.project().await.to_string();
    let Some(output) =
        cli(&app, &["storage", "add", "localfiles", "--project", &project, "--path", "/x", "--bucket", "b"])
            .await
    else {
        return;
    };
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("--bucket does not apply to localfiles"), "{}", stderr(&output));
    assert_eq!(app.get(&format!("/api/storages/?project={project}")).await.1, json!([]));
}
api_test!(flag_of_another_kind);

/// Workers in the server process, polling often, so that syncs run while the CLI waits.
fn with_workers(args: &mut labelsync_server::config::ServeArgs) {
    args.worker.workers = 1;
    args.worker.job_poll_ms = 50;
}

/// Creates a local-files import storage over `files` through the API; returns `localfiles/ID`.
async fn local_storage(
    app: &TestApp,
    project: i64,
    name: &str,
    files: &[(&str, &str)],
    blobs: bool,
) -> String {
    let dir = directory(app, name, files);
    let (_, created) = app
        .post("/api/storages/localfiles/", json!({"project": project, "path": dir, "use_blob_urls": blobs}))
        .await;
    format!("localfiles/{}", created["id"].as_i64().expect("storage id"))
}

/// `sync --wait --json` exits 0 once the sync completed and prints the final storage, whose
/// counters show the tasks it created.
async fn sync_wait_completed(app: TestApp) {
    let project = app.project().await;
    let name = local_storage(&app, project, "ok", &[("a.jpg", "A"), ("b.jpg", "B")], true).await;
    let Some(output) =
        cli(&app, &["sync", &name, "--wait", "--json", "--interval", "0.1", "--timeout", "60"]).await
    else {
        return;
    };
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let storage = json_of(&output);
    assert_eq!(storage["status"], "completed", "{storage}");
    assert_eq!(storage["meta"]["tasks_created"], 2, "{storage}");
    let (_, tasks) = app.get(&format!("/api/tasks/?project={project}")).await;
    assert_eq!(tasks["tasks"].as_array().unwrap().len(), 2);
}
api_test!(sync_wait_completed, super::with_workers);

/// A sync that imports some files and records a malformed one ends `completed_with_errors`:
/// exit 3, with the summary and the reason.
async fn sync_with_errors_exits_3(app: TestApp) {
    let project = app.project().await;
    let files = [("good.json", r#"{"image_url": "http://x/1.jpg"}"#), ("broken.json", "{\"image_url\": ")];
    let name = local_storage(&app, project, "tasks", &files, false).await;
    let Some(output) = cli(&app, &["sync", &name, "--wait", "--interval", "0.1", "--timeout", "60"]).await
    else {
        return;
    };
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(stdout(&output).contains("completed_with_errors"), "{}", stdout(&output));
    assert!(stderr(&output).contains("broken.json"), "{}", stderr(&output));
}
api_test!(sync_with_errors_exits_3, super::with_workers);

/// A sync of a storage whose directory was removed fails: exit 1.
async fn failed_sync_exits_1(app: TestApp) {
    let project = app.project().await;
    let name = local_storage(&app, project, "vanishing", &[("a.jpg", "A")], true).await;
    fs::remove_dir_all(app.dir.join("vanishing")).unwrap();
    let Some(output) =
        cli(&app, &["sync", &name, "--wait", "--json", "--interval", "0.1", "--timeout", "60"]).await
    else {
        return;
    };
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(json_of(&output)["status"], "failed");
}
api_test!(failed_sync_exits_1, super::with_workers);

/// Without workers the sync stays queued: `--timeout 1` gives up with exit 4.
async fn wait_times_out_with_4(app: TestApp) {
    let project = app.project().await;
    let name = local_storage(&app, project, "queued", &[("a.jpg", "A")], true).await;
    let Some(output) = cli(&app, &["sync", &name, "--wait", "--timeout", "1", "--interval", "0.2"]).await
    else {
        return;
    };
    assert_eq!(code(&output), 4, "{}", stderr(&output));
    assert!(stdout(&output).contains("timed out"), "{}", stdout(&output));
}
api_test!(wait_times_out_with_4);

/// A bad API key exits 2 with a message naming the key, not a stack of HTTP details.
async fn bad_key_exits_2(app: TestApp) {
    let Some(output) = cli_with_key(&app, "not-a-key", &["storage", "list", "--project", "1"]).await else {
        return;
    };
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("refused the API key"), "{}", stderr(&output));
}
api_test!(bad_key_exits_2);

/// A personal access token (a JWT refresh token) is exchanged for an access token and works.
async fn personal_access_token(app: TestApp) {
    let (_, token) = app.post("/api/token/", json!({})).await;
    let refresh = token["token"].as_str().expect("refresh token").to_owned();
    let project = app.project().await.to_string();
    let Some(output) =
        cli_with_key(&app, &refresh, &["storage", "list", "--project", &project, "--json"]).await
    else {
        return;
    };
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(json_of(&output), json!([]));
}
api_test!(personal_access_token);

/// `export -o FILE` writes the project's JSON export to the file, and `--format CSV` its CSV.
async fn export_to_file(app: TestApp) {
    let project = app.project().await;
    app.import(project, json!([{"image_url": "http://x/1.jpg"}, {"image_url": "http://x/2.jpg"}])).await;
    let file = app.dir.join("export.json").display().to_string();
    let Some(output) = cli(&app, &["export", &project.to_string(), "--all-tasks", "-o", &file]).await else {
        return;
    };
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let tasks: Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    assert_eq!(tasks.as_array().unwrap().len(), 2, "{tasks}");
    assert_eq!(tasks[0]["data"]["image_url"], "http://x/1.jpg");

    let csv = app.dir.join("export.csv").display().to_string();
    let args = ["export", &project.to_string(), "--all-tasks", "--format", "CSV", "-o", &csv];
    let Some(output) = cli(&app, &args).await else { return };
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 3, "a header and a row per task: {text}");
    assert_eq!(
        lines[0],
        r#""annotation_id","annotator","created_at","id","image_url","lead_time","updated_at""#
    );
    assert!(lines[2].contains(r#""http://x/2.jpg""#), "{text}");
}
api_test!(export_to_file);

/// With a personal access token, an access token that expires while `sync --wait` polls is
/// exchanged again: the wait goes on to its timeout (exit 4), not to an auth error.
async fn expired_access_token_is_refreshed(app: TestApp) {
    let (_, token) = app.post("/api/token/", json!({})).await;
    let refresh = token["token"].as_str().expect("refresh token").to_owned();
    let project = app.project().await;
    let name = local_storage(&app, project, "queued", &[("a.jpg", "A")], true).await;
    let args = ["sync", &name, "--wait", "--timeout", "3", "--interval", "0.2"];
    let Some(output) = cli_with_key(&app, &refresh, &args).await else { return };
    assert_eq!(code(&output), 4, "{}", stderr(&output));
}
api_test!(expired_access_token_is_refreshed, |args| args.access_token_ttl = 1);

/// A secret given as a flag is sent but never printed, whatever the server answers.
async fn secrets_are_not_echoed(app: TestApp) {
    let project = app.project().await.to_string();
    let secret = "s3cr3t-redis-password";
    let args = ["storage", "add", "redis", "--project", &project, "--host", "127.0.0.1", "--port", "1"];
    let Some(output) = cli(&app, &[&args[..], &["--password", secret]].concat()).await else { return };
    let printed = format!("{}{}", stdout(&output), stderr(&output));
    assert!(!printed.contains(secret), "{printed}");
    let shown = cli(&app, &["storage", "list", "--project", &project, "--json"]).await.unwrap();
    assert!(!stdout(&shown).contains(secret), "{}", stdout(&shown));
}
api_test!(secrets_are_not_echoed);

/// `--export` syncs an export storage and waits for it the same way.
async fn export_storage_sync(app: TestApp) {
    let project = app.project().await;
    app.import(project, json!([{"image_url": "http://x/1.jpg"}])).await;
    let dir = directory(&app, "out", &[]);
    let (_, created) =
        app.post("/api/storages/export/localfiles", json!({"project": project, "path": dir})).await;
    let name = format!("localfiles/{}", created["id"].as_i64().expect("storage id"));
    let args = ["sync", &name, "--export", "--wait", "--json", "--interval", "0.1", "--timeout", "60"];
    let Some(output) = cli(&app, &args).await else { return };
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(json_of(&output)["status"], "completed");
    let listed =
        cli(&app, &["storage", "list", "--project", &project.to_string(), "--export"]).await.unwrap();
    assert!(stdout(&listed).contains(&name), "{}", stdout(&listed));
}
api_test!(export_storage_sync, super::with_workers);
