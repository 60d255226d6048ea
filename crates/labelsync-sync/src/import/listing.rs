//! The sync's listing task: the storage listed from the sync's checkpoint (or from the start when
//! the checkpoint no longer fits), in batches, each unpacked into its objects and keys.

use std::collections::HashSet;

use futures::StreamExt;
use labelsync_storage::{Error as StorageError, ImportStorage, ListItem};
use tracing::Instrument;

use super::lookahead::Listed;
use super::plan::Plan;
use super::{SyncError, storage_failure};

/// Listed batches buffered ahead of the writer: the listing of the next pages overlaps the
/// writing of this one, and memory stays bounded by this many batches.
pub(super) const BATCHES_AHEAD: usize = 4;

/// Listed batches in a channel.
pub(super) type Batches = tokio::sync::mpsc::Receiver<Vec<Result<ListItem, StorageError>>>;

/// Starts the listing task: the storage listed from `resume_from` in batches of `batch_size`,
/// sent to the returned channel (at most [`BATCHES_AHEAD`] waiting), and whether the listing
/// started over instead of resuming.
pub(super) fn spawn_listing(
    plan: &Plan,
    resume_from: Option<String>,
    batch_size: usize,
) -> (tokio::task::JoinHandle<()>, Batches, tokio::sync::oneshot::Receiver<bool>) {
    let (sender, batches) = tokio::sync::mpsc::channel(BATCHES_AHEAD);
    let (restarted_sender, restarted) = tokio::sync::oneshot::channel();
    let import = plan.import.clone();
    let list = tokio::spawn(
        async move {
            let listing = resumed_listing(&*import, resume_from).await;
            let _ = restarted_sender.send(listing.restarted);
            let mut listing = listing.items.chunks(batch_size);
            while let Some(batch) = listing.next().await {
                if sender.send(batch).await.is_err() {
                    break;
                }
            }
        }
        .in_current_span(),
    );
    (list, batches, restarted)
}

/// The listing resumed after `checkpoint`, or from the start when the backend refuses it (the
/// storage's prefix or mode changed since it was saved): everything listed again is deduplicated
/// against the links, so starting over only costs time.
async fn resumed_listing(import: &dyn ImportStorage, checkpoint: Option<String>) -> Listing<'_> {
    if checkpoint.is_none() {
        return Listing { items: import.list_from(None), restarted: false };
    }
    let mut listing = import.list_from(checkpoint);
    match listing.next().await {
        Some(Err(StorageError::InvalidCheckpoint(why))) => {
            tracing::warn!(
                "the sync's checkpoint no longer fits its storage ({why}); listing from the start"
            );
            Listing { items: import.list_from(None), restarted: true }
        }
        first => Listing { items: futures::stream::iter(first).chain(listing).boxed(), restarted: false },
    }
}

/// Aborts a task when dropped.
pub(super) struct StopOnDrop(pub(super) tokio::task::AbortHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A sync's listing, and whether it started over instead of resuming.
struct Listing<'a> {
    items: futures::stream::BoxStream<'a, Result<ListItem, StorageError>>,
    restarted: bool,
}

/// The objects of a listed batch (each key once) with their keys, how many were listed (repeats
/// and keys no database can hold included) and the last checkpoint in it.
pub(super) fn unpack(
    storage_id: i64,
    batch: Vec<Result<ListItem, StorageError>>,
) -> Result<Listed, SyncError> {
    let mut keys = HashSet::new();
    let mut objects = Vec::with_capacity(batch.len());
    let mut listed = 0;
    let mut checkpoint = None;
    for item in batch {
        let object = match item.map_err(storage_failure)? {
            ListItem::Checkpoint(position) => {
                checkpoint = Some(position);
                continue;
            }
            ListItem::Object(object) => object,
        };
        listed += 1;
        if object.key.contains('\0') {
            // No database can key a link by it (PostgreSQL refuses U+0000 in text).
            tracing::warn!(storage = storage_id, "skipped an object whose key holds a null character");
            continue;
        }
        if keys.insert(object.key.clone()) {
            objects.push(object);
        }
    }
    Ok(Listed { objects, keys, listed, checkpoint })
}
