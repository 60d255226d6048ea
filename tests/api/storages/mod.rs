//! `/api/storages/…`: every route, kind and role.

mod checkpoints;
mod credentials;
mod crud;
mod destinations;
mod errors;
mod events;
mod events_auth;
mod fairness;
mod lifecycle;
mod local_files;
mod ownership;
mod parallel;
mod policies;
mod redis;
mod schedule;
mod schemas;
mod slow_redis;
mod sync;
mod workers;
mod workers_in_process;
