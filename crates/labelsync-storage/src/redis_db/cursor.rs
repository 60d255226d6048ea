//! Redis listing checkpoints: `{cursor}:{prefix}`, the `SCAN` cursor to go on from (decimal)
//! and the storage's prefix, or `end:{prefix}` once the scan is complete.
//!
//! A cursor is a position in the database's key space, not a server-side session, so it stays
//! valid in another process and after a restart of the server; Redis's `SCAN` guarantee (every
//! key present for the whole scan is returned at least once) holds across the resume, and so
//! does its allowance to return a key more than once. The prefix is kept so that a checkpoint
//! of another storage is refused instead of skipping this one's keys.

use super::RedisStorage;
use crate::{Error, Result};

const END: &str = "end";

/// The checkpoint after a page whose next cursor is `next` (0: the scan is complete).
pub(super) fn checkpoint(storage: &RedisStorage, next: u64) -> String {
    let prefix = storage.prefix.as_deref().unwrap_or_default();
    match next {
        0 => format!("{END}:{prefix}"),
        cursor => format!("{cursor}:{prefix}"),
    }
}

/// The cursor to resume from, `None` when the scan was complete.
pub(super) fn parse(storage: &RedisStorage, checkpoint: &str) -> Result<Option<u64>> {
    let invalid = |why: &str| {
        Error::InvalidCheckpoint(format!(
            "{storage}: cannot resume the listing from checkpoint {checkpoint:?}: {why}"
        ))
    };
    let Some((position, prefix)) = checkpoint.split_once(':') else {
        return Err(invalid("not a checkpoint of this storage"));
    };
    if prefix != storage.prefix.as_deref().unwrap_or_default() {
        return Err(invalid("it belongs to a listing of another prefix"));
    }
    match position {
        END => Ok(None),
        cursor => match cursor.parse::<u64>() {
            Ok(cursor) => Ok(Some(cursor)),
            Err(_) => Err(invalid("not a checkpoint of this storage")),
        },
    }
}
