//! Booking times as ledgers write them: Excel date serials, wall-clock text read in the
//! ledger's timezone, RFC 3339, or the export's own `booked_at_format`; only plausible years.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::period::local_to_utc;

/// An Excel date serial (days since 1899-12-30, fraction = time of day) as a wall-clock time.
/// Only plausible business dates (1954..2173) are accepted.
pub fn excel_serial(v: f64) -> Option<NaiveDateTime> {
    if !(20_000.0..100_000.0).contains(&v) {
        return None;
    }
    let millis = (v * 86_400_000.0).round() as i64;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    epoch.checked_add_signed(Duration::milliseconds(millis))
}

/// Years a booking time may fall in; anything else is a data error (and keeps day arithmetic
/// far from chrono's limits).
pub const BOOKING_YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

pub(crate) fn plausible(t: DateTime<Utc>) -> bool {
    BOOKING_YEARS.contains(&chrono::Datelike::year(&t))
}

/// A wall-clock time read in `zone`, when its year is plausible.
pub(crate) fn naive_instant(t: NaiveDateTime, zone: Tz) -> Option<DateTime<Utc>> {
    BOOKING_YEARS
        .contains(&chrono::Datelike::year(&t))
        .then(|| local_to_utc(t, zone))
}

/// `booked_at` text: with `booked_at_format` (a wall-clock format, or one with an offset), or
/// else the forms of [`parse_instant_text`].
pub(crate) fn instant_from_text(t: &str, zone: Tz, format: Option<&str>) -> Option<DateTime<Utc>> {
    match format {
        Some(f) => NaiveDateTime::parse_from_str(t, f)
            .ok()
            .and_then(|n| naive_instant(n, zone))
            .or_else(|| {
                DateTime::parse_from_str(t, f)
                    .ok()
                    .map(|d| d.with_timezone(&Utc))
            }),
        None => parse_instant_text(t, zone),
    }
}

/// Text forms of `booked_at`: RFC 3339 (with an offset) is an instant; the rest are wall-clock
/// times in `zone`.
pub fn parse_instant_text(t: &str, zone: Tz) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    static FORMS: std::sync::LazyLock<Vec<crate::period::WallClock>> =
        std::sync::LazyLock::new(|| {
            [
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M",
            ]
            .into_iter()
            .filter_map(crate::period::WallClock::new)
            .collect()
        });
    for f in FORMS.iter() {
        if let Some(n) = f.parse(t) {
            return naive_instant(n, zone);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return naive_instant(d.and_time(chrono::NaiveTime::MIN), zone);
    }
    None
}
