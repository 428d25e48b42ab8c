//! Any text through the ICS parser: no panic, and every VEVENT is an event
//! or exactly one problem.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = pipetrust_formats::ics::parse_ics(&text);
    assert_eq!(parsed.events.len() + parsed.problems.len(), parsed.vevents_seen);
});
