//! HTTP plumbing shared by the cloud adapters: the TLS provider, how a client reaches its
//! endpoint (trusted, or through the network guard), client options, and raw requests with a
//! small retry loop for the calls object_store does not make for us (listing, GCS uploads).

use std::sync::{Arc, Once};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpRequest, HttpRequestBody, ReqwestConnector,
};
use object_store::{BackoffConfig, ClientOptions, RetryConfig};

use super::errors::Failure;
use crate::guard::NetGuard;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest a response may stall between two reads. There is no total timeout, so a large
/// media object can stream for as long as the client reads it.
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

/// How a client reaches its endpoint.
#[derive(Debug, Clone)]
pub(crate) enum Reach {
    /// The provider's own endpoint or one the operator configured: object_store's client.
    Trusted,
    /// A tenant-supplied endpoint: every connection resolves through the guard (the URL itself
    /// was checked with [`NetGuard::check_url`] before, which covers IP literals), and
    /// redirects are not followed, so a redirect cannot lead past the guard.
    Guarded { guard: NetGuard, port: u16, allow_http: bool },
}

impl HttpConnector for Reach {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        install_crypto_provider();
        match self {
            Reach::Trusted => ReqwestConnector::default().connect(options),
            Reach::Guarded { guard, port, allow_http } => {
                let client = reqwest::Client::builder()
                    .user_agent(USER_AGENT)
                    .dns_resolver(Arc::new(guard.dns_resolver(*port)))
                    .redirect(reqwest::redirect::Policy::none())
                    .connect_timeout(CONNECT_TIMEOUT)
                    .read_timeout(READ_TIMEOUT)
                    // Compression would falsify Content-Length, which object_store relies on.
                    .no_gzip()
                    .no_brotli()
                    .no_zstd()
                    .no_deflate()
                    .https_only(!allow_http)
                    .build()
                    .map_err(|e| object_store::Error::Generic { store: "HTTP", source: Box::new(e) })?;
                Ok(HttpClient::new(client))
            }
        }
    }
}

/// Client options every cloud adapter uses: plain HTTP only when the endpoint is `http://`.
pub(crate) fn client_options(allow_http: bool) -> ClientOptions {
    ClientOptions::new()
        .with_allow_http(allow_http)
        .with_user_agent(http::HeaderValue::from_static(USER_AGENT))
        .with_connect_timeout(CONNECT_TIMEOUT)
        .with_timeout_disabled()
        .with_read_timeout(READ_TIMEOUT)
}

/// object_store's retries, bounded so that an unreachable endpoint fails a validation in
/// seconds instead of object_store's default three minutes.
pub(crate) fn retry_config() -> RetryConfig {
    RetryConfig { backoff: BackoffConfig::default(), max_retries: 3, retry_timeout: Duration::from_secs(20) }
}

/// A successful raw response.
pub(crate) struct RawResponse {
    pub(crate) body: Bytes,
}

/// Sends the request `build` makes (called again for every attempt, so signatures are
/// fresh), retrying connection failures, 5xx and 429 answers. Any other non-2xx answer is a
/// [`Failure::Status`] carrying the provider's error code.
pub(crate) async fn send_raw(
    client: &HttpClient,
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

async fn send_once(client: &HttpClient, request: HttpRequest) -> Result<RawResponse, Failure> {
    let response = client.execute(request).await.map_err(|e| Failure::from_http(&e))?;
    let (parts, body) = response.into_parts();
    let body = body.bytes().await.map_err(|e| Failure::from_http(&e))?;
    if parts.status.is_success() {
        return Ok(RawResponse { body });
    }
    Err(Failure::from_response(parts.status, &body))
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

    fn guarded(guard: NetGuard, port: u16) -> HttpClient {
        let reach = Reach::Guarded { guard, port, allow_http: true };
        reach.connect(&client_options(true)).expect("client")
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
