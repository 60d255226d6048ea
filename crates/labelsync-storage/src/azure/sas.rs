//! Service SAS for one blob (read only), signed with the account key.
//!
//! Our own because object_store's Azure signer builds the canonicalized resource from the
//! percent-encoded URL path, while Azure signs the decoded blob name: its URLs fail for names
//! with spaces, non-ASCII characters, `#`, `&` or `;`. The string-to-sign is the one of
//! service SAS version 2020-12-06 and later.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use ring::hmac;

use crate::cloud::keys::{encode_component, encode_path};

/// The `sv` of the URLs we sign.
const VERSION: &str = "2022-11-02";

/// Signs blob GET URLs for one account.
pub(crate) struct SasSigner {
    account: String,
    key: hmac::Key,
}

impl std::fmt::Debug for SasSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SasSigner").field("account", &self.account).finish_non_exhaustive()
    }
}

/// What a signed URL allows.
pub(crate) struct Grant<'a> {
    pub(crate) container: &'a str,
    pub(crate) blob: &'a str,
    pub(crate) expiry: DateTime<Utc>,
    /// `rsct`: the Content-Type the service answers with.
    pub(crate) content_type: Option<&'a str>,
}

impl SasSigner {
    /// A signer for `account` with its decoded account `key`.
    pub(crate) fn new(account: &str, key: &[u8]) -> SasSigner {
        SasSigner { account: account.to_owned(), key: hmac::Key::new(hmac::HMAC_SHA256, key) }
    }

    /// `{base_url}/{container}/{blob}?{sas}`: read permission until `grant.expiry`.
    pub(crate) fn blob_url(&self, base_url: &str, grant: &Grant<'_>) -> Result<url::Url, String> {
        let expiry = grant.expiry.to_rfc3339_opts(SecondsFormat::Secs, true);
        let content_type = grant.content_type.unwrap_or_default();
        let signature = self.signature(&self.string_to_sign(grant, &expiry, content_type));
        let mut query =
            vec![("sv", VERSION.to_owned()), ("se", expiry), ("sr", "b".to_owned()), ("sp", "r".to_owned())];
        if !content_type.is_empty() {
            query.push(("rsct", content_type.to_owned()));
        }
        query.push(("sig", signature));
        let query: Vec<String> =
            query.into_iter().map(|(name, value)| format!("{name}={}", encode_component(&value))).collect();
        let url = format!(
            "{}/{}/{}?{}",
            base_url.trim_end_matches('/'),
            grant.container,
            encode_path(grant.blob),
            query.join("&")
        );
        url::Url::parse(&url).map_err(|e| e.to_string())
    }

    /// Fields in the documented order: sp, st, se, canonicalized resource (the decoded blob
    /// name), si, sip, spr, sv, sr, snapshot time, encryption scope, rscc, rscd, rsce, rscl, rsct.
    fn string_to_sign(&self, grant: &Grant<'_>, expiry: &str, content_type: &str) -> String {
        let resource = format!("/blob/{}/{}/{}", self.account, grant.container, grant.blob);
        ["r", "", expiry, &resource, "", "", "", VERSION, "b", "", "", "", "", "", "", content_type]
            .join("\n")
    }

    fn signature(&self, string_to_sign: &str) -> String {
        STANDARD.encode(hmac::sign(&self.key, string_to_sign.as_bytes()).as_ref())
    }
}

/// The expiry of a URL signed now for `ttl`.
pub(crate) fn expiry_after(ttl: Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(ttl).unwrap_or_else(|_| chrono::Duration::days(7))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The string-to-sign uses the decoded name and the URL the encoded one; the signature is
    /// the HMAC of exactly that string.
    #[test]
    fn signs_the_decoded_name() {
        let signer = SasSigner::new("acct", b"secret key bytes");
        let grant = Grant {
            container: "media",
            blob: "dir/a b#&;ü.jpg",
            expiry: DateTime::parse_from_rfc3339("2026-11-22T10:11:12Z").expect("time").with_timezone(&Utc),
            content_type: Some("image/jpeg"),
        };
        let expected = "r\n\n2026-11-22T10:11:12Z\n/blob/acct/media/dir/a b#&;ü.jpg\n\n\n\n\
                        2022-11-02\nb\n\n\n\n\n\n\nimage/jpeg";
        assert_eq!(signer.string_to_sign(&grant, "2026-11-22T10:11:12Z", "image/jpeg"), expected);
        let url = signer.blob_url("http://127.0.0.1:10000/devstoreaccount1/", &grant).expect("url");
        assert_eq!(url.path(), "/devstoreaccount1/media/dir/a%20b%23%26%3B%C3%BC.jpg");
        let sig = url.query_pairs().find(|(k, _)| k == "sig").map(|(_, v)| v.into_owned()).expect("sig");
        assert_eq!(sig, signer.signature(expected));
        let query = url.query().expect("query");
        assert!(
            query.starts_with("sv=2022-11-02&se=2026-11-22T10%3A11%3A12Z&sr=b&sp=r&rsct=image%2Fjpeg&sig="),
            "{query}"
        );
    }
}
