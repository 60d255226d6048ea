//! The one guarded place for outbound connections to tenant-supplied hosts.
//!
//! Every connection to a host a tenant chose (Redis `host`, S3 `endpoint`) goes through
//! [`NetGuard::resolve_host`]: it resolves the host, refuses it when any address is in a
//! reserved range ([`banned_range`], Label Studio's list), and returns the addresses so the
//! caller connects to one of them — never resolving the name again, so a DNS answer that
//! changes between check and connect (rebinding) cannot slip through. HTTP clients use
//! [`NetGuard::check_url`] once and [`NetGuard::dns_resolver`] at every connect; webhook
//! deliveries are sent by [`post_json`], which does both.

use std::net::SocketAddr;
use std::time::Duration;

use url::{Host, Url};

use crate::{Error, Result};

mod http_get;
mod outbound;
mod post;
mod ranges;
mod resolver;

pub use outbound::{OutboundLimits, parse_proxy};
pub use post::{PostResponse, post_json};
pub use ranges::banned_range;
pub use resolver::GuardedResolver;

/// Label Studio's text for a URL that is not http(s) or cannot be checked.
pub const URL_NOT_ALLOWED: &str = "The provided URL was not allowed. URLs must use http:// or https://, and \
must not resolve to local or private network addresses when SSRF protection applies.";

/// How long one host lookup may take before the host counts as unresolvable.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Decides whether labelsync may connect to a tenant-supplied host (S3 endpoint, Redis host).
///
/// With protection on (Label Studio's `SSRF_PROTECTION_ENABLED`, default true), loopback,
/// private, link-local/metadata and other reserved ranges are refused unless the host is on the
/// operator's allowlist (`LABELSYNC_OUTBOUND_ALLOW_HOSTS`: `host` or `host:port` entries,
/// `[v6]:port` for IPv6 literals, matched case-insensitively against the host as the tenant
/// wrote it, not against its addresses).
///
/// It also carries what bounds every outbound request ([`OutboundLimits`]) and the operator's
/// proxy, if any, so every client a storage builds gets them from the one value it receives.
#[derive(Debug, Clone)]
pub struct NetGuard {
    enabled: bool,
    allow_hosts: Vec<String>,
    allowed: Vec<AllowedHost>,
    limits: OutboundLimits,
    proxy: Option<Url>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedHost {
    host: String,
    port: Option<u16>,
}

impl NetGuard {
    /// A guard with protection `enabled` and the operator's allowlist. Entries that are empty
    /// are ignored; `host:port` entries allow that port only.
    pub fn new(enabled: bool, allow_hosts: Vec<String>) -> NetGuard {
        let allowed = allow_hosts.iter().filter_map(|entry| parse_allow_entry(entry)).collect();
        NetGuard { enabled, allow_hosts, allowed, limits: OutboundLimits::default(), proxy: None }
    }

    /// The same guard with these request limits.
    pub fn with_limits(mut self, limits: OutboundLimits) -> NetGuard {
        self.limits = limits;
        self
    }

    /// The same guard sending every HTTP request through `proxy` (`None`: connect directly).
    /// Requests to tenant endpoints are still checked, each one, before they are handed to it.
    pub fn with_proxy(mut self, proxy: Option<Url>) -> NetGuard {
        self.proxy = proxy;
        self
    }

    pub fn limits(&self) -> OutboundLimits {
        self.limits
    }

    /// The operator's proxy for HTTP requests; `None` means direct connections, whatever the
    /// process environment says.
    pub fn proxy(&self) -> Option<&Url> {
        self.proxy.as_ref()
    }

    /// A guard that allows everything (tests against loopback emulators).
    pub fn disabled() -> NetGuard {
        NetGuard::new(false, Vec::new())
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn allow_hosts(&self) -> &[String] {
        &self.allow_hosts
    }

    /// True when the operator allowlisted `host` (on any port, or on `port`).
    pub fn is_allowlisted(&self, host: &str, port: u16) -> bool {
        let host = normalize_host(host);
        self.allowed.iter().any(|entry| entry.host == host && entry.port.is_none_or(|p| p == port))
    }

    /// Resolves `host` (every address) and returns the addresses to connect to, in resolver
    /// order, or [`Error::Blocked`] naming the first banned range one of them is in.
    ///
    /// Nothing is refused when protection is off or the host is allowlisted, but the host is
    /// still resolved so callers always connect to a pinned address. An unresolvable host is
    /// [`Error::Unreachable`] (`Can't resolve hostname {host}`).
    pub async fn resolve_host(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>> {
        let name = normalize_host(host);
        let unresolvable = || Error::Unreachable(format!("Can't resolve hostname {host}"));
        if name.is_empty() {
            return Err(unresolvable());
        }
        let found = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name.as_str(), port)))
            .await
            .map_err(|_| unresolvable())?
            .map_err(|_| unresolvable())?;
        let mut addrs: Vec<SocketAddr> = Vec::new();
        for addr in found {
            if !addrs.contains(&addr) {
                addrs.push(addr);
            }
        }
        if addrs.is_empty() {
            return Err(unresolvable());
        }
        if self.enabled && !self.is_allowlisted(&name, port) {
            for addr in &addrs {
                if let Some(block) = banned_range(addr.ip()) {
                    return Err(blocked(block));
                }
            }
        }
        Ok(addrs)
    }

    /// Checks a tenant-supplied endpoint URL: http or https only (always, as in Label Studio),
    /// and its host must pass [`NetGuard::resolve_host`] on the URL's port.
    ///
    /// HTTP clients must additionally use [`NetGuard::dns_resolver`] so the check is repeated
    /// at every connect, and must not follow redirects to other hosts.
    pub async fn check_url(&self, url: &str) -> Result<Url> {
        let parsed = Url::parse(url).map_err(|_| Error::Blocked(URL_NOT_ALLOWED.to_owned()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Blocked(URL_NOT_ALLOWED.to_owned()));
        }
        let host = match parsed.host() {
            Some(Host::Domain(name)) => name.to_owned(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(Error::Blocked(URL_NOT_ALLOWED.to_owned())),
        };
        let port = parsed.port_or_known_default().unwrap_or(80);
        self.resolve_host(&host, port).await?;
        Ok(parsed)
    }

    /// A `reqwest` DNS resolver applying this guard at connect time, for a client that talks
    /// to an endpoint on `port` (allowlist entries with a port apply to that port only).
    ///
    /// `reqwest` does not call resolvers for IP-literal hosts, so check such endpoints with
    /// [`NetGuard::check_url`] before building the client.
    pub fn dns_resolver(&self, port: u16) -> GuardedResolver {
        GuardedResolver::new(self.clone(), port)
    }
}

fn blocked(block: &str) -> Error {
    Error::Blocked(format!("URL resolves to a reserved network address (block: {block})"))
}

/// Lower-cased host without IPv6 brackets or a trailing root dot.
fn normalize_host(host: &str) -> String {
    let host = host.trim();
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 literal.
fn parse_allow_entry(entry: &str) -> Option<AllowedHost> {
    let entry = entry.trim();
    if entry.is_empty() {
        return None;
    }
    if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some(AllowedHost { host: normalize_host(host), port });
    }
    match entry.split_once(':') {
        Some((host, port)) if !port.contains(':') => {
            Some(AllowedHost { host: normalize_host(host), port: Some(port.parse().ok()?) })
        }
        _ => Some(AllowedHost { host: normalize_host(entry), port: None }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(allow: &[&str]) -> NetGuard {
        NetGuard::new(true, allow.iter().map(|s| s.to_string()).collect())
    }

    /// Allowlist entries parse as host, host:port, bracketed and bare IPv6.
    #[test]
    fn allow_entries_parse() {
        let entry = |host: &str, port| Some(AllowedHost { host: host.to_owned(), port });
        assert_eq!(parse_allow_entry("MinIO.Internal"), entry("minio.internal", None));
        assert_eq!(parse_allow_entry(" redis.local:6380 "), entry("redis.local", Some(6380)));
        assert_eq!(parse_allow_entry("[::1]:6379"), entry("::1", Some(6379)));
        assert_eq!(parse_allow_entry("[::1]"), entry("::1", None));
        assert_eq!(parse_allow_entry("fd00::5"), entry("fd00::5", None));
        assert_eq!(parse_allow_entry(""), None);
        assert_eq!(parse_allow_entry("host:notaport"), None);
    }

    /// A host:port entry allows that port only; a bare host allows every port.
    #[test]
    fn allowlist_matches_host_and_port() {
        let g = guard(&["127.0.0.1:6379", "minio.internal", "[::1]:9000"]);
        assert!(g.is_allowlisted("127.0.0.1", 6379));
        assert!(!g.is_allowlisted("127.0.0.1", 6380));
        assert!(g.is_allowlisted("MINIO.internal.", 1));
        assert!(g.is_allowlisted("[::1]", 9000));
        assert!(g.is_allowlisted("::1", 9000));
        assert!(!g.is_allowlisted("::1", 9001));
        assert!(!g.is_allowlisted("localhost", 6379));
    }

    /// With protection on, loopback is refused with Label Studio's message.
    #[tokio::test]
    async fn loopback_is_blocked() {
        let err = guard(&[]).resolve_host("127.0.0.1", 6379).await.expect_err("blocked");
        assert!(matches!(err, Error::Blocked(_)), "{err:?}");
        assert_eq!(err.to_string(), "URL resolves to a reserved network address (block: 127.0.0.0/8)");
        let err = guard(&[]).resolve_host("[::1]", 6379).await.expect_err("blocked");
        assert_eq!(err.to_string(), "URL resolves to a reserved network address (block: ::1/128)");
    }

    /// `localhost` resolves to loopback and is refused, as Label Studio refuses an empty Redis host.
    #[tokio::test]
    async fn localhost_is_blocked() {
        let err = guard(&[]).resolve_host("localhost", 6379).await.expect_err("blocked");
        assert!(matches!(err, Error::Blocked(_)), "{err:?}");
    }

    /// An allowlisted host:port or a disabled guard resolves loopback and returns the pinned address.
    #[tokio::test]
    async fn allowlisted_or_disabled_guard_returns_addresses() {
        let addrs = guard(&["127.0.0.1:6379"]).resolve_host("127.0.0.1", 6379).await.expect("allowed");
        assert_eq!(addrs, vec!["127.0.0.1:6379".parse::<SocketAddr>().expect("addr")]);
        let err = guard(&["127.0.0.1:6379"]).resolve_host("127.0.0.1", 6380).await.expect_err("other port");
        assert!(matches!(err, Error::Blocked(_)));
        let addrs = NetGuard::disabled().resolve_host("127.0.0.1", 1).await.expect("disabled");
        assert_eq!(addrs.len(), 1);
    }

    /// An unresolvable host is reported with Label Studio's text, not as blocked.
    #[tokio::test]
    async fn unresolvable_host_is_unreachable() {
        let err = guard(&[]).resolve_host("no-such-host.invalid", 80).await.expect_err("unresolvable");
        assert!(matches!(err, Error::Unreachable(_)), "{err:?}");
        assert_eq!(err.to_string(), "Can't resolve hostname no-such-host.invalid");
    }

    /// Only http and https URLs pass; IP-literal URLs are checked like hosts.
    #[tokio::test]
    async fn url_check_requires_http_and_allowed_host() {
        let g = guard(&[]);
        for bad in ["ftp://example.com/", "file:///etc/passwd", "not a url", "http://"] {
            let err = g.check_url(bad).await.expect_err(bad);
            assert_eq!(err.to_string(), URL_NOT_ALLOWED, "{bad}");
        }
        let err = g.check_url("http://169.254.169.254/latest/meta-data").await.expect_err("metadata");
        assert_eq!(err.to_string(), "URL resolves to a reserved network address (block: 169.254.0.0/16)");
        let err = g.check_url("http://[::ffff:127.0.0.1]:9000/").await.expect_err("mapped");
        assert_eq!(err.to_string(), "URL resolves to a reserved network address (block: 127.0.0.0/8)");
        let ok = guard(&["127.0.0.1:9000"]).check_url("http://127.0.0.1:9000/bucket").await;
        assert_eq!(ok.expect("allowlisted").port(), Some(9000));
        let scheme = NetGuard::disabled().check_url("gopher://127.0.0.1/").await.expect_err("scheme");
        assert_eq!(scheme.to_string(), URL_NOT_ALLOWED);
    }
}
