//! Operations endpoints: health, version, metrics.

pub mod health;
pub mod metrics;
pub mod version;
