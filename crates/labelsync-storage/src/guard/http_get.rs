//! One plain HTTP request to a tenant-supplied URL, under the guard: what labelsync's own calls
//! to such URLs use (confirming an SNS subscription), as the storage clients do for theirs.

use std::sync::Arc;

use url::Url;

use super::NetGuard;
use crate::{Error, Result};

impl NetGuard {
    /// GETs `url` once and returns the answer's status; the body is not read. The URL is
    /// checked ([`NetGuard::check_url`]) and resolved through the guard at connect time,
    /// redirects are not followed, and the operator's proxy and limits apply. A refused
    /// destination is [`Error::Blocked`], a failed request [`Error::Unreachable`].
    pub async fn get_status(&self, url: &str) -> Result<u16> {
        crate::install_crypto_provider();
        let checked: Url = self.check_url(url).await?;
        let port = checked.port_or_known_default().unwrap_or(443);
        let limits = self.limits();
        let builder = reqwest::Client::builder()
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.request_timeout)
            .redirect(reqwest::redirect::Policy::none());
        let builder = match self.proxy() {
            Some(proxy) => builder
                .proxy(reqwest::Proxy::all(proxy.as_str()).map_err(|e| Error::InvalidConfig(e.to_string()))?),
            None => builder.no_proxy().dns_resolver(Arc::new(self.dns_resolver(port))),
        };
        let client = builder.build().map_err(|e| Error::Other(format!("HTTP client: {e}")))?;
        let host = checked.host_str().unwrap_or_default().to_owned();
        let response = client
            .get(checked)
            .send()
            .await
            .map_err(|e| Error::Unreachable(format!("{host}: {}", crate::cloud::http::innermost(&e))))?;
        Ok(response.status().as_u16())
    }
}
