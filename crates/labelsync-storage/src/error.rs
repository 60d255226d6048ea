//! Storage errors, grouped by what the user has to do about them.

/// What went wrong talking to a storage. Messages name the storage (bucket, container, path or
/// host) and the cause, and never contain a secret.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The object does not exist.
    #[error("{key} not found")]
    NotFound { key: String },

    /// The bucket, container, directory or database does not exist.
    #[error("{0}")]
    ContainerNotFound(String),

    /// The provider rejected the credentials (wrong keys, expired token, bad signature).
    #[error("{0}")]
    Unauthenticated(String),

    /// The credentials are valid but lack a permission.
    #[error("{0}")]
    PermissionDenied(String),

    /// The configuration is unusable as given (missing field, malformed credentials JSON…).
    #[error("{0}")]
    InvalidConfig(String),

    /// The endpoint or host could not be reached (DNS, refused, timeout, TLS).
    #[error("{0}")]
    Unreachable(String),

    /// The network guard refused the destination (private, loopback or metadata address).
    #[error("{0}")]
    Blocked(String),

    /// The key or path is malformed or points outside the storage (`..`, an absolute or nested
    /// export key, a path or symlink that leaves the local-files document root).
    #[error("{0}")]
    InvalidKey(String),

    /// The object is larger than the caller allows.
    #[error("{key} is larger than {limit} bytes")]
    TooLarge { key: String, limit: u64 },

    /// The provider's answer broke a bound: larger than allowed, slower than allowed, or a
    /// listing that comes back to a page it already gave. Retrying will not help until the
    /// provider (or the operator's limit) changes.
    #[error("{0}")]
    BadResponse(String),

    /// A listing checkpoint this storage cannot resume from: not one it yields, or one from
    /// another prefix or listing mode. Retrying will not help; list from the start instead.
    #[error("{0}")]
    InvalidCheckpoint(String),

    /// The requested byte range starts at or after the end of the object (HTTP 416).
    #[error("range not satisfiable for {key} ({size} bytes)")]
    RangeNotSatisfiable { key: String, size: u64 },

    /// The backend does not offer this operation (for example presigning local files).
    /// `note` is empty or starts with `": "`; build it with [`Error::not_supported`].
    #[error("{operation} is not supported by {store} storage{note}")]
    NotSupported { operation: &'static str, store: &'static str, note: &'static str },

    /// Anything else the provider reported.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// The backend `store` does not offer `operation`.
    pub fn not_supported(operation: &'static str, store: &'static str) -> Error {
        Error::NotSupported { operation, store, note: "" }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
