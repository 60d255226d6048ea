//! `POST /api/projects/{id}/import`: tasks uploaded as JSON, created in one transaction
//! through [`labelsync_sync::tasks::create_tasks`] (the same code storage sync uses).

pub mod create;
pub mod json;
