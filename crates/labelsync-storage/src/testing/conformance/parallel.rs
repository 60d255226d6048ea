//! Listing in parts (S3, GCS, Azure Blob, local files): sub-prefixes listed in parallel give the
//! same objects as one sequential listing, each once, and resume from every checkpoint.

use super::resume::{items_from, object_keys};
use crate::guard::OutboundLimits;
use crate::testing::{Fixture, Scope, set_listing_page_size};
use crate::{ImportStorage, ListItem, Role};

/// Objects per listing page here: parts span several pages, and the storage's top level (five
/// entries) still fits in one, so it is split.
const SMALL_PAGE: usize = 7;

/// The tree: objects directly under the prefix, a sub-prefix with direct objects and deeper
/// ones, a wide one, a lone deep chain, and a name that sorts between sub-prefixes.
fn names() -> Vec<String> {
    let mut names = vec!["top-1.json".to_owned(), "top-2.json".to_owned(), "a.json".to_owned()];
    names.extend((0..12).map(|i| format!("a/{i:02}.json")));
    names.extend(["a/x/1.json", "a/x/y/2.json", "a/z/3.json"].map(String::from));
    names.extend((0..20).map(|i| format!("b/{i:02}.json")));
    names.extend((0..9).map(|i| format!("c/d/e/{i}.json")));
    names.push("c/d/f.json".to_owned());
    names
}

async fn import_with(fx: &dyn Fixture, list_concurrency: usize) -> std::sync::Arc<dyn ImportStorage> {
    let guard = fx.guard();
    let guard = guard.clone().with_limits(OutboundLimits { list_concurrency, ..guard.limits() });
    crate::connect(&fx.config(Scope::ALL), Role::Import, &guard)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"))
        .import
        .expect("the import role is provided")
}

/// With eight parts at once the tree is listed in parts (its checkpoints name them), every key
/// exactly once, the same keys as a sequential listing; resuming from each checkpoint lists
/// exactly the keys not listed before it.
pub async fn parallel_listing_lists_each_key_once(fx: &dyn Fixture) {
    let names = names();
    for name in &names {
        fx.seed(name, name.as_bytes()).await;
    }
    set_listing_page_size(Some(SMALL_PAGE));
    let mut expected: Vec<String> = names.iter().map(|n| fx.key_of(n)).collect();
    expected.sort();
    let sequential = import_with(fx, 1).await;
    assert_eq!(
        object_keys(&items_from(sequential.as_ref(), None).await),
        expected,
        "{sequential}: sequential"
    );

    let parallel = import_with(fx, 8).await;
    let full = items_from(parallel.as_ref(), None).await;
    assert_eq!(object_keys(&full), expected, "{parallel}: each key once in parallel");
    let checkpoints: Vec<(usize, &String)> = full
        .iter()
        .enumerate()
        .filter_map(|(at, item)| match item {
            ListItem::Checkpoint(checkpoint) => Some((at, checkpoint)),
            ListItem::Object(_) => None,
        })
        .collect();
    assert!(
        checkpoints.iter().all(|(_, c)| c.starts_with("parts:")),
        "{parallel}: the tree was not listed in parts: {checkpoints:?}"
    );
    assert!(matches!(full.last(), Some(ListItem::Checkpoint(_))), "{parallel}: ends with a checkpoint");
    for (at, checkpoint) in &checkpoints {
        let resumed = items_from(parallel.as_ref(), Some(checkpoint)).await;
        assert_eq!(
            object_keys(&resumed),
            object_keys(&full[*at..]),
            "{parallel}: resuming from {checkpoint:?} lists exactly what was not listed before it"
        );
    }
    set_listing_page_size(None);
    assert!(checkpoints.len() > 8, "{parallel}: {} checkpoints; the scenario needs pages", checkpoints.len());
}
