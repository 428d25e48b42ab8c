//! Unit tests of `duplicate_deals` on small hand-made frames, and the frame
//! helpers the other duplicate check's tests share.

use chrono::{TimeZone, Utc};

use super::*;
use crate::calendar::WorkCalendar;
use crate::config::Config;

const DAY: i64 = 86_400_000_000;

pub(in crate::checks) use crate::checks::test_inputs::inputs;

/// A run context with default config.
pub(in crate::checks) fn ctx() -> RunContext {
    RunContext {
        config: Config::default(),
        zone: chrono_tz::UTC,
        calendar: WorkCalendar::new([]),
        as_of: Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
        since: None,
        until: None,
    }
}

fn row(key: &str, title: &str, org: Option<(&str, &str)>, day: i64) -> DealRow {
    DealRow::new(key, title, org.map(|o| o.0), org.map(|o| o.1), day * DAY)
}

fn pair_keys(rows: &[DealRow]) -> Vec<(String, String)> {
    find_pairs(rows, &DuplicateDealsConfig::default())
        .iter()
        .map(|p| (rows[p.a].key.clone(), rows[p.b].key.clone()))
        .collect()
}

fn token_set_ratio_of(a: &str, b: &str) -> f64 {
    let n = |s: &str| strip_legal(&normalize(s));
    crate::checks::similarity::token_set_ratio(&n(a), &n(b))
}

fn pk(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

#[test]
fn same_org_variants_are_duplicates() {
    let acme = Some(("o1", "Acme Logistics LLC"));
    let rows = vec![
        row("d1", "Acme Logistics - Hardware refresh", acme, 0),
        row("d2", "acme logistics - hardware refresh", acme, 1), // case
        row("d3", "Acme Logistics / Hardware reefresh", acme, 2), // punctuation + typo
        row("d4", "Hardware refresh - Acme Logistics Inc.", acme, 3), // reorder + suffix
    ];
    let pairs = pair_keys(&rows);
    assert_eq!(pairs.len(), 6, "{pairs:?}");
    assert_eq!(clusters(rows.len(), &find_pairs(&rows, &DuplicateDealsConfig::default())).len(), 1);
}

#[test]
fn numbers_topics_and_window_keep_deals_apart() {
    let acme = Some(("o1", "Acme"));
    let rows = vec![
        row("d1", "Acme Q1 2026 renewal", acme, 0),
        row("d2", "Acme Q2 2026 renewal", acme, 1),
        row("d3", "Acme - Security audit", acme, 2),
        row("d4", "Acme - Training package", acme, 3),
        row("d5", "Acme - Security audit", acme, 20), // outside the 7-day window
        row("d6", "Order #1043", None, 0),
        row("d7", "Order #1044", None, 0),
    ];
    assert!(pair_keys(&rows).is_empty(), "{:?}", pair_keys(&rows));
}

#[test]
fn deals_without_an_organisation_match_through_title_tokens() {
    let rows = vec![
        row("d1", "Moonhill Dynamics - Security audit", Some(("o1", "Moonhill Dynamics")), 0),
        row("d2", "Moonhill Dynamics Co. - Security audit", None, 1),
        row("d3", "Linda Bennett - Team licenses", None, 0),
        row("d4", "Linda Bennett – Team licenses", None, 2),
        // A person's deal on the same topic as an organisation's is not one.
        row("d5", "Karen Foster - Security audit", None, 1),
        // Two organisations with the same topic are not compared at all.
        row("d6", "Redwood Pharma - Security audit", Some(("o2", "Redwood Pharma")), 1),
        // Two people sharing a surname and a topic: token-set 0.909, under
        // the title pass's 0.95.
        row("d7", "Mary Wright - Enterprise upgrade", None, 0),
        row("d8", "Nicholas Wright - Enterprise upgrade", None, 1),
    ];
    let ts = token_set_ratio_of(
        "Mary Wright - Enterprise upgrade",
        "Nicholas Wright - Enterprise upgrade",
    );
    assert!((0.9..0.95).contains(&ts), "{ts}");
    assert_eq!(pair_keys(&rows), vec![pk("d1", "d2"), pk("d3", "d4")]);
    let pairs = find_pairs(&rows, &DuplicateDealsConfig::default());
    assert!(pairs.iter().all(|p| p.reason == Reason::TitleTokens));
}

#[test]
fn organisation_name_blocks_when_the_id_is_missing() {
    let rows = vec![
        row("d1", "Pilot project", Some(("o1", "Snowcraft Health LLC")), 0),
        DealRow::new("d2", "Pilot project", None, Some("Snowcraft Health"), DAY),
        DealRow::new("d3", "Pilot project", None, Some("Snowcraft Health"), 2 * DAY),
    ];
    // d1 blocks on its id, d2 and d3 on the name: only d2–d3 share a block;
    // the title pass does not apply (all three have an organisation).
    assert_eq!(pair_keys(&rows), vec![pk("d2", "d3")]);
}

fn sample_inputs() -> Inputs {
    let t0 = 1_750_000_000_000_000i64;
    let deals = df!(
        DEAL_KEY => ["d1", "d2", "d3", "d4", "d5", "d6"],
        TITLE => [
            "Acme - Pilot", "acme - pilot", "Acme - Pilot!",
            "Zeta - Audit", "Zeta audit", "Acme Q1",
        ],
        ORG_KEY => [Some("o1"), Some("o1"), Some("o1"), Some("o2"), None, Some("o1")],
        STATUS => ["open", "open", "lost", "open", "open", "open"],
        IS_ARCHIVED => [false; 6],
        VALUE => [100.0, 40.0, 7.0, 50.0, 30.0, 9.0],
        CREATED_AT => [t0, t0 + DAY, t0 + 2 * DAY, t0, t0 + DAY, t0],
        CREATED_VIA => ["manual", "api", "api", "manual", "api", "manual"],
        SOURCE_SYSTEM => ["t"; 6],
        SOURCE_FILE => ["f"; 6],
        SOURCE_LINE => [1i64, 2, 3, 4, 5, 6],
    )
    .unwrap();
    let orgs = df!(
        ORG_KEY => ["o1", "o2"],
        NAME => ["Acme Inc", "Zeta"],
        SOURCE_SYSTEM => ["t"; 2],
        SOURCE_FILE => ["f"; 2],
        SOURCE_LINE => [1i64, 2],
    )
    .unwrap();
    inputs(vec![(Table::Deals, deals), (Table::Organizations, orgs)])
}

#[test]
fn the_check_reports_clusters_value_and_sources() {
    let out = DuplicateDeals.run(&sample_inputs(), &ctx()).unwrap();
    let (_, pairs) = &out.tables[0];
    let (_, clusters) = &out.tables[1];
    // d1–d2, d1–d3, d2–d3 (same org) and d4–d5 (title pass).
    assert_eq!(pairs.height(), 4);
    assert_eq!(clusters.height(), 5);
    let metric = |name: &str| {
        out.metrics.iter().find(|m| m.metric == name && m.segment == "all").unwrap().value
    };
    assert_eq!(metric("redundant_deals"), 3.0);
    assert!((metric("duplicate_rate") - 0.5).abs() < 1e-12);
    // Redundant open deals: d2 (40) and d5 (30); d3 is lost.
    assert_eq!(metric("redundant_open_value"), 70.0);
    assert_eq!(out.findings.len(), 1);
    let f = &out.findings[0];
    assert_eq!(f.segment, "origin:api");
    assert_eq!(f.value_at_stake, Some(70.0));
    let mut ev: Vec<&str> = f.evidence.iter().map(|e| e.1.as_str()).collect();
    ev.sort_unstable();
    assert_eq!(ev, ["d2", "d3", "d5"]);
    // 3 of 3 api-created deals are redundant but fewer than 5: information.
    assert_eq!(f.severity, Severity::Info);
    assert!(out.section.found.contains("3 of 6 deals"));
}

#[test]
fn severity_follows_rate_and_count() {
    let mut facts_cfg = DuplicateDealsConfig { min_redundant: 1, ..Default::default() };
    let out = DuplicateDeals.run(&sample_inputs(), &ctx()).unwrap();
    assert_eq!(out.findings[0].severity, Severity::Info);
    let mut c = ctx();
    c.config.duplicate_deals = facts_cfg.clone();
    let out = DuplicateDeals.run(&sample_inputs(), &c).unwrap();
    assert_eq!(out.findings[0].severity, Severity::Fail);
    facts_cfg.fail_rate = 1.5;
    c.config.duplicate_deals = facts_cfg;
    let out = DuplicateDeals.run(&sample_inputs(), &c).unwrap();
    assert_eq!(out.findings[0].severity, Severity::Warn);
}

#[test]
fn empty_input_gives_empty_output() {
    let out = DuplicateDeals.run(&inputs(Vec::new()), &ctx()).unwrap();
    assert!(out.findings.is_empty());
    assert_eq!(out.tables[0].1.height(), 0);
    assert_eq!(out.tables[1].1.height(), 0);
}

#[test]
fn match_titles_finds_name_variants() {
    let names: Vec<String> =
        ["AKZO NOBEL N.V.", "Akzo Nobel NV", "Philips", "Agilent Technologies, Inc."]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
    let pairs = match_titles(&names, &DuplicateDealsConfig::default());
    assert_eq!(pairs.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(), vec![(0, 1)]);
}
