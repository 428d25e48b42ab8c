//! Any bytes through the JSON reader (documents, pages, JSON Lines,
//! envelopes) and the typed getters: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipetrust_formats::read::{self, Item};
use pipetrust_formats::record::Fields;

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    let mut sink = |item: Item<'_>| {
        if let Item::Row(_, rec) = item {
            let f = Fields::new(rec, chrono_tz::UTC);
            let _ = f.instant(&["add_time", "log_time"]);
            let _ = f.date(&["due_date"]);
            let _ = f.float(&["value"]);
            let _ = f.json(&["email"]);
            let _ = f.text(&["org_id", "user_id"]);
        }
    };
    let _ = read::read_json(std::path::Path::new("fuzz.json"), &mut input, &mut sink);
});
