//! The queue on both databases: each scenario runs on SQLite and, when `TEST_DATABASE_URL` is
//! set, on PostgreSQL. Durations are shortened through `RunnerConfig`, not a fake clock.

mod support;

mod concurrency;
mod enqueue;
mod failures;
mod fairness;
mod leases;
mod outcomes;
mod shutdown;
