//! The black-box API suite. One folder or file per route group; every scenario runs on SQLite
//! and PostgreSQL through `api_test!`.

mod annotations;
mod auth;
mod bounds;
mod cli;
mod cors;
mod errors;
mod export;
mod hostile_s3;
mod import;
mod int_ranges;
mod label_page;
mod local_files_serving;
mod local_roots;
mod media;
mod metrics;
mod openapi;
mod predictions;

mod projects;
mod secrets_at_rest;
mod storages;
mod tasks;
mod tenancy;
mod tokens;
mod webhooks;
