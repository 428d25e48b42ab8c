//! Tests of the generator: determinism, the flow against the final deal state, label integrity,
//! fault placement, the size of the sample and the file formats. Most checks run on one
//! 2,000-deal JSON export generated once by `sample_export_checks`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use serde_json::Value;
use tempfile::TempDir;

use super::clock::{COMPANY_TZ, CompanyCalendar, to_local, to_utc, ymd};
use super::{ExportFormat, GenerateOptions, GenerateSummary, generate};

type Row = BTreeMap<String, String>;

fn export(deals: usize, seed: u64, format: ExportFormat) -> (TempDir, GenerateSummary) {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = GenerateOptions { out: dir.path().join("export"), deals, seed, format };
    let summary = generate(&opts).expect("generation succeeds");
    (dir, summary)
}

fn jsonl(dir: &Path, name: &str) -> Vec<Value> {
    let text = fs_err::read_to_string(dir.join(name)).expect("file exists");
    text.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
}

fn page(dir: &Path, name: &str) -> Vec<Value> {
    let text = fs_err::read_to_string(dir.join(name)).expect("file exists");
    let value: Value = serde_json::from_str(&text).expect("page is JSON");
    assert_eq!(value["success"], Value::Bool(true));
    assert_eq!(value["additional_data"]["pagination"]["more_items_in_collection"], false);
    value["data"].as_array().expect("data array").clone()
}

fn csv_rows(path: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(path).expect("csv opens");
    reader.deserialize().map(|r| r.expect("csv row")).collect()
}

fn label(dir: &Path, name: &str) -> Vec<Row> {
    csv_rows(&dir.join("labels").join(name))
}

fn ts(value: &Value) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(value.as_str().expect("timestamp"), "%Y-%m-%d %H:%M:%S")
        .expect("format")
}

fn flow_data(dir: &Path) -> Vec<Value> {
    jsonl(dir, "deal_flow.jsonl").into_iter().map(|item| item["data"].clone()).collect()
}

fn by_id(rows: &[Value]) -> BTreeMap<u64, &Value> {
    rows.iter().map(|r| (r["id"].as_u64().expect("id"), r)).collect()
}

fn id_of(row: &Row, key: &str) -> u64 {
    row[key].parse().expect("numeric id")
}

fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs_err::read_dir(root).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() { out.extend(files_under(&path)) } else { out.push(path) }
    }
    out.sort();
    out
}

/// Link fields may be a plain id or a nested v1 object with `value`.
fn link_id(value: &Value) -> Value {
    match value {
        Value::Object(map) => map["value"].clone(),
        other => other.clone(),
    }
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[test]
fn same_options_give_identical_bytes() {
    for format in [ExportFormat::Json, ExportFormat::Csv] {
        let (a, summary_a) = export(300, 7, format);
        let (b, summary_b) = export(300, 7, format);
        assert_eq!(summary_a, summary_b);
        let (files_a, files_b) = (files_under(a.path()), files_under(b.path()));
        assert_eq!(files_a.len(), files_b.len());
        for (fa, fb) in files_a.iter().zip(&files_b) {
            assert_eq!(fa.strip_prefix(a.path()), fb.strip_prefix(b.path()));
            assert!(fs_err::read(fa).unwrap() == fs_err::read(fb).unwrap(), "{fa:?} differs");
        }
    }
    let (c, _) = export(300, 8, ExportFormat::Json);
    let (a, _) = export(300, 7, ExportFormat::Json);
    let deals = |d: &TempDir| fs_err::read(d.path().join("export/deals.jsonl")).unwrap();
    assert_ne!(deals(&a), deals(&c), "another seed gives another export");
}

fn summary_lists_every_file_with_its_rows(dir: &Path, summary: &GenerateSummary) {
    let names: Vec<&str> = summary.files.iter().map(|(n, _)| n.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    let on_disk: BTreeSet<String> = files_under(dir)
        .iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/"))
        .collect();
    assert_eq!(on_disk, names.iter().map(|n| (*n).to_owned()).collect());
    for (name, rows) in &summary.files {
        if name.ends_with(".jsonl") {
            assert_eq!(jsonl(dir, name).len() as u64, *rows, "{name}");
        } else if name.ends_with(".csv") {
            assert_eq!(csv_rows(&dir.join(name)).len() as u64, *rows, "{name}");
        }
    }
    let deals = summary.files.iter().find(|(n, _)| n == "deals.jsonl").unwrap().1;
    assert!((2000..2200).contains(&deals), "2,000 real deals plus a few duplicates: {deals}");
}

fn sample_stays_under_eight_megabytes(dir: &Path, _summary: &GenerateSummary) {
    let total: u64 = files_under(dir).iter().map(|p| std::fs::metadata(p).unwrap().len()).sum();
    assert!(total < 8_000_000, "2,000-deal JSON export is {total} bytes");
}

fn json_files_parse_in_pipedrive_shapes(dir: &Path, _summary: &GenerateSummary) {
    let users = page(dir, "users.json");
    assert!(users.iter().any(|u| u["name"] == "Zapier Integration"));
    let zones: BTreeSet<&str> = users.iter().filter_map(|u| u["timezone_name"].as_str()).collect();
    for zone in ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Adelaide"] {
        assert!(zones.contains(zone), "{zone}");
    }
    let stages = page(dir, "stages.json");
    assert_eq!(page(dir, "pipelines.json").len(), 2);
    assert!(stages.iter().all(|s| s["pipeline_name"].is_string()));
    assert_eq!(page(dir, "organizations.json").len(), 200);
    let persons = jsonl(dir, "persons.jsonl");
    assert!(persons.iter().all(|p| p["email"][0]["primary"] == true));
    let deals = jsonl(dir, "deals.jsonl");
    let nested = deals.iter().filter(|d| d["user_id"].is_object()).count();
    assert!((100..400).contains(&nested), "about 10% nested links: {nested}");
    assert!(deals.iter().any(|d| d["org_id"].is_null()));
    for name in ["activities.jsonl", "notes.jsonl", "deal_flow.jsonl"] {
        assert!(!jsonl(dir, name).is_empty(), "{name}");
    }
}

fn flow_agrees_with_final_deal_state(dir: &Path, _summary: &GenerateSummary) {
    let flow = flow_data(dir);
    let mut last: BTreeMap<(u64, String), Option<String>> = BTreeMap::new();
    let mut first_key: BTreeMap<u64, String> = BTreeMap::new();
    for (i, row) in flow.iter().enumerate() {
        let deal = row["item_id"].as_u64().unwrap();
        let key = row["field_key"].as_str().unwrap().to_owned();
        first_key.entry(deal).or_insert_with(|| key.clone());
        if key == "stage_id" {
            let next = &flow[i + 1];
            assert_eq!(next["field_key"], "stage_change_time");
            assert_eq!(next["log_time"], row["log_time"]);
        }
        assert_ne!(row["old_value"], row["new_value"], "a write changes the value");
        last.insert((deal, key), as_text(&row["new_value"]));
    }
    let deals = jsonl(dir, "deals.jsonl");
    for deal in &deals {
        let id = deal["id"].as_u64().unwrap();
        assert_eq!(first_key[&id], "add_time");
        assert_eq!(last[&(id, "add_time".to_owned())], as_text(&deal["add_time"]));
        for field in [
            "stage_id",
            "status",
            "expected_close_date",
            "value",
            "user_id",
            "probability",
            "lost_reason",
            "channel",
            "channel_id",
            "stage_change_time",
        ] {
            if let Some(new) = last.get(&(id, field.to_owned())) {
                assert_eq!(new, &as_text(&link_id(&deal[field])), "deal {id} {field}");
            }
        }
        let closed = deal["status"] != "open";
        assert_eq!(closed, !deal["close_time"].is_null(), "deal {id}");
    }
}

fn labels_refer_to_rows_that_exist(dir: &Path, _summary: &GenerateSummary) {
    let flow = flow_data(dir);
    let changes = by_id(&flow);
    let deals = jsonl(dir, "deals.jsonl");
    let deal_ids: BTreeSet<u64> = deals.iter().map(|d| d["id"].as_u64().unwrap()).collect();
    let persons: BTreeSet<u64> =
        jsonl(dir, "persons.jsonl").iter().map(|p| p["id"].as_u64().unwrap()).collect();
    let activities = jsonl(dir, "activities.jsonl");
    let activity_ids = by_id(&activities);
    let notes = jsonl(dir, "notes.jsonl");
    let note_ids = by_id(&notes);
    let users: BTreeSet<u64> =
        page(dir, "users.json").iter().map(|u| u["id"].as_u64().unwrap()).collect();
    for row in label(dir, "month_end.csv").iter().chain(&label(dir, "attribution_overwrites.csv")) {
        let change = changes[&id_of(row, "change_id")];
        assert_eq!(change["item_id"].as_u64(), Some(id_of(row, "deal_id")));
    }
    for row in label(dir, "duplicate_deals.csv") {
        assert!(
            deal_ids.contains(&id_of(&row, "deal_id"))
                && deal_ids.contains(&id_of(&row, "duplicate_of_deal_id"))
        );
    }
    for row in label(dir, "duplicate_persons.csv") {
        assert!(
            persons.contains(&id_of(&row, "person_id"))
                && persons.contains(&id_of(&row, "duplicate_of_person_id"))
        );
    }
    for row in label(dir, "repeated_writes.csv") {
        let table = if row["entity"] == "note" { &note_ids } else { &activity_ids };
        let (dup, orig) = (table[&id_of(&row, "id")], table[&id_of(&row, "duplicate_of")]);
        let key = if row["entity"] == "note" { "content" } else { "subject" };
        assert_eq!(dup[key], orig[key]);
        assert!(ts(&dup["add_time"]) - ts(&orig["add_time"]) <= Duration::minutes(5));
    }
    for row in label(dir, "timestamp_drift.csv") {
        let activity = activity_ids[&id_of(&row, "activity_id")];
        assert_eq!(activity["gcal_event_id"].as_str(), Some(row["event_uid"].as_str()));
    }
    for row in label(dir, "clean_lookalikes.csv") {
        match row["kind"].as_str() {
            "deal_title_number_only" => {
                assert!(
                    deal_ids.contains(&id_of(&row, "entity_id"))
                        && deal_ids.contains(&id_of(&row, "other_entity_id"))
                );
            },
            _ => assert!(changes.contains_key(&id_of(&row, "entity_id"))),
        }
    }
    for row in label(dir, "integrations.csv") {
        assert!(users.contains(&id_of(&row, "actor_user_id")));
    }
    assert_eq!(label(dir, "sync_gaps.csv").len(), 1);
    assert_eq!(label(dir, "rollout.csv").len(), 1);
}

fn nudges_fall_in_the_last_two_working_days(dir: &Path, _summary: &GenerateSummary) {
    let cal = CompanyCalendar::new();
    let flow = flow_data(dir);
    let changes = by_id(&flow);
    let nudges = label(dir, "month_end.csv");
    let mut per_month: BTreeMap<(i32, u32), usize> = BTreeMap::new();
    for row in &nudges {
        let change = changes[&id_of(row, "change_id")];
        let day = to_local(COMPANY_TZ, ts(&change["log_time"])).date();
        assert!(cal.is_month_end(day), "{day} is not among the last two working days");
        assert_eq!(change["change_source_user_agent"], "forecastbot/3.2");
        assert_eq!(change["field_key"], "expected_close_date");
        assert!(change["new_value"].as_str() > change["old_value"].as_str(), "pushed later");
        *per_month.entry((day.year(), day.month())).or_default() += 1;
    }
    assert!(per_month.len() >= 20, "nudges in most months: {per_month:?}");
    let typical = per_month.values().copied().collect::<Vec<_>>()[per_month.len() / 2];
    assert!(typical >= 10, "dozens of nudges a month: {per_month:?}");
}

fn calendar_has_known_holidays_and_month_end_windows(dir: &Path, _summary: &GenerateSummary) {
    let cal = CompanyCalendar::new();
    for holiday in [ymd(2024, 12, 25), ymd(2025, 11, 27), ymd(2026, 7, 3), ymd(2026, 1, 19)] {
        assert!(cal.holidays().contains(&holiday), "{holiday}");
    }
    assert!(!cal.is_working(ymd(2025, 11, 27)));
    let november: Vec<NaiveDate> = cal
        .month_end_days()
        .iter()
        .copied()
        .filter(|d| d.year() == 2025 && d.month() == 11)
        .collect();
    assert_eq!(november, [ymd(2025, 11, 26), ymd(2025, 11, 28)]);
    assert_eq!(cal.month_end_days().len(), 48);
    let config = fs_err::read_to_string(dir.join("pipetrust.toml")).unwrap();
    assert!(
        config.contains("timezone = \"America/New_York\"") && config.contains("\"2025-11-27\",")
    );
    assert!(config.contains("[[rollouts]]") && config.contains("sources = [\"automation\"]"));
}

fn human_month_end_rush_is_modest_and_the_nudger_is_not(dir: &Path, _summary: &GenerateSummary) {
    let cal = CompanyCalendar::new();
    let days: Vec<NaiveDate> = (0..730).map(|i| ymd(2024, 12, 1) + Duration::days(i)).collect();
    let working = days.iter().filter(|d| cal.is_working(**d)).count() as f64;
    let uniform = cal.month_end_days().len() as f64 / working;
    let lift = |pred: &dyn Fn(&Value) -> bool| {
        let rows: Vec<Value> = flow_data(dir).into_iter().filter(|r| pred(r)).collect();
        let in_window = rows
            .iter()
            .filter(|r| cal.is_month_end(to_local(COMPANY_TZ, ts(&r["log_time"])).date()))
            .count();
        in_window as f64 / rows.len() as f64 / uniform
    };
    let human = lift(&|r| {
        let by_human = matches!(r["change_source"].as_str(), Some("app" | "mobile"));
        by_human && (r["field_key"] == "expected_close_date" || r["new_value"] == "won")
    });
    assert!((1.0..1.7).contains(&human), "human month-end lift {human}");
    let bot = lift(&|r| r["change_source_user_agent"] == "forecastbot/3.2");
    assert!(bot > 5.0, "nudger lift {bot}");
}

fn billing_sync_writes_daily_then_goes_silent_once(dir: &Path, _summary: &GenerateSummary) {
    let cal = CompanyCalendar::new();
    let mut per_day: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for row in flow_data(dir).iter().filter(|r| r["change_source_user_agent"] == "billing-sync/5.1")
    {
        *per_day.entry(to_local(COMPANY_TZ, ts(&row["log_time"])).date()).or_default() += 1;
    }
    let gap = &label(dir, "sync_gaps.csv")[0];
    let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let (start, end) = (parse(&gap["gap_start"]), parse(&gap["gap_end"]));
    assert_eq!((end - start).num_days(), 13);
    let first = *per_day.keys().next().unwrap();
    let mut day = first;
    let mut silent = Vec::new();
    while day <= ymd(2026, 11, 30) {
        if cal.is_working(day) {
            let n = per_day.get(&day).copied().unwrap_or(0);
            if n == 0 { silent.push(day) } else { assert!(n >= 5, "{day}: {n} writes") }
        }
        day += Duration::days(1);
    }
    assert!(!silent.is_empty() && silent.iter().all(|d| (start..=end).contains(d)), "{silent:?}");
}

fn rollout_speeds_stages_without_better_outcomes(dir: &Path, _summary: &GenerateSummary) {
    let rollout = to_utc(COMPANY_TZ, ymd(2026, 3, 2).and_hms_opt(0, 0, 0).unwrap());
    let deals = jsonl(dir, "deals.jsonl");
    let sales: BTreeMap<u64, &Value> = deals
        .iter()
        .filter(|d| d["pipeline_id"] == 1)
        .map(|d| (d["id"].as_u64().unwrap(), d))
        .collect();
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let mut entered: BTreeMap<u64, NaiveDateTime> =
        sales.iter().map(|(id, d)| (*id, ts(&d["add_time"]))).collect();
    for row in flow_data(dir).iter().filter(|r| r["field_key"] == "stage_id") {
        let Some(start) = entered.get_mut(&row["item_id"].as_u64().unwrap()) else { continue };
        let t = ts(&row["log_time"]);
        let length = (t - *start).num_minutes();
        let window = Duration::days(180);
        if *start >= rollout - window && *start < rollout - Duration::days(14) {
            before.push(length);
        } else if *start >= rollout + Duration::days(14) && *start < rollout + window {
            after.push(length);
        }
        *start = t;
    }
    let median = |v: &mut Vec<i64>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    let (b, a) = (median(&mut before), median(&mut after));
    assert!((a as f64) < 0.7 * b as f64, "stage medians before {b} after {a} minutes");
    let win_rate = |from: NaiveDateTime, to: NaiveDateTime| {
        let cohort: Vec<&&Value> =
            sales.values().filter(|d| (from..to).contains(&ts(&d["add_time"]))).collect();
        let won = cohort.iter().filter(|d| d["status"] == "won").count() as f64;
        let lost = cohort.iter().filter(|d| d["status"] == "lost").count() as f64;
        won / (won + lost)
    };
    let earlier = win_rate(rollout - Duration::days(240), rollout);
    let later = win_rate(rollout, rollout + Duration::days(120));
    assert!(later < earlier + 0.08, "win rate before {earlier:.3} after {later:.3}");
    let automated = flow_data(dir)
        .iter()
        .filter(|r| r["change_source"] == "automation" && r["field_key"] == "stage_id")
        .count();
    assert!(automated > 100);
}

fn duplicates_look_like_their_originals(dir: &Path, _summary: &GenerateSummary) {
    let deals = jsonl(dir, "deals.jsonl");
    let deals = by_id(&deals);
    let rows = label(dir, "duplicate_deals.csv");
    assert!(rows.len() >= 30, "{} duplicate deals", rows.len());
    let variants: BTreeSet<&str> = rows.iter().map(|r| r["variant"].as_str()).collect();
    assert_eq!(variants.len(), 5, "{variants:?}");
    for row in &rows {
        let (dup, orig) =
            (deals[&id_of(row, "deal_id")], deals[&id_of(row, "duplicate_of_deal_id")]);
        assert_ne!(dup["title"], orig["title"]);
        assert!(ts(&dup["add_time"]) > ts(&orig["add_time"]));
        assert_eq!(dup["origin"], "API");
        let org = link_id(&dup["org_id"]);
        assert!(org.is_null() || org == link_id(&orig["org_id"]));
    }
    let persons = jsonl(dir, "persons.jsonl");
    let persons = by_id(&persons);
    for row in label(dir, "duplicate_persons.csv") {
        let email =
            |id: u64| persons[&id]["email"][0]["value"].as_str().unwrap().trim().to_lowercase();
        assert_eq!(email(id_of(&row, "person_id")), email(id_of(&row, "duplicate_of_person_id")));
    }
}

/// Unfolded content lines of the calendar.
fn ics_lines(dir: &Path) -> Vec<String> {
    let text = fs_err::read_to_string(dir.join("calendar.ics")).unwrap();
    text.replace("\r\n ", "").split("\r\n").map(str::to_owned).collect()
}

/// Start of each event by UID: a UTC instant, or a date for all-day events.
fn event_starts(dir: &Path) -> BTreeMap<String, Result<NaiveDateTime, NaiveDate>> {
    let mut out = BTreeMap::new();
    let mut start = None;
    let mut in_event = false;
    for line in ics_lines(dir) {
        in_event = (in_event || line == "BEGIN:VEVENT") && line != "END:VEVENT";
        if !in_event {
            continue;
        }
        if let Some(rest) = line.strip_prefix("DTSTART") {
            let (params, value) = rest.split_once(':').unwrap();
            start = Some(if let Some(zone) = params.strip_prefix(";TZID=") {
                let iana = match zone {
                    "Eastern Standard Time" => "America/New_York",
                    "W. Europe Standard Time" => "Europe/Berlin",
                    other => other,
                };
                let local = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").unwrap();
                Ok(to_utc(iana.parse().unwrap(), local))
            } else if params == ";VALUE=DATE" {
                let (y, m, d) = (&value[..4], &value[4..6], &value[6..]);
                Err(ymd(y.parse().unwrap(), m.parse().unwrap(), d.parse().unwrap()))
            } else {
                Ok(NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ").unwrap())
            });
        }
        if let Some(uid) = line.strip_prefix("UID:") {
            out.insert(uid.to_owned(), start.take().unwrap());
        }
    }
    out
}

fn calendar_is_folded_crlf_and_drift_labels_are_true(dir: &Path, summary: &GenerateSummary) {
    let raw = fs_err::read(dir.join("calendar.ics")).unwrap();
    let text = String::from_utf8(raw).unwrap();
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    for line in text.split("\r\n") {
        assert!(line.len() <= 75 && !line.contains('\n'), "{line:?}");
    }
    assert!(
        text.contains("TZID:Eastern Standard Time\r\n") && text.contains("DTSTART;VALUE=DATE:")
    );
    let starts = event_starts(dir);
    let events = summary.files.iter().find(|(n, _)| n == "calendar.ics").unwrap().1;
    assert_eq!(starts.len() as u64, events);
    let activities = jsonl(dir, "activities.jsonl");
    let activities = by_id(&activities);
    let mut kinds = BTreeSet::new();
    for row in label(dir, "timestamp_drift.csv") {
        let a = activities[&id_of(&row, "activity_id")];
        let due = NaiveDate::parse_from_str(a["due_date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        let offset = match starts[&row["event_uid"]] {
            Err(day) => (due - day).num_minutes(),
            Ok(t) => {
                let time =
                    chrono::NaiveTime::parse_from_str(a["due_time"].as_str().unwrap(), "%H:%M")
                        .unwrap();
                (due.and_time(time) - t.with_second(0).unwrap()).num_minutes()
            },
        };
        assert_eq!(offset.to_string(), row["offset_minutes"], "activity {}", row["activity_id"]);
        if row["integration"] == "Google Calendar Sync" {
            assert_eq!(row["kind"], "exact");
        }
        kinds.insert(row["kind"].clone());
    }
    assert_eq!(kinds.len(), 4, "{kinds:?}");
}

fn csv_export_has_the_json_keys_as_headers(json_dir: &Path, _summary: &GenerateSummary) {
    let (dir, _) = export(150, 3, ExportFormat::Csv);
    let csv_dir = dir.path().join("export");
    let pairs = [
        ("deals.csv", jsonl(json_dir, "deals.jsonl")[0].clone()),
        ("deal_flow.csv", jsonl(json_dir, "deal_flow.jsonl")[0]["data"].clone()),
        ("activities.csv", jsonl(json_dir, "activities.jsonl")[0].clone()),
        ("notes.csv", jsonl(json_dir, "notes.jsonl")[0].clone()),
        ("persons.csv", jsonl(json_dir, "persons.jsonl")[0].clone()),
        ("users.csv", page(json_dir, "users.json")[0].clone()),
        ("stages.csv", page(json_dir, "stages.json")[0].clone()),
        ("pipelines.csv", page(json_dir, "pipelines.json")[0].clone()),
        ("organizations.csv", page(json_dir, "organizations.json")[0].clone()),
    ];
    for (file, json) in pairs {
        let mut reader = csv::Reader::from_path(csv_dir.join(file)).unwrap();
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        let keys: Vec<String> =
            json.as_object().unwrap().keys().filter(|k| *k != "additional_data").cloned().collect();
        let (mut h, mut k) = (header.clone(), keys);
        h.sort();
        k.sort();
        assert_eq!(h, k, "{file}");
        assert!(reader.records().next().is_some(), "{file} has rows");
    }
    assert!(csv_dir.join("calendar.ics").exists() && csv_dir.join("pipetrust.toml").exists());
}

type Check = fn(&Path, &GenerateSummary);

/// Generates the 2,000-deal JSON sample once and runs every check on it, reporting all
/// failing checks rather than stopping at the first.
#[test]
fn sample_export_checks() {
    let checks: [(&str, Check); 13] = [
        ("summary_lists_every_file_with_its_rows", summary_lists_every_file_with_its_rows),
        ("sample_stays_under_eight_megabytes", sample_stays_under_eight_megabytes),
        ("json_files_parse_in_pipedrive_shapes", json_files_parse_in_pipedrive_shapes),
        ("flow_agrees_with_final_deal_state", flow_agrees_with_final_deal_state),
        ("labels_refer_to_rows_that_exist", labels_refer_to_rows_that_exist),
        ("nudges_fall_in_the_last_two_working_days", nudges_fall_in_the_last_two_working_days),
        (
            "human_month_end_rush_is_modest_and_the_nudger_is_not",
            human_month_end_rush_is_modest_and_the_nudger_is_not,
        ),
        (
            "billing_sync_writes_daily_then_goes_silent_once",
            billing_sync_writes_daily_then_goes_silent_once,
        ),
        (
            "rollout_speeds_stages_without_better_outcomes",
            rollout_speeds_stages_without_better_outcomes,
        ),
        ("duplicates_look_like_their_originals", duplicates_look_like_their_originals),
        (
            "calendar_is_folded_crlf_and_drift_labels_are_true",
            calendar_is_folded_crlf_and_drift_labels_are_true,
        ),
        (
            "calendar_has_known_holidays_and_month_end_windows",
            calendar_has_known_holidays_and_month_end_windows,
        ),
        ("csv_export_has_the_json_keys_as_headers", csv_export_has_the_json_keys_as_headers),
    ];
    let (dir, summary) = export(2000, 42, ExportFormat::Json);
    let root = dir.path().join("export");
    let failed: Vec<&str> = checks
        .iter()
        .filter(|(_, check)| {
            let run = std::panic::AssertUnwindSafe(|| check(&root, &summary));
            std::panic::catch_unwind(run).is_err()
        })
        .map(|(name, _)| *name)
        .collect();
    assert!(failed.is_empty(), "failed checks: {failed:?}");
}

#[test]
fn tiny_exports_work() {
    for deals in [0, 1, 25] {
        let (dir, summary) = export(deals, 1, ExportFormat::Csv);
        assert!(dir.path().join("export/labels/integrations.csv").exists());
        let written = summary.files.iter().find(|(n, _)| n == "deals.csv").unwrap().1;
        assert!(written >= deals as u64);
    }
}
