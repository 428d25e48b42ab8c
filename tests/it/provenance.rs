//! `stage_provenance`, `activity_stage_link` and `overwrite_conflicts` on the bundled sample,
//! against the generator's labels: precision and recall of the findings' evidence, and the
//! clean look-alikes (people's bulk edits, a call logged right after a stage move) unflagged.

use std::collections::{BTreeMap, BTreeSet};

use pipetrust::audit::AuditRun;
use pipetrust::checks::{Finding, Severity};

use crate::common::{audit, read_labels, repo};

/// (deal id, flow field key, log time) → change key, from the sample's change log.
fn change_keys() -> BTreeMap<(String, String, String), String> {
    let text = fs_err::read_to_string(repo("data/sample/deal_flow.jsonl")).unwrap();
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let d = &v["data"];
            let key = (
                d["item_id"].to_string(),
                d["field_key"].as_str().unwrap().to_owned(),
                d["log_time"].as_str().unwrap().to_owned(),
            );
            (key, format!("pd:{}", d["id"]))
        })
        .collect()
}

/// Change keys of a label file keyed by deal id, (field key) and log time.
fn labelled(
    file: &str,
    field: Option<&str>,
    keys: &BTreeMap<(String, String, String), String>,
) -> BTreeSet<String> {
    read_labels(&repo("data/sample/labels").join(file))
        .iter()
        .map(|l| {
            let f = field.map_or_else(|| l["field_key"].clone(), str::to_owned);
            let k = (l["deal_id"].clone(), f, l["log_time"].clone());
            keys.get(&k).unwrap_or_else(|| panic!("{file}: no change {k:?}")).clone()
        })
        .collect()
}

fn findings<'a>(run: &'a AuditRun, check: &str) -> Vec<&'a Finding> {
    let c = run.checks.iter().find(|c| c.meta.name == check).unwrap();
    c.result.as_ref().unwrap().findings.iter().collect()
}

fn flagged_changes<'a>(found: impl Iterator<Item = &'a &'a Finding>) -> BTreeSet<String> {
    found
        .flat_map(|f| f.evidence.iter())
        .filter(|(kind, _)| *kind == "deal_change")
        .map(|(_, key)| key.clone())
        .collect()
}

/// Precision and recall of `flagged` against `truth`, printed and returned.
fn score(check: &str, truth: &BTreeSet<String>, flagged: &BTreeSet<String>) -> (f64, f64) {
    let hit = truth.intersection(flagged).count() as f64;
    let (precision, recall) = (hit / flagged.len().max(1) as f64, hit / truth.len().max(1) as f64);
    for miss in truth.difference(flagged).take(5) {
        eprintln!("{check}: missed {miss}");
    }
    for extra in flagged.difference(truth).take(5) {
        eprintln!("{check}: not labelled {extra}");
    }
    eprintln!(
        "{check}: precision {precision:.3}, recall {recall:.3} ({} labelled, {} flagged)",
        truth.len(),
        flagged.len()
    );
    (precision, recall)
}

/// Bulk-edit change keys (clean look-alikes): people's decisions, never an integration's.
fn bulk_edits() -> BTreeSet<String> {
    read_labels(&repo("data/sample/labels/clean_lookalikes.csv"))
        .iter()
        .filter(|l| l["kind"] == "bulk_close_date_edit")
        .map(|l| format!("pd:{}", l["entity_id"]))
        .collect()
}

#[test]
fn provenance_checks_find_their_labels_and_no_lookalike() {
    let run = audit(&[repo("data/sample")]);
    let keys = change_keys();
    let bulk = bulk_edits();
    assert!(!bulk.is_empty());

    let found = findings(&run, "stage_provenance");
    let truth = labelled("stage_provenance.csv", Some("stage_id"), &keys);
    let flagged = flagged_changes(found.iter());
    let (p, r) = score("stage_provenance", &truth, &flagged);
    assert!(p >= 0.9 && r >= 0.9, "stage_provenance precision {p:.3} recall {r:.3}");
    assert!(found.iter().all(|f| !f.segment.starts_with("human:")), "a person is flagged");
    assert!(found.iter().any(|f| f.severity == Severity::Fail && f.value_at_stake > Some(0.0)));
    assert!(flagged.is_disjoint(&bulk));

    let found = findings(&run, "activity_stage_link");
    let truth = labelled("activity_stage_link.csv", Some("stage_id"), &keys);
    let flagged = flagged_changes(found.iter());
    let (p, r) = score("activity_stage_link", &truth, &flagged);
    assert!(p >= 0.9 && r >= 0.9, "activity_stage_link precision {p:.3} recall {r:.3}");
    for f in found.iter().filter(|f| f.segment.starts_with("human:")) {
        assert!(f.severity < Severity::Fail, "people fail: {}", f.message);
    }
    let after: BTreeSet<String> = read_labels(&repo("data/sample/labels/clean_lookalikes.csv"))
        .iter()
        .filter(|l| l["kind"] == "call_logged_after_move")
        .map(|l| {
            let k = (l["entity_id"].clone(), "stage_id".to_owned(), l["other_entity_id"].clone());
            keys[&k].clone()
        })
        .collect();
    assert!(after.len() >= 50, "{} call-after-move look-alikes", after.len());
    assert!(flagged.is_disjoint(&after), "a move explained by a call the same day is flagged");
    assert!(flagged.is_disjoint(&bulk));
    let truth: BTreeSet<String> = read_labels(&repo("data/sample/labels/busy_deals.csv"))
        .iter()
        .map(|l| format!("pd:{}", l["deal_id"]))
        .collect();
    let busy: BTreeSet<String> = found
        .iter()
        .filter(|f| f.segment == "busy:integrations")
        .flat_map(|f| f.evidence.iter())
        .filter(|(kind, _)| *kind == "deal")
        .map(|(_, key)| key.clone())
        .collect();
    let (p, r) = score("activity_stage_link/busy", &truth, &busy);
    assert!(p >= 0.9 && r >= 0.9, "busy deals precision {p:.3} recall {r:.3}");
    assert!(found.iter().all(|f| f.segment != "busy:people"), "people's busy deals flagged");

    let found = findings(&run, "overwrite_conflicts");
    let truth = labelled("system_of_record.csv", None, &keys);
    let sor = found.iter().filter(|f| f.metric == "system_of_record");
    let (p, r) = score("overwrite_conflicts/system_of_record", &truth, &flagged_changes(sor));
    assert!(p >= 0.9 && r >= 0.9, "system_of_record precision {p:.3} recall {r:.3}");
    assert!(found.iter().all(|f| !f.segment.starts_with("human:")), "a person is flagged");
    assert!(flagged_changes(found.iter()).is_disjoint(&bulk), "a bulk edit is flagged");
    for rule in ["conflict", "flip_flop"] {
        let truth = labelled_rule(rule, &keys);
        let hits = found.iter().filter(|f| f.metric == rule);
        let (p, r) = score(&format!("overwrite_conflicts/{rule}"), &truth, &flagged_changes(hits));
        assert!(p >= 0.9 && r >= 0.9, "{rule} precision {p:.3} recall {r:.3}");
    }
}

/// Change keys of `overwrite_conflicts.csv` rows of one rule.
fn labelled_rule(
    rule: &str,
    keys: &BTreeMap<(String, String, String), String>,
) -> BTreeSet<String> {
    read_labels(&repo("data/sample/labels/overwrite_conflicts.csv"))
        .iter()
        .filter(|l| l["rule"] == rule)
        .map(|l| {
            keys[&(l["deal_id"].clone(), l["field_key"].clone(), l["log_time"].clone())].clone()
        })
        .collect()
}

/// The three checks' tables and charts are byte-identical across runs.
#[test]
fn provenance_outputs_are_byte_identical_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    pipetrust::report::write(&audit(&[repo("data/sample")]), &a).unwrap();
    pipetrust::report::write(&audit(&[repo("data/sample")]), &b).unwrap();
    for rel in [
        "tables/stage_provenance.parquet",
        "tables/stage_provenance_unattended.parquet",
        "tables/activity_stage_link.parquet",
        "tables/activity_stage_link_busy.parquet",
        "tables/overwrite_conflicts.parquet",
        "tables/evidence.parquet",
        "charts/stage_provenance.svg",
        "charts/activity_stage_link.svg",
        "charts/overwrite_conflicts.svg",
    ] {
        let (x, y) = (fs_err::read(a.join(rel)).unwrap(), fs_err::read(b.join(rel)).unwrap());
        assert!(x == y, "{rel} differs between runs");
    }
}
