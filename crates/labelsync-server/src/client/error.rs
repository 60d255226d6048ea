//! Why a client command stopped, and the exit code a pipeline acts on.

use std::process::ExitCode;

/// How a client command ended. The numbers are the CLI's contract with pipelines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done (a sync: `completed`).
    Success = 0,
    /// The operation failed (a sync: `failed`; a storage that does not validate; a server error).
    Failed = 1,
    /// Bad usage, a refused key, an unreachable server, or a request the server rejected.
    Usage = 2,
    /// A sync ended `completed_with_errors`.
    CompletedWithErrors = 3,
    /// `--timeout` ran out while waiting.
    TimedOut = 4,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// An error of a client command; [`CliError::exit`] says which exit code it gives.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot reach {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("the server refused the API key ({status}: {message}); check --api-key / LABEL_STUDIO_API_KEY")]
    Auth { status: u16, message: String },
    /// The server answered with an error status.
    #[error("{status}: {message}")]
    Api { status: u16, message: String },
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Usage(_) | CliError::Connect { .. } | CliError::Auth { .. } => Exit::Usage,
            CliError::Api { status, .. } if *status < 500 => Exit::Usage,
            CliError::Api { .. } | CliError::Failed(_) => Exit::Failed,
        }
    }

    /// Whether waiting may go on after it (a server restarting, a dropped connection).
    pub fn is_transient(&self) -> bool {
        matches!(self, CliError::Connect { .. })
            || matches!(self, CliError::Api { status, .. } if *status >= 500)
    }
}

/// Replaces every given secret in a text by `***`: what the CLI prints never shows a secret, even
/// if a server echoes one in an error.
#[derive(Debug, Default, Clone)]
pub struct Redact(Vec<String>);

impl Redact {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redact {
        // Only secrets long enough not to blank out ordinary words.
        Redact(secrets.into_iter().filter(|s| s.trim().len() >= 4).collect())
    }

    pub fn text(&self, text: &str) -> String {
        self.0.iter().fold(text.to_owned(), |text, secret| text.replace(secret.as_str(), "***"))
    }
}
