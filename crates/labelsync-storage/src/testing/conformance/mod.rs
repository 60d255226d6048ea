//! The conformance suite: what every backend must do, as free functions over a [`Fixture`]
//! (after object_store's `integration.rs`). Each function panics with a message naming the
//! backend when the backend misbehaves.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::TryStreamExt;

use super::{Fixture, Listing, Scope};
use crate::{Connected, Error, ExportStorage, ImportStorage, MediaObject, ObjectMeta, Role};

mod parallel;
mod resume;
mod stat;

pub use parallel::parallel_listing_lists_each_key_once;
pub use resume::{
    list_from_refuses_foreign_checkpoints, list_from_resumes_after_every_checkpoint,
    versions_identify_content,
};
pub use stat::stat_matches_the_listing;

/// Connects `role` on `scope` of the fixture's sandbox.
pub async fn connect(fx: &dyn Fixture, role: Role, scope: Scope<'_>) -> Connected {
    let config = fx.config(scope);
    crate::connect(&config, role, &fx.guard())
        .await
        .unwrap_or_else(|e| panic!("connect {config:?} as {}: {e}", role.as_str()))
}

async fn import(fx: &dyn Fixture, scope: Scope<'_>) -> Arc<dyn ImportStorage> {
    connect(fx, Role::Import, scope).await.import.expect("the import role is provided")
}

async fn export(fx: &dyn Fixture) -> Arc<dyn ExportStorage> {
    connect(fx, Role::Export, Scope::ALL).await.export.expect("the export role is provided")
}

/// Everything `storage` lists.
pub async fn list_all(storage: &dyn ImportStorage) -> Vec<ObjectMeta> {
    storage.list().try_collect().await.unwrap_or_else(|e| panic!("{storage}: listing failed: {e}"))
}

async fn listed_keys(fx: &dyn Fixture, scope: Scope<'_>) -> BTreeSet<String> {
    let storage = import(fx, scope).await;
    list_all(storage.as_ref()).await.into_iter().map(|m| m.key).collect()
}

fn keys_of(fx: &dyn Fixture, names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| fx.key_of(n)).collect()
}

/// Both roles validate against the fixture's sandbox.
pub async fn validate_accepts_the_sandbox(fx: &dyn Fixture) {
    let storage = import(fx, Scope::ALL).await;
    storage.validate().await.unwrap_or_else(|e| panic!("{storage}: import validate: {e}"));
    let storage = export(fx).await;
    storage.validate().await.unwrap_or_else(|e| panic!("{storage}: export validate: {e}"));
}

/// 1,500 objects (more than one listing page), with awkward names, are all listed with their sizes.
pub async fn list_returns_every_key(fx: &dyn Fixture) {
    let mut names: Vec<String> = (0..1500).map(|i| format!("task-{i:04}.json")).collect();
    names.extend(["a b+c=%#&;?.json", "ünïcødé €.json", "x'y\"z.json"].map(String::from));
    for name in &names {
        fx.seed(name, name.as_bytes()).await;
    }
    let storage = import(fx, Scope::ALL).await;
    let listed = list_all(storage.as_ref()).await;
    let expected: BTreeSet<String> = names.iter().map(|n| fx.key_of(n)).collect();
    let got: BTreeSet<String> = listed.iter().map(|m| m.key.clone()).collect();
    assert_eq!(got, expected, "{storage}: listed keys");
    if !fx.capabilities().may_repeat_keys {
        assert_eq!(listed.len(), expected.len(), "{storage}: a key was listed twice");
    }
    for name in &names {
        let key = fx.key_of(name);
        let meta = listed.iter().find(|m| m.key == key).expect("listed");
        assert_eq!(meta.size, name.len() as u64, "{storage}: size of {key}");
    }
}

/// Prefix and recursion select what Label Studio's fixtures expect; glob characters are literal.
pub async fn list_respects_prefix_and_recursion(fx: &dyn Fixture) {
    let all = [
        "image1.jpg",
        "subdir/image1.jpg",
        "subdir/image2.jpg",
        "subdir/another/image2.jpg",
        "subdirX/x.jpg",
        "a*b/1.json",
        "axb/1.json",
    ];
    for name in all {
        fx.seed(name, b"{}").await;
    }
    let scope = |prefix, recursive| Scope { prefix, recursive };
    let subdir = ["subdir/image1.jpg", "subdir/image2.jpg"];
    let cases: Vec<(Scope<'_>, Vec<&str>)> = match fx.capabilities().listing {
        Listing::Folders => vec![
            (scope(None, false), vec!["image1.jpg"]),
            (scope(None, true), all.to_vec()),
            (scope(Some("subdir"), false), subdir.to_vec()),
            (scope(Some("subdir/"), false), subdir.to_vec()),
            (scope(Some("subdir"), true), [&subdir[..], &["subdir/another/image2.jpg"]].concat()),
            (scope(Some("a*b"), true), vec!["a*b/1.json"]),
        ],
        Listing::RawPrefix => vec![
            (scope(None, false), all.to_vec()),
            (scope(Some(""), false), all.to_vec()),
            (scope(Some("subdir"), false), [&all[1..4], &["subdirX/x.jpg"]].concat()),
            (scope(Some("subdir/"), false), all[1..4].to_vec()),
            (scope(Some("a*b"), false), vec!["a*b/1.json"]),
        ],
    };
    for (scope, expected) in cases {
        let got = listed_keys(fx, scope).await;
        assert_eq!(got, keys_of(fx, &expected), "listing {scope:?}");
    }
    if fx.capabilities().listing == Listing::Folders {
        let storage = import(fx, scope(Some("subdir"), false)).await;
        let keys: Vec<String> = list_all(storage.as_ref()).await.into_iter().map(|m| m.key).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{storage}: a folder is listed in name order");
    }
}

/// Text and binary objects read back byte for byte.
pub async fn get_roundtrip(fx: &dyn Fixture) {
    let text = "{\"data\": {\"text\": \"héllo wörld\"}}";
    let binary: Vec<u8> = (0..=255).collect();
    fx.seed("data/task one+%.json", text.as_bytes()).await;
    fx.seed("bin/blob.bin", &binary).await;
    let storage = import(fx, Scope::ALL).await;
    let got = storage.get(&fx.key_of("data/task one+%.json"), 1 << 20).await;
    assert_eq!(got.expect("text object"), Bytes::from(text), "{storage}");
    let got = storage.get(&fx.key_of("bin/blob.bin"), 1 << 20).await;
    assert_eq!(got.expect("binary object"), Bytes::from(binary), "{storage}");
}

/// Reading a key that does not exist is `NotFound`.
pub async fn missing_key_is_not_found(fx: &dyn Fixture) {
    let storage = import(fx, Scope::ALL).await;
    let err = storage.get(&fx.key_of("missing.json"), 1 << 20).await.expect_err("missing key");
    assert!(matches!(err, Error::NotFound { .. }), "{storage}: {err:?}");
}

/// An object over the caller's limit is `TooLarge`; one exactly at the limit is returned.
pub async fn get_respects_max_bytes(fx: &dyn Fixture) {
    let body = vec![b'x'; 100];
    fx.seed("big.json", &body).await;
    let storage = import(fx, Scope::ALL).await;
    let key = fx.key_of("big.json");
    for limit in [0, 99] {
        let err = storage.get(&key, limit).await.expect_err("over the limit");
        assert!(matches!(err, Error::TooLarge { limit: l, .. } if l == limit), "{storage}: {err:?}");
    }
    assert_eq!(storage.get(&key, 100).await.expect("at the limit"), Bytes::from(body), "{storage}");
}

/// Export writes, overwrites and deletes an object (deleting twice is fine).
pub async fn export_put_get_delete(fx: &dyn Fixture) {
    let exporter = export(fx).await;
    let reader = import(fx, Scope::ALL).await;
    let key = fx.key_of("42");
    exporter.put("42", Bytes::from_static(b"{\"id\": 42}")).await.expect("put");
    assert_eq!(reader.get(&key, 1 << 20).await.expect("written"), Bytes::from_static(b"{\"id\": 42}"));
    exporter.put("42", Bytes::from_static(b"{\"id\": 43}")).await.expect("overwrite");
    assert_eq!(reader.get(&key, 1 << 20).await.expect("overwritten"), Bytes::from_static(b"{\"id\": 43}"));
    exporter.delete("42").await.expect("delete");
    let err = reader.get(&key, 1 << 20).await.expect_err("deleted");
    assert!(matches!(err, Error::NotFound { .. }), "{exporter}: {err:?}");
    exporter.delete("42").await.expect("deleting a missing object succeeds");
    assert_eq!(listed_keys(fx, Scope::ALL).await, BTreeSet::new(), "{exporter}: nothing left behind");
}

/// Wrong credentials are `Unauthenticated`, and no error text contains a secret.
pub async fn bad_credentials_are_reported(fx: &dyn Fixture) {
    let config = fx.config_with_bad_credentials().expect("the backend has credentials");
    let err = match crate::connect(&config, Role::Import, &fx.guard()).await {
        Err(err) => err,
        Ok(connected) => {
            let storage = connected.import.expect("import role");
            storage.validate().await.expect_err("validate with bad credentials")
        }
    };
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    for secret in fx.secrets() {
        assert!(!err.to_string().contains(&secret), "the error reveals a secret: {err}");
        assert!(!format!("{err:?} {config:?}").contains(&secret), "debug output reveals a secret");
    }
}

/// Media is either unavailable, or presigning is `NotSupported`, or the URL serves the object.
pub async fn presign_or_not_supported(fx: &dyn Fixture) {
    fx.seed("media/photo one.jpg", b"jpeg bytes").await;
    let Some(media) = connect(fx, Role::Import, Scope::ALL).await.media else {
        return;
    };
    let key = fx.key_of("media/photo one.jpg");
    match media.presign_get(&key, Duration::from_secs(60), Some("image/jpeg")).await {
        Err(Error::NotSupported { .. }) => {}
        Err(err) => panic!("{media}: presign failed: {err}"),
        Ok(url) => assert_eq!(fetch(&url).await, Bytes::from_static(b"jpeg bytes"), "{media}: {url}"),
    }
}

/// GETs a URL as a browser would (no credentials of ours) and returns the body of a 2xx
/// answer; panics on anything else.
pub async fn fetch(url: &url::Url) -> Bytes {
    crate::install_crypto_provider();
    let client = reqwest::Client::builder().build().expect("HTTP client");
    let response = client.get(url.clone()).send().await.expect("GET presigned URL");
    assert!(response.status().is_success(), "GET {url}: {}", response.status());
    response.bytes().await.expect("presigned body")
}

/// Media streams whole objects and byte ranges (clamped); a range past the end is refused.
pub async fn open_range(fx: &dyn Fixture) {
    let body: Vec<u8> = (0..1000_u32).map(|i| (i % 251) as u8).collect();
    fx.seed("media/clip.bin", &body).await;
    let Some(media) = connect(fx, Role::Import, Scope::ALL).await.media else {
        return;
    };
    let key = fx.key_of("media/clip.bin");
    let whole = match media.open(&key, None).await {
        Err(Error::NotSupported { .. }) => return,
        other => read(other.expect("open whole object")).await,
    };
    assert_eq!(whole, (0..1000, body.clone()), "{media}: whole object");
    for (asked, served) in [(10..20, 10..20), (990..2000, 990..1000), (0..0, 0..0)] {
        let object = media.open(&key, Some(asked.clone())).await.expect("open range");
        assert_eq!(object.meta.size, 1000, "{media}: size");
        let expected = body[served.start as usize..served.end as usize].to_vec();
        assert_eq!(read(object).await, (served, expected), "{media}: range {asked:?}");
    }
    let err = media.open(&key, Some(1000..1001)).await.expect_err("past the end");
    assert!(matches!(err, Error::RangeNotSatisfiable { size: 1000, .. }), "{media}: {err:?}");
    let err = media.open(&fx.key_of("media/missing.bin"), None).await.expect_err("missing");
    assert!(matches!(err, Error::NotFound { .. }), "{media}: {err:?}");
}

async fn read(object: MediaObject) -> (Range<u64>, Vec<u8>) {
    let chunks: Vec<Bytes> = object.body.try_collect().await.expect("stream body");
    (object.range, chunks.concat())
}

/// Folder placeholders (keys ending in `/`) are skipped, and keys object_store cannot address
/// (`a//b`) are listed exactly and refused one at a time with `InvalidKey`. For providers that
/// store such keys (S3 on moto, GCS, Azure; not s3s-fs, which keeps objects as files).
pub async fn list_skips_folder_placeholders(fx: &dyn Fixture) {
    for name in ["dir/", "dir/a.json", "dir/sub/", "dir/sub/b.json", "x//y.json"] {
        fx.seed(name, b"{}").await;
    }
    let scope = |prefix, recursive| Scope { prefix, recursive };
    let all = listed_keys(fx, scope(None, true)).await;
    assert_eq!(all, keys_of(fx, &["dir/a.json", "dir/sub/b.json", "x//y.json"]), "recursive listing");
    let direct = listed_keys(fx, scope(Some("dir"), false)).await;
    assert_eq!(direct, keys_of(fx, &["dir/a.json"]), "direct children of dir/");
    let storage = import(fx, Scope::ALL).await;
    let err =
        storage.get(&fx.key_of("x//y.json"), 1 << 20).await.expect_err("object_store cannot address a//b");
    assert!(matches!(err, Error::InvalidKey(_)), "{storage}: {err:?}");
}

/// An import storage with a prefix holding nothing fails validation; an export storage with
/// the same prefix validates (Label Studio's rules).
pub async fn validate_requires_objects_under_an_import_prefix(fx: &dyn Fixture) {
    fx.seed("full/1.json", b"{}").await;
    let scope = Scope { prefix: Some("empty"), recursive: false };
    let storage = import(fx, scope).await;
    let err = storage.validate().await.expect_err("empty import prefix");
    assert!(matches!(err, Error::ContainerNotFound(_)), "{storage}: {err:?}");
    let exporter = connect(fx, Role::Export, scope).await.export.expect("export role");
    exporter.validate().await.unwrap_or_else(|e| panic!("{exporter}: export validate: {e}"));
    let storage = import(fx, Scope { prefix: Some("full"), recursive: false }).await;
    storage.validate().await.unwrap_or_else(|e| panic!("{storage}: {e}"));
}
