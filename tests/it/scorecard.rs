//! The integration scorecard on the sample: the verdicts the generator's
//! faults imply, and the report opening with them.

use std::collections::BTreeMap;

use crate::common::{audit, read_labels, repo};

fn verdicts(run: &pipetrust::audit::AuditRun) -> BTreeMap<String, (String, String)> {
    let check = run.checks.iter().find(|c| c.meta.name == "integration_scorecard").unwrap();
    let table = &check.result.as_ref().unwrap().tables[0].1;
    let col = |name: &str| -> Vec<String> {
        let s = table.column(name).unwrap().as_materialized_series().clone();
        s.str().unwrap().iter().map(|v| v.unwrap_or("").to_owned()).collect()
    };
    let (names, ids, verdicts) = (col("integration"), col("identifiers"), col("verdict"));
    (0..names.len()).map(|i| (names[i].clone(), (ids[i].clone(), verdicts[i].clone()))).collect()
}

/// The month-end nudger and the duplicate creator are abandoned and the
/// clean calendar sync is kept, as `labels/integrations.csv` expects.
#[test]
fn generated_integrations_get_the_verdicts_their_faults_imply() {
    let run = audit(&[repo("data/sample")]);
    let found = verdicts(&run);
    let labels = read_labels(&repo("data/sample/labels/integrations.csv"));
    let required = ["ForecastBot", "LeadSync Connector", "Google Calendar Sync"];
    let mut agree = 0;
    for label in &labels {
        let agent = label["user_agent"].split('/').next().unwrap_or("").to_lowercase();
        let actor = format!("pd:{}", label["actor_user_id"]);
        let hit = found.iter().find(|(name, (all, _))| {
            let ids: Vec<&str> = all.split(' ').collect();
            **name == label["name"]
                || all.contains(label["name"].as_str())
                || (!agent.is_empty() && ids.iter().any(|i| i.ends_with(&format!(":{agent}"))))
                || (agent.is_empty() && ids.contains(&actor.as_str()))
        });
        let verdict = hit.map_or("missing", |h| h.1.1.as_str());
        eprintln!("{}: expected {}, got {verdict}", label["name"], label["expected_verdict"]);
        if required.contains(&label["name"].as_str()) {
            assert_eq!(verdict, label["expected_verdict"], "{}", label["name"]);
        }
        agree += usize::from(verdict == label["expected_verdict"]);
    }
    eprintln!("verdicts agreeing with the generator's expectations: {agree} of {}", labels.len());
}

/// The report opens with the verdict table, and each verdict's findings
/// link to their sections.
#[test]
fn report_opens_with_the_verdict_table() {
    let run = audit(&[repo("data/sample")]);
    let md = pipetrust::report::markdown::render(&run, &[]);
    let summary = md.find("## Summary").unwrap();
    let verdicts = md.find("### Integrations: keep, fix, replace or abandon").unwrap();
    let first_check = md.find("\n## month_end_spikes").unwrap();
    assert!(summary < verdicts && verdicts < first_check);
    assert!(md.contains("**abandon**") && md.contains("](#month_end_spikes)"));
}
