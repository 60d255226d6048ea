//! Local-files specifics beyond the conformance suite: Label Studio's validation messages,
//! listing order, atomic export and the `/data/local-files/?d=` helper.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use futures::TryStreamExt;
use labelsync_storage::guard::{NetGuard, OutboundLimits};
use labelsync_storage::local::DocumentRoot;
use labelsync_storage::testing::conformance::list_all;
use labelsync_storage::testing::{Fixture, LocalFixture};
use labelsync_storage::{Error, LocalFilesConfig, Role, StorageConfig, connect};

async fn validate(config: LocalFilesConfig, role: Role) -> Result<(), Error> {
    let connected = connect(&StorageConfig::LocalFiles(config), role, &NetGuard::disabled()).await?;
    match role {
        Role::Import => connected.import.expect("import").validate().await,
        Role::Export => connected.export.expect("export").validate().await,
    }
}

fn config(fx: &LocalFixture, path: &str) -> LocalFilesConfig {
    LocalFilesConfig { path: path.to_owned(), ..fx.config_for(fx.sandbox(), false) }
}

/// Validation runs Label Studio's checks with its messages, for both roles; the lexical ones
/// first, so a path outside the root gets the same answer whether it exists or not.
#[tokio::test]
async fn validation_messages_follow_label_studio() {
    let fx = LocalFixture::new();
    let root = fx.document_root().display().to_string();
    let example = format!("For example: \"{root}/dataset1\".");
    let missing_outside = fx.outside().join("missing").display().to_string();
    let missing_inside = fx.document_root().join("missing").display().to_string();
    let outside = fx.outside().display().to_string();
    let cases = [
        ("  ".to_owned(), "Path must be set for Local Files storage".to_owned()),
        (missing_inside.clone(), format!("Absolute local path \"{missing_inside}\" does not exist")),
        (
            missing_outside.clone(),
            format!(
                "Absolute local path \"{missing_outside}\" must be a subdirectory of LOCAL_FILES_DOCUMENT_ROOT=\"{root}\" by \
                 security reasons. {example}"
            ),
        ),
        (
            format!("{root}/"),
            format!(
                "Absolute local path \"{root}\" cannot be the same as LOCAL_FILES_DOCUMENT_ROOT=\"{root}\" by security \
                 reasons. Please add a subdirectory. {example}"
            ),
        ),
        (
            outside.clone(),
            format!(
                "Absolute local path \"{outside}\" must be a subdirectory of LOCAL_FILES_DOCUMENT_ROOT=\"{root}\" by \
                 security reasons. {example}"
            ),
        ),
    ];
    for role in [Role::Import, Role::Export] {
        for (path, message) in &cases {
            let err = validate(config(&fx, path), role).await.expect_err(path);
            assert_eq!(&err.to_string(), message, "{path:?} as {role:?}");
        }
        let disabled = LocalFilesConfig { serving_enabled: false, ..fx.config_for(fx.sandbox(), false) };
        let err = validate(disabled, role).await.expect_err("serving disabled");
        assert!(err.to_string().starts_with(
            "Serving local files from the host filesystem can be a security risk, so LOCAL_FILES_SERVING_ENABLED is \
             disabled by default."
        ));
        let messy = format!("{}//./", fx.sandbox().display()).replace('/', "\\");
        validate(config(&fx, &messy), role).await.expect("backslashes and slashes are normalized");
    }
}

/// Non-recursive listing skips subfolders; a sequential recursive listing is depth-first, by
/// name within each folder; a parallel one lists the same files, each folder still by name.
#[tokio::test]
async fn listing_order_is_by_name_within_each_folder() {
    let fx = LocalFixture::new();
    for name in ["b.json", "a/z.json", "a/b/c.json", "c.json", "a.json"] {
        fx.seed(name, b"{}").await;
    }
    let keys = |recursive, list_concurrency| {
        let config = StorageConfig::LocalFiles(fx.config_for(fx.sandbox(), recursive));
        let limits = OutboundLimits { list_concurrency, ..OutboundLimits::default() };
        async move {
            let guard = NetGuard::disabled().with_limits(limits);
            let connected = connect(&config, Role::Import, &guard).await.expect("connect");
            let storage = connected.import.expect("import");
            list_all(storage.as_ref()).await.into_iter().map(|m| m.key).collect::<Vec<_>>()
        }
    };
    let flat = ["a.json", "b.json", "c.json"].map(|n| fx.key_of(n));
    assert_eq!(keys(false, 8).await, flat);
    let deep = ["a/b/c.json", "a/z.json", "a.json", "b.json", "c.json"].map(|n| fx.key_of(n));
    assert_eq!(keys(true, 1).await, deep);
    let parallel = keys(true, 8).await;
    let position = |name: &str| parallel.iter().position(|k| *k == fx.key_of(name)).expect(name);
    assert!(
        position("a.json") < position("b.json") && position("b.json") < position("c.json"),
        "{parallel:?}"
    );
    let mut sorted = parallel.clone();
    sorted.sort();
    let mut expected = deep.to_vec();
    expected.sort();
    assert_eq!(sorted, expected, "the same files, each once");
}

/// A missing storage directory fails the listing with Label Studio's "does not exist" message.
#[tokio::test]
async fn listing_a_missing_directory_fails() {
    let fx = LocalFixture::new();
    let missing = fx.document_root().join("missing");
    let config = StorageConfig::LocalFiles(fx.config_for(&missing, false));
    let storage =
        connect(&config, Role::Import, &NetGuard::disabled()).await.expect("connect").import.expect("import");
    let err = storage.list().try_collect::<Vec<_>>().await.expect_err("missing dir");
    assert_eq!(err.to_string(), format!("Absolute local path \"{}\" does not exist", missing.display()));
}

/// Export writes readable files by rename, leaving no temporary files behind.
#[tokio::test]
async fn export_writes_atomically() {
    let fx = LocalFixture::new();
    let config = StorageConfig::LocalFiles(fx.config_for(fx.sandbox(), false));
    let storage =
        connect(&config, Role::Export, &NetGuard::disabled()).await.expect("connect").export.expect("export");
    storage.put("7", Bytes::from_static(b"{\n  \"id\": 7\n}")).await.expect("put");
    let names: Vec<String> = std::fs::read_dir(fx.sandbox())
        .expect("read sandbox")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["7"]);
    assert_eq!(std::fs::read(fx.sandbox().join("7")).expect("read"), b"{\n  \"id\": 7\n}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(fx.sandbox().join("7")).expect("stat").permissions().mode();
    assert_ne!(mode & 0o044, 0, "exported files are readable by others, like Label Studio's");
}

/// Reading a directory by key is `NotFound`, not a crash or a listing.
#[tokio::test]
async fn directories_are_not_objects() {
    let fx = LocalFixture::new();
    fx.seed("sub/a.json", b"{}").await;
    let connected =
        connect(&fx.config(Default::default()), Role::Import, &NetGuard::disabled()).await.expect("connect");
    let err = connected.import.expect("import").get(&fx.key_of("sub"), 1 << 20).await.expect_err("directory");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

/// The `?d=` helper serves size, Label Studio's weak ETag and byte ranges of a file under the root.
#[tokio::test]
async fn document_root_serves_files_with_etag_and_ranges() {
    let fx = LocalFixture::new();
    fx.seed("ds1/a b.txt", b"0123456789").await;
    let path = fx.sandbox().join("ds1/a b.txt");
    let modified = UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .expect("open")
        .set_modified(modified)
        .expect("set mtime");
    let root = DocumentRoot::new(fx.document_root());
    let file = root.stat(&root.join("/sandbox/ds1/a b.txt").expect("join")).await.expect("stat");
    assert_eq!(file.path(), path.as_path());
    assert_eq!(file.size(), 10);
    assert_eq!(file.weak_etag(), format!("W/\"{:x}-a\"", 1_700_000_000_123_456_789_u64));
    let object = file.open(Some(2..5)).await.expect("range");
    assert_eq!((object.range.clone(), object.meta.size), (2..5, 10));
    let body: Vec<Bytes> = object.body.try_collect().await.expect("body");
    assert_eq!(body.concat(), b"234");
    assert!(matches!(file.open(Some(10..11)).await, Err(Error::RangeNotSatisfiable { size: 10, .. })));
    let dir = root.stat(&root.join("sandbox/ds1").expect("join")).await.expect_err("directory");
    assert!(matches!(dir, Error::NotFound { .. }), "{dir:?}");
    let outside = root.stat(Path::new("/etc/passwd")).await.expect_err("not under the root");
    assert!(matches!(outside, Error::InvalidKey(_)), "{outside:?}");
}
