//! Resumable listings and object versions: what the sync engine relies on to resume a listing
//! in another process and to tell changed objects from untouched ones.

use std::collections::{BTreeMap, BTreeSet};

use futures::TryStreamExt;

use super::import;
use crate::testing::{Fixture, Scope, set_listing_page_size};
use crate::{Error, ImportStorage, ListItem};

/// Objects per listing page in these scenarios, so a few hundred objects span many pages.
const SMALL_PAGE: usize = 25;

/// The whole listing from `checkpoint`, items in order.
pub(super) async fn items_from(storage: &dyn ImportStorage, checkpoint: Option<&str>) -> Vec<ListItem> {
    storage
        .list_from(checkpoint.map(str::to_owned))
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("{storage}: listing from {checkpoint:?} failed: {e}"))
}

/// The keys of the objects among `items`, sorted (parts of a listing interleave), repeats kept.
pub(super) fn object_keys(items: &[ListItem]) -> Vec<String> {
    let mut keys: Vec<String> = items
        .iter()
        .filter_map(|item| match item {
            ListItem::Object(meta) => Some(meta.key.clone()),
            ListItem::Checkpoint(_) => None,
        })
        .collect();
    keys.sort();
    keys
}

/// Resuming from each checkpoint of a many-page listing (in seven sub-prefixes, which backends
/// that list in parts list in parallel) lists exactly what the checkpoint had not yet covered
/// (Redis: at least that, as `SCAN` may repeat keys), and the listing ends with a checkpoint.
pub async fn list_from_resumes_after_every_checkpoint(fx: &dyn Fixture) {
    let names: Vec<String> = (0..300).map(|i| format!("d{}/task-{i:03}.json", i % 7)).collect();
    for name in &names {
        fx.seed(name, name.as_bytes()).await;
    }
    set_listing_page_size(Some(SMALL_PAGE));
    let storage = import(fx, Scope::ALL).await;
    let full = items_from(storage.as_ref(), None).await;
    let all_keys: BTreeSet<String> = names.iter().map(|n| fx.key_of(n)).collect();
    assert_eq!(object_keys(&full).into_iter().collect::<BTreeSet<_>>(), all_keys, "{storage}: listed keys");
    assert!(
        matches!(full.last(), Some(ListItem::Checkpoint(_))),
        "{storage}: the listing ends with a checkpoint"
    );
    let repeats = fx.capabilities().may_repeat_keys;
    let mut checkpoints = 0;
    for (at, item) in full.iter().enumerate() {
        let ListItem::Checkpoint(checkpoint) = item else { continue };
        checkpoints += 1;
        let before: BTreeSet<String> = object_keys(&full[..at]).into_iter().collect();
        let resumed = object_keys(&items_from(storage.as_ref(), Some(checkpoint)).await);
        let union: BTreeSet<String> = before.iter().cloned().chain(resumed.iter().cloned()).collect();
        assert_eq!(union, all_keys, "{storage}: resuming from {checkpoint:?} skipped objects");
        if !repeats {
            let after = object_keys(&full[at..]);
            assert_eq!(
                resumed, after,
                "{storage}: resuming from {checkpoint:?} lists exactly what follows it"
            );
        }
    }
    set_listing_page_size(None);
    assert!(checkpoints > 2, "{storage}: {checkpoints} checkpoints; the scenario needs several pages");
}

/// A checkpoint that is garbage, or from the same backend's listing of another prefix, fails
/// the listing with `InvalidCheckpoint` (never a panic, never a silent full listing).
pub async fn list_from_refuses_foreign_checkpoints(fx: &dyn Fixture) {
    for name in ["a/1.json", "a/2.json", "b/1.json", "b/2.json"] {
        fx.seed(name, b"{}").await;
    }
    let in_a = import(fx, Scope { prefix: Some("a"), recursive: true }).await;
    let foreign: Vec<String> = items_from(in_a.as_ref(), None)
        .await
        .into_iter()
        .filter_map(|item| match item {
            ListItem::Checkpoint(c) => Some(c),
            ListItem::Object(_) => None,
        })
        .collect();
    assert!(!foreign.is_empty(), "{in_a}: no checkpoint");
    let garbage = ["", "garbage", "relative/path.json", "99999999999999999999999:x", "after:q:%zz:"];
    let in_b = import(fx, Scope { prefix: Some("b"), recursive: true }).await;
    for checkpoint in garbage.iter().map(|g| g.to_string()).chain(foreign) {
        let listed = in_b.list_from(Some(checkpoint.clone())).try_collect::<Vec<_>>().await;
        match listed {
            Err(Error::InvalidCheckpoint(message)) => {
                assert!(message.contains("checkpoint"), "{in_b}: unclear message {message:?}");
            }
            other => panic!("{in_b}: resuming from {checkpoint:?} gave {other:?}, not InvalidCheckpoint"),
        }
    }
}

/// Every listed object has a version; an untouched object keeps it across listings, and one
/// overwritten with other content of the same size gets a new one.
pub async fn versions_identify_content(fx: &dyn Fixture) {
    fx.seed("v/changed.json", b"{\"n\": 1}").await;
    fx.seed("v/kept.json", b"{\"n\": 2}").await;
    let storage = import(fx, Scope::ALL).await;
    let versions = || async {
        let listed = super::list_all(storage.as_ref()).await;
        listed
            .into_iter()
            .map(|m| {
                let version = m.version().unwrap_or_else(|| panic!("{storage}: {} has no version", m.key));
                (m.key, version)
            })
            .collect::<BTreeMap<String, String>>()
    };
    let first = versions().await;
    assert_eq!(first.len(), 2, "{storage}: {first:?}");
    assert_eq!(versions().await, first, "{storage}: versions of untouched objects changed");
    // Local files' versions hold the modification time, which filesystems advance per clock
    // tick (a few milliseconds): a same-size rewrite within one tick is not seen.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    fx.seed("v/changed.json", b"{\"n\": 3}").await;
    let second = versions().await;
    let (changed, kept) = (fx.key_of("v/changed.json"), fx.key_of("v/kept.json"));
    assert_ne!(second[&changed], first[&changed], "{storage}: overwriting {changed} kept its version");
    assert_eq!(second[&kept], first[&kept], "{storage}: {kept} was not touched but its version changed");
}
