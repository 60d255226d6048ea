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
        let mut forms = Vec::new();
        for secret in secrets {
            // As sent, as quoted inside JSON, and line by line (a key file's private key); only
            // parts long enough not to blank out ordinary words.
            let lines = secret.lines().map(|line| line.trim().to_owned()).filter(|line| line.len() >= 8);
            forms.extend(lines);
            let quoted = serde_json::to_string(&secret).unwrap_or_default();
            forms.push(quoted.trim_matches('"').to_owned());
            forms.push(secret);
        }
        forms.retain(|s| s.trim().len() >= 4);
        // Longest first, so that a line of a secret does not break up the whole.
        forms.sort_by_key(|s| std::cmp::Reverse(s.len()));
        forms.dedup();
        Redact(forms)
    }

    pub fn text(&self, text: &str) -> String {
        self.0.iter().fold(text.to_owned(), |text, secret| text.replace(secret.as_str(), "***"))
    }
}

#[cfg(test)]
mod tests {
    use super::Redact;

    /// A secret is blanked out as sent, quoted in JSON, and line by line.
    #[test]
    fn redacts_every_form() {
        let key = "{\"private_key\": \"-----BEGIN KEY-----\\nMIIEvQIBADANBgkqhkiG9w0B\\n\"}".to_owned();
        let multi = "line-one-secret\nline-two-secret".to_owned();
        let redact = Redact::new([key.clone(), multi, "short".to_owned()]);
        assert_eq!(redact.text(&format!("bad: {key}")), "bad: ***");
        assert_eq!(redact.text(&serde_json::to_string(&key).unwrap()), "\"***\"");
        assert_eq!(redact.text("saw line-two-secret"), "saw ***");
        assert_eq!(redact.text("line-one and line-two stay"), "line-one and line-two stay");
        assert_eq!(redact.text("short"), "***");
    }
}
