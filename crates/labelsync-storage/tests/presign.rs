//! Presigned URLs fetched over HTTP, against emulators that check signatures (s3s-fs for S3,
//! Azurite for Azure) and fake-gcs-server for GCS routing (its signatures are pinned by the
//! golden vectors in `src/gcs/signer.rs`): awkward keys serve the exact bytes, tampered and
//! expired URLs are refused.

use std::sync::Arc;
use std::time::Duration;

use labelsync_storage::testing::{AzureFixture, Fixture, GcsFixture, S3Fixture, Scope, conformance};
use labelsync_storage::{MediaStorage, Role};

/// Keys with every character that has tripped a presigner.
const AWKWARD_KEYS: &[&str] = &[
    "space key.jpg",
    "plus+sign.json",
    "eq=ual.json",
    "per%cent 100%.json",
    "hash#tag.json",
    "amp&er.json",
    "semi;colon.json",
    "ques?tion.json",
    "ünïcødé/日本 €.png",
    "nested/deeper/folder/file (1).txt",
    "tilde~star*quote'.txt",
];

async fn media(fx: &dyn Fixture) -> Arc<dyn MediaStorage> {
    conformance::connect(fx, Role::Import, Scope::ALL).await.media.expect("the media role is provided")
}

/// Seeds every awkward key with its own body, presigns it, and compares the fetched bytes.
async fn awkward_keys_serve_their_bytes(fx: &dyn Fixture) {
    for key in AWKWARD_KEYS {
        fx.seed(key, format!("body of {key}").as_bytes()).await;
    }
    let media = media(fx).await;
    for key in AWKWARD_KEYS {
        let url = media
            .presign_get(&fx.key_of(key), Duration::from_secs(300), None)
            .await
            .unwrap_or_else(|e| panic!("presign {key:?}: {e}"));
        let body = conformance::fetch(&url).await;
        assert_eq!(body, format!("body of {key}").as_bytes(), "{key:?}: {url}");
    }
}

/// The status a plain GET of `url` gets.
async fn status_of(url: &str) -> u16 {
    labelsync_storage::install_crypto_provider();
    reqwest::get(url).await.expect("GET").status().as_u16()
}

/// A signed URL with a signed query value changed, and one pointing at another object with
/// the same signature, are refused with 403.
async fn tampered_urls_are_refused(fx: &dyn Fixture, signed_param: &str) {
    fx.seed("a.json", b"a").await;
    fx.seed("b.json", b"b").await;
    let media = media(fx).await;
    let url = media.presign_get(&fx.key_of("a.json"), Duration::from_secs(300), None).await.expect("presign");
    assert_eq!(status_of(url.as_str()).await, 200, "the untampered URL works");
    let other_object = url.as_str().replacen("/a.json?", "/b.json?", 1);
    assert_eq!(status_of(&other_object).await, 403, "{other_object}");
    let mut changed = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == signed_param { format!("{v}9") } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    changed.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(status_of(changed.as_str()).await, 403, "{changed}");
}

/// A URL signed for one second is refused once that second has passed.
async fn expired_urls_are_refused(fx: &dyn Fixture) {
    fx.seed("short.json", b"short").await;
    let media = media(fx).await;
    let url =
        media.presign_get(&fx.key_of("short.json"), Duration::from_secs(1), None).await.expect("presign");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(status_of(url.as_str()).await, 403, "{url}");
}

/// A requested response content type is signed in and served.
async fn content_type_is_served(fx: &dyn Fixture) {
    fx.seed("photo", b"jpeg").await;
    let media = media(fx).await;
    let url = media
        .presign_get(&fx.key_of("photo"), Duration::from_secs(60), Some("image/jpeg"))
        .await
        .expect("presign");
    labelsync_storage::install_crypto_provider();
    let response = reqwest::get(url.clone()).await.expect("GET");
    assert_eq!(response.status().as_u16(), 200, "{url}");
    let content_type = response.headers().get("content-type").cloned();
    assert_eq!(content_type.as_ref().and_then(|v| v.to_str().ok()), Some("image/jpeg"), "{url}");
}

/// One `#[tokio::test]` per scenario: `name: scenario(extra args)` on a fresh fixture.
macro_rules! on {
    ($fixture:ty => $($test:ident: $scenario:ident($($arg:expr),*)),* $(,)?) => {$(
        #[doc = concat!("Presign scenario `", stringify!($scenario), "` on this backend.")]
        #[tokio::test]
        async fn $test() {
            let test = concat!(module_path!(), "::", stringify!($test));
            let Some(fx) = <$fixture>::for_test(test).await else { return };
            $scenario(&fx $(, $arg)*).await;
        }
    )*};
}

mod s3 {
    use super::*;

    on!(S3Fixture =>
        awkward_keys: awkward_keys_serve_their_bytes(),
        tampered: tampered_urls_are_refused("X-Amz-Expires"),
        expired: expired_urls_are_refused(),
        content_type: content_type_is_served(),
    );
}

mod azure {
    use super::*;

    on!(AzureFixture =>
        awkward_keys: awkward_keys_serve_their_bytes(),
        tampered: tampered_urls_are_refused("se"),
        expired: expired_urls_are_refused(),
        content_type: content_type_is_served(),
    );
}

/// fake-gcs-server does not check signatures: this proves the URLs route to the right
/// objects; the signatures themselves are pinned by the golden vectors.
mod gcs {
    use super::*;

    on!(GcsFixture =>
        awkward_keys: awkward_keys_serve_their_bytes(),
    );
}
