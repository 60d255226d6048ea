//! `/api/storages/…`: every route, kind and role.

mod crud;
mod errors;
mod local_files;
mod redis;
mod sync;
mod workers;
