//! HTTP plumbing shared by the cloud adapters: the TLS provider, how a client reaches its
//! endpoint (trusted, or through the network guard), client options, and raw requests with a
//! small retry loop for the calls object_store does not make for us (listing, GCS uploads).
//!
//! Every client is built here, so every client ignores the proxy environment variables
//! (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`) that reqwest would otherwise follow, and uses
//! the operator's proxy from the guard instead, when there is one. Raw answers are read
//! under the guard's [`OutboundLimits`]: a byte cap and a deadline for the whole exchange.

use std::sync::{Arc, Once};
use std::time::Duration;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use http::StatusCode;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpRequestBody, HttpResponse,
    HttpResponseBody, HttpService,
};
use object_store::{BackoffConfig, ClientConfigKey, ClientOptions, RetryConfig};

use super::errors::Failure;
use crate::Error;
use crate::guard::{NetGuard, OutboundLimits};

/// The longest a response may stall between two reads. Raw requests and task-file reads also
/// have a total deadline ([`OutboundLimits::request_timeout`]); a media object streamed to a
/// browser has only this one, so a large video can stream for as long as the browser reads.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
const USER_AGENT: &str = concat!("labelsync/", env!("CARGO_PKG_VERSION"));
/// Attempts of a raw request (the first one included).
const RAW_ATTEMPTS: u32 = 3;

/// Installs rustls' `ring` provider as the process default, once. `reqwest` (built without a
/// provider, so there is no aws-lc in the tree) panics when building a TLS client without one.
///
/// Every adapter calls this before building a client; servers may call it at startup.
pub fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // An error means another provider was installed first, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// How a client reaches its endpoint. Both kinds take the operator's proxy and limits from
/// the guard.
#[derive(Debug, Clone)]
pub(crate) enum Reach {
    /// The provider's own endpoint or one the operator configured: not checked.
    Trusted { guard: NetGuard },
    /// A tenant-supplied endpoint: every connection resolves through the guard (the URL itself
    /// was checked with [`NetGuard::check_url`] before, which covers IP literals), and
    /// redirects are not followed, so a redirect cannot lead past the guard. Through the
    /// operator's proxy, which resolves names itself, every request's URL is checked again
    /// just before it is handed to the proxy.
    Guarded { guard: NetGuard, port: u16, allow_http: bool },
}

impl Reach {
    pub(crate) fn trusted(guard: &NetGuard) -> Reach {
        Reach::Trusted { guard: guard.clone() }
    }

    fn guard(&self) -> &NetGuard {
        match self {
            Reach::Trusted { guard } | Reach::Guarded { guard, .. } => guard,
        }
    }

    /// A client for the raw calls (listing, uploads), read under the guard's limits.
    pub(crate) fn raw_client(&self, options: &ClientOptions) -> object_store::Result<RawClient> {
        Ok(RawClient { http: self.connect(options)?, limits: self.guard().limits() })
    }
}

impl HttpConnector for Reach {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        install_crypto_provider();
        let generic = |e: reqwest::Error| object_store::Error::Generic { store: "HTTP", source: Box::new(e) };
        let limits = self.guard().limits();
        let bounded = match self {
            Reach::Trusted { guard } => {
                // object_store asks for plain HTTP for instance-metadata endpoints.
                let allow_http =
                    options.get_config_value(&ClientConfigKey::AllowHttp).as_deref() == Some("true");
                let client = client_builder(guard, allow_http).and_then(|b| b.build()).map_err(generic)?;
                Bounded { client, check_each: None, limits }
            }
            Reach::Guarded { guard, port, allow_http } => {
                let builder = client_builder(guard, *allow_http)
                    .map_err(generic)?
                    .redirect(reqwest::redirect::Policy::none());
                if guard.proxy().is_some() {
                    let client = builder.build().map_err(generic)?;
                    Bounded { client, check_each: Some(guard.clone()), limits }
                } else {
                    let resolver = Arc::new(guard.dns_resolver(*port));
                    let client = builder.dns_resolver(resolver).build().map_err(generic)?;
                    Bounded { client, check_each: None, limits }
                }
            }
        };
        Ok(HttpClient::new(bounded))
    }
}

/// What every client shares: timeouts, no decompression, and exactly the operator's proxy or
/// none (`no_proxy` turns off reqwest's reading of the proxy environment variables).
fn client_builder(guard: &NetGuard, allow_http: bool) -> reqwest::Result<reqwest::ClientBuilder> {
    let builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(guard.limits().connect_timeout)
        .read_timeout(READ_TIMEOUT)
        // Compression would falsify Content-Length, which object_store relies on.
        .no_gzip()
        .no_brotli()
        .no_zstd()
        .no_deflate()
        .https_only(!allow_http);
    Ok(match guard.proxy() {
        Some(proxy) => {
            let direct = reqwest::NoProxy::from_string(INSTANCE_METADATA);
            builder.proxy(reqwest::Proxy::all(proxy.as_str())?.no_proxy(direct))
        }
        None => builder.no_proxy(),
    })
}

/// Instance-metadata endpoints (the server's own cloud credentials) are reached directly even
/// with a proxy: they are link-local, so a proxy cannot reach them for us. Tenant endpoints
/// never get there (the guard refuses link-local addresses unless the operator allowlists them).
const INSTANCE_METADATA: &str = "169.254.169.254,169.254.170.2,fd00:ec2::254,metadata.google.internal";

/// Every client: error answers are read under the byte cap and deadline here, because
/// object_store reads them whole into memory for its messages; success bodies are left to
/// the caller (a media stream has no cap). `check_each`: a guarded client behind the
/// operator's proxy, which resolves the tenant's host itself, so the guard checks each
/// request's URL (resolving it and refusing reserved ranges) before the proxy gets it.
#[derive(Debug)]
struct Bounded {
    client: reqwest::Client,
    check_each: Option<NetGuard>,
    limits: OutboundLimits,
}

#[async_trait]
impl HttpService for Bounded {
    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        // Refusals and oversized answers are final: `Unknown` is the kind object_store does
        // not retry.
        let fatal = |e: Error| HttpError::new(HttpErrorKind::Unknown, e);
        if let Some(guard) = &self.check_each {
            guard.check_url(&request.uri().to_string()).await.map_err(fatal)?;
        }
        let host = request.uri().authority().map(|a| a.to_string()).unwrap_or_default();
        let response = self.client.call(request).await?;
        if response.status().is_success() || response.status().is_redirection() {
            return Ok(response);
        }
        let (parts, body) = response.into_parts();
        let read = read_capped(body, content_length(&parts.headers), self.limits.max_response_bytes, &host);
        let body = tokio::time::timeout(self.limits.request_timeout, read)
            .await
            .map_err(|_| {
                let slow =
                    format!("{host} sent an error answer too slowly (LABELSYNC_OUTBOUND_TIMEOUT_SECS)");
                fatal(Error::BadResponse(slow))
            })?
            .map_err(|failure| match failure {
                Failure::Storage(err) => fatal(err),
                Failure::Transport { reason } => fatal(Error::Unreachable(format!("{host}: {reason}"))),
                other => fatal(Error::Other(format!("{host}: unreadable error answer ({other:?})"))),
            })?;
        Ok(HttpResponse::from_parts(parts, HttpResponseBody::from(body)))
    }
}

fn content_length(headers: &http::HeaderMap) -> Option<u64> {
    headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

/// Client options every cloud adapter uses: plain HTTP only when the endpoint is `http://`.
/// Timeouts and the proxy are set by [`Reach`], which builds every client.
pub(crate) fn client_options(allow_http: bool) -> ClientOptions {
    ClientOptions::new()
        .with_allow_http(allow_http)
        .with_user_agent(http::HeaderValue::from_static(USER_AGENT))
        .with_timeout_disabled()
        .with_read_timeout(READ_TIMEOUT)
}

/// object_store's retries, bounded so that an unreachable endpoint fails a validation in
/// seconds instead of object_store's default three minutes.
pub(crate) fn retry_config() -> RetryConfig {
    RetryConfig { backoff: BackoffConfig::default(), max_retries: 3, retry_timeout: Duration::from_secs(20) }
}

/// A client for raw requests and the limits its answers are read under.
#[derive(Debug, Clone)]
pub(crate) struct RawClient {
    http: HttpClient,
    limits: OutboundLimits,
}

/// A successful raw response.
pub(crate) struct RawResponse {
    pub(crate) body: Bytes,
}

/// Sends the request `build` makes (called again for every attempt, so signatures are
/// fresh), retrying connection failures, timeouts, 5xx and 429 answers. Any other non-2xx
/// answer is a [`Failure::Status`] carrying the provider's error code. Each attempt must be
/// answered completely within the request timeout and its body (error bodies too) fit the
/// byte cap; a body over the cap is [`Error::BadResponse`], never retried.
pub(crate) async fn send_raw(
    client: &RawClient,
    mut build: impl FnMut() -> Result<HttpRequest, Failure>,
) -> Result<RawResponse, Failure> {
    let mut attempt = 1;
    loop {
        let outcome = send_once(client, build()?).await;
        let retryable = match &outcome {
            Ok(_) => false,
            Err(Failure::Status { status, .. }) => {
                *status >= 500 || *status == StatusCode::TOO_MANY_REQUESTS.as_u16()
            }
            Err(Failure::Transport { .. }) => true,
            Err(_) => false,
        };
        if !retryable || attempt >= RAW_ATTEMPTS {
            return outcome;
        }
        tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
        attempt += 1;
    }
}

async fn send_once(client: &RawClient, request: HttpRequest) -> Result<RawResponse, Failure> {
    let host = request.uri().authority().map(|a| a.to_string()).unwrap_or_default();
    let timeout = client.limits.request_timeout;
    let exchange = async {
        let response = client.http.execute(request).await.map_err(|e| Failure::from_http(&e))?;
        let (parts, body) = response.into_parts();
        let declared = content_length(&parts.headers);
        let body = read_capped(body, declared, client.limits.max_response_bytes, &host).await?;
        if parts.status.is_success() {
            return Ok(RawResponse { body });
        }
        Err(Failure::from_response(parts.status, &body))
    };
    tokio::time::timeout(timeout, exchange).await.unwrap_or_else(|_| {
        Err(Failure::Transport {
            reason: format!(
                "no complete answer from {host} within {} s (LABELSYNC_OUTBOUND_TIMEOUT_SECS)",
                timeout.as_secs_f64()
            ),
        })
    })
}

/// The whole body, refused as soon as it would pass `max` bytes (a `Content-Length` over it
/// is refused before anything is read).
async fn read_capped(
    body: HttpResponseBody,
    declared: Option<u64>,
    max: u64,
    host: &str,
) -> Result<Bytes, Failure> {
    let too_large = || {
        Failure::Storage(Error::BadResponse(format!(
            "{host} answered with more than {max} bytes (LABELSYNC_OUTBOUND_MAX_RESPONSE_BYTES)"
        )))
    };
    if declared.is_some_and(|length| length > max) {
        return Err(too_large());
    }
    let mut chunks = body.bytes_stream();
    let mut out = BytesMut::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| Failure::from_http(&e))?;
        if (out.len() + chunk.len()) as u64 > max {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}

/// A request with an empty body.
pub(crate) fn request(method: http::Method, url: &str) -> Result<HttpRequest, Failure> {
    request_with_body(method, url, Bytes::new())
}

/// A request with `body`.
pub(crate) fn request_with_body(
    method: http::Method,
    url: &str,
    body: Bytes,
) -> Result<HttpRequest, Failure> {
    http::Request::builder()
        .method(method)
        .uri(url)
        .body(HttpRequestBody::from(body))
        .map_err(|e| Failure::Other(format!("cannot build a request: {e}")))
}

impl Failure {
    pub(crate) fn from_http(err: &HttpError) -> Failure {
        Failure::from_chain(err).unwrap_or_else(|| Failure::Transport { reason: innermost(err) })
    }
}

/// The most specific message in `err`'s source chain (for example "Connection refused").
pub(crate) fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::Error;

    fn guarded(guard: NetGuard, port: u16) -> RawClient {
        let reach = Reach::Guarded { guard, port, allow_http: true };
        reach.raw_client(&client_options(true)).expect("client")
    }

    /// A guarded client resolves through the guard at connect time: a refused name fails the
    /// request with the guard's error, not a generic transport error.
    #[tokio::test]
    async fn guarded_clients_resolve_through_the_guard() {
        let client = guarded(NetGuard::new(true, Vec::new()), 9);
        let failure = send_raw(&client, || request(http::Method::GET, "http://localhost:9/"))
            .await
            .err()
            .expect("refused");
        assert!(matches!(failure, Failure::Storage(Error::Blocked(_))), "{failure:?}");
    }

    /// A guarded client does not follow redirects (the target, a closed port, would fail).
    #[tokio::test]
    async fn guarded_clients_do_not_follow_redirects() {
        let closed =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buf = [0_u8; 1024];
                let _ = socket.read(&mut buf).await;
                let answer = format!(
                    "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{closed}/\r\n\
                     Content-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            }
        });
        let guard = NetGuard::new(true, vec![format!("localhost:{port}")]);
        let client = guarded(guard, port);
        let url = format!("http://localhost:{port}/");
        let failure = send_raw(&client, || request(http::Method::GET, &url))
            .await
            .err()
            .expect("a redirect is not a success");
        assert!(matches!(failure, Failure::Status { status: 302, .. }), "{failure:?}");
    }
}
