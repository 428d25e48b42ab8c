//! `stage_time_rollout` on the bundled sample: the labelled rollout gets the
//! "stages faster, outcomes not better" verdict with the automation's stage
//! moves as evidence (precision and recall against the labels), people's and
//! bulk edits are never evidence, and a placebo rollout on people's own
//! moves at an arbitrary date is not flagged.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use pipetrust::audit::{self, AuditOptions, AuditRun};
use pipetrust::checks::{Finding, Severity};

use crate::common::{read_labels, repo};

const CHECK: &str = "stage_time_rollout";

fn run_with(config: Option<PathBuf>) -> AuditRun {
    let opts = AuditOptions {
        inputs: vec![repo("data/sample")],
        config,
        checks: Some(vec![CHECK.to_owned()]),
        ..AuditOptions::default()
    };
    audit::run(&opts).expect("audit runs")
}

fn findings(run: &AuditRun) -> Vec<Finding> {
    let check = run.checks.iter().find(|c| c.meta.name == CHECK).expect("check ran");
    check.result.as_ref().expect("check succeeded").findings.clone()
}

/// Every `stage_id` flow row: change key → (change_source, log_time).
fn stage_rows() -> BTreeMap<String, (String, String)> {
    let text = fs_err::read_to_string(repo("data/sample/deal_flow.jsonl")).unwrap();
    let mut rows = BTreeMap::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let d = &v["data"];
        if d["field_key"] == "stage_id" {
            let source = d["change_source"].as_str().unwrap_or("").to_owned();
            let time = d["log_time"].as_str().unwrap_or("").to_owned();
            rows.insert(format!("pd:{}", d["id"]), (source, time));
        }
    }
    rows
}

#[test]
fn labelled_rollout_is_flagged_with_its_stage_moves() {
    let started = Instant::now();
    let run = run_with(None);
    let elapsed = started.elapsed();
    let label = &read_labels(&repo("data/sample/labels/rollout.csv"))[0];
    let found = findings(&run);
    let flag = found.iter().find(|f| f.segment == label["name"]).expect("rollout flagged");
    assert!(flag.severity >= Severity::Warn, "{}", flag.message);
    assert!(flag.message.contains("stages faster, outcomes not better"), "{}", flag.message);
    let rows = stage_rows();
    let truth: BTreeSet<&String> = rows
        .iter()
        .filter(|(_, (src, at))| *src == label["source"] && at[..10] >= *label["date"])
        .map(|(k, _)| k)
        .collect();
    let flagged: BTreeSet<&String> =
        flag.evidence.iter().filter(|e| e.0 == "deal_change").map(|e| &e.1).collect();
    let hit = truth.intersection(&flagged).count() as f64;
    let precision = hit / flagged.len().max(1) as f64;
    let recall = hit / truth.len().max(1) as f64;
    eprintln!(
        "stage_time_rollout on data/sample: precision {precision:.3}, recall {recall:.3} \
         ({} labelled moves, {} flagged); audit of this check {:.1} s (debug build)",
        truth.len(),
        flagged.len(),
        elapsed.as_secs_f64()
    );
    assert!(precision >= 0.99 && recall >= 0.99, "precision {precision} recall {recall}");
}

/// Clean look-alikes: people's moves (app, mobile) and managers' bulk edits are
/// never evidence.
#[test]
fn people_and_bulk_edits_are_never_evidence() {
    let run = run_with(None);
    let rows = stage_rows();
    let bulk: BTreeSet<String> = read_labels(&repo("data/sample/labels/clean_lookalikes.csv"))
        .iter()
        .filter(|l| l["kind"] == "bulk_close_date_edit")
        .map(|l| format!("pd:{}", l["entity_id"]))
        .collect();
    for f in findings(&run) {
        for (kind, key) in &f.evidence {
            if *kind != "deal_change" {
                continue;
            }
            assert!(!bulk.contains(key), "bulk edit {key} is evidence");
            let source = rows.get(key).map_or("", |r| r.0.as_str());
            assert!(source != "app" && source != "mobile", "{key} by {source} is evidence");
        }
    }
}

/// A placebo rollout: people's own moves, a year before the real one. Stage
/// time of people's moves does not change there, so nothing is flagged.
#[test]
fn placebo_rollout_on_people_is_not_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pipetrust.toml");
    let base = fs_err::read_to_string(repo("data/sample/pipetrust.toml")).unwrap();
    let head = base.split("[[rollouts]]").next().unwrap_or("").to_owned();
    let placebo =
        "[[rollouts]]\nname = \"Placebo\"\ndate = \"2025-06-02\"\nsources = [\"human\"]\n";
    fs_err::write(&path, head + placebo).unwrap();
    let run = run_with(Some(path));
    for f in findings(&run) {
        assert!(f.severity == Severity::Info, "placebo flagged: {}", f.message);
    }
}

/// Same input, same bytes: the seeded, parallel bootstrap included.
#[test]
fn rollout_tables_are_byte_identical_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    pipetrust::report::write(&run_with(None), &a).unwrap();
    pipetrust::report::write(&run_with(None), &b).unwrap();
    for rel in [
        "tables/stage_time_compare.parquet",
        "tables/stage_intervals.parquet",
        "tables/findings.parquet",
        "charts/stage_time_rollout.svg",
        "report.md",
    ] {
        let (x, y) = (fs_err::read(a.join(rel)).unwrap(), fs_err::read(b.join(rel)).unwrap());
        assert!(x == y, "{rel} differs between runs");
    }
}
