//! Time as the database stores it.

use chrono::{DateTime, DurationRound, SecondsFormat, TimeDelta, Utc};

/// The current time truncated to microseconds, the precision PostgreSQL keeps, so a value
/// reads back the same from either database.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
}

/// `at` as the text SQLite stores for it when it is bound as a `DateTime<Utc>` (sqlx's encoding).
/// A multi-row insert binds it as this text, formatted once instead of once per row.
pub(crate) fn sqlite_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// Milliseconds since the Unix epoch, the unit of the queue's times.
pub fn epoch_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A time bound as `sqlite_text` is stored exactly as the same time bound as a `DateTime`,
    /// so rows of a multi-row insert read and compare like every other row.
    #[tokio::test]
    async fn sqlite_text_is_what_sqlx_stores() {
        let mut conn =
            <sqlx::SqliteConnection as sqlx::Connection>::connect("sqlite::memory:").await.unwrap();
        for at in [now(), DateTime::from_timestamp(1_700_000_000, 0).unwrap()] {
            let (text, same): (String, bool) = sqlx::query_as("select ?1, ?1 = ?2")
                .bind(at)
                .bind(sqlite_text(at))
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert_eq!(text, sqlite_text(at));
            assert!(same);
        }
    }
}
