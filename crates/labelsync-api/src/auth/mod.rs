//! Who is calling: API token checks and the permission rules of roles.

pub mod jwt;

use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};

/// A new legacy API token: 40 hex characters, like Label Studio's.
pub fn new_legacy_token() -> String {
    let mut bytes = [0u8; 20];
    SystemRandom::new().fill(&mut bytes).expect("system random");
    hex::encode(bytes)
}

/// The stored form of a legacy token: its SHA-256, hex. Tokens are random and long, so a
/// fast hash is enough (no password stretching needed).
pub fn hash_token(token: &str) -> String {
    hex::encode(digest::digest(&digest::SHA256, token.as_bytes()))
}

/// A random token id (`jti`), 32 hex characters.
pub fn new_jti() -> String {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes).expect("system random");
    hex::encode(bytes)
}
