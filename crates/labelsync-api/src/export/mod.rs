//! `GET /api/projects/{id}/export`: a project's tasks in Label Studio's `JSON` or `JSON_MIN`
//! export format, streamed page by page so a big project is never held in memory.

pub mod download;
pub mod json;
pub mod options;
pub mod stream;
