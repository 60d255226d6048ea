//! Task files ("tasks" mode): reading them several at a time within a byte budget (see
//! [`super::fetch`]), and turning each into task candidates, all or none of a file.

use bytes::Bytes;
use futures::{Stream, StreamExt};
use labelsync_storage::{Error as StorageError, ObjectMeta};

use super::fetch::{self, FetchBudget, Reservation};
use super::plan::Plan;
use super::status::Progress;
use super::{SyncError, parse, storage_failure};
use crate::context::SyncContext;
use crate::tasks::{TaskCandidate, TaskSource, candidate_from_object, parse_task_json};

/// Why a file was not read.
pub(super) enum FileError {
    /// Not a task file (its extension says so).
    Skip(String),
    Read(StorageError),
}

/// One file read (or not), with its bytes' reservation in the budget: dropping it after the
/// file is parsed lets the next reads through.
pub(super) type ReadFile = (ObjectMeta, Result<Bytes, FileError>, Reservation);

/// Reads `objects` with bounded concurrency and bounded bytes in flight, in order.
pub(super) fn read_files<'a>(
    ctx: &'a SyncContext,
    plan: &'a Plan,
    objects: Vec<ObjectMeta>,
) -> impl Stream<Item = ReadFile> + 'a {
    let max = ctx.settings.max_object_bytes;
    let budget = FetchBudget::new(ctx.settings.max_bytes_in_flight, max);
    futures::stream::iter(objects)
        // Reserved one file after another, in the order the files are consumed.
        .then(move |object| {
            let budget = budget.clone();
            async move {
                let reservation = match parse::unsupported_extension(&object.key) {
                    Some(_) => Reservation::none(),
                    None => budget.reserve(object.size).await,
                };
                (object, reservation)
            }
        })
        .map(move |(object, reservation)| async move {
            if let Some(reason) = parse::unsupported_extension(&object.key) {
                return (object, Err(FileError::Skip(reason)), reservation);
            }
            let read = fetch::read(plan.import.as_ref(), &object.key, &reservation, max).await;
            (object, read.map_err(FileError::Read), reservation)
        })
        .buffered(ctx.settings.fetch_concurrency.max(1))
}

/// The file's bytes, or `None` when it failed on its own (recorded in `progress`); an
/// unreachable or refusing storage fails the sync.
pub(super) fn bytes_or_record(
    progress: &mut Progress,
    key: &str,
    read: Result<Bytes, FileError>,
) -> Result<Option<Bytes>, SyncError> {
    match read {
        Ok(bytes) => Ok(Some(bytes)),
        Err(FileError::Skip(reason)) => {
            progress.record_error(key, &reason);
            Ok(None)
        }
        Err(FileError::Read(err @ (StorageError::Unreachable(_) | StorageError::Unauthenticated(_)))) => {
            Err(storage_failure(err))
        }
        Err(FileError::Read(other)) => {
            progress.record_error(key, &other.to_string());
            Ok(None)
        }
    }
}

/// Every row of one task file as candidates, or why the file cannot be imported.
pub(super) fn candidates_of(object: &ObjectMeta, bytes: &[u8]) -> Result<Vec<TaskCandidate>, String> {
    let rows = parse_task_json(bytes, &object.key).map_err(|e| e.to_string())?;
    let version = object.version();
    rows.into_iter()
        .map(|(row, row_index)| {
            let source = TaskSource { key: object.key.clone(), row_index, version: version.clone() };
            candidate_from_object(row, source).map_err(|e| e.to_string())
        })
        .collect()
}
