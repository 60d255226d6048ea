//! The operator's bounds on outbound requests to storage providers, and the one proxy they may
//! go through. Both travel with the [`NetGuard`](super::NetGuard), which every connect already
//! receives.

use std::time::Duration;

use url::Url;

use crate::{Error, Result};

/// Limits every request to a storage provider is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboundLimits {
    /// How long opening a connection may take.
    pub connect_timeout: Duration,
    /// How long one request may take with its answer read to the end: a listing page, an
    /// error answer, a task file an import reads whole. (Streaming a media object to a browser
    /// is paced by the browser and only bounded between reads.)
    pub request_timeout: Duration,
    /// The largest listing page or error answer read into memory. Task files have their own
    /// cap (`LABELSYNC_MAX_TASK_FILE_BYTES`).
    pub max_response_bytes: u64,
    /// How many sub-prefixes (local files: directories) one recursive listing lists at once
    /// (`LABELSYNC_LIST_CONCURRENCY`); 1 lists sequentially.
    pub list_concurrency: usize,
}

impl Default for OutboundLimits {
    fn default() -> Self {
        OutboundLimits {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(60),
            max_response_bytes: 32 * 1024 * 1024,
            list_concurrency: 8,
        }
    }
}

/// Parses the operator's outbound proxy (`LABELSYNC_OUTBOUND_PROXY`): an `http://` or
/// `https://` URL. Proxy environment variables (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`)
/// are never read: with them a request could leave through a proxy that resolves the tenant's
/// host itself, after the guard had checked it.
pub fn parse_proxy(text: &str) -> Result<Url> {
    let url = Url::parse(text.trim())
        .map_err(|e| Error::InvalidConfig(format!("LABELSYNC_OUTBOUND_PROXY is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Error::InvalidConfig(
            "LABELSYNC_OUTBOUND_PROXY must be an http:// or https:// URL with a host".to_owned(),
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only http(s) proxy URLs with a host are accepted.
    #[test]
    fn proxy_urls() {
        assert_eq!(parse_proxy(" http://proxy.internal:3128 ").unwrap().port(), Some(3128));
        assert!(parse_proxy("https://user:pw@proxy.internal").is_ok());
        for bad in ["socks5://proxy:1080", "proxy:3128", "", "file:///tmp/x"] {
            assert!(parse_proxy(bad).is_err(), "{bad}");
        }
    }
}
