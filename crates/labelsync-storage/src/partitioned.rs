//! Parallel listing by prefix, shared by S3, GCS, Azure Blob and local files.
//!
//! A recursive listing is split into parts before it starts: one delimited listing call of the
//! storage's prefix (one `read_dir` for local files) names its sub-prefixes, and each becomes a
//! part listed on its own; the objects directly under the prefix are one more part. While there
//! are fewer parts than the listing may run at once, each part is split again the same way, up to
//! [`MAX_SPLIT_ROUNDS`] levels deep and [`MAX_PARTS`] parts. A part whose split would take more
//! than one call (a flat prefix of thousands of objects) is not split: such a listing runs
//! sequentially, exactly as without this module.
//!
//! Parts are disjoint (a key is either directly under a prefix or under exactly one of its
//! sub-prefixes), so every object is listed once. Up to `concurrency` parts are listed at once,
//! each one page at a time, into one stream; each page's objects come out together, followed by
//! a checkpoint of the whole listing: every part not finished yet, with its own checkpoint when
//! it has started. A listing resumed from it skips finished parts, resumes started ones after
//! their last page and starts the rest, and so lists exactly the objects that came after it.
//! Objects come in each part's order; parts interleave.

use async_trait::async_trait;
use futures::stream::{self, BoxStream};
use futures::{Stream, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

use crate::{Error, ListItem, ObjectMeta, Result};

/// The most parts a listing is split into: each not yet finished is named in every checkpoint.
pub(crate) const MAX_PARTS: usize = 256;
/// How many levels of sub-prefixes splitting descends at most.
pub(crate) const MAX_SPLIT_ROUNDS: usize = 3;
/// What a checkpoint of a partitioned listing starts with (sequential checkpoints never do).
const TAG: &str = "parts:";

/// One part of a listing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct Part {
    /// The backend's name of the part. Cloud storages: the key prefix (`""` or ending in `/`);
    /// local files: the directory relative to the storage directory (`""` or `a/b`).
    #[serde(rename = "p")]
    pub(crate) path: String,
    /// Everything below `path`, or only the objects directly in it.
    #[serde(rename = "r")]
    pub(crate) recursive: bool,
}

/// What a backend offers the partitioned listing.
#[async_trait]
pub(crate) trait PartLister: std::fmt::Display + Send + Sync {
    /// The whole listing as one part.
    fn root(&self) -> Part;

    /// What a checkpoint must name to be this listing's (mode and prefix or directory).
    fn scope(&self) -> String;

    /// Whether `part` lies inside this listing (parts read from a checkpoint are checked).
    fn contains(&self, part: &Part) -> bool;

    /// Parts that together hold exactly the objects of `part` (a recursive part): one for the
    /// objects directly in it, when it has any, and a recursive one per sub-prefix. `None` when
    /// it has no sub-prefix, or when finding them all would take more than one call.
    async fn split(&self, part: &Part) -> Result<Option<Vec<Part>>>;

    /// The sequential listing of `part`, resumed after `checkpoint` (one it yielded).
    fn list_part(&self, part: &Part, checkpoint: Option<String>) -> BoxStream<'_, Result<ListItem>>;
}

/// The listing of `lister` from `checkpoint` on, with up to `concurrency` parts at once (see the
/// module documentation). `concurrency` 1 and non-recursive listings are sequential.
pub(crate) fn list_from<L: PartLister>(
    lister: &L,
    concurrency: usize,
    checkpoint: Option<String>,
) -> BoxStream<'_, Result<ListItem>> {
    let root = lister.root();
    match checkpoint {
        Some(checkpoint) if checkpoint.starts_with(TAG) => match decode(lister, &checkpoint) {
            Ok(parts) => merged(lister, concurrency, parts),
            Err(err) => stream::once(async { Err(err) }).boxed(),
        },
        Some(checkpoint) => lister.list_part(&root, Some(checkpoint)),
        None if concurrency <= 1 || !root.recursive => lister.list_part(&root, None),
        None => stream::once(async move {
            match plan(lister, concurrency).await {
                Ok(parts) if parts.len() > 1 => {
                    merged(lister, concurrency, parts.into_iter().map(|part| (part, None)).collect())
                }
                Ok(_) => lister.list_part(&root, None),
                Err(err) => stream::once(async { Err(err) }).boxed(),
            }
        })
        .flatten()
        .boxed(),
    }
}

/// The parts of a fresh listing, in path order.
async fn plan<L: PartLister>(lister: &L, concurrency: usize) -> Result<Vec<Part>> {
    // Each part, and whether splitting it may still help.
    let mut parts = vec![(lister.root(), true)];
    for _ in 0..MAX_SPLIT_ROUNDS {
        if parts.len() >= concurrency {
            break;
        }
        let splits: Vec<Option<Vec<Part>>> = stream::iter(parts.clone())
            .map(|(part, splittable)| async move {
                match splittable && part.recursive {
                    true => lister.split(&part).await,
                    false => Ok(None),
                }
            })
            .buffered(concurrency)
            .try_collect()
            .await?;
        let children: usize = splits.iter().map(|split| split.as_ref().map_or(1, Vec::len)).sum();
        if splits.iter().all(Option::is_none) || children > MAX_PARTS {
            break;
        }
        parts = parts
            .into_iter()
            .zip(splits)
            .flat_map(|((part, _), split)| match split {
                Some(children) => children.into_iter().map(|child| (child, true)).collect(),
                None => vec![(part, false)],
            })
            .collect();
    }
    let mut parts: Vec<Part> = parts.into_iter().map(|(part, _)| part).collect();
    parts.sort();
    Ok(parts)
}

/// The parts still to list, each with its own checkpoint once it has started.
#[derive(Debug, Serialize, Deserialize)]
struct Remaining {
    scope: String,
    parts: Vec<PartState>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PartState {
    #[serde(flatten)]
    part: Part,
    #[serde(rename = "at", default, skip_serializing_if = "Option::is_none")]
    checkpoint: Option<String>,
}

fn decode<L: PartLister>(lister: &L, checkpoint: &str) -> Result<Vec<(Part, Option<String>)>> {
    let invalid = |why: &str| {
        Error::InvalidCheckpoint(format!(
            "{lister}: cannot resume the listing from checkpoint {checkpoint:?}: {why}"
        ))
    };
    let remaining: Remaining = serde_json::from_str(&checkpoint[TAG.len()..])
        .map_err(|_| invalid("not a checkpoint of this storage"))?;
    if remaining.scope != lister.scope() {
        return Err(invalid("it belongs to a listing of another prefix or recursion"));
    }
    if remaining.parts.iter().any(|state| !lister.contains(&state.part)) {
        return Err(invalid("it names a part outside this listing"));
    }
    Ok(remaining.parts.into_iter().map(|state| (state.part, state.checkpoint)).collect())
}

/// One page of a part: its objects and the part's checkpoint after them.
struct Page {
    objects: Vec<ObjectMeta>,
    checkpoint: Option<String>,
}

/// A part's listing regrouped into pages: the objects up to each of its checkpoints.
fn pages(items: BoxStream<'_, Result<ListItem>>) -> impl Stream<Item = Result<Page>> + Send + '_ {
    // One page at a time: the next page's request is made only when this one was taken.
    stream::unfold(Some(items), |items| async move {
        let mut items = items?;
        let mut objects = Vec::new();
        loop {
            match items.next().await {
                Some(Ok(ListItem::Object(object))) => objects.push(object),
                Some(Ok(ListItem::Checkpoint(checkpoint))) => {
                    return Some((Ok(Page { objects, checkpoint: Some(checkpoint) }), Some(items)));
                }
                Some(Err(err)) => return Some((Err(err), None)),
                None if objects.is_empty() => return None,
                None => return Some((Ok(Page { objects, checkpoint: None }), None)),
            }
        }
    })
}

/// What the listing of one part yields: a page, or the end of the part.
enum PartEvent {
    Page(Result<Page>),
    Finished,
}

/// Lists `parts` (resumed from their checkpoints), `concurrency` at a time, into one stream of
/// whole pages, each followed by the checkpoint of everything not yet listed. Ends after the
/// first error.
fn merged<L: PartLister>(
    lister: &L,
    concurrency: usize,
    parts: Vec<(Part, Option<String>)>,
) -> BoxStream<'_, Result<ListItem>> {
    let mut remaining: Vec<Option<PartState>> = parts
        .iter()
        .map(|(part, checkpoint)| Some(PartState { part: part.clone(), checkpoint: checkpoint.clone() }))
        .collect();
    let scope = lister.scope();
    let events = stream::iter(parts.into_iter().enumerate())
        .map(move |(index, (part, checkpoint))| {
            pages(lister.list_part(&part, checkpoint))
                .map(move |page| (index, PartEvent::Page(page)))
                .chain(stream::once(async move { (index, PartEvent::Finished) }))
                .boxed()
        })
        .flatten_unordered(concurrency.max(1));
    let mut failed = false;
    events
        .map(move |(index, event)| {
            if failed {
                return None;
            }
            let mut items = Vec::new();
            match event {
                PartEvent::Page(Err(err)) => {
                    failed = true;
                    return Some(vec![Err(err)]);
                }
                PartEvent::Page(Ok(page)) => {
                    items.extend(page.objects.into_iter().map(|object| Ok(ListItem::Object(object))));
                    if page.checkpoint.is_none() {
                        return Some(items);
                    }
                    if let Some(state) = &mut remaining[index] {
                        state.checkpoint = page.checkpoint;
                    }
                }
                PartEvent::Finished => remaining[index] = None,
            }
            let parts = remaining.iter().flatten().cloned().collect();
            let encoded = serde_json::to_string(&Remaining { scope: scope.clone(), parts })
                .expect("a listing state serializes");
            items.push(Ok(ListItem::Checkpoint(format!("{TAG}{encoded}"))));
            Some(items)
        })
        .take_while(|items| std::future::ready(items.is_some()))
        .flat_map(|items| stream::iter(items.unwrap_or_default()))
        .boxed()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use super::*;

    /// An in-memory tree of keys (`a/b/c`), listed in pages of two, recording every split.
    struct Tree {
        keys: Vec<String>,
        splits: Mutex<Vec<String>>,
        /// Fails the listing of this part on its second page.
        failing: Option<String>,
    }

    impl std::fmt::Display for Tree {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Tree")
        }
    }

    impl Tree {
        fn new(keys: &[&str]) -> Tree {
            let mut keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            keys.sort();
            Tree { keys, splits: Mutex::new(Vec::new()), failing: None }
        }

        fn in_part<'a>(&'a self, part: &'a Part) -> impl Iterator<Item = &'a String> + 'a {
            self.keys.iter().filter(move |key| {
                key.strip_prefix(&part.path).is_some_and(|rest| part.recursive || !rest.contains('/'))
            })
        }
    }

    #[async_trait]
    impl PartLister for Tree {
        fn root(&self) -> Part {
            Part { path: String::new(), recursive: true }
        }

        fn scope(&self) -> String {
            "tree".to_owned()
        }

        fn contains(&self, part: &Part) -> bool {
            part.path.is_empty() || part.path.ends_with('/')
        }

        async fn split(&self, part: &Part) -> Result<Option<Vec<Part>>> {
            self.splits.lock().unwrap().push(part.path.clone());
            let mut children = BTreeMap::new();
            for key in self.in_part(part) {
                let rest = &key[part.path.len()..];
                let child = match rest.split_once('/') {
                    Some((dir, _)) => Part { path: format!("{}{dir}/", part.path), recursive: true },
                    None => Part { path: part.path.clone(), recursive: false },
                };
                children.insert(child, ());
            }
            let children: Vec<Part> = children.into_keys().collect();
            Ok(children.iter().any(|c| c.recursive).then_some(children))
        }

        fn list_part(&self, part: &Part, checkpoint: Option<String>) -> BoxStream<'_, Result<ListItem>> {
            let after = checkpoint.unwrap_or_default();
            let keys: Vec<String> = self.in_part(part).filter(|k| **k > after).cloned().collect();
            let fails = self.failing.as_deref() == Some(part.path.as_str());
            let mut items = Vec::new();
            for (page, chunk) in keys.chunks(2).enumerate() {
                if fails && page == 1 {
                    items.push(Err(Error::Other(format!("listing {} failed", part.path))));
                    break;
                }
                items.extend(chunk.iter().map(|k| Ok(ListItem::Object(meta(k)))));
                items.push(Ok(ListItem::Checkpoint(chunk.last().cloned().unwrap_or_default())));
            }
            stream::iter(items).boxed()
        }
    }

    fn meta(key: &str) -> ObjectMeta {
        ObjectMeta { key: key.to_owned(), size: 0, last_modified: None, etag: None }
    }

    async fn items(tree: &Tree, concurrency: usize, checkpoint: Option<String>) -> Vec<ListItem> {
        list_from(tree, concurrency, checkpoint).try_collect().await.expect("listing")
    }

    fn keys(items: &[ListItem]) -> Vec<String> {
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

    const KEYS: [&str; 12] = [
        "top.json", "a/1", "a/2", "a/3", "a/x/4", "b/1", "b/2", "c/d/e/1", "c/d/e/2", "c/d/f/1", "z", "zz/1",
    ];

    /// A nested tree is split into disjoint parts and every key is listed exactly once, in
    /// parallel as sequentially; a resume from each checkpoint lists exactly what had not been
    /// listed before it.
    #[tokio::test]
    async fn every_key_once_and_resumable_from_every_checkpoint() {
        let tree = Tree::new(&KEYS);
        let sequential = items(&tree, 1, None).await;
        assert_eq!(keys(&sequential), tree.keys, "sequential");
        let parallel = items(&tree, 8, None).await;
        assert_eq!(keys(&parallel), tree.keys, "parallel lists each key once");
        assert!(
            matches!(parallel.last(), Some(ListItem::Checkpoint(c)) if c.starts_with(TAG)),
            "{parallel:?}"
        );
        let mut checkpoints = 0;
        for (at, item) in parallel.iter().enumerate() {
            let ListItem::Checkpoint(checkpoint) = item else { continue };
            checkpoints += 1;
            let resumed = items(&tree, 3, Some(checkpoint.clone())).await;
            assert_eq!(keys(&resumed), keys(&parallel[at..]), "resumed from {checkpoint}");
        }
        assert!(checkpoints > 6, "{checkpoints} checkpoints");
    }

    /// Splitting descends where there are too few parts (`c/` → `c/d/` → `c/d/e/`, `c/d/f/`)
    /// and stops at the concurrency.
    #[tokio::test]
    async fn splitting_descends_until_there_are_enough_parts() {
        let tree = Tree::new(&["c/d/e/1", "c/d/e/2", "c/d/f/1"]);
        let parts = plan(&tree, 8).await.expect("plan");
        let paths: Vec<&str> = parts.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["c/d/e/", "c/d/f/"]);
        assert_eq!(*tree.splits.lock().unwrap(), ["", "c/", "c/d/"], "three levels at most");

        let wide = Tree::new(&KEYS);
        let parts = plan(&wide, 2).await.expect("plan");
        assert_eq!(parts.len(), 5, "one round: {parts:?}");
        assert_eq!(*wide.splits.lock().unwrap(), [""], "no second round past the concurrency");
    }

    /// A flat listing is not split and runs sequentially, with the backend's own checkpoints.
    #[tokio::test]
    async fn a_flat_listing_stays_sequential() {
        let tree = Tree::new(&["1", "2", "3"]);
        let listed = items(&tree, 8, None).await;
        assert_eq!(keys(&listed), ["1", "2", "3"]);
        assert!(listed.iter().all(|item| !matches!(item, ListItem::Checkpoint(c) if c.starts_with(TAG))));
    }

    /// A part failing mid-way ends the listing with its error; resuming from the last
    /// checkpoint before it lists every key not yet listed, none twice.
    #[tokio::test]
    async fn a_failing_part_ends_the_listing_and_the_resume_completes_it() {
        let mut tree = Tree::new(&KEYS);
        tree.failing = Some("a/".to_owned());
        let listed: Vec<Result<ListItem>> = list_from(&tree, 8, None).collect().await;
        assert!(matches!(listed.last(), Some(Err(Error::Other(m))) if m.contains("a/")), "{listed:?}");
        let before: Vec<ListItem> = listed.into_iter().map_while(Result::ok).collect();
        let last = before.iter().rposition(|i| matches!(i, ListItem::Checkpoint(_))).expect("a checkpoint");
        let ListItem::Checkpoint(checkpoint) = &before[last] else { unreachable!() };
        tree.failing = None;
        let resumed = items(&tree, 8, Some(checkpoint.clone())).await;
        let mut all = keys(&before[..last]);
        all.extend(keys(&resumed));
        all.sort();
        assert_eq!(all, tree.keys, "nothing skipped, nothing twice");
    }

    /// Checkpoints of another scope, garbage after the tag, or naming a part outside the
    /// listing are refused.
    #[tokio::test]
    async fn foreign_checkpoints_are_refused() {
        let tree = Tree::new(&KEYS);
        let foreign = [
            r#"parts:{"scope":"other","parts":[]}"#,
            "parts:garbage",
            r#"parts:{"scope":"tree","parts":[{"p":"../x","r":true}]}"#,
        ];
        for checkpoint in foreign {
            let listed = list_from(&tree, 8, Some(checkpoint.to_owned())).try_collect::<Vec<_>>().await;
            assert!(matches!(listed, Err(Error::InvalidCheckpoint(_))), "{checkpoint}: {listed:?}");
        }
    }
}
