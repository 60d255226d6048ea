//! Looking up one object ([`ImportStorage::stat`]): what a bucket event is checked against.

use super::{import, list_all};
use crate::testing::{Fixture, Scope};

/// `stat` finds exactly the key (not a longer key it prefixes), with the version the listing
/// gives, a new version after an overwrite, and nothing for a missing key, a key outside the
/// prefix, or one below a direct child of a non-recursive storage.
pub async fn stat_matches_the_listing(fx: &dyn Fixture) {
    for name in ["dir/a.json", "dir/a.json.bak", "dir/deeper/b.json", "top.json"] {
        fx.seed(name, name.as_bytes()).await;
    }
    let direct = import(fx, Scope { prefix: Some("dir"), recursive: false }).await;
    let key = fx.key_of("dir/a.json");
    let listed =
        list_all(direct.as_ref()).await.into_iter().find(|m| m.key == key).expect("dir/a.json is listed");
    let found = direct.stat(&key).await.unwrap_or_else(|e| panic!("{direct}: stat {key}: {e}"));
    assert_eq!(found.as_ref(), Some(&listed), "{direct}: stat gives what the listing gives");
    for outside in ["dir/nope.json", "dir/a.js", "dir/deeper/b.json", "top.json", "dir/"] {
        let key = fx.key_of(outside);
        let found = direct.stat(&key).await.unwrap_or_else(|e| panic!("{direct}: stat {key}: {e}"));
        assert_eq!(found, None, "{direct}: stat {key} selects nothing");
    }
    let recursive = import(fx, Scope { prefix: Some("dir"), recursive: true }).await;
    let deeper = fx.key_of("dir/deeper/b.json");
    let found = recursive.stat(&deeper).await.unwrap_or_else(|e| panic!("{recursive}: stat {deeper}: {e}"));
    assert_eq!(
        found.map(|m| m.key),
        Some(deeper.clone()),
        "{recursive}: a recursive storage selects {deeper}"
    );

    fx.seed("dir/a.json", b"rewritten, longer than before").await;
    let after =
        direct.stat(&key).await.unwrap_or_else(|e| panic!("{direct}: stat {key}: {e}")).expect("still there");
    assert_eq!(after.size, 29, "{direct}: the new size");
    let relisted = list_all(direct.as_ref()).await.into_iter().find(|m| m.key == key).expect("listed");
    assert_eq!(after.version(), relisted.version(), "{direct}: the same version as a new listing");
    assert_ne!(after.version(), listed.version(), "{direct}: an overwrite changes the version");
}
