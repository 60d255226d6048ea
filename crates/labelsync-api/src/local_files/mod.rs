//! `GET /data/local-files/?d=<path relative to the document root>`: the files of local-files
//! import storages, served to the browser that shows them in tasks (`docs/label-studio-api.md`
//! §8.3; how labelsync differs: §10.2, §10.10).
//!
//! [`serve`] is the operation; [`access`] decides which file `d` names and whether the caller may
//! read it (a local root of the caller's organization and one of its local-files import storages
//! must cover it); [`roots`] is the gate every local-files storage operation passes first;
//! [`crate::conditional`] reads `If-None-Match`, `If-Range` and `Range`.
//!
//! Deliberate differences from Label Studio: a path that escapes the document root is 404, not
//! 500; another organization's file is 404 like a missing one; every error body is the JSON
//! envelope; multi-range requests get the whole file (200) instead of a multipart answer.

pub mod access;
pub mod roots;
pub mod serve;
