//! `labelsync-sync` owns labelsync's domain work between the HTTP edge and the database:
//! importing tasks (from an API upload or a storage sync), the storage sync and export jobs,
//! and resolving storage URIs for browsers.
//!
//! Start with [`tasks`] (task candidates and [`tasks::create_tasks`], shared by the import
//! API and storage sync), [`export`] (the hook every annotation change calls),
//! [`label_config`], [`crypto`] (the instance's keys) and [`webhooks`] (events emitted by the
//! writers, delivered by a job). Writes that enqueue jobs fail with
//! one [`WriteError`].

pub mod context;
pub mod crypto;
pub mod error;
pub mod events;
pub mod export;
pub mod filter;
pub mod import;
pub mod jobs;
pub mod label_config;
pub mod local_roots;
pub mod media;
pub mod reseal;
pub mod schedule;
pub mod storages;
pub mod tasks;
pub mod webhooks;
pub mod wire;

pub use error::{WriteError, WriteResult};
