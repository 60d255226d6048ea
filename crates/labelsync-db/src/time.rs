//! Time as the database stores it.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// The current time truncated to microseconds, the precision PostgreSQL keeps, so a value
/// reads back the same from either database.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
}

/// Milliseconds since the Unix epoch, the unit of the queue's times.
pub fn epoch_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}
