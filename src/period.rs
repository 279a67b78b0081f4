//! Time: instants are UTC; days are accounting days in a named business timezone (chrono-tz), so
//! a DST day is 23 or 25 hours long. A [`Period`] is a range of business days (usually a month).

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;

use crate::error::{Error, Result};

/// An instant as the store records it: RFC 3339 UTC to the second (text that sorts as time).
pub fn instant_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Now, as the store records instants ([`instant_text`]).
pub fn now_text() -> String {
    instant_text(Utc::now())
}

/// A named IANA timezone (`Europe/London`), parsed with a clear error.
pub fn parse_zone(name: &str) -> Result<Tz> {
    name.trim().parse::<Tz>().map_err(|_| {
        Error::input(
            "timezone",
            format!("`{name}` is not an IANA timezone name (examples: UTC, Europe/London, America/New_York, Asia/Shanghai)"),
        )
    })
}

/// The accounting day of an instant in a zone.
pub fn accounting_day(instant: DateTime<Utc>, zone: Tz) -> NaiveDate {
    instant.with_timezone(&zone).date_naive()
}

/// Accounting days of many instants in one zone, in epoch days, without a time-zone lookup per
/// instant. The zone's offset is looked up once per 15-minute bucket of UTC time (cached,
/// direct-mapped) and used for every instant in the bucket when the bucket's start and end have
/// the same offset; a bucket with a transition inside is looked up per instant. So the answer is
/// exactly [`accounting_day`]'s, in every zone (tested against it), for a fraction of the work.
pub struct DayCutter {
    zone: Tz,
    cache: Vec<(i64, i32)>,
}

const BUCKET_SECS: i64 = 900;
const NO_OFFSET: i32 = i32::MIN;

impl DayCutter {
    pub fn new(zone: Tz) -> DayCutter {
        DayCutter {
            zone,
            cache: vec![(i64::MIN, NO_OFFSET); 4096],
        }
    }

    fn offset_secs(&self, t: DateTime<Utc>) -> i32 {
        self.zone
            .offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
    }

    /// The accounting day of `t` in epoch days.
    pub fn day(&mut self, t: DateTime<Utc>) -> i32 {
        let secs = t.timestamp();
        let bucket = secs.div_euclid(BUCKET_SECS);
        let slot = (bucket.rem_euclid(self.cache.len() as i64)) as usize;
        let (cached, mut offset) = self.cache[slot];
        if cached != bucket {
            let start = DateTime::<Utc>::from_timestamp(bucket * BUCKET_SECS, 0);
            let end = DateTime::<Utc>::from_timestamp(bucket * BUCKET_SECS + BUCKET_SECS - 1, 0);
            offset = match (start, end) {
                (Some(a), Some(b)) if self.offset_secs(a) == self.offset_secs(b) => {
                    self.offset_secs(a)
                }
                _ => NO_OFFSET,
            };
            self.cache[slot] = (bucket, offset);
        }
        if offset == NO_OFFSET {
            return epoch_days(accounting_day(t, self.zone));
        }
        (secs + i64::from(offset)).div_euclid(86_400) as i32
    }
}

/// A wall-clock format, its items parsed once: `NaiveDateTime::parse_from_str` reads the
/// format string again for every value, which was 3% of reading a million-row ledger.
pub struct WallClock(Vec<chrono::format::Item<'static>>);

impl WallClock {
    /// `format` (a `strftime` pattern such as `%Y-%m-%d %H:%M:%S%.f`); `None` when it is not
    /// one.
    pub fn new(format: &'static str) -> Option<WallClock> {
        chrono::format::StrftimeItems::new(format)
            .parse()
            .ok()
            .map(WallClock)
    }

    /// `text` read in this format, as `NaiveDateTime::parse_from_str` reads it.
    pub fn parse(&self, text: &str) -> Option<NaiveDateTime> {
        let mut parsed = chrono::format::Parsed::new();
        chrono::format::parse(&mut parsed, text, self.0.iter()).ok()?;
        parsed.to_naive_datetime_with_offset(0).ok()
    }
}

/// Reads a wall-clock time in a zone as an instant. An ambiguous time (the repeated hour when
/// DST ends) takes the earlier instant; a time that does not exist (the skipped hour when DST
/// starts) is read with the offset in force just before the gap, which lands it just after it
/// (02:30 on a spring-forward night in New York is 07:30 UTC = 03:30 EDT).
pub fn local_to_utc(naive: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _later) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            let before = naive.checked_sub_signed(Duration::hours(3));
            let offset = match before.map(|b| zone.from_local_datetime(&b)) {
                Some(LocalResult::Single(t) | LocalResult::Ambiguous(t, _)) => *t.offset(),
                _ => return Utc.from_utc_datetime(&naive),
            };
            let seconds = chrono::Offset::fix(&offset).local_minus_utc();
            let utc = naive.checked_sub_signed(Duration::seconds(i64::from(seconds)));
            Utc.from_utc_datetime(&utc.unwrap_or(naive))
        }
    }
}

/// The first instant of a business day.
pub fn day_start(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    local_to_utc(day.and_time(chrono::NaiveTime::MIN), zone)
}

/// Days since 1970-01-01: what a polars `Date` column holds.
pub fn epoch_days(day: NaiveDate) -> i32 {
    // The difference of two valid NaiveDates always fits: chrono's range is ±262,000 years.
    (day - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN)).num_days() as i32
}

/// Inverse of [`epoch_days`].
pub fn from_epoch_days(days: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(Duration::days(i64::from(days))))
        .unwrap_or(NaiveDate::MIN)
}

/// A reconciliation period: an inclusive range of business days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Period {
    /// `YYYY-MM` (a calendar month) or `YYYY-MM-DD..YYYY-MM-DD` (inclusive days).
    pub fn parse(text: &str) -> Result<Period> {
        let t = text.trim();
        let bad = || {
            Error::input(
                "period",
                format!("`{t}` is not a period: use YYYY-MM (a month) or YYYY-MM-DD..YYYY-MM-DD"),
            )
        };
        if let Some((a, b)) = t.split_once("..") {
            let first = NaiveDate::parse_from_str(a, "%Y-%m-%d").map_err(|_| bad())?;
            let last = NaiveDate::parse_from_str(b, "%Y-%m-%d").map_err(|_| bad())?;
            if last < first {
                return Err(Error::input(
                    "period",
                    format!("`{t}` ends before it starts"),
                ));
            }
            return Ok(Period { first, last });
        }
        let (y, m) = t.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        }
        .ok_or_else(bad)?;
        Ok(Period {
            first,
            last: next - Duration::days(1),
        })
    }

    /// How the period is written in paths and reports: `2026-03` for a whole month.
    pub fn label(&self) -> String {
        let whole_month = self.first.day() == 1
            && (self.last + Duration::days(1)).day() == 1
            && self.first.month() == self.last.month()
            && self.first.year() == self.last.year();
        if whole_month {
            format!("{:04}-{:02}", self.first.year(), self.first.month())
        } else {
            format!("{}..{}", self.first, self.last)
        }
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first <= day && day <= self.last
    }

    /// The period widened by `margin` days on each side: what is loaded so that cut-off items
    /// are recognised rather than reported missing.
    pub fn with_margin(&self, margin: u32) -> Period {
        let m = Duration::days(i64::from(margin));
        Period {
            first: self.first - m,
            last: self.last + m,
        }
    }

    /// The UTC instants `[start, end)` that the period covers in a zone.
    pub fn instants(&self, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            day_start(self.first, zone),
            day_start(self.last + Duration::days(1), zone),
        )
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.first.iter_days().take_while(|d| *d <= self.last)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_parsed_format_reads_exactly_what_parse_from_str_reads() {
        let formats = [
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
        ];
        let texts = [
            "2026-03-13 11:40:18.542",
            "2026-03-13 11:40:18",
            "2026-03-13T11:40",
            "2026-03-13 11:40",
            "2026-02-30 10:00:00",
            "2026-03-13 24:00:00",
            "13/03/2026 11:40",
            "2026-03-13 11:40:18.5 extra",
            "",
        ];
        for f in formats {
            let w = WallClock::new(f).unwrap();
            for t in texts {
                assert_eq!(
                    w.parse(t),
                    NaiveDateTime::parse_from_str(t, f).ok(),
                    "{f} {t:?}"
                );
            }
        }
    }
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_and_ranges() {
        let p = Period::parse("2024-02").unwrap();
        assert_eq!((p.first, p.last), (d(2024, 2, 1), d(2024, 2, 29)));
        assert_eq!(p.label(), "2024-02");
        let p = Period::parse("2026-12").unwrap();
        assert_eq!(p.last, d(2026, 12, 31));
        let p = Period::parse("2026-03-05..2026-03-09").unwrap();
        assert_eq!(p.label(), "2026-03-05..2026-03-09");
        assert!(Period::parse("2026-13").is_err());
        assert!(Period::parse("March").is_err());
        assert!(Period::parse("2026-03-09..2026-03-05").is_err());
    }

    #[test]
    fn dst_days_are_23_and_25_hours() {
        let ny = parse_zone("America/New_York").unwrap();
        let len = |day: NaiveDate| {
            (day_start(day + Duration::days(1), ny) - day_start(day, ny)).num_hours()
        };
        assert_eq!(len(d(2026, 3, 8)), 23);
        assert_eq!(len(d(2026, 11, 1)), 25);
        assert_eq!(len(d(2026, 11, 2)), 24);
        let london = parse_zone("Europe/London").unwrap();
        let (start, end) = Period::parse("2026-03").unwrap().instants(london);
        assert_eq!(start.to_rfc3339(), "2026-03-01T00:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-03-31T23:00:00+00:00");
    }

    #[test]
    fn ambiguous_takes_earlier_and_gaps_move_forward() {
        let ny = parse_zone("America/New_York").unwrap();
        let amb = d(2026, 11, 1).and_hms_opt(1, 30, 0).unwrap();
        assert_eq!(
            local_to_utc(amb, ny).to_rfc3339(),
            "2026-11-01T05:30:00+00:00"
        );
        let gap = d(2026, 3, 8).and_hms_opt(2, 30, 0).unwrap();
        assert_eq!(
            local_to_utc(gap, ny).to_rfc3339(),
            "2026-03-08T07:30:00+00:00"
        );
    }

    #[test]
    fn zone_errors_are_clear() {
        let e = parse_zone("Mars/Olympus").unwrap_err().to_string();
        assert!(e.contains("Mars/Olympus") && e.contains("IANA"), "{e}");
    }
}
