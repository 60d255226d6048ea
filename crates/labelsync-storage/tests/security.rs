//! Nothing outside the local-files document root is listed, read, served or written, and the
//! network guard refuses loopback Redis hosts.

use std::os::unix::fs::symlink;
use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use labelsync_storage::guard::NetGuard;
use labelsync_storage::local::DocumentRoot;
use labelsync_storage::testing::conformance::{connect, list_all};
use labelsync_storage::testing::{Fixture, LocalFixture, Scope};
use labelsync_storage::{Error, ImportStorage, RedisConfig, Role, StorageConfig};

/// A sandbox holding `plain.txt`, a symlink to a file outside the root (`leak.txt`), a
/// symlink to a file inside the root but outside the sandbox (`inside.txt`), and symlinked
/// directories pointing outside (`outdir`) and back into the sandbox (`loop`).
async fn sandbox_with_symlinks() -> LocalFixture {
    let fx = LocalFixture::new();
    fx.seed("plain.txt", b"plain").await;
    fx.seed("sub/deep.txt", b"deep").await;
    std::fs::write(fx.outside().join("secret.txt"), b"secret").expect("outside file");
    std::fs::create_dir_all(fx.document_root().join("other")).expect("other dir");
    std::fs::write(fx.document_root().join("other/shared.txt"), b"shared").expect("inside file");
    symlink(fx.outside().join("secret.txt"), fx.sandbox().join("leak.txt")).expect("symlink");
    symlink(fx.document_root().join("other/shared.txt"), fx.sandbox().join("inside.txt")).expect("symlink");
    symlink(fx.outside(), fx.sandbox().join("outdir")).expect("symlink");
    symlink(fx.sandbox().join("sub"), fx.sandbox().join("loop")).expect("symlink");
    fx
}

async fn import(fx: &LocalFixture) -> Arc<dyn ImportStorage> {
    connect(fx, Role::Import, Scope::ALL).await.import.expect("import role")
}

/// Symlinks resolving outside the root are not listed; symlinked directories are not descended.
#[tokio::test]
async fn escaping_symlinks_are_not_listed() {
    let fx = sandbox_with_symlinks().await;
    let mut keys: Vec<String> =
        list_all(import(&fx).await.as_ref()).await.into_iter().map(|m| m.key).collect();
    keys.sort();
    let expected = ["inside.txt", "plain.txt", "sub/deep.txt"].map(|n| fx.key_of(n));
    assert_eq!(keys, expected);
}

/// Reading or streaming a symlink that escapes the root is refused, even by its exact key.
#[tokio::test]
async fn escaping_symlinks_are_not_readable() {
    let fx = sandbox_with_symlinks().await;
    let connected = connect(&fx, Role::Import, Scope::ALL).await;
    let (storage, media) = (connected.import.expect("import"), connected.media.expect("media"));
    for name in ["leak.txt", "outdir/secret.txt"] {
        let err = storage.get(&fx.key_of(name), 1 << 20).await.expect_err(name);
        assert!(matches!(err, Error::InvalidKey(_)), "{name}: {err:?}");
        let err = media.open(&fx.key_of(name), None).await.expect_err(name);
        assert!(matches!(err, Error::InvalidKey(_)), "{name}: {err:?}");
    }
    let inside = storage.get(&fx.key_of("inside.txt"), 1 << 20).await.expect("symlink inside the root");
    assert_eq!(inside, Bytes::from_static(b"shared"));
}

/// Keys that climb out of the storage path or leave it are refused before any file is opened.
#[tokio::test]
async fn import_keys_outside_the_storage_path_are_refused() {
    let fx = sandbox_with_symlinks().await;
    let storage = import(&fx).await;
    let escape = format!("{}/../outside/secret.txt", fx.sandbox().display());
    let outside = fx.outside().join("secret.txt").display().to_string();
    for key in [escape.as_str(), outside.as_str(), "/etc/passwd", "plain.txt"] {
        let err = storage.get(key, 1 << 20).await.expect_err(key);
        assert!(matches!(err, Error::InvalidKey(_)), "{key}: {err:?}");
    }
}

/// `/data/local-files/?d=` cannot serve an escaping symlink.
#[tokio::test]
async fn escaping_symlinks_are_not_servable() {
    let fx = sandbox_with_symlinks().await;
    let root = DocumentRoot::new(fx.document_root());
    for d in ["sandbox/leak.txt", "sandbox/outdir/secret.txt"] {
        let path = root.join(d).expect("lexically inside");
        let err = root.stat(&path).await.expect_err(d);
        assert!(matches!(err, Error::InvalidKey(_)), "{d}: {err:?}");
    }
    let served = root.stat(&root.join("sandbox/plain.txt").expect("join")).await.expect("plain file");
    assert_eq!(served.size(), 5);
}

/// `d=../../etc/passwd` is refused with Label Studio's message and `d=/etc/passwd` stays under the root.
#[tokio::test]
async fn traversal_in_d_resolves_safely() {
    let fx = LocalFixture::new();
    let root = DocumentRoot::new(fx.document_root());
    let climbs = "../".repeat(fx.document_root().components().count());
    for d in ["../../etc/passwd".to_owned(), format!("{climbs}etc/passwd"), "sandbox/../../x".to_owned()] {
        let err = root.join(&d).expect_err(&d);
        let Error::InvalidKey(message) = err else { panic!("{d}: {err:?}") };
        assert!(message.starts_with("The joined path ("), "{message}");
        assert!(message.ends_with(&format!(
            "is located outside of the base path component ({})",
            root.path().display()
        )));
    }
    let path = root.join("/etc/passwd").expect("absolute d is relative to the root");
    assert_eq!(path, fx.document_root().join("etc/passwd"));
    assert!(matches!(root.stat(&path).await, Err(Error::NotFound { .. })));
}

/// Export keys with `/`, `..` or absolute paths are refused and nothing is written outside.
#[tokio::test]
async fn export_keys_cannot_escape() {
    let fx = LocalFixture::new();
    let storage = connect(&fx, Role::Export, Scope::ALL).await.export.expect("export role");
    for key in ["../escape", "../../outside/escape", "/tmp/escape", "sub/escape", "..", ""] {
        let err = storage.put(key, Bytes::from_static(b"x")).await.expect_err(key);
        assert!(matches!(err, Error::InvalidKey(_)), "{key:?}: {err:?}");
        let err = storage.delete(key).await.expect_err(key);
        assert!(matches!(err, Error::InvalidKey(_)), "{key:?}: {err:?}");
    }
    assert!(!fx.document_root().join("escape").exists());
    assert!(!fx.outside().join("escape").exists());
}

/// A storage directory that is itself a symlink out of the root is refused for every operation.
#[tokio::test]
async fn storage_path_symlinked_out_of_the_root_is_refused() {
    let fx = LocalFixture::new();
    std::fs::write(fx.outside().join("secret.json"), b"{}").expect("outside file");
    let linked = fx.document_root().join("linked");
    symlink(fx.outside(), &linked).expect("symlink");
    let config = StorageConfig::LocalFiles(fx.config_for(&linked, true));
    let guard = NetGuard::disabled();
    let import = labelsync_storage::connect(&config, Role::Import, &guard)
        .await
        .expect("connect")
        .import
        .expect("import");
    let err = import.list().try_collect::<Vec<_>>().await.expect_err("listing through the symlink");
    assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
    let key = linked.join("secret.json").display().to_string();
    let err = import.get(&key, 1 << 20).await.expect_err("read through the symlink");
    assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
    let export = labelsync_storage::connect(&config, Role::Export, &guard)
        .await
        .expect("connect")
        .export
        .expect("export");
    let err = export.put("1", Bytes::from_static(b"{}")).await.expect_err("put through the symlink");
    assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
    assert!(!fx.outside().join("1").exists());
}

/// With the guard on, a Redis host of 127.0.0.1 (or empty, meaning localhost) is refused before connecting.
#[tokio::test]
async fn redis_loopback_host_is_refused_with_guard_on() {
    let guard = NetGuard::new(true, Vec::new());
    let redis = |host: Option<&str>| {
        StorageConfig::Redis(RedisConfig { host: host.map(str::to_owned), db: 1, ..RedisConfig::default() })
    };
    let err = labelsync_storage::connect(&redis(Some("127.0.0.1")), Role::Import, &guard)
        .await
        .expect_err("blocked");
    assert_eq!(err.to_string(), "URL resolves to a reserved network address (block: 127.0.0.0/8)");
    assert!(matches!(err, Error::Blocked(_)), "{err:?}");
    let err =
        labelsync_storage::connect(&redis(None), Role::Export, &guard).await.expect_err("localhost blocked");
    assert!(matches!(err, Error::Blocked(_)), "{err:?}");
}
