//! Loading real and hand-made exports: the Pipedrive API sample, spreadsheet
//! exports, ICS calendars, and bad input.

use pipetrust::error::Error;
use pipetrust::ingest::load::LoadOptions;
use pipetrust::ingest::{self};
use pipetrust::model::Table;
use polars::prelude::*;

use crate::common::{repo, shared};

fn load(inputs: &[std::path::PathBuf]) -> pipetrust::error::Result<ingest::Loaded> {
    ingest::load(&LoadOptions { inputs: inputs.to_vec(), ..LoadOptions::default() })
}

fn strings(df: &DataFrame, column: &str) -> Vec<Option<String>> {
    let s = df.column(column).unwrap().as_materialized_series().clone();
    s.str().unwrap().iter().map(|v| v.map(str::to_owned)).collect()
}

/// The Airbyte snapshot of a real Pipedrive sandbox: every record is loaded
/// or rejected with a reason, and the audited objects land in their tables.
#[test]
fn pipedrive_api_sample_loads() {
    let Some(dir) = shared("pipedrive-api-airbyte-sandbox") else { return };
    let loaded = load(&[dir]).unwrap();
    let file = loaded.files.iter().find(|f| f.path.ends_with("expected_records.jsonl")).unwrap();
    assert_eq!(file.rows_read, 62);
    assert_eq!(file.rows_read, file.rows_loaded + file.rows_rejected);
    assert_eq!(loaded.frame(Table::Deals).height(), 3);
    assert_eq!(loaded.frame(Table::Stages).height(), 3);
    assert_eq!(loaded.frame(Table::Users).height(), 3);
    assert_eq!(loaded.frame(Table::Persons).height(), 3);
    assert_eq!(loaded.frame(Table::PersonEmails).height(), 3);
    assert_eq!(loaded.frame(Table::Notes).height(), 3);
    assert_eq!(loaded.frame(Table::Activities).height(), 3);
    let titles = strings(loaded.frame(Table::Deals), "title");
    assert!(titles.contains(&Some("Test Organization 2 deal".to_owned())));
    let notes = strings(loaded.frame(Table::Notes), "body_text");
    assert!(notes.contains(&Some("Test Note 1".to_owned())), "HTML stripped: {notes:?}");
    let reasons: Vec<_> = loaded.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert!(reasons.iter().all(|r| r.contains("has no canonical table")), "{reasons:?}");
}

/// A spreadsheet export: BOM, `;` delimiter, quoted delimiter, prefixed
/// headers, linked records by name, and the three email shapes.
#[test]
fn pipedrive_spreadsheet_export_loads() {
    let loaded = load(&[repo("tests/fixtures/spreadsheet")]).unwrap();
    let deals = loaded.frame(Table::Deals);
    assert_eq!(deals.height(), 2);
    assert_eq!(strings(deals, "title")[0].as_deref(), Some("Acme; expansion"));
    assert_eq!(strings(deals, "owner_user_key")[1].as_deref(), Some("pd:name:ben okafor"));
    assert_eq!(strings(deals, "status")[1].as_deref(), Some("won"));
    assert_eq!(strings(deals, "created_via")[1].as_deref(), Some("api"));
    let emails = loaded.frame(Table::PersonEmails);
    let norm = strings(emails, "email_norm");
    assert_eq!(
        norm,
        [
            "jane.roe@acme.example",
            "jane@home.example",
            "john@globex.example",
            "j.doe@globex.example"
        ]
        .map(|s| Some(s.to_owned()))
    );
}

/// Every real ICS file loads: each event is a calendar row or a rejected row.
#[test]
fn real_ics_calendars_load() {
    for name in ["calendar-ics-icalendar-tests", "calendar-ics-recurring-dst"] {
        let Some(dir) = shared(name) else { return };
        let loaded = load(&[dir]).unwrap();
        let ics: Vec<_> = loaded.files.iter().filter(|f| f.format == "ics").collect();
        assert!(!ics.is_empty());
        for f in &ics {
            assert_eq!(f.rows_read, f.rows_loaded + f.rows_rejected, "{}", f.path);
        }
        let loaded_events: u64 = ics.iter().map(|f| f.rows_loaded).sum();
        assert_eq!(loaded.frame(Table::CalendarEvents).height() as u64, loaded_events);
        assert!(loaded_events > 0);
    }
}

/// A missing required column stops the run with the file and its columns.
#[test]
fn missing_required_column_is_a_clear_error() {
    let err = load(&[repo("tests/fixtures/bad/deals.csv")]).err().expect("an error");
    let msg = err.to_string();
    assert!(matches!(err, Error::MissingColumn { .. }), "{msg}");
    assert!(
        msg.contains("deals.csv") && msg.contains("title") && msg.contains("add_time"),
        "{msg}"
    );
}

/// An unparsable date rejects its row with file, line, column and value.
#[test]
fn unparsable_date_is_a_rejected_row() {
    let loaded = load(&[repo("tests/fixtures/bad/deals_dates.csv")]).unwrap();
    assert_eq!(loaded.frame(Table::Deals).height(), 2);
    let [r] = loaded.rejected.as_slice() else { panic!("{:?}", loaded.rejected) };
    assert!(r.file.ends_with("deals_dates.csv"));
    assert_eq!((r.line, r.column.as_deref()), (3, Some("add_time")));
    assert_eq!(r.raw_value.as_deref(), Some("2024-02-30 10:00:00"));
    assert!(r.reason.contains("expected a timestamp"), "{}", r.reason);
}

/// Windows-1252 bytes are decoded, and the file says so.
#[test]
fn non_utf8_file_is_decoded_as_windows_1252() {
    let loaded = load(&[repo("tests/fixtures/bad/deals_cp1252.csv")]).unwrap();
    assert_eq!(loaded.files[0].encoding, "windows-1252");
    let titles = strings(loaded.frame(Table::Deals), "title");
    assert_eq!(titles[0].as_deref(), Some("Société Générale deal"));
}
