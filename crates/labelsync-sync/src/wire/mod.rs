//! Pieces of Label Studio's wire format shared by the API and the export jobs, among them the
//! one serializer of Label Studio's annotation JSON ([`annotation`]).

pub mod annotation;
pub mod timestamp;

use chrono::{DateTime, Utc};
use labelsync_db::orgs::User;
use serde_json::Value;

/// How Label Studio writes a timestamp: microseconds and `Z` (`2026-11-22T03:21:38.345778Z`).
pub const TS_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// A timestamp as Label Studio writes it ([`TS_FORMAT`]).
pub fn ts(t: &DateTime<Utc>) -> Value {
    Value::String(t.format(TS_FORMAT).to_string())
}

/// [`ts`] of an optional time (`null` when absent).
pub fn ts_opt(t: &Option<DateTime<Utc>>) -> Value {
    t.as_ref().map_or(Value::Null, ts)
}

/// Label Studio's `created_username`: `"{first} {last} {email}, {id}"`, the last name only when
/// set (so empty names leave a leading space).
pub fn created_username(user: &User) -> String {
    let mut name = user.first_name.clone();
    if !user.last_name.is_empty() {
        name.push(' ');
        name.push_str(&user.last_name);
    }
    format!("{name} {}, {}", user.email, user.id)
}

/// Label Studio's `created_ago`: [`timesince`] from `t` to now.
pub fn timesince_now(t: &DateTime<Utc>) -> String {
    timesince(t, &Utc::now())
}

/// Django's `timesince(d, now)` (depth 2): `"0\u{a0}minutes"`, `"1\u{a0}day, 3\u{a0}hours"`.
/// Units are joined to their numbers by a no-break space, as Django's `avoid_wrapping` does.
pub fn timesince(d: &DateTime<Utc>, now: &DateTime<Utc>) -> String {
    use chrono::{Datelike, TimeZone, Timelike};
    const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let zero = "0\u{a0}minutes".to_owned();
    if (*now - *d).num_seconds() <= 0 {
        return zero;
    }
    let mut total_months = (now.year() - d.year()) * 12 + (now.month() as i32 - d.month() as i32);
    if d.day() > now.day() || (d.day() == now.day() && d.time() > now.time()) {
        total_months -= 1;
    }
    let (years, months) = (total_months / 12, total_months % 12);
    let pivot = if years != 0 || months != 0 {
        let mut year = d.year() + years;
        let mut month = d.month() as i32 + months;
        if month > 12 {
            month -= 12;
            year += 1;
        }
        let month = month as u32;
        let day = d.day().min(MONTH_DAYS[(month - 1) as usize]);
        Utc.with_ymd_and_hms(year, month, day, d.hour(), d.minute(), d.second()).single().unwrap_or(*d)
    } else {
        *d
    };
    let mut remaining = (*now - pivot).num_seconds();
    let mut parts = vec![i64::from(years), i64::from(months)];
    for chunk in [7 * 86_400, 86_400, 3_600, 60] {
        parts.push(remaining / chunk);
        remaining %= chunk;
    }
    const NAMES: [(&str, &str); 6] = [
        ("year", "years"),
        ("month", "months"),
        ("week", "weeks"),
        ("day", "days"),
        ("hour", "hours"),
        ("minute", "minutes"),
    ];
    let Some(first) = parts.iter().position(|n| *n != 0) else {
        return zero;
    };
    let mut out = Vec::new();
    for (n, (one, many)) in parts.iter().zip(NAMES).skip(first).take(2) {
        if *n == 0 {
            break;
        }
        out.push(format!("{n}\u{a0}{}", if *n == 1 { one } else { many }));
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    /// Django's wording, units, depth of two and no-break spaces.
    #[test]
    fn timesince_like_django() {
        let d = at(2026, 1, 31, 10, 0);
        assert_eq!(timesince(&d, &d), "0\u{a0}minutes");
        assert_eq!(timesince(&d, &at(2026, 1, 31, 10, 1)), "1\u{a0}minute");
        assert_eq!(timesince(&d, &at(2026, 2, 1, 13, 5)), "1\u{a0}day, 3\u{a0}hours");
        assert_eq!(timesince(&d, &at(2026, 2, 14, 10, 0)), "2\u{a0}weeks");
        assert_eq!(timesince(&d, &at(2027, 3, 31, 10, 0)), "1\u{a0}year, 2\u{a0}months");
        assert_eq!(timesince(&at(2026, 2, 1, 0, 0), &d), "0\u{a0}minutes");
    }
}
