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

/// Exports as people really produce them: BOM, `;`, CRLF, a quoted newline,
/// a duplicate header, trailing empty columns, decimal commas, an Excel
/// serial date, mixed offsets, an ambiguous date, a header-only file, an
/// empty file, a truncated JSON array with a non-deal item, and JSON Lines
/// mixing v1 and v2 shapes with a broken last line. Every row is accounted for.
#[test]
fn messy_exports_load_and_reconcile() {
    let loaded = load(&[repo("tests/fixtures/messy")]).unwrap();
    let by_name = |n: &str| loaded.files.iter().find(|f| f.path.ends_with(n)).unwrap();
    for f in &loaded.files {
        assert_eq!(f.rows_read, f.rows_loaded + f.rows_rejected, "{}", f.path);
    }
    let deals_csv = by_name("deals.csv");
    assert_eq!((deals_csv.rows_read, deals_csv.rows_loaded), (3, 2));
    assert!(deals_csv.status.contains("duplicate headers `Deal - Title`"), "{}", deals_csv.status);
    let ambiguous = loaded.rejected.iter().find(|r| r.file.ends_with("deals.csv")).unwrap();
    assert_eq!(
        (ambiguous.line, ambiguous.column.as_deref()),
        (5, Some("Deal - Expected close date"))
    );
    assert!(ambiguous.reason.contains("ambiguous"), "{}", ambiguous.reason);
    assert_eq!(by_name("activities.csv").rows_read, 0);
    assert_eq!(by_name("people.csv").status, "skipped: empty file");
    let flow = by_name("deal_flow.json");
    assert_eq!((flow.rows_read, flow.rows_loaded, flow.rows_rejected), (4, 2, 2));
    let api = by_name("deals_api.jsonl");
    assert_eq!((api.rows_read, api.rows_loaded, api.rows_rejected), (4, 2, 2));

    let deals = loaded.frame(Table::Deals).clone().lazy().sort(["deal_key"], Default::default());
    let deals = deals.collect().unwrap();
    let titles = strings(&deals, "title");
    assert_eq!(titles[0].as_deref(), Some("Rollout\r\nphase 2"));
    let values = deals.column("value").unwrap().f64().unwrap().iter().collect::<Vec<_>>();
    assert_eq!(values, vec![Some(1234.56), Some(12.5), Some(250.0), Some(10.0)]);
    let close = deals.column("expected_close_date").unwrap().cast(&DataType::String).unwrap();
    assert_eq!(close.str().unwrap().get(0), Some("2024-12-05"));
    let created = deals.column("created_at").unwrap().cast(&DataType::String).unwrap();
    assert!(created.str().unwrap().get(0).unwrap().starts_with("2024-03-01 07:30:00"));
    assert_eq!(strings(&deals, "org_key")[2].as_deref(), Some("pd:33"));
    assert_eq!(strings(&deals, "owner_user_key")[3].as_deref(), Some("pd:9"));

    let notes = strings(loaded.frame(Table::Notes), "body_text");
    assert_eq!(notes[0].as_deref(), Some("Called Bob. He wants a quote, \"soon\"."));
    assert_eq!(notes[1].as_deref(), Some("Second note"));
    let changes = loaded.frame(Table::DealChanges);
    assert_eq!(
        strings(changes, "source_class"),
        vec![Some("human_ui".into()), Some("bulk".into())]
    );
    assert_eq!(strings(changes, "batch_id")[1].as_deref(), Some("b-7"));
}

/// Every real sample beside the repository loads without error and every
/// file reconciles: read = loaded + rejected (unrecognised files read none).
#[test]
fn every_shared_sample_reconciles() {
    let Some(root) = shared("") else { return };
    let mut dirs: Vec<_> = fs_err::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        let loaded =
            load(std::slice::from_ref(&dir)).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for f in &loaded.files {
            assert_eq!(f.rows_read, f.rows_loaded + f.rows_rejected, "{}", f.path);
        }
        assert_eq!(
            loaded.rejected.len() as u64,
            loaded.files.iter().map(|f| f.rows_rejected).sum::<u64>()
        );
    }
}

/// An unclosed quote would swallow the rest of the file into one field: it
/// is an error naming the file and the line where the quote opened.
#[test]
fn unclosed_quote_is_an_error_not_a_lost_file() {
    let err = load(&[repo("tests/fixtures/unclosed/deals.csv")]).err().expect("an error");
    let msg = err.to_string();
    assert!(msg.contains("deals.csv:2") && msg.contains("unclosed quote"), "{msg}");
}

/// The same export read twice does not double the deals: later rows with a
/// key already loaded are rejected with the reason, and files still reconcile.
#[test]
fn a_file_read_twice_does_not_double_the_deals() {
    let loaded = load(&[repo("tests/fixtures/twice")]).unwrap();
    assert_eq!(loaded.frame(Table::Deals).height(), 2);
    let dupes: Vec<_> =
        loaded.rejected.iter().filter(|r| r.reason.starts_with("duplicate deal_key")).collect();
    assert_eq!(dupes.len(), 2);
    for f in &loaded.files {
        assert_eq!(f.rows_read, f.rows_loaded + f.rows_rejected, "{}", f.path);
    }
}

/// A row with fewer fields than the header is rejected with the count, not
/// padded with empty values that would shift its meaning.
#[test]
fn short_rows_are_rejected_not_padded() {
    let loaded = load(&[repo("tests/fixtures/short/deals.csv")]).unwrap();
    assert_eq!(loaded.frame(Table::Deals).height(), 1);
    let [r] = loaded.rejected.as_slice() else { panic!("{:?}", loaded.rejected) };
    assert_eq!((r.line, r.reason.as_str()), (3, "expected 4 fields, found 3"));
    assert_eq!(r.raw_value.as_deref(), Some("2,Short,2024-03-01 10:00:00"));
}
