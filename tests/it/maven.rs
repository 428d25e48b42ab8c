//! The real Maven CRM opportunities through the shipped mapping file.

use pipetrust::audit::{self, AuditOptions};

use crate::common::{assert_reconciles, repo, shared};

/// The mapping loads all 8,800 opportunities bar the 500 with no engage
/// date (rejected with that reason), and the month-end check runs on it.
#[test]
fn maven_crm_audits_through_the_mapping() {
    let Some(dir) = shared("crm-sales-opportunities-maven") else { return };
    let opts = AuditOptions {
        inputs: vec![dir],
        mapping: Some(repo("mappings/maven-crm.toml")),
        ..AuditOptions::default()
    };
    let run = audit::run(&opts).unwrap();
    assert_reconciles(&run);
    let pipeline = run.inputs.iter().find(|f| f.path.ends_with("sales_pipeline.csv")).unwrap();
    assert_eq!(pipeline.rows_read, 8_800);
    assert_eq!(pipeline.rows_rejected, 500);
    assert!(run.rejected.iter().all(|r| r.column.as_deref() == Some("engage_date")));
    let deals = run.table_rows.iter().find(|t| t.0 == "deals").unwrap().1;
    assert_eq!(deals, 8_300);
    let check = run.checks.iter().find(|c| c.meta.name == "month_end_spikes").unwrap();
    let out = check.result.as_ref().unwrap();
    // Wins carry no writer in this export, so they are held against the
    // uniform working-day share; the table row for them must exist.
    assert!(out.tables[0].1.height() > 0);
    // Many opportunities per account and product are not duplicates, and
    // nothing in this export crowds into month end: the run is clean.
    assert_eq!(run.exit_status(), pipetrust::audit::ExitStatus::Clean);
}
