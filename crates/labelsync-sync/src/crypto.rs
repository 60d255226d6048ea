//! The instance's master key and what is derived from it: the key that encrypts secrets at rest
//! (AES-256-GCM) and the key that signs API JWTs (HMAC-SHA256).
//!
//! A sealed secret is bound to the row and column it is stored in ([`Binding`], used as
//! AES-GCM associated data): copied into another storage's row, or into another field, it no
//! longer opens. Values sealed before bindings existed (`v1:`) open only through
//! [`SecretBox::open_unbound`], which the start-up migration uses to re-seal them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};

/// The shortest `LABELSYNC_SECRET_KEY` accepted, in bytes.
pub const MIN_SECRET_KEY_BYTES: usize = 32;

/// Prefix of values sealed without a binding (before version 2).
pub const UNBOUND: &str = "v1:";
/// Prefix of values sealed with a [`Binding`].
pub const BOUND: &str = "v2:";

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

/// The operator's `LABELSYNC_SECRET_KEY` is too short to be a key.
#[derive(Debug, thiserror::Error)]
#[error(
    "LABELSYNC_SECRET_KEY is {0} bytes long; it must be at least {MIN_SECRET_KEY_BYTES} bytes \
     (for example the output of `openssl rand -hex 32`)"
)]
pub struct KeyTooShort(pub usize);

impl MasterKey {
    /// Any non-empty secret text; it is stretched with HKDF-SHA256 per purpose. Operator input
    /// goes through [`MasterKey::from_operator`], which refuses short keys.
    pub fn new(secret: &str) -> MasterKey {
        MasterKey(secret.as_bytes().to_vec())
    }

    /// The operator's `LABELSYNC_SECRET_KEY`: at least [`MIN_SECRET_KEY_BYTES`] bytes.
    pub fn from_operator(secret: &str) -> Result<MasterKey, KeyTooShort> {
        if secret.len() < MIN_SECRET_KEY_BYTES {
            return Err(KeyTooShort(secret.len()));
        }
        Ok(MasterKey::new(secret))
    }

    /// A fresh random secret, as text (64 hex digits: 32 random bytes), for first start.
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

    /// The box that seals secrets at rest.
    pub fn secret_box(&self) -> SecretBox {
        let key = UnboundKey::new(&AES_256_GCM, &self.derive(b"storage secrets v1")).expect("aes key");
        SecretBox { key: std::sync::Arc::new(LessSafeKey::new(key)) }
    }
}

/// Where a sealed value is stored: table, row id and column (or settings key). It is the
/// AES-GCM associated data, so the value opens only where it was sealed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    pub table: &'static str,
    pub row: i64,
    pub field: &'static str,
}

impl Binding {
    /// The `secrets` column of storage `id`.
    pub const fn storage_secrets(id: i64) -> Binding {
        Binding { table: "storages", row: id, field: "secrets" }
    }

    /// The `task_data_password` setting of project `id`.
    pub const fn task_data_password(id: i64) -> Binding {
        Binding { table: "projects", row: id, field: "task_data_password" }
    }

    /// The signing key (`secret` column) of webhook `id`.
    pub const fn webhook_secret(id: i64) -> Binding {
        Binding { table: "webhooks", row: id, field: "secret" }
    }

    fn aad(&self) -> String {
        format!("labelsync/{}/{}/{}", self.table, self.row, self.field)
    }
}

/// Encrypts and decrypts secrets. Sealed text is `v2:` + base64(nonce ‖ ciphertext ‖ tag), with
/// the [`Binding`] as associated data.
#[derive(Clone)]
pub struct SecretBox {
    key: std::sync::Arc<LessSafeKey>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox")
    }
}

/// A stored secret could not be decrypted: the master key changed, the value was sealed for
/// another row or field, it predates bindings and was not migrated yet, or it is corrupted.
#[derive(Debug, thiserror::Error)]
#[error(
    "the stored secrets of this storage cannot be decrypted (LABELSYNC_SECRET_KEY changed, or they \
     were sealed for another storage); enter them again"
)]
pub struct OpenError;

impl SecretBox {
    /// Seals `plaintext` for the place `binding` names.
    pub fn seal(&self, plaintext: &[u8], binding: Binding) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).expect("system random");
        let mut buf = plaintext.to_vec();
        let aad = binding.aad();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut buf,
            )
            .expect("aes-gcm seal");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        format!("{BOUND}{}", STANDARD.encode(out))
    }

    /// Opens a value sealed for `binding`. Unbound (`v1:`) values are refused.
    pub fn open(&self, sealed: &str, binding: Binding) -> Result<Vec<u8>, OpenError> {
        let raw = sealed.strip_prefix(BOUND).ok_or(OpenError)?;
        self.open_raw(raw, Aad::from(binding.aad().as_bytes()))
    }

    /// Opens a value sealed before bindings existed (`v1:`), for re-sealing it.
    pub fn open_unbound(&self, sealed: &str) -> Result<Vec<u8>, OpenError> {
        let raw = sealed.strip_prefix(UNBOUND).ok_or(OpenError)?;
        self.open_raw(raw, Aad::empty())
    }

    /// True when `value` was sealed with a binding (the current format).
    pub fn is_bound(value: &str) -> bool {
        value.starts_with(BOUND)
    }

    /// True when `value` was sealed without a binding (to be migrated).
    pub fn is_unbound(value: &str) -> bool {
        value.starts_with(UNBOUND)
    }

    fn open_raw<A: AsRef<[u8]>>(&self, raw: &str, aad: Aad<A>) -> Result<Vec<u8>, OpenError> {
        let mut bytes = STANDARD.decode(raw).map_err(|_| OpenError)?;
        if bytes.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&bytes[..NONCE_LEN]);
        let plain = self
            .key
            .open_in_place(Nonce::assume_unique_for_key(nonce), aad, &mut bytes[NONCE_LEN..])
            .map_err(|_| OpenError)?;
        Ok(plain.to_vec())
    }

    /// Seals like the versions before bindings did (tests of the migration only).
    #[doc(hidden)]
    pub fn seal_unbound_for_tests(&self, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).expect("system random");
        let mut buf = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buf)
            .expect("aes-gcm seal");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        format!("{UNBOUND}{}", STANDARD.encode(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: Binding = Binding::storage_secrets(1);

    /// Sealed secrets open with the same master key and binding, not with another key.
    #[test]
    fn seal_open() {
        let a = MasterKey::new("one").secret_box();
        let sealed = a.seal(b"aws-secret", ONE);
        assert!(!sealed.contains("aws-secret"));
        assert!(SecretBox::is_bound(&sealed));
        assert_eq!(a.open(&sealed, ONE).unwrap(), b"aws-secret");
        assert!(MasterKey::new("two").secret_box().open(&sealed, ONE).is_err());
        assert!(a.open("v2:AAAA", ONE).is_err());
    }

    /// A value sealed for one row or field does not open for another.
    #[test]
    fn binding_is_checked() {
        let a = MasterKey::new("one").secret_box();
        let sealed = a.seal(b"pw", ONE);
        assert!(a.open(&sealed, Binding::storage_secrets(2)).is_err());
        assert!(a.open(&sealed, Binding::task_data_password(1)).is_err());
        let project = a.seal(b"pw", Binding::task_data_password(7));
        assert!(a.open(&project, Binding::task_data_password(7)).is_ok());
        assert!(a.open(&project, Binding::storage_secrets(7)).is_err());
    }

    /// Old unbound values open only through `open_unbound`, and bound ones never do.
    #[test]
    fn unbound_values() {
        let a = MasterKey::new("one").secret_box();
        let old = a.seal_unbound_for_tests(b"legacy");
        assert!(SecretBox::is_unbound(&old));
        assert!(a.open(&old, ONE).is_err());
        assert_eq!(a.open_unbound(&old).unwrap(), b"legacy");
        assert!(a.open_unbound(&a.seal(b"new", ONE)).is_err());
    }

    /// Operator keys shorter than 32 bytes are refused; the generated key is long enough.
    #[test]
    fn operator_key_length() {
        let err = MasterKey::from_operator("short").unwrap_err();
        assert!(err.to_string().contains("at least 32 bytes"), "{err}");
        assert!(MasterKey::from_operator(&"k".repeat(31)).is_err());
        assert!(MasterKey::from_operator(&"k".repeat(32)).is_ok());
        assert!(MasterKey::from_operator(&MasterKey::generate()).is_ok());
    }
}
