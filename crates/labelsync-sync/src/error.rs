//! The error of the domain writes that ask for background work, made inside the caller's
//! transaction. (A sync or export *run* has its own error, [`crate::import::SyncError`], which
//! says whether the job is retried.)

use labelsync_queue::EnqueueError;

/// Why a write that enqueues jobs failed: requesting a sync ([`crate::jobs::request_sync`]),
/// reporting annotation changes ([`crate::export::annotations_changed`]) or creating tasks
/// ([`crate::tasks::create_tasks`]). Either way the caller's transaction is to be rolled back.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A statement failed, or putting the job on the queue did.
    #[error(transparent)]
    Database(#[from] labelsync_db::Error),
    /// The job could not be queued for a reason of its own (a payload that does not serialize:
    /// a bug).
    #[error(transparent)]
    Enqueue(EnqueueError),
}

impl From<EnqueueError> for WriteError {
    fn from(err: EnqueueError) -> Self {
        match err {
            EnqueueError::Database(err) => WriteError::Database(err),
            other => WriteError::Enqueue(other),
        }
    }
}

pub type WriteResult<T> = Result<T, WriteError>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The queue's database failure stays a database error; only its own failures are `Enqueue`.
    #[test]
    fn enqueue_errors_keep_their_kind() {
        let database = EnqueueError::Database(labelsync_db::Error::RowNotFound);
        assert!(matches!(WriteError::from(database), WriteError::Database(labelsync_db::Error::RowNotFound)));
        let source = serde_json::from_str::<i64>("x").unwrap_err();
        let serialize = EnqueueError::Serialize { job: "import_sync", source };
        assert!(matches!(WriteError::from(serialize), WriteError::Enqueue(_)));
    }
}
