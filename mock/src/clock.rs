//! The mock's clock and the metadata service's timestamp format.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A clock that runs with real time and can be moved forward, never back.
///
/// `now()` is the wall-clock time at creation plus the monotonic time elapsed since,
/// plus every [`MockClock::advance`] so far: it never goes backwards, even if the
/// system clock is stepped.
#[derive(Debug)]
pub(crate) struct MockClock {
    wall_at_start: SystemTime,
    instant_at_start: Instant,
    offset_nanos: AtomicU64,
}

impl MockClock {
    pub(crate) fn new() -> Self {
        Self {
            wall_at_start: SystemTime::now(),
            instant_at_start: Instant::now(),
            offset_nanos: AtomicU64::new(0),
        }
    }

    /// The wall-clock time at creation.
    pub(crate) fn started(&self) -> SystemTime {
        self.wall_at_start
    }

    /// Real time as this clock sees it, without the advanced offset.
    pub(crate) fn real_now(&self) -> SystemTime {
        self.wall_at_start + self.instant_at_start.elapsed()
    }

    /// Real time plus everything advanced so far.
    pub(crate) fn now(&self) -> SystemTime {
        self.real_now() + Duration::from_nanos(self.offset_nanos.load(Ordering::SeqCst))
    }

    /// Moves the clock forward by `by` (saturating at about 584 years in total).
    pub(crate) fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        // The closure always returns Some, so the update cannot fail.
        let _ = self
            .offset_nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
                Some(offset.saturating_add(by))
            });
    }
}

/// Drops the sub-second part of `t` (times before 1970 become the epoch).
pub(crate) fn whole_seconds(t: SystemTime) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix_seconds(t))
}

fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Formats `t` as UTC `YYYY-MM-DDThh:mm:ssZ`, truncated to the second.
#[must_use]
pub fn format_utc(t: SystemTime) -> String {
    let secs = unix_seconds(t);
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses exactly the form [`format_utc`] writes (years 1970 to 9999).
///
/// # Errors
///
/// A message quoting `s` when it has another form or names an impossible date.
pub fn parse_utc(s: &str) -> Result<SystemTime, String> {
    let bad = || format!("not a UTC timestamp of the form YYYY-MM-DDThh:mm:ssZ: {s:?}");
    let b = s.as_bytes();
    let shape_ok = b.len() == 20
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'Z',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(bad());
    }
    let num = |range: std::ops::Range<usize>| -> i64 {
        s[range]
            .bytes()
            .fold(0, |n, c| n * 10 + i64::from(c - b'0'))
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let (hour, minute, second) = (num(11..13), num(14..16), num(17..19));
    if !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 59 {
        return Err(bad());
    }
    let days = days_from_civil(year, month, day);
    let secs =
        u64::try_from(days * 86_400 + hour * 3600 + minute * 60 + second).map_err(|_| bad())?;
    let t = UNIX_EPOCH + Duration::from_secs(secs);
    // A day past the end of its month (e.g. 02-30) would not survive the round trip.
    if format_utc(t) == s {
        Ok(t)
    } else {
        Err(bad())
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The inverse of [`civil_from_days`] (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Serde adapter: a `SystemTime` as `YYYY-MM-DDThh:mm:ssZ`.
pub(crate) mod utc_seconds {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::SystemTime;

    pub(crate) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_utc(*t))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_utc(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(at(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(at(1_798_437_600)), "2026-12-28T06:00:00Z");
        assert_eq!(format_utc(at(4_102_444_799)), "2099-12-31T23:59:59Z");
        assert_eq!(
            format_utc(at(86_399) + Duration::from_millis(999)),
            "1970-01-01T23:59:59Z"
        );
    }

    #[test]
    fn parse_inverts_format_across_leap_years() {
        for secs in (0..5_000_000_000u64).step_by(86_400 * 17 + 3_607) {
            assert_eq!(parse_utc(&format_utc(at(secs))), Ok(at(secs)));
        }
    }

    #[test]
    fn parse_rejects_malformed_and_impossible_dates() {
        for s in [
            "",
            "2026-11-28 06:00:00Z",
            "2026-11-28T06:00:00",
            "2026-11-28T06:00:00.5Z",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-28T24:00:00Z",
            "1969-12-31T23:59:59Z",
            "2O26-11-28T06:00:00Z",
        ] {
            assert!(parse_utc(s).is_err(), "{s}");
        }
    }

    #[test]
    fn clock_advances_and_never_goes_back() {
        let clock = MockClock::new();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        let after = clock.now();
        assert!(after.duration_since(before).unwrap() >= Duration::from_secs(3600));
        assert!(clock.real_now() < after);
        assert!(clock.started() <= before);
    }
}
