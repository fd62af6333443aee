//! The timestamp parser: never panics; what it accepts lies in the range every binding
//! represents, and the same instant written in every accepted form (UTC with nanoseconds,
//! lowercase `z`, numeric offsets) parses back to it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use ecscred::wire::{is_representable, parse_timestamp};

fuzz_target!(|text: &str| {
    let Ok(t) = parse_timestamp(text) else {
        return;
    };
    assert!(is_representable(t));
    let utc = OffsetDateTime::from(t);
    for (h, m) in [(0, 0), (8, 0), (-5, -30), (23, 59), (-23, -59)] {
        let offset = UtcOffset::from_hms(h, m, 0).unwrap();
        let written = utc.to_offset(offset).format(&Rfc3339).unwrap();
        assert_eq!(parse_timestamp(&written), Ok(t), "{written}");
        let lower = written.replace('T', "t").replace('Z', "z");
        assert_eq!(parse_timestamp(&lower), Ok(t), "{lower}");
    }
});
