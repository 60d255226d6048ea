//! `labelsync-api` is the HTTP edge: it translates Label Studio's REST API into calls on
//! `labelsync-db`, `labelsync-sync` and `labelsync-queue`, and their results back.
//!
//! Start at [`router`], the route table (it also produces the OpenAPI document). Each resource
//! is a folder with one file per operation and a `json.rs` for its wire format. Handlers load,
//! authorise ([`extract::AuthUser`]), call, and map; they hold no SQL. Every error becomes
//! Label Studio's error envelope in one place, [`error::ApiError`].

pub mod annotations;
pub mod api_doc;
pub mod auth;
pub mod conditional;
pub mod cors;
pub mod error;
pub mod export;
pub mod extract;
pub mod fields;
pub mod import;
pub mod label_page;
pub mod local_files;
pub mod media;
pub mod ops;
pub mod pagination;
pub mod predictions;
pub mod projects;
pub mod router;
pub mod slash;
pub mod state;
pub mod storages;
pub mod tasks;
pub mod tokens;
pub mod users;
pub mod webhooks;
pub mod wire;

pub use router::{build, openapi};
pub use state::{ApiConfig, AppState};

/// labelsync's own version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The Label Studio release whose API labelsync speaks.
pub const LABEL_STUDIO_VERSION: &str = "1.23.2";
