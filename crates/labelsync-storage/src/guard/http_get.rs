//! One plain `GET` of a tenant-supplied URL under the guard (confirming an SNS subscription),
//! with the same client a webhook delivery uses (`post.rs`).

use super::NetGuard;
use super::post::guarded_client;
use crate::{Error, Result};

impl NetGuard {
    /// GETs `url` once and returns the answer's status; the body is not read. The URL is
    /// checked ([`NetGuard::check_url`]) and resolved through the guard at connect time,
    /// redirects are not followed, and the operator's proxy and request timeout apply. A refused
    /// destination is [`Error::Blocked`], a failed request [`Error::Unreachable`].
    pub async fn get_status(&self, url: &str) -> Result<u16> {
        let (client, checked) = guarded_client(self, url, self.limits().request_timeout).await?;
        let host = checked.host_str().unwrap_or_default().to_owned();
        let response = client
            .get(checked)
            .send()
            .await
            .map_err(|e| Error::Unreachable(format!("{host}: {}", crate::cloud::http::innermost(&e))))?;
        Ok(response.status().as_u16())
    }
}
