#![doc = include_str!("../README.md")]
#![warn(missing_docs, unreachable_pub)]

mod config;
mod handle;
mod job;
mod lease;
mod runner;
mod worker;

pub use config::RunnerConfig;
pub use handle::QueueHandle;
pub use job::{EnqueueError, Job, Permanent, enqueue, enqueue_at, live_job, run_waiting_now};
pub use lease::{Lease, StopReason, Stopped};
pub use runner::{Drained, RunHandle, Runner};
