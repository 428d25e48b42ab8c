//! `timestamp_drift` and `sync_gaps` on the bundled sample, scored against the
//! generator's labels (`labels/timestamp_drift.csv`, `labels/sync_gaps.csv`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use pipetrust::audit::AuditRun;
use pipetrust::checks::{CheckOutput, Severity};
use polars::prelude::*;

use crate::common::{audit, read_labels, repo};

fn output<'a>(run: &'a AuditRun, name: &str) -> &'a CheckOutput {
    let check = run.checks.iter().find(|c| c.meta.name == name).expect("check ran");
    check.result.as_ref().expect("check succeeded")
}

fn table<'a>(out: &'a CheckOutput, name: &str) -> &'a DataFrame {
    &out.tables.iter().find(|t| t.0 == name).expect("table").1
}

fn strs(df: &DataFrame, name: &str) -> Vec<String> {
    let s = df.column(name).unwrap().as_materialized_series().cast(&DataType::String).unwrap();
    s.str().unwrap().iter().map(|v| v.unwrap_or("").to_owned()).collect()
}

/// Change ids of the clean look-alikes (human bulk edits, channel fixes).
fn lookalike_changes() -> BTreeSet<String> {
    read_labels(&repo("data/sample/labels/clean_lookalikes.csv"))
        .into_iter()
        .filter(|r| r["kind"] != "deal_title_number_only")
        .map(|r| format!("pd:{}", r["entity_id"]))
        .collect()
}

/// Precision and recall of `found` against `labelled`.
fn score(found: &BTreeSet<String>, labelled: &BTreeSet<String>) -> (f64, f64) {
    let hit = found.intersection(labelled).count() as f64;
    (hit / found.len().max(1) as f64, hit / labelled.len().max(1) as f64)
}

/// Integration name → its source key (`class:product token of its agent`).
fn source_keys() -> BTreeMap<String, String> {
    read_labels(&repo("data/sample/labels/integrations.csv"))
        .into_iter()
        .map(|r| {
            let token = r["user_agent"].split(['/', ' ']).next().unwrap_or("").to_lowercase();
            (r["name"].clone(), format!("{}:{token}", r["change_source"]))
        })
        .collect()
}

/// The Outlook connector's drifted meetings are found, each in the labelled
/// class; the exact Google sync is not flagged.
#[test]
fn timestamp_drift_finds_the_labelled_calendar_faults() {
    let run = audit(&[repo("data/sample")]);
    let out = output(&run, "timestamp_drift");
    let labels = read_labels(&repo("data/sample/labels/timestamp_drift.csv"));
    let key = |id: &str| format!("pd:{id}");
    let labelled: BTreeSet<String> =
        labels.iter().filter(|l| l["kind"] != "exact").map(|l| key(&l["activity_id"])).collect();
    let drift: Vec<_> = out.findings.iter().filter(|f| f.metric == "drift_share").collect();
    let flagged: BTreeSet<String> = drift
        .iter()
        .flat_map(|f| f.evidence.iter())
        .filter(|e| e.0 == "activity")
        .map(|e| e.1.clone())
        .collect();
    let (precision, recall) = score(&flagged, &labelled);
    eprintln!(
        "timestamp_drift: precision {precision:.3}, recall {recall:.3} ({} flagged, {} labelled)",
        flagged.len(),
        labelled.len()
    );
    assert!(recall >= 0.95, "recall {recall:.3}");
    assert!(precision >= 0.9, "precision {precision:.3}");
    assert_eq!(drift.len(), 1, "only the Outlook connector is flagged");
    assert_eq!(drift[0].segment, "Outlook Calendar Connector");
    assert_eq!(drift[0].severity, Severity::Fail);
    assert!(drift[0].value_at_stake.unwrap_or(0.0) > 0.0);
    // Every labelled pair is matched and classed as labelled.
    let pairs = table(out, "drift_pairs");
    let class: BTreeMap<String, String> =
        strs(pairs, "activity_key").into_iter().zip(strs(pairs, "drift_class")).collect();
    let agree = labels.iter().filter(|l| class.get(&key(&l["activity_id"])) == Some(&l["kind"]));
    let agree = agree.count();
    eprintln!("timestamp_drift: class agrees with the label on {agree} of {}", labels.len());
    assert_eq!(agree, labels.len());
    // No impossible orders or future timestamps in the sample.
    assert!(out.findings.iter().all(|f| f.metric == "drift_share"));
}

/// Billing Sync's silence is one gap covering exactly the labelled zero-write
/// working days; no other integration (the bursty stage automation, the
/// month-end bot, people) gets a gap or a drop.
#[test]
fn sync_gaps_finds_the_labelled_silence_and_nothing_else() {
    let run = audit(&[repo("data/sample")]);
    let out = output(&run, "sync_gaps");
    let keys = source_keys();
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let labels = read_labels(&repo("data/sample/labels/sync_gaps.csv"));
    let daily = table(out, "sync_daily");
    let (src, days, writes) =
        (strs(daily, "source_key"), strs(daily, "day"), strs(daily, "writes"));
    let gap_col = daily.column("gap_day").unwrap().bool().unwrap().clone();
    let mut labelled = BTreeSet::new();
    for l in &labels {
        let source = &keys[&l["integration"]];
        let (lo, hi) = (day(&l["gap_start"]), day(&l["gap_end"]));
        for i in 0..src.len() {
            let d = day(&days[i]);
            if &src[i] == source && d >= lo && d <= hi && writes[i] == "0" {
                labelled.insert(format!("{}/{}", src[i], days[i]));
            }
        }
    }
    let flagged: BTreeSet<String> = (0..src.len())
        .filter(|&i| gap_col.get(i) == Some(true))
        .map(|i| format!("{}/{}", src[i], days[i]))
        .collect();
    let (precision, recall) = score(&flagged, &labelled);
    eprintln!(
        "sync_gaps: day-level precision {precision:.3}, recall {recall:.3} ({} flagged, {} \
         labelled zero-write working days)",
        flagged.len(),
        labelled.len()
    );
    assert_eq!(labelled.len(), 9, "06-08..06-18 minus weekends; 06-19 is a holiday");
    assert!(recall >= 0.95 && precision >= 0.9, "precision {precision:.3} recall {recall:.3}");
    let gaps: Vec<_> = out.findings.iter().filter(|f| f.metric == "gap_working_days").collect();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].segment, keys["Billing Sync"]);
    assert_eq!(gaps[0].severity, Severity::Fail);
    assert_eq!(gaps[0].evidence.len(), 2, "last write before, first write after");
    assert!(out.findings.iter().all(|f| f.metric != "sudden_drop_days"));
    let lookalikes = lookalike_changes();
    assert!(!lookalikes.is_empty());
    for f in &out.findings {
        for (kind, key) in &f.evidence {
            assert!(*kind != "deal_change" || !lookalikes.contains(key), "look-alike {key}");
        }
        assert!(!f.segment.starts_with("human:"), "a human source is flagged: {}", f.message);
        assert!(!f.segment.starts_with("automation"), "the automation is flagged: {}", f.message);
    }
}
