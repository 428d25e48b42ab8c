//! The bundled sample export: the month-end check against the generator's
//! labels, reconciliation, byte-identical reports, and regeneration.

use std::collections::BTreeSet;
use std::path::Path;

use pipetrust::checks::Severity;
use pipetrust::generate::{self, ExportFormat, GenerateOptions};

use crate::common::{assert_reconciles, audit, read_labels, repo};

fn month_end_findings(run: &pipetrust::audit::AuditRun) -> Vec<&pipetrust::checks::Finding> {
    let check = run.checks.iter().find(|c| c.meta.name == "month_end_spikes").unwrap();
    check.result.as_ref().unwrap().findings.iter().collect()
}

/// The labelled month-end integration is flagged as failing, its evidence
/// holds the labelled changes, and no human source is flagged.
#[test]
fn month_end_check_finds_the_labelled_nudger_and_no_human() {
    let run = audit(&[repo("data/sample")]);
    assert_reconciles(&run);
    let findings = month_end_findings(&run);
    for f in &findings {
        assert!(!f.segment.starts_with("human:"), "a human source is flagged: {}", f.message);
    }
    let labels = read_labels(&repo("data/sample/labels/month_end.csv"));
    let labelled: BTreeSet<String> =
        labels.iter().map(|l| format!("pd:{}", l["change_id"])).collect();
    // Information-only findings (single months within the lift threshold
    // over the whole period) flag nothing.
    let flagged: BTreeSet<String> = findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .flat_map(|f| f.evidence.iter())
        .filter(|(kind, _)| *kind == "deal_change")
        .map(|(_, key)| key.clone())
        .collect();
    let found = labelled.intersection(&flagged).count() as f64;
    let recall = found / labelled.len() as f64;
    let precision = found / flagged.len().max(1) as f64;
    eprintln!("month_end_spikes: precision {precision:.3}, recall {recall:.3}");
    assert!(recall >= 0.95, "recall {recall:.3}");
    assert!(precision >= 0.95, "precision {precision:.3}");
    let nudger =
        findings.iter().find(|f| f.segment.contains("close_date_pushed")).expect("flagged");
    assert_eq!(nudger.severity, Severity::Fail);
    assert!(nudger.value_at_stake.unwrap_or(0.0) > 0.0);
}

/// Two runs on the same input write byte-identical reports and tables.
#[test]
fn reports_are_byte_identical_across_runs() {
    let run = audit(&[repo("data/sample")]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    pipetrust::report::write(&run, &a).unwrap();
    let again = audit(&[repo("data/sample")]);
    pipetrust::report::write(&again, &b).unwrap();
    for rel in [
        "report.md",
        "summary.json",
        "tables/findings.parquet",
        "tables/month_end_spikes.parquet",
        "tables/run.parquet",
        "charts/month_end_spikes.svg",
    ] {
        let (x, y) = (fs_err::read(a.join(rel)).unwrap(), fs_err::read(b.join(rel)).unwrap());
        assert!(x == y, "{rel} differs between runs");
    }
}

/// `data/sample` is exactly what `pipetrust generate` writes from its seed.
#[test]
fn sample_regenerates_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        out: dir.path().to_owned(),
        deals: 2_000,
        seed: 7,
        format: ExportFormat::Json,
    };
    let summary = generate::generate(&opts).unwrap();
    assert!(!summary.files.is_empty());
    for (file, _) in &summary.files {
        let fresh = fs_err::read(dir.path().join(file)).unwrap();
        let committed = fs_err::read(repo("data/sample").join(file)).unwrap_or_default();
        assert!(fresh == committed, "{file} differs from the committed sample");
    }
    let committed = count_files(&repo("data/sample"));
    assert_eq!(
        committed,
        summary.files.len(),
        "data/sample has files the generator does not write"
    );
}

fn count_files(dir: &Path) -> usize {
    fs_err::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { count_files(&p) } else { 1 })
        .sum()
}
