//! The in-process wake-up from writers to the local runner.

use std::sync::Arc;

use tokio::sync::Notify;

/// Lets code that enqueues jobs wake this process's runner right after its commit, instead
/// of waiting for the next poll. Cheap to clone; hold one in the API's state.
///
/// Waking is only a hint: with no runner in this process (`LABELSYNC_WORKERS=0`) it does
/// nothing, and workers in other processes find the job when they poll.
#[derive(Debug, Clone, Default)]
pub struct QueueHandle {
    notify: Arc<Notify>,
}

impl QueueHandle {
    /// A handle not yet connected to any runner; pass it to [`crate::Runner::with_handle`].
    pub fn new() -> QueueHandle {
        QueueHandle::default()
    }

    /// Tells the runner to look for work now. Call it after the enqueueing transaction
    /// committed: before that, the worker cannot see the job yet.
    pub fn wake(&self) {
        // `notify_one` keeps a permit when the runner is busy, so a wake-up is never lost.
        self.notify.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.notify.notified().await;
    }
}
