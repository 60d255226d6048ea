//! Configuration: command-line flags, each with an environment variable of the same meaning.
//! Label Studio's own variable names are kept where Label Studio has one.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use labelsync_db::server_credentials::BACKENDS;

#[derive(Debug, Parser)]
#[command(
    name = "labelsync",
    version,
    about = "A Label Studio-compatible storage API server",
    long_about = "A Label Studio-compatible storage API server. Without a subcommand it runs \
                  `serve`, and accepts serve's flags.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    /// Flags of `serve`, for when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (and, by default, job workers). The default command.
    Serve(Box<ServeArgs>),
    /// Run job workers only, without the HTTP API.
    Worker(Box<WorkerArgs>),
    /// Apply database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Manage organizations, users and tokens.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Client: list, show, add, validate and remove a server's storages through its API
    /// (labelsync's or Label Studio's).
    Storage(Box<crate::client::args::StorageArgs>),
    /// Client: sync a storage; with --wait, until it ends (exit 0 completed, 3 completed with
    /// errors, 1 failed, 4 timed out, 2 usage, auth or connection error).
    Sync(Box<crate::client::args::SyncArgs>),
    /// Client: download a project's export (JSON, JSON_MIN or CSV).
    Export(Box<crate::client::args::ExportArgs>),
}

/// Settings every subcommand shares (the client commands ignore them; their help lists them last).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Server options")]
pub struct Common {
    /// Database: `sqlite://path?mode=rwc` (embedded default) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://labelsync.db?mode=rwc", global = true)]
    pub database_url: String,
    /// Maximum database connections of this process.
    #[arg(long, env = "LABELSYNC_DB_MAX_CONNECTIONS", default_value_t = 16, global = true)]
    pub db_max_connections: u32,
    /// Master secret: encrypts storage secrets at rest and signs API tokens; at least 32 bytes.
    /// When unset, one is generated on first start and kept in the database.
    #[arg(long, env = "LABELSYNC_SECRET_KEY", hide_env_values = true, global = true)]
    pub secret_key: Option<String>,
    /// Log format.
    #[arg(long, env = "LABELSYNC_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human, global = true)]
    pub log_format: LogFormat,
    /// Log filter (tracing `EnvFilter` syntax).
    #[arg(long, env = "LABELSYNC_LOG", default_value = "info,sqlx=warn", global = true)]
    pub log: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

/// Settings of job workers (in `serve` and in `worker`).
#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    /// Number of concurrent job workers in this process (0 = none).
    #[arg(long, env = "LABELSYNC_WORKERS", default_value_t = 2)]
    pub workers: usize,
    /// How long a claimed job is held without renewal before another worker may take it over
    /// (a crashed worker's job restarts after this), in seconds.
    #[arg(long, env = "LABELSYNC_JOB_LEASE_SECS", default_value_t = 60)]
    pub job_lease_secs: u64,
    /// How often idle workers look for jobs enqueued by other processes, in milliseconds.
    #[arg(long, env = "LABELSYNC_JOB_POLL_MS", default_value_t = 1000)]
    pub job_poll_ms: u64,
    /// Jobs of one organization running at once, counted across every process sharing the
    /// database; this process claims a job only while its organization runs fewer. 0 (the
    /// default): half of this process's workers, at least 1.
    #[arg(long, env = "LABELSYNC_MAX_RUNNING_JOBS_PER_ORG", default_value_t = 0)]
    pub max_running_jobs_per_org: usize,
    /// Listed objects written per transaction during an import sync.
    #[arg(long, env = "LABELSYNC_SYNC_BATCH_SIZE", default_value_t = 1000)]
    pub sync_batch_size: usize,
    /// Task-JSON objects fetched concurrently during an import sync.
    #[arg(long, env = "LABELSYNC_SYNC_FETCH_CONCURRENCY", default_value_t = 16)]
    pub sync_fetch_concurrency: usize,
    /// Largest task-JSON object an import sync reads; larger ones are recorded as errors.
    #[arg(long, env = "LABELSYNC_MAX_TASK_FILE_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_task_file_bytes: u64,
    /// Bytes of task-JSON objects one import sync may hold while reading them concurrently
    /// (raised to one file of the maximum size if smaller).
    #[arg(long, env = "LABELSYNC_SYNC_MAX_BYTES_IN_FLIGHT", default_value_t = 256 * 1024 * 1024)]
    pub sync_max_bytes_in_flight: u64,
    /// The shortest `sync_interval_seconds` an import storage may be given (scheduled syncs).
    #[arg(long, env = "LABELSYNC_MIN_SYNC_INTERVAL_SECS", default_value_t = 60)]
    pub min_sync_interval_secs: i64,
    /// How long one webhook delivery attempt may take, in seconds (Label Studio's name).
    #[arg(long, env = "WEBHOOK_TIMEOUT", default_value_t = 10.0)]
    pub webhook_timeout: f64,
    #[command(flatten)]
    pub storage: StorageArgs,
}

/// Settings of storage connections (used by the API and by workers).
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Refuse connections to private, loopback and link-local addresses from tenant-supplied
    /// endpoints and hosts (S3 endpoint, Redis host). Label Studio's variable.
    #[arg(long, env = "SSRF_PROTECTION_ENABLED", default_value_t = true, action = ArgAction::Set)]
    pub ssrf_protection_enabled: bool,
    /// Hosts (or host:port) exempt from SSRF protection, comma-separated.
    #[arg(long, env = "LABELSYNC_OUTBOUND_ALLOW_HOSTS", value_delimiter = ',')]
    pub outbound_allow_hosts: Vec<String>,
    /// Serve files of local-files storages. Label Studio's variable.
    #[arg(long, env = "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED", default_value_t = false, action = ArgAction::Set)]
    pub local_files_serving_enabled: bool,
    /// Directory that every local-files storage path must lie under. Label Studio's variable.
    #[arg(long, env = "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT", default_value = "/")]
    pub local_files_document_root: PathBuf,
    /// Absolute base URL written into task data (e.g. local-files URLs). Label Studio's variable.
    #[arg(long, env = "LABEL_STUDIO_HOST")]
    pub label_studio_host: Option<String>,
    /// Default endpoint of S3 storages that set none (operator-trusted). Label Studio's variable.
    #[arg(long, env = "S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// Default region of S3 storages that set none (else us-east-1).
    #[arg(long, env = "S3_REGION")]
    pub s3_region: Option<String>,
    /// STS endpoint for `role_arn` storages (default: AWS's).
    #[arg(long, env = "LABELSYNC_STS_ENDPOINT")]
    pub sts_endpoint: Option<String>,
    /// Azure account of storages that set none. Label Studio's variable.
    #[arg(long, env = "AZURE_BLOB_ACCOUNT_NAME", hide_env_values = true)]
    pub azure_blob_account_name: Option<String>,
    /// Azure account key of storages that set none. Label Studio's variable.
    #[arg(long, env = "AZURE_BLOB_ACCOUNT_KEY", hide_env_values = true)]
    pub azure_blob_account_key: Option<String>,
    /// Azure Blob endpoint override, e.g. Azurite's `http://127.0.0.1:10000/{account}`.
    #[arg(long, env = "LABELSYNC_AZURE_BLOB_ENDPOINT")]
    pub azure_blob_endpoint: Option<String>,
    /// Google Cloud Storage endpoint override (an emulator such as fake-gcs-server).
    #[arg(long, env = "STORAGE_EMULATOR_HOST")]
    pub storage_emulator_host: Option<String>,
    #[command(flatten)]
    pub outbound: OutboundArgs,
}

/// Bounds on requests to storage providers, and the proxy they use.
#[derive(Debug, Clone, Args)]
pub struct OutboundArgs {
    /// How long connecting to a storage provider may take, in seconds.
    #[arg(long, env = "LABELSYNC_OUTBOUND_CONNECT_TIMEOUT_SECS", default_value_t = 5.0)]
    pub outbound_connect_timeout_secs: f64,
    /// How long one request to a storage provider may take with its answer read whole (a
    /// listing page, a task file), in seconds.
    #[arg(long, env = "LABELSYNC_OUTBOUND_TIMEOUT_SECS", default_value_t = 60.0)]
    pub outbound_timeout_secs: f64,
    /// Largest listing page or error answer read from a storage provider, in bytes.
    #[arg(long, env = "LABELSYNC_OUTBOUND_MAX_RESPONSE_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub outbound_max_response_bytes: u64,
    /// How many sub-prefixes (local files: directories) one recursive sync lists at once;
    /// 1 lists sequentially.
    #[arg(long, env = "LABELSYNC_LIST_CONCURRENCY", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub list_concurrency: u16,
    /// The proxy every HTTP request to a storage provider goes through. Unset: direct
    /// connections; `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` are ignored either way.
    #[arg(long, env = "LABELSYNC_OUTBOUND_PROXY", value_parser = check_proxy)]
    pub outbound_proxy: Option<String>,
}

impl Default for OutboundArgs {
    fn default() -> Self {
        let limits = labelsync_storage::guard::OutboundLimits::default();
        OutboundArgs {
            outbound_connect_timeout_secs: limits.connect_timeout.as_secs_f64(),
            outbound_timeout_secs: limits.request_timeout.as_secs_f64(),
            outbound_max_response_bytes: limits.max_response_bytes,
            list_concurrency: limits.list_concurrency as u16,
            outbound_proxy: None,
        }
    }
}

impl OutboundArgs {
    /// The limits; timeouts are held between a millisecond and a year.
    pub fn limits(&self) -> labelsync_storage::guard::OutboundLimits {
        // NaN becomes the lower bound, so the conversion cannot panic.
        let secs = |s: f64| {
            let s = if s.is_nan() { 0.0 } else { s };
            std::time::Duration::from_secs_f64(s.clamp(0.001, 365.0 * 86_400.0))
        };
        labelsync_storage::guard::OutboundLimits {
            connect_timeout: secs(self.outbound_connect_timeout_secs),
            request_timeout: secs(self.outbound_timeout_secs),
            max_response_bytes: self.outbound_max_response_bytes.max(1),
            list_concurrency: usize::from(self.list_concurrency.max(1)),
        }
    }

    /// The proxy as a URL (checked when the flag was read).
    pub fn proxy(&self) -> Option<url::Url> {
        self.outbound_proxy.as_deref().and_then(|p| labelsync_storage::guard::parse_proxy(p).ok())
    }
}

fn check_proxy(text: &str) -> Result<String, String> {
    labelsync_storage::guard::parse_proxy(text).map(String::from).map_err(|e| e.to_string())
}

impl StorageArgs {
    /// The operator-level storage defaults the sync engine and API share.
    pub fn storage_env(&self) -> labelsync_sync::storages::StorageEnv {
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        labelsync_sync::storages::StorageEnv {
            s3_endpoint: nonempty(&self.s3_endpoint),
            s3_region: nonempty(&self.s3_region),
            sts_endpoint: nonempty(&self.sts_endpoint),
            azure_account_name: nonempty(&self.azure_blob_account_name),
            azure_account_key: nonempty(&self.azure_blob_account_key),
            azure_endpoint: nonempty(&self.azure_blob_endpoint),
            gcs_endpoint: nonempty(&self.storage_emulator_host),
            local_files_document_root: self.local_files_document_root.clone(),
            local_files_serving_enabled: self.local_files_serving_enabled,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LABELSYNC_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Email of the administrator created on first start.
    #[arg(long, env = "LABELSYNC_ADMIN_EMAIL", default_value = "admin@localhost")]
    pub admin_email: String,
    /// Legacy API token of the administrator created on first start (otherwise generated and
    /// printed once).
    #[arg(long, env = "LABELSYNC_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "LABELSYNC_MAX_BODY_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Resolve a storage URI only when it lies under the storage's prefix.
    #[arg(long, env = "LABELSYNC_RESOLVE_WITHIN_PREFIX", default_value_t = false, action = ArgAction::Set)]
    pub resolve_within_prefix: bool,
    /// Longest `label_config` a project may be given, in bytes.
    #[arg(long, env = "LABELSYNC_MAX_LABEL_CONFIG_BYTES", default_value_t = 1024 * 1024)]
    pub max_label_config_bytes: usize,
    /// Lifetime of access tokens from `/api/token/refresh`, in seconds.
    #[arg(long, env = "LABELSYNC_ACCESS_TOKEN_TTL", default_value_t = 300)]
    pub access_token_ttl: i64,
    /// When set, `/metrics` answers only requests with `Authorization: Bearer <this token>`.
    #[arg(long, env = "LABELSYNC_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Browser origins allowed to call the API, the resolve endpoints and `/data/local-files/`
    /// (comma-separated `scheme://host[:port]`, or `*`); empty: no CORS headers.
    #[arg(long, env = "LABELSYNC_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Label Studio's editor build (the `build/` directory of npm `@heartexlabs/label-studio`),
    /// served at `/editor/` for the labeling page (`/projects/{id}/label`); unset, the page
    /// loads the editor from a public CDN.
    #[arg(long, env = "LABELSYNC_EDITOR_DIR")]
    pub editor_dir: Option<PathBuf>,
    #[command(flatten)]
    pub worker: WorkerArgs,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an organization; prints its id.
    CreateOrg {
        #[arg(long)]
        title: String,
    },
    /// Create a user in an organization (or change the role of an existing member).
    CreateUser {
        #[arg(long)]
        email: String,
        /// Organization id.
        #[arg(long)]
        org: i64,
        #[arg(long, value_parser = ["administrator", "manager", "annotator"], default_value = "annotator")]
        role: String,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
    },
    /// Issue a new legacy API token for a user (replacing the old one); prints it once.
    CreateToken {
        #[arg(long)]
        email: String,
    },
    /// List organizations.
    ListOrgs,
    /// Grant an organization a directory for its local-files storages. The directory must exist
    /// and lie under LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT (its real path too).
    GrantLocalRoot {
        /// Organization id.
        #[arg(long)]
        org: i64,
        /// Absolute path of the directory.
        #[arg(long)]
        path: String,
        /// The server's document root (the same setting as `serve`'s).
        #[arg(long, env = "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT", default_value = "/")]
        local_files_document_root: PathBuf,
    },
    /// Revoke a granted directory; its storages stop serving and syncing at once.
    RevokeLocalRoot {
        /// Organization id.
        #[arg(long)]
        org: i64,
        /// The path as granted (normalized the same way; it need not exist any more).
        #[arg(long)]
        path: String,
    },
    /// List granted directories (of one organization, or all), tab-separated: org id, path.
    ListLocalRoots {
        /// Organization id.
        #[arg(long)]
        org: Option<i64>,
    },
    /// Let an organization's storages use the server's own credentials for one backend (s3: the
    /// AWS default chain, role assumption with it, S3_ENDPOINT/S3_REGION; gcs: Application
    /// Default Credentials; azure: AZURE_BLOB_ACCOUNT_NAME/KEY).
    GrantServerCredentials {
        /// Organization id.
        #[arg(long)]
        org: i64,
        #[arg(long, value_parser = backend_names())]
        backend: String,
    },
    /// Withdraw a grant of server credentials (the organization's storages then need their own).
    RevokeServerCredentials {
        /// Organization id.
        #[arg(long)]
        org: i64,
        #[arg(long, value_parser = backend_names())]
        backend: String,
    },
    /// List grants of server credentials (organization, backend, external id).
    ListServerCredentials,
}

/// `--backend`: one of the grantable backends' names (the admin command parses it into its
/// [`labelsync_db::server_credentials::CredentialBackend`]).
fn backend_names() -> PossibleValuesParser {
    PossibleValuesParser::new(BACKENDS.iter().map(|b| b.as_str()))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// The flag definitions are consistent (clap's own check).
    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
