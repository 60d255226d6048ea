//! The one outbound HTTP request that is not a storage call: a webhook delivery, a `POST` of
//! JSON to a URL a tenant chose. It passes the guard exactly as a tenant's S3 endpoint does.

use std::sync::Arc;
use std::time::Duration;

use super::NetGuard;
use crate::{Error, Result};

const USER_AGENT: &str = concat!("labelsync/", env!("CARGO_PKG_VERSION"));

/// What a receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostResponse {
    pub status: u16,
    /// The start of the answer's body, at most the byte cap given to [`post_json`], lossily
    /// decoded as UTF-8 (for error messages).
    pub body: String,
}

/// POSTs `body` as `application/json` with `headers` to `url`, through `guard`: the URL is
/// checked first (scheme, IP literals, reserved ranges), every connection resolves through the
/// guard, redirects are not followed, the operator's proxy (if any) is used with the URL
/// checked again, and the whole exchange must end within `timeout`. At most `max_body` bytes of
/// the answer are read. A refused URL is [`Error::Blocked`]; a failed or timed-out exchange is
/// [`Error::Unreachable`].
pub async fn post_json(
    guard: &NetGuard,
    url: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
    timeout: Duration,
    max_body: usize,
) -> Result<PostResponse> {
    let (client, parsed) = guarded_client(guard, url, timeout).await?;
    let mut request = client.post(parsed).header(http::header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let exchange = async {
        let mut response = request.body(body).send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let mut read = Vec::new();
        while read.len() < max_body {
            match response.chunk().await.map_err(transport)? {
                Some(chunk) => read.extend_from_slice(&chunk),
                None => break,
            }
        }
        read.truncate(max_body);
        Ok(PostResponse { status, body: String::from_utf8_lossy(&read).into_owned() })
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| Error::Unreachable(format!("timed out: no answer within {} s", timeout.as_secs_f64())))?
}

/// A client for one request to `url` (checked first: scheme, IP literals, reserved ranges),
/// resolving every connection through the guard, following no redirect, using the operator's
/// proxy if any, and giving up after `timeout`; with the checked URL.
pub(crate) async fn guarded_client(
    guard: &NetGuard,
    url: &str,
    timeout: Duration,
) -> Result<(reqwest::Client, url::Url)> {
    crate::install_crypto_provider();
    let parsed = guard.check_url(url).await?;
    let port = parsed.port_or_known_default().unwrap_or(80);
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(guard.limits().connect_timeout.min(timeout))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none());
    builder = match guard.proxy() {
        Some(proxy) => builder.proxy(reqwest::Proxy::all(proxy.as_str()).map_err(transport)?),
        None => builder.no_proxy().dns_resolver(Arc::new(guard.dns_resolver(port))),
    };
    Ok((builder.build().map_err(transport)?, parsed))
}

fn transport(err: reqwest::Error) -> Error {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_builder() {
        "invalid request"
    } else {
        "request failed"
    };
    // reqwest's message names the URL, which may carry a tenant's credentials in its query.
    Error::Unreachable(match std::error::Error::source(&err) {
        Some(source) => format!("{what}: {source}"),
        None => what.to_owned(),
    })
}
