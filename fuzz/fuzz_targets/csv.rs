//! Any bytes through the CSV reader and the typed field getters: no panic,
//! and every row handed out is a row or an unreadable row.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipetrust_formats::read::{self, Item};
use pipetrust_formats::record::Fields;

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    let mut sink = |item: Item<'_>| {
        if let Item::Row(_, rec) = item {
            let f = Fields::new(rec, chrono_tz::UTC);
            let _ = f.instant(&["add_time", "Deal - Deal created"]);
            let _ = f.date(&["expected_close_date"]);
            let _ = f.float(&["value", "Deal - Value"]);
            let _ = f.bool(&["done"]);
            let _ = f.text(&["title"]);
        }
    };
    let _ = read::read_csv(std::path::Path::new("fuzz.csv"), &mut input, &mut sink);
});
