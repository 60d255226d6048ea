//! The resumable listing S3, GCS and Azure Blob share: provider pages in key order, a
//! checkpoint after each, and resuming from one.
//!
//! A checkpoint is `{position}:{mode}:{prefix}:{value}`: `mode` is `r` (recursive) or `d`
//! (direct children only) and `prefix` the listing prefix percent-encoded, so a checkpoint of
//! another prefix or mode is refused rather than silently listing something else. Positions:
//!
//! - `after:…:{key}` (S3, GCS): every key up to `key` (the last key of a page) is done. S3
//!   resumes with `start-after`, GCS with `startOffset` (inclusive, so `key` itself is dropped
//!   here). Keys are durable, where S3 continuation tokens and GCS page tokens are not promised
//!   to be, and a key stays a valid position even after that object is deleted.
//! - `marker:…:{marker}` (Azure): the provider's `NextMarker`, opaque, which is all List
//!   Blobs offers to start from.
//! - `start:…:` (nothing done yet) and `end:…:` (Azure: the listing finished; S3 and GCS end
//!   with `after`, so resuming a finished listing finds objects added since).

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};

use super::keys::encode_component;
use super::{CloudStorage, Page, PageRequest, Provider};
use crate::{Error, ListItem, Result};

/// How a provider's listing can be resumed in another process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resume {
    /// After a key (`start-after`, `startOffset`).
    AfterKey,
    /// From the provider's opaque marker.
    Marker,
}

/// Where a listing stands, as far as a new process needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Position {
    Start,
    After(String),
    Marker(String),
    End,
}

impl<P: Provider> CloudStorage<P> {
    /// The listing of the keys under `prefix` (all of them, or only its direct children) from
    /// `checkpoint` on (see the module documentation).
    pub(super) fn list_items(
        &self,
        prefix: Option<String>,
        recursive: bool,
        checkpoint: Option<String>,
    ) -> BoxStream<'_, Result<ListItem>> {
        let mode = mode(recursive);
        let start = match checkpoint.map(|c| self.parse_checkpoint(prefix.as_deref(), mode, &c)).transpose() {
            Ok(position) => position.unwrap_or(Position::Start),
            Err(err) => return futures::stream::once(async { Err(err) }).boxed(),
        };
        let start_after = match &start {
            Position::After(key) => Some(key.clone()),
            _ => None,
        };
        let token = match &start {
            Position::Marker(marker) => Some(marker.clone()),
            _ => None,
        };
        let done = start == Position::End;
        let state = Listing { token, position: start, seen: TokensSeen::default() };
        futures::stream::try_unfold((!done).then_some(state), move |state| {
            let (prefix, start_after) = (prefix.clone(), start_after.clone());
            async move {
                let Some(state) = state else { return Ok(None) };
                self.next_page(state, prefix.as_deref(), recursive, start_after.as_deref()).await.map(Some)
            }
        })
        .try_flatten()
        .boxed()
    }

    /// One page of the listing: its objects (placeholders and keys up to `start_after`
    /// dropped), then a checkpoint; and the state for the next page, if any.
    async fn next_page(
        &self,
        mut state: Listing,
        prefix: Option<&str>,
        recursive: bool,
        start_after: Option<&str>,
    ) -> Result<(BoxStream<'static, Result<ListItem>>, Option<Listing>)> {
        let request = PageRequest {
            prefix,
            delimited: !recursive,
            token: state.token.as_deref(),
            start_after,
            max_keys: None,
        };
        let Page { objects, next, .. } = self.provider.list_page(request).await?;
        if let Some(next) = &next
            && !state.seen.first_time(next)
        {
            return Err(Error::BadResponse(format!(
                "{self}: the listing does not advance (the provider repeated a continuation token after {} \
                 pages)",
                state.seen.pages()
            )));
        }
        state.position = match (self.provider.resume(), &next, objects.last()) {
            (Resume::AfterKey, _, Some(last)) => Position::After(last.key.clone()),
            (Resume::AfterKey, _, None) => state.position,
            (Resume::Marker, Some(marker), _) => Position::Marker(marker.clone()),
            (Resume::Marker, None, _) => Position::End,
        };
        let checkpoint = checkpoint(prefix, mode(recursive), &state.position);
        let items = objects
            .into_iter()
            .filter(|m| !m.key.ends_with('/') && start_after.is_none_or(|after| m.key.as_str() > after))
            .map(ListItem::Object)
            .chain(std::iter::once(ListItem::Checkpoint(checkpoint)))
            .map(Ok);
        let page = futures::stream::iter(items.collect::<Vec<_>>()).boxed();
        state.token = next;
        Ok((page, state.token.is_some().then_some(state)))
    }

    fn parse_checkpoint(&self, prefix: Option<&str>, mode: &str, checkpoint: &str) -> Result<Position> {
        let invalid = |why: &str| {
            Error::InvalidCheckpoint(format!(
                "{self}: cannot resume the listing from checkpoint {checkpoint:?}: {why}"
            ))
        };
        let mut parts = checkpoint.splitn(4, ':');
        let (Some(name), Some(given_mode), Some(encoded), Some(value)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid("not a checkpoint of this storage"));
        };
        if given_mode != mode || encoded != encode_component(prefix.unwrap_or_default()) {
            return Err(invalid("it belongs to a listing of another prefix or recursion"));
        }
        let resume = self.provider.resume();
        let position = match (name, resume) {
            ("start", _) if value.is_empty() => Position::Start,
            ("end", Resume::Marker) if value.is_empty() => Position::End,
            ("after", Resume::AfterKey) if value.starts_with(prefix.unwrap_or_default()) => {
                Position::After(value.to_owned())
            }
            ("marker", Resume::Marker) if !value.is_empty() => Position::Marker(value.to_owned()),
            _ => return Err(invalid("not a checkpoint of this storage")),
        };
        Ok(position)
    }
}

/// `r` for a recursive listing, `d` for direct children only.
pub(super) fn mode(recursive: bool) -> &'static str {
    if recursive { "r" } else { "d" }
}

fn checkpoint(prefix: Option<&str>, mode: &str, position: &Position) -> String {
    let (name, value) = match position {
        Position::Start => ("start", ""),
        Position::After(key) => ("after", key.as_str()),
        Position::Marker(marker) => ("marker", marker.as_str()),
        Position::End => ("end", ""),
    };
    format!("{name}:{mode}:{}:{value}", encode_component(prefix.unwrap_or_default()))
}

/// Where a listing stands in this process: the token of the next page, the position a new
/// process would resume from, and every token already followed.
struct Listing {
    token: Option<String>,
    position: Position,
    seen: TokensSeen,
}

/// The continuation tokens of one listing, kept as 64-bit hashes (keyed per listing), so a
/// listing of a million pages remembers 8 MB, not every token.
#[derive(Default)]
struct TokensSeen {
    hasher: std::hash::RandomState,
    hashes: std::collections::HashSet<u64>,
}

impl TokensSeen {
    /// True the first time `token` is seen.
    fn first_time(&mut self, token: &str) -> bool {
        use std::hash::BuildHasher;
        self.hashes.insert(self.hasher.hash_one(token))
    }

    fn pages(&self) -> usize {
        self.hashes.len() + 1
    }
}
