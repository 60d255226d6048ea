//! The client commands' flags. Every flag of a storage field is named after Label Studio's field
//! (`--regex-filter` is `regex_filter`), so the API reference documents them too.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Subcommand, ValueEnum};
use labelsync_types::StorageKind;

/// Where the server is and who calls it; the variables are the Label Studio SDK's.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Base URL of the server (labelsync or Label Studio).
    #[arg(long, env = "LABEL_STUDIO_URL", default_value = "http://127.0.0.1:8080", global = true)]
    pub url: String,
    /// API key: a legacy token, or a personal access token (a JWT refresh token, exchanged at
    /// `/api/token/refresh/` for access tokens).
    #[arg(long, env = "LABEL_STUDIO_API_KEY", hide_env_values = true, global = true)]
    pub api_key: Option<String>,
}

/// A storage named as `TYPE/ID`, e.g. `s3/3` or `localfiles/12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageRef {
    pub kind: StorageKind,
    pub id: i64,
}

impl FromStr for StorageRef {
    type Err = String;

    fn from_str(text: &str) -> Result<StorageRef, String> {
        let usage = || format!("expected TYPE/ID (e.g. s3/3), got `{text}`");
        let (kind, id) = text.split_once('/').ok_or_else(usage)?;
        let kind = kind_of(kind)?;
        let id = id.parse().ok().filter(|id| *id > 0).ok_or_else(usage)?;
        Ok(StorageRef { kind, id })
    }
}

impl std::fmt::Display for StorageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.id)
    }
}

/// `--type` and `add TYPE`: one of the five kinds.
pub fn kind_of(text: &str) -> Result<StorageKind, String> {
    StorageKind::parse(text).ok_or_else(|| {
        let names: Vec<&str> = StorageKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("unknown storage type `{text}` (one of {})", names.join(", "))
    })
}

/// `labelsync storage …`.
#[derive(Debug, Args)]
pub struct StorageArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(subcommand)]
    pub command: StorageCommand,
}

#[derive(Debug, Subcommand)]
pub enum StorageCommand {
    /// List a project's storages (every kind, or one).
    List {
        /// Project id.
        #[arg(long)]
        project: i64,
        /// Only storages of this kind (s3, gcs, azure, redis, localfiles).
        #[arg(long = "type", value_parser = kind_of)]
        kind: Option<StorageKind>,
        #[command(flatten)]
        common: StorageCommon,
    },
    /// Show one storage.
    Get {
        /// The storage as TYPE/ID.
        storage: StorageRef,
        #[command(flatten)]
        common: StorageCommon,
    },
    /// Create a storage; prints its TYPE/ID.
    Add {
        /// s3, gcs, azure, redis or localfiles.
        #[arg(value_parser = kind_of)]
        kind: StorageKind,
        /// Project id.
        #[arg(long)]
        project: i64,
        #[command(flatten)]
        fields: StorageFields,
        #[command(flatten)]
        secrets: SecretArgs,
        #[command(flatten)]
        common: StorageCommon,
    },
    /// Check a stored storage (TYPE/ID), or a configuration given as `add`'s flags (TYPE
    /// --project P …), without saving anything. Exit 0 when valid, 1 when not.
    Validate {
        /// TYPE/ID of a stored storage, or a TYPE with `add`'s flags.
        target: String,
        /// Project id (with a TYPE).
        #[arg(long)]
        project: Option<i64>,
        #[command(flatten)]
        fields: StorageFields,
        #[command(flatten)]
        secrets: SecretArgs,
        #[command(flatten)]
        common: StorageCommon,
    },
    /// Delete a storage (its tasks stay).
    Remove {
        /// The storage as TYPE/ID.
        storage: StorageRef,
        #[command(flatten)]
        common: StorageCommon,
    },
}

/// Flags every storage command has.
#[derive(Debug, Clone, Args)]
pub struct StorageCommon {
    /// Export (target) storages instead of import (source) storages.
    #[arg(long)]
    pub export: bool,
    /// Print the server's JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The fields `add` and `validate` send; each only for the kinds that have it.
#[derive(Debug, Clone, Default, Args)]
pub struct StorageFields {
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// s3, gcs.
    #[arg(long)]
    pub bucket: Option<String>,
    /// s3, gcs, azure.
    #[arg(long)]
    pub prefix: Option<String>,
    /// Only keys matching this regular expression.
    #[arg(long)]
    pub regex_filter: Option<String>,
    /// One task per object, with the object's URL (otherwise every object is task JSON).
    #[arg(long)]
    pub use_blob_urls: bool,
    /// List sub-folders too (import; s3, gcs, azure, localfiles).
    #[arg(long)]
    pub recursive_scan: bool,
    /// Delete exported objects when their annotation is deleted (export).
    #[arg(long)]
    pub can_delete_objects: bool,
    /// s3: endpoint of an S3-compatible store.
    #[arg(long)]
    pub s3_endpoint: Option<String>,
    /// s3: region (`region_name`).
    #[arg(long)]
    pub region: Option<String>,
    /// gcs.
    #[arg(long)]
    pub google_project_id: Option<String>,
    /// azure.
    #[arg(long)]
    pub container: Option<String>,
    /// redis.
    #[arg(long)]
    pub host: Option<String>,
    /// redis.
    #[arg(long)]
    pub port: Option<u16>,
    /// redis: database number.
    #[arg(long)]
    pub db: Option<u16>,
    /// localfiles: the directory; redis: the key prefix.
    #[arg(long)]
    pub path: Option<String>,
}

/// Secrets, from flags or the environment (never echoed). `--secret-stdin` reads the kind's main
/// secret from standard input instead.
#[derive(Debug, Clone, Default, Args)]
pub struct SecretArgs {
    /// s3.
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    pub aws_access_key_id: Option<String>,
    /// s3.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub aws_secret_access_key: Option<String>,
    /// s3.
    #[arg(long, env = "AWS_SESSION_TOKEN", hide_env_values = true)]
    pub aws_session_token: Option<String>,
    /// gcs: a service account key file; its contents are sent.
    #[arg(long, env = "GOOGLE_APPLICATION_CREDENTIALS")]
    pub google_application_credentials: Option<PathBuf>,
    /// azure (write-only, like the key).
    #[arg(long, env = "AZURE_STORAGE_ACCOUNT", hide_env_values = true)]
    pub account_name: Option<String>,
    /// azure.
    #[arg(long, env = "AZURE_STORAGE_KEY", hide_env_values = true)]
    pub account_key: Option<String>,
    /// redis.
    #[arg(long, env = "REDIS_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Read the kind's secret from standard input (s3: the secret access key; gcs: the
    /// credentials JSON; azure: the account key; redis: the password).
    #[arg(long)]
    pub secret_stdin: bool,
}

/// `labelsync sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// The storage as TYPE/ID.
    pub storage: StorageRef,
    /// An export (target) storage.
    #[arg(long)]
    pub export: bool,
    /// Wait for the sync to end; the exit code says how it ended (0 completed, 3 completed
    /// with errors, 1 failed, 4 timed out).
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this many seconds (exit 4; the sync goes on).
    #[arg(long, requires = "wait")]
    pub timeout: Option<f64>,
    /// Seconds between two looks at the storage while waiting.
    #[arg(long, default_value_t = 1.0)]
    pub interval: f64,
    /// Print the storage's JSON (the final one with `--wait`) instead of a summary.
    #[arg(long)]
    pub json: bool,
}

/// `labelsync export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Project id.
    pub project: i64,
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Include tasks without annotations.
    #[arg(long)]
    pub all_tasks: bool,
}

/// Label Studio's `exportType` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    #[value(name = "JSON")]
    Json,
    #[value(name = "JSON_MIN")]
    JsonMin,
    #[value(name = "CSV")]
    Csv,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Json => "JSON",
            ExportFormat::JsonMin => "JSON_MIN",
            ExportFormat::Csv => "CSV",
        }
    }
}
