//! Reading task files several at a time with the bytes they hold bounded, not just their
//! number: sixteen concurrent reads of 64 MiB files would otherwise hold a gigabyte.
//!
//! Each read first reserves the size its listing gave (at least one byte, at most the
//! per-file cap) from one budget of `max_bytes_in_flight`, and reads at most that many
//! bytes; the reservation is released when the caller drops it, after the file is parsed.
//! Reservations are taken one file after another, in the order the files are consumed, so
//! the oldest read always holds what it needs and the pipeline cannot deadlock.

use std::sync::Arc;

use bytes::Bytes;
use labelsync_storage::{Error as StorageError, ImportStorage};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bytes are counted in units of this size: tokio's semaphore takes at most `u32::MAX`
/// permits at once.
const UNIT: u64 = 1024;

/// The bytes the task files being read may hold together.
#[derive(Debug, Clone)]
pub(super) struct FetchBudget {
    permits: Arc<Semaphore>,
    capacity_units: u32,
    max_object_bytes: u64,
}

/// Bytes set aside for one read; dropping it gives them back.
#[derive(Debug)]
pub(super) struct Reservation {
    bytes: u64,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Reservation {
    /// For an object that is not read at all.
    pub(super) fn none() -> Reservation {
        Reservation { bytes: 0, _permit: None }
    }
}

impl FetchBudget {
    /// A budget of `bytes_in_flight`, raised to one file of `max_object_bytes` if smaller
    /// (a file at the cap must be readable).
    pub(super) fn new(bytes_in_flight: u64, max_object_bytes: u64) -> FetchBudget {
        let capacity = bytes_in_flight.max(max_object_bytes).max(1);
        let capacity_units = u32::try_from(capacity.div_ceil(UNIT)).unwrap_or(u32::MAX);
        FetchBudget {
            permits: Arc::new(Semaphore::new(capacity_units as usize)),
            capacity_units,
            max_object_bytes,
        }
    }

    /// Waits until the `listed_size` of a file (clamped to 1 byte … the per-file cap) fits
    /// the budget, and sets it aside.
    pub(super) async fn reserve(&self, listed_size: u64) -> Reservation {
        let bytes = listed_size.clamp(1, self.max_object_bytes.max(1));
        let units = u32::try_from(bytes.div_ceil(UNIT)).unwrap_or(u32::MAX).min(self.capacity_units);
        // The semaphore lives as long as the budget and is never closed.
        let permit = self.permits.clone().acquire_many_owned(units).await.ok();
        Reservation { bytes, _permit: permit }
    }
}

/// Reads `key` within what `reservation` set aside. An object larger than its listed size
/// (it changed after the listing) is refused like one over the cap, with a message saying
/// so; it has no link yet, so the next sync reads it.
pub(super) async fn read(
    import: &dyn ImportStorage,
    key: &str,
    reservation: &Reservation,
    max_object_bytes: u64,
) -> Result<Bytes, StorageError> {
    match import.get(key, reservation.bytes).await {
        Err(StorageError::TooLarge { .. }) if reservation.bytes < max_object_bytes => {
            Err(StorageError::Other(format!(
                "{key} is larger than the {} bytes it was listed with (it changed during the sync; the \
                 next sync reads it)",
                reservation.bytes
            )))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reservations are clamped to one byte … the per-file cap and wait while the budget is
    /// spent; giving one back lets the next one through.
    #[tokio::test]
    async fn reservations_are_bounded() {
        let budget = FetchBudget::new(10 * UNIT, 4 * UNIT);
        assert_eq!(budget.reserve(0).await.bytes, 1);
        let big = budget.reserve(u64::MAX).await;
        assert_eq!(big.bytes, 4 * UNIT);
        let held = [budget.reserve(4 * UNIT).await, budget.reserve(2 * UNIT).await];
        assert_eq!(budget.permits.available_permits(), 0);
        let waiting = tokio::spawn({
            let budget = budget.clone();
            async move { budget.reserve(UNIT).await.bytes }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(big);
        assert_eq!(waiting.await.expect("reserved"), UNIT);
        drop(held);
        assert_eq!(budget.permits.available_permits(), 10);
    }

    /// A budget smaller than one file at the cap grows to fit it.
    #[test]
    fn budget_fits_one_file_at_the_cap() {
        let budget = FetchBudget::new(UNIT, 8 * UNIT);
        assert_eq!(budget.capacity_units, 8);
    }
}
