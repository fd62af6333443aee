//! The timestamp parser: never panics, and what it accepts formats back to an equal time.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(t) = ecscred::wire::parse_timestamp(text) {
        let again = humantime_roundtrip(t);
        assert_eq!(ecscred::wire::parse_timestamp(&again), Ok(t));
    }
});

fn humantime_roundtrip(t: std::time::SystemTime) -> String {
    // RFC 3339 with nanoseconds, the most precise form the parser accepts.
    let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap();
    let days = secs.as_secs() / 86_400;
    let rem = secs.as_secs() % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        secs.subsec_nanos()
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}
