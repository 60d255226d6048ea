//! What a running job can ask about its claim: is it still mine, and should I stop?

use tokio_util::sync::CancellationToken;

/// A running job's view of its claim. The runner renews the lease in the background; the
/// job only has to look at it between steps and stop when told to.
///
/// Cheap to clone; every clone sees the same state.
#[derive(Debug, Clone)]
pub struct Lease {
    job_id: i64,
    attempt: i32,
    lost: CancellationToken,
    shutdown: CancellationToken,
}

/// Why a job was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Another worker holds the job now (this one could not renew in time), so any further
    /// work would run twice.
    LeaseLost,
    /// The process is shutting down. The job is put back on the queue, without counting the
    /// attempt, if it returns an error now.
    Shutdown,
}

/// The error a job returns (through `?` on [`Lease::check`]) when it stops on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", match .0 {
    StopReason::LeaseLost => "stopped: the job's lease was lost to another worker",
    StopReason::Shutdown => "stopped: the worker is shutting down",
})]
pub struct Stopped(pub StopReason);

impl Lease {
    pub(crate) fn new(job_id: i64, attempt: i32, shutdown: CancellationToken) -> Lease {
        Lease { job_id, attempt, lost: CancellationToken::new(), shutdown }
    }

    /// The id of the job's row, e.g. to record which job produced a result.
    pub fn job_id(&self) -> i64 {
        self.job_id
    }

    /// Which attempt this is, starting at 1.
    pub fn attempt(&self) -> i32 {
        self.attempt
    }

    /// Why the job should stop, or `None` while it may carry on. A lost lease wins over
    /// shutdown: the work must not continue either way, but only a lost lease means another
    /// worker may already be doing it.
    pub fn stop_reason(&self) -> Option<StopReason> {
        if self.lost.is_cancelled() {
            Some(StopReason::LeaseLost)
        } else if self.shutdown.is_cancelled() {
            Some(StopReason::Shutdown)
        } else {
            None
        }
    }

    /// `Err(Stopped)` once the job should stop; call it between steps and propagate with `?`.
    pub fn check(&self) -> Result<(), Stopped> {
        match self.stop_reason() {
            Some(reason) => Err(Stopped(reason)),
            None => Ok(()),
        }
    }

    /// Resolves when the job should stop; for `tokio::select!` around a long await.
    pub async fn stopped(&self) -> StopReason {
        tokio::select! {
            biased;
            () = self.lost.cancelled() => StopReason::LeaseLost,
            () = self.shutdown.cancelled() => StopReason::Shutdown,
        }
    }

    pub(crate) fn mark_lost(&self) {
        self.lost.cancel();
    }
}
