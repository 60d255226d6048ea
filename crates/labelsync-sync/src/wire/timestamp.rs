//! A timestamp as Label Studio writes it ([`super::ts`]), as a typed field of the wire structs.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

/// A point in time as Label Studio writes it: UTC, microseconds and `Z`
/// (`2026-11-22T03:21:38.345778Z`).
//
// It serializes through `super::ts`; an `Option<Timestamp>` is `null` when absent, as `ts_opt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
pub struct Timestamp(pub DateTime<Utc>);

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Timestamp {
        Timestamp(t)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        super::ts(&self.0).serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// A timestamp serializes to the same string as `ts`, and an absent one to null as `ts_opt`.
    #[test]
    fn same_string_as_ts() {
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::microseconds(7);
        assert_eq!(serde_json::to_value(Timestamp(at)).unwrap(), super::super::ts(&at));
        assert_eq!(serde_json::to_value(None::<Timestamp>).unwrap(), super::super::ts_opt(&None));
    }
}
