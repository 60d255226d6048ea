//! The events secret of an import storage: random, shown once, kept as its SHA-256 only.

use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};

/// A new secret (64 hex characters, 256 random bits) and the SHA-256 to store.
pub fn new_secret() -> (String, String) {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).expect("system random");
    let secret = hex::encode(bytes);
    let sha256 = sha256_hex(&secret);
    (secret, sha256)
}

/// Whether `offered` is the secret whose SHA-256 is `stored`, compared in constant time.
pub fn matches(offered: &str, stored: &str) -> bool {
    let offered = sha256_hex(offered);
    offered.len() == stored.len()
        && offered.bytes().zip(stored.bytes()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

fn sha256_hex(secret: &str) -> String {
    hex::encode(digest(&SHA256, secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new secret matches its own hash and nothing else does.
    #[test]
    fn secrets_match_only_their_hash() {
        let (secret, stored) = new_secret();
        assert_eq!(secret.len(), 64);
        assert!(matches(&secret, &stored));
        assert!(!matches("", &stored));
        assert!(!matches(&secret[1..], &stored));
        let (other, _) = new_secret();
        assert_ne!(secret, other);
        assert!(!matches(&other, &stored));
    }
}
