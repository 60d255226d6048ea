//! The runner's knobs and the retry arithmetic.

use std::time::Duration;

/// How a [`crate::Runner`] claims, renews, retries and stops. Tests shorten the durations
/// instead of faking a clock.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Jobs run at the same time in this process; 0 starts no workers.
    pub workers: usize,
    /// How long a claim lasts without renewal. The runner renews every third of it, so a
    /// job is re-run by another worker at most this long after its worker died.
    pub lease: Duration,
    /// How often an idle runner looks for jobs that other processes enqueued, or whose
    /// lease expired. Wake-ups from this process's [`crate::QueueHandle`] come sooner.
    pub poll_interval: Duration,
    /// Delay before the first retry; it doubles with each further failed attempt.
    pub backoff_base: Duration,
    /// Upper bound of the retry delay.
    pub backoff_max: Duration,
    /// How long shutdown waits for running jobs to stop. Jobs still running then are
    /// abandoned; their leases expire and another worker re-runs them.
    pub shutdown_grace: Duration,
    /// Jobs of one organization running at the same time, counted over every process that
    /// shares the database; `None`: half of this runner's `workers`, at least 1. A runner
    /// claims a job only while its organization runs fewer, and prefers organizations that
    /// run the fewest, so one tenant's long jobs cannot hold every worker.
    pub max_running_per_org: Option<usize>,
}

impl Default for RunnerConfig {
    fn default() -> RunnerConfig {
        RunnerConfig {
            workers: 4,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            backoff_base: Duration::from_secs(5),
            backoff_max: Duration::from_secs(60 * 60),
            shutdown_grace: Duration::from_secs(20),
            max_running_per_org: None,
        }
    }
}

impl RunnerConfig {
    /// The wait before retrying after failed attempt number `attempt` (1-based):
    /// `backoff_base * 2^(attempt - 1)`, at most `backoff_max`.
    pub fn backoff(&self, attempt: i32) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1)).unwrap_or(0);
        let factor = 1u32.checked_shl(doublings).unwrap_or(u32::MAX);
        self.backoff_base.saturating_mul(factor).min(self.backoff_max)
    }

    /// The cap this runner claims under: [`RunnerConfig::max_running_per_org`], or half the
    /// workers (at least 1).
    pub fn per_org_cap(&self) -> usize {
        self.max_running_per_org.unwrap_or(self.workers / 2).max(1)
    }

    /// How often the lease is renewed: a third of it, so two renewals may fail in a row
    /// before it expires.
    pub(crate) fn renew_every(&self) -> Duration {
        (self.lease / 3).max(Duration::from_millis(1))
    }
}

/// `d` in whole milliseconds, the unit of the queue's columns.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Backoff doubles from the base per attempt and stops at the cap.
    #[test]
    fn backoff_doubles_then_caps() {
        let config = RunnerConfig {
            backoff_base: Duration::from_secs(5),
            backoff_max: Duration::from_secs(60),
            ..RunnerConfig::default()
        };
        let delays: Vec<u64> = (1..=6).map(|a| config.backoff(a).as_secs()).collect();
        assert_eq!(delays, [5, 10, 20, 40, 60, 60]);
        assert_eq!(config.backoff(1_000), Duration::from_secs(60));
        assert_eq!(config.backoff(0), Duration::from_secs(5));
    }

    /// The per-organization cap defaults to half the workers and is never below one.
    #[test]
    fn per_org_cap_defaults_to_half_the_workers() {
        let cap = |workers, max_running_per_org| {
            RunnerConfig { workers, max_running_per_org, ..RunnerConfig::default() }.per_org_cap()
        };
        assert_eq!((cap(2, None), cap(4, None), cap(5, None), cap(1, None), cap(0, None)), (1, 2, 2, 1, 1));
        assert_eq!((cap(4, Some(3)), cap(4, Some(0))), (3, 1));
    }

    /// A zero base retries at once, whatever the attempt.
    #[test]
    fn zero_backoff_retries_at_once() {
        let config = RunnerConfig { backoff_base: Duration::ZERO, ..RunnerConfig::default() };
        assert_eq!(config.backoff(7), Duration::ZERO);
    }
}
