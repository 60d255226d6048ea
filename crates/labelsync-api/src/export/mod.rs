//! `GET /api/projects/{id}/export`: a project's tasks in Label Studio's `JSON`, `JSON_MIN` or
//! `CSV` export format, streamed page by page so a big project is never held in memory.

pub mod csv;
pub mod download;
pub mod json;
pub mod options;
pub mod stream;
