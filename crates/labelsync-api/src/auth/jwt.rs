//! HS256 JSON Web Tokens as Label Studio issues them (simplejwt): personal access tokens are
//! long-lived *refresh* tokens, exchanged for 5-minute *access* tokens sent as `Bearer`.
//!
//! Hand-written on `ring` (about 60 lines) rather than a JWT crate: we need one algorithm, and
//! the maintained JWT crates pull in a second crypto stack.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use serde::{Deserialize, Serialize};

/// The claims of labelsync's tokens, in Label Studio's order and spelling.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// `refresh` (a personal access token) or `access`.
    pub token_type: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// The user id, as a string like Label Studio's.
    pub user_id: String,
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("Token is invalid")]
    Malformed,
    #[error("Token is invalid")]
    BadSignature,
    #[error("Token is expired")]
    Expired,
}

pub fn encode(key: &hmac::Key, claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialize"));
    let signing_input = format!("{header}.{payload}");
    let signature = hmac::sign(key, signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

/// Verifies the signature and expiry (with `leeway_secs` of clock skew) and returns the claims.
pub fn decode(key: &hmac::Key, token: &str, now: i64, leeway_secs: i64) -> Result<Claims, JwtError> {
    let (signing_input, signature) = token.rsplit_once('.').ok_or(JwtError::Malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or(JwtError::Malformed)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| JwtError::Malformed)?;
    hmac::verify(key, signing_input.as_bytes(), &signature).map_err(|_| JwtError::BadSignature)?;
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).map_err(|_| JwtError::Malformed)?)
            .map_err(|_| JwtError::Malformed)?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(JwtError::Malformed);
    }
    let claims: Claims =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).map_err(|_| JwtError::Malformed)?)
            .map_err(|_| JwtError::Malformed)?;
    if claims.exp + leeway_secs < now {
        return Err(JwtError::Expired);
    }
    Ok(claims)
}

/// The unsigned `header.payload` prefix Label Studio lists tokens by.
pub fn truncated(token: &str) -> &str {
    token.rsplit_once('.').map_or(token, |(head, _)| head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &[u8]) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, k)
    }

    fn claims(exp: i64) -> Claims {
        Claims { token_type: "access".into(), exp, iat: 0, jti: "j".into(), user_id: "1".into() }
    }

    /// A token decodes with its key, fails with another key, and expires with leeway.
    #[test]
    fn roundtrip_signature_expiry() {
        let token = encode(&key(b"a"), &claims(100));
        assert_eq!(decode(&key(b"a"), &token, 50, 0).unwrap(), claims(100));
        assert_eq!(decode(&key(b"b"), &token, 50, 0), Err(JwtError::BadSignature));
        assert_eq!(decode(&key(b"a"), &token, 105, 10).unwrap().exp, 100);
        assert_eq!(decode(&key(b"a"), &token, 111, 10), Err(JwtError::Expired));
    }

    /// A tampered payload fails verification, and garbage is malformed.
    #[test]
    fn tampering() {
        let token = encode(&key(b"a"), &claims(100));
        let other = encode(&key(b"a"), &claims(9_999));
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged_payload = other.split('.').nth(1).unwrap();
        parts[1] = forged_payload;
        assert_eq!(decode(&key(b"a"), &parts.join("."), 0, 0), Err(JwtError::BadSignature));
        assert_eq!(decode(&key(b"a"), "garbage", 0, 0), Err(JwtError::Malformed));
        assert_eq!(truncated(&token).matches('.').count(), 1);
    }
}
