//! The instance's master key and what is derived from it: the key that encrypts storage
//! secrets at rest (AES-256-GCM) and the key that signs API JWTs (HMAC-SHA256).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};

/// The instance's master secret (`LABELSYNC_SECRET_KEY`, or generated on first start).
#[derive(Clone)]
pub struct MasterKey(Vec<u8>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

struct Len(usize);
impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

impl MasterKey {
    /// Any non-empty secret text; it is stretched with HKDF-SHA256 per purpose.
    pub fn new(secret: &str) -> MasterKey {
        MasterKey(secret.as_bytes().to_vec())
    }

    /// A fresh random secret, as text, for first start.
    pub fn generate() -> String {
        let mut bytes = [0u8; 32];
        SystemRandom::new().fill(&mut bytes).expect("system random");
        hex::encode(bytes)
    }

    fn derive(&self, purpose: &[u8]) -> [u8; 32] {
        let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, b"labelsync");
        let prk = salt.extract(&self.0);
        let info = [purpose];
        let okm = prk.expand(&info, Len(32)).expect("hkdf length");
        let mut out = [0u8; 32];
        okm.fill(&mut out).expect("hkdf fill");
        out
    }

    /// The HMAC key that signs and verifies API tokens.
    pub fn jwt_key(&self) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, &self.derive(b"jwt v1"))
    }

    /// The box that seals storage secrets.
    pub fn secret_box(&self) -> SecretBox {
        let key = UnboundKey::new(&AES_256_GCM, &self.derive(b"storage secrets v1")).expect("aes key");
        SecretBox { key: std::sync::Arc::new(LessSafeKey::new(key)) }
    }
}

/// Encrypts and decrypts storage secrets. Sealed text is `v1:` + base64(nonce ‖ ciphertext).
#[derive(Clone)]
pub struct SecretBox {
    key: std::sync::Arc<LessSafeKey>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox")
    }
}

/// The stored secrets could not be decrypted (wrong master key or corrupted row).
#[derive(Debug, thiserror::Error)]
#[error("stored storage secrets cannot be decrypted (was LABELSYNC_SECRET_KEY changed?)")]
pub struct OpenError;

impl SecretBox {
    pub fn seal(&self, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).expect("system random");
        let mut buf = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buf)
            .expect("aes-gcm seal");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        format!("v1:{}", STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, OpenError> {
        let raw = sealed.strip_prefix("v1:").ok_or(OpenError)?;
        let mut bytes = STANDARD.decode(raw).map_err(|_| OpenError)?;
        if bytes.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&bytes[..NONCE_LEN]);
        let plain = self
            .key
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut bytes[NONCE_LEN..])
            .map_err(|_| OpenError)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sealed secrets open with the same master key and not with another.
    #[test]
    fn seal_open() {
        let a = MasterKey::new("one").secret_box();
        let sealed = a.seal(b"aws-secret");
        assert!(!sealed.contains("aws-secret"));
        assert_eq!(a.open(&sealed).unwrap(), b"aws-secret");
        assert!(MasterKey::new("two").secret_box().open(&sealed).is_err());
        assert!(a.open("v1:AAAA").is_err());
    }
}
