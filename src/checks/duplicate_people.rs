//! `duplicate_people`: persons who share a normalised email address, and
//! organisations whose normalised names nearly match (DESIGN.md §4.12).
//!
//! Persons: emails are trimmed and lower-cased; persons sharing one are
//! joined into clusters (union-find, so a person with two addresses links
//! both groups); the earliest-created person is the original. Organisations:
//! names are normalised (NFKC, case fold, accents folded, punctuation to
//! spaces, legal forms such as "Inc" or "N.V." removed) and compared within
//! blocks of organisations sharing one of their two rarest name words; a pair
//! matches when the names carry the same numbers and are equal or their
//! Jaro–Winkler similarity (prefix capped at 4) reaches its threshold.
//!
//! Cost: a Polars window over person emails keeps only shared addresses;
//! organisation blocking scores only candidate pairs and keeps accepted ones.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;
use serde::Deserialize;

use super::frame::opt_strs;
use super::similarity::{Score, UnionFind, numbers_differ, org_name, token_block_all};
use super::{
    Check, CheckMeta, CheckOutput, Finding, Inputs, Metric, RunContext, Section, Severity,
};
use crate::error::Result;
use crate::model::Table;
use crate::model::col::*;

/// The check.
pub struct DuplicatePeople;

static META: CheckMeta = CheckMeta {
    name: "duplicate_people",
    purpose: "Persons sharing an email address and organisations with near-identical names",
    needs: &[Table::Persons, Table::PersonEmails, Table::Organizations],
    outputs: &["duplicate_persons", "duplicate_organizations"],
};

/// Thresholds of `duplicate_people` (`[duplicate_people]` in `pipetrust.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DuplicatePeopleConfig {
    /// Organisation names match when equal after normalisation or when their
    /// Jaro–Winkler similarity reaches this. (The token-set ratio is reported
    /// but does not decide: "YMCA" and "YMCA South Side" score 1.0 and are
    /// often different sites.)
    pub org_min_jaro_winkler: f64,
    /// Rarest name words used as block keys for organisations.
    pub org_block_tokens: usize,
    /// Share of redundant records for a warning.
    pub warn_rate: f64,
    /// … and for a failing finding.
    pub fail_rate: f64,
    /// Fewer redundant records than this are information only.
    pub min_redundant: u64,
}

impl Default for DuplicatePeopleConfig {
    fn default() -> Self {
        DuplicatePeopleConfig {
            org_min_jaro_winkler: 0.97,
            org_block_tokens: 2,
            warn_rate: 0.01,
            fail_rate: 0.05,
            min_redundant: 5,
        }
    }
}

/// Column names of this check's frames and output tables.
mod out {
    pub const CLUSTER_ID: &str = "cluster_id";
    pub const ROLE: &str = "role";
    pub const EMAIL: &str = "email";
    pub const T: &str = "__t";
    pub const ORG_KEY_A: &str = "org_key_a";
    pub const ORG_KEY_B: &str = "org_key_b";
    pub const NAME_A: &str = "name_a";
    pub const NAME_B: &str = "name_b";
    pub const JARO_WINKLER: &str = "jaro_winkler";
    pub const TOKEN_SET: &str = "token_set_ratio";
}

impl Check for DuplicatePeople {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, input: &Inputs, ctx: &RunContext) -> Result<CheckOutput> {
        let cfg = &ctx.config.duplicate_people;
        let persons = person_clusters(input)?;
        let n_persons = input.get(Table::Persons).collect()?.height();
        let orgs = org_frame(input)?;
        let org_names = opt_strs(&orgs, NAME)?;
        let org_names: Vec<String> = org_names.into_iter().map(Option::unwrap_or_default).collect();
        let org_pairs = match_org_names(&org_names, cfg);
        let org_keys: Vec<String> =
            opt_strs(&orgs, ORG_KEY)?.into_iter().map(Option::unwrap_or_default).collect();
        let mut findings = Vec::new();
        findings.extend(person_finding(&persons, n_persons, cfg));
        findings.extend(org_finding(&org_pairs, &org_keys, cfg));
        let redundant_orgs = redundant_orgs(&org_pairs).len();
        let metrics = metrics(&persons, n_persons, &org_pairs, org_keys.len(), redundant_orgs);
        let section = section(&persons, n_persons, &org_pairs, &org_names, &findings, cfg);
        Ok(CheckOutput {
            tables: vec![
                ("duplicate_persons", persons.table()?),
                ("duplicate_organizations", org_table(&org_pairs, &org_keys, &org_names)?),
            ],
            findings,
            metrics,
            charts: Vec::new(),
            section,
        })
    }
}

/// Person clusters: (person key, email, name) per member, originals first.
#[derive(Default)]
struct PersonClusters {
    /// (cluster id, person key, is original, shared email, name)
    members: Vec<(String, String, bool, String, String)>,
}

impl PersonClusters {
    fn redundant(&self) -> Vec<&str> {
        self.members.iter().filter(|m| !m.2).map(|m| m.1.as_str()).collect()
    }

    fn clusters(&self) -> usize {
        self.members.iter().filter(|m| m.2).count()
    }

    fn table(&self) -> Result<DataFrame> {
        let m = &self.members;
        Ok(df!(
            out::CLUSTER_ID => m.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
            PERSON_KEY => m.iter().map(|x| x.1.clone()).collect::<Vec<_>>(),
            out::ROLE => m
                .iter()
                .map(|x| if x.2 { "original" } else { "redundant" })
                .collect::<Vec<_>>(),
            out::EMAIL => m.iter().map(|x| x.3.clone()).collect::<Vec<_>>(),
            NAME => m.iter().map(|x| x.4.clone()).collect::<Vec<_>>(),
        )?)
    }
}

/// Persons whose normalised email is shared with another person, with
/// creation time and name, sorted by email, creation time and key.
fn shared_emails(input: &Inputs) -> Result<DataFrame> {
    let persons = input.get(Table::Persons).select([
        col(PERSON_KEY),
        col(NAME),
        col(CREATED_AT).cast(DataType::Int64).alias(out::T),
    ]);
    let email = col(EMAIL_NORM).str().strip_chars(lit(NULL)).str().to_lowercase();
    let shared = len().over([col(out::EMAIL)])?.gt(lit(1));
    Ok(input
        .get(Table::PersonEmails)
        .select([col(PERSON_KEY), email.alias(out::EMAIL)])
        .filter(col(out::EMAIL).is_not_null().and(col(out::EMAIL).neq(lit(""))))
        .unique_stable_generic(None, UniqueKeepStrategy::First)
        .filter(shared)
        .join(persons, [col(PERSON_KEY)], [col(PERSON_KEY)], JoinArgs::new(JoinType::Left))
        .sort([out::EMAIL, out::T, PERSON_KEY], SortMultipleOptions::default())
        .collect()?)
}

fn person_clusters(input: &Inputs) -> Result<PersonClusters> {
    let df = shared_emails(input)?;
    let keys: Vec<String> =
        opt_strs(&df, PERSON_KEY)?.into_iter().map(Option::unwrap_or_default).collect();
    let emails: Vec<String> =
        opt_strs(&df, out::EMAIL)?.into_iter().map(Option::unwrap_or_default).collect();
    let names = opt_strs(&df, NAME)?;
    let ts = df.column(out::T)?.as_materialized_series().i64()?.clone();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for k in &keys {
        let n = index.len();
        index.entry(k).or_insert(n);
    }
    let mut uf = UnionFind::new(index.len());
    let mut first_of_email: HashMap<&str, usize> = HashMap::new();
    for (k, e) in keys.iter().zip(&emails) {
        let first = *first_of_email.entry(e).or_insert(index[k.as_str()]);
        uf.union(first, index[k.as_str()]);
    }
    // One row per person: earliest (time, key length, key) first in a cluster.
    let mut people: BTreeMap<&str, (Option<i64>, String, String)> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        let name = names[i].clone().unwrap_or_default();
        people.entry(k).or_insert((ts.get(i), emails[i].clone(), name));
    }
    let mut by_root: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for k in people.keys() {
        by_root.entry(uf.find(index[k])).or_default().push(k);
    }
    let order = |k: &&str| (people[k].0.unwrap_or(i64::MAX), k.len(), k.to_string());
    let mut clusters: Vec<Vec<&str>> = by_root.into_values().collect();
    for c in &mut clusters {
        c.sort_by_key(order);
    }
    clusters.sort_by_key(|c| order(&c[0]));
    let mut members = Vec::new();
    for c in clusters {
        for (n, k) in c.iter().enumerate() {
            let p = &people[k];
            members.push((c[0].to_owned(), (*k).to_owned(), n == 0, p.1.clone(), p.2.clone()));
        }
    }
    Ok(PersonClusters { members })
}

/// Organisations sorted by creation time then key.
fn org_frame(input: &Inputs) -> Result<DataFrame> {
    Ok(input
        .get(Table::Organizations)
        .select([col(ORG_KEY), col(NAME), col(CREATED_AT).cast(DataType::Int64).alias(out::T)])
        .unique_stable_generic(Some(vec![col(ORG_KEY)]), UniqueKeepStrategy::First)
        .sort([out::T, ORG_KEY], SortMultipleOptions::default())
        .collect()?)
}

/// The organisation-name matcher: accepted pairs `(i, j, score)`, `i < j`.
pub fn match_org_names(
    names: &[String],
    cfg: &DuplicatePeopleConfig,
) -> Vec<(usize, usize, Score)> {
    let norm: Vec<String> = names.iter().map(|n| org_name(n)).collect();
    let tokens: Vec<Vec<String>> =
        norm.iter().map(|t| t.split(' ').map(str::to_owned).collect()).collect();
    let accept = |i: usize, j: usize| {
        let (a, b) = (&norm[i], &norm[j]);
        if a.is_empty() || numbers_differ(a, b) {
            return None;
        }
        let s = Score::of(a, b);
        (a == b || s.jaro_winkler >= cfg.org_min_jaro_winkler).then_some(s)
    };
    token_block_all(&tokens, cfg.org_block_tokens, accept)
}

/// The later organisation of each matched pair (deduplicated, sorted).
fn redundant_orgs(pairs: &[(usize, usize, Score)]) -> Vec<usize> {
    let mut v: Vec<usize> = pairs.iter().map(|p| p.1).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn severity(redundant: u64, rate: f64, cfg: &DuplicatePeopleConfig) -> Severity {
    match (redundant >= cfg.min_redundant, rate) {
        (true, r) if r >= cfg.fail_rate => Severity::Fail,
        (true, r) if r >= cfg.warn_rate => Severity::Warn,
        _ => Severity::Info,
    }
}

fn person_finding(
    p: &PersonClusters,
    n_persons: usize,
    cfg: &DuplicatePeopleConfig,
) -> Option<Finding> {
    let redundant = p.redundant();
    if redundant.is_empty() {
        return None;
    }
    let rate = redundant.len() as f64 / n_persons.max(1) as f64;
    let severity = severity(redundant.len() as u64, rate, cfg);
    Some(Finding {
        severity,
        segment: "persons".to_owned(),
        metric: "redundant_person_rate".to_owned(),
        value: rate,
        threshold: if severity == Severity::Fail { cfg.fail_rate } else { cfg.warn_rate },
        message: format!(
            "{} persons share an email address with an earlier person ({:.1}% of {n_persons})",
            redundant.len(),
            100.0 * rate
        ),
        value_at_stake: None,
        evidence: redundant.into_iter().map(|k| ("person", k.to_owned())).collect(),
    })
}

fn org_finding(
    pairs: &[(usize, usize, Score)],
    keys: &[String],
    cfg: &DuplicatePeopleConfig,
) -> Option<Finding> {
    let redundant = redundant_orgs(pairs);
    if redundant.is_empty() {
        return None;
    }
    let rate = redundant.len() as f64 / keys.len().max(1) as f64;
    let severity = severity(redundant.len() as u64, rate, cfg);
    Some(Finding {
        severity,
        segment: "organizations".to_owned(),
        metric: "near_duplicate_organization_rate".to_owned(),
        value: rate,
        threshold: if severity == Severity::Fail { cfg.fail_rate } else { cfg.warn_rate },
        message: format!(
            "{} organisations have a near-identical name to an earlier one ({:.1}% of {})",
            redundant.len(),
            100.0 * rate,
            keys.len()
        ),
        value_at_stake: None,
        evidence: redundant.into_iter().map(|i| ("organization", keys[i].clone())).collect(),
    })
}

fn org_table(
    pairs: &[(usize, usize, Score)],
    keys: &[String],
    names: &[String],
) -> Result<DataFrame> {
    Ok(df!(
        out::ORG_KEY_A => pairs.iter().map(|p| keys[p.0].clone()).collect::<Vec<_>>(),
        out::ORG_KEY_B => pairs.iter().map(|p| keys[p.1].clone()).collect::<Vec<_>>(),
        out::NAME_A => pairs.iter().map(|p| names[p.0].clone()).collect::<Vec<_>>(),
        out::NAME_B => pairs.iter().map(|p| names[p.1].clone()).collect::<Vec<_>>(),
        out::JARO_WINKLER => pairs.iter().map(|p| p.2.jaro_winkler).collect::<Vec<_>>(),
        out::TOKEN_SET => pairs.iter().map(|p| p.2.token_set).collect::<Vec<_>>(),
    )?)
}

fn metrics(
    p: &PersonClusters,
    n_persons: usize,
    org_pairs: &[(usize, usize, Score)],
    n_orgs: usize,
    redundant_orgs: usize,
) -> Vec<Metric> {
    let m = |metric: &str, value: f64| Metric {
        metric: metric.to_owned(),
        segment: "all".to_owned(),
        value,
    };
    vec![
        m("persons", n_persons as f64),
        m("person_clusters", p.clusters() as f64),
        m("redundant_persons", p.redundant().len() as f64),
        m("redundant_person_rate", p.redundant().len() as f64 / n_persons.max(1) as f64),
        m("organizations", n_orgs as f64),
        m("near_duplicate_organization_pairs", org_pairs.len() as f64),
        m("redundant_organizations", redundant_orgs as f64),
    ]
}

fn section(
    p: &PersonClusters,
    n_persons: usize,
    org_pairs: &[(usize, usize, Score)],
    names: &[String],
    findings: &[Finding],
    cfg: &DuplicatePeopleConfig,
) -> Section {
    let tested = format!(
        "Persons were grouped by email address (spaces trimmed, lower case): two person records \
         with the same address are the same person. Organisation names were normalised (lower \
         case, accents and punctuation removed, legal forms such as Inc, LLC, GmbH or N.V. \
         dropped) and compared within groups sharing a rare name word; two organisations match \
         when their names carry the same numbers and are equal or have a Jaro–Winkler similarity \
         of at least {}.",
        cfg.org_min_jaro_winkler
    );
    let mut found = format!(
        "{} of {n_persons} persons are redundant copies of an earlier person, in {} groups. {} \
         pairs of organisations have near-identical names.",
        p.redundant().len(),
        p.clusters(),
        org_pairs.len()
    );
    if !org_pairs.is_empty() {
        found.push_str("\n\n| organisation | near-identical to | Jaro–Winkler |\n");
        found.push_str("|---|---|---:|\n");
        for (a, b, s) in org_pairs.iter().take(15) {
            found.push_str(&format!("| {} | {} | {:.3} |\n", names[*b], names[*a], s.jaro_winkler));
        }
    }
    let todo = if findings.iter().any(|f| f.severity > Severity::Info) {
        "Merge the redundant persons into their originals (see `duplicate_persons`), and make the \
         integrations that create people look them up by email first. Review the organisation \
         pairs by hand before merging: similar names can be different companies."
            .to_owned()
    } else {
        "Nothing urgent. Review the organisation pairs, if any, before merging.".to_owned()
    };
    let caveats = "Persons with different addresses are not matched by name alone, so people who \
                   changed address are missed. Organisation names alone cannot tell two real \
                   companies with coined, similar names apart (\"Brightlane\" and \
                   \"Brightstone\"); the thresholds are set high for that reason."
        .to_owned();
    Section { tested, found, todo, caveats }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::duplicate_deals::tests::{ctx, inputs};

    fn people_inputs() -> Inputs {
        let t0 = 1_750_000_000_000_000i64;
        let persons = df!(
            PERSON_KEY => ["p1", "p2", "p3", "p4", "p5", "p10"],
            NAME => ["Ann Lee", "ann lee", "Bob Roe", "Lee Ann", "Cy Doe", "Bob Roe"],
            CREATED_AT => [t0, t0 + 5, t0 + 1, t0 + 9, t0 + 2, t0 + 7],
            SOURCE_SYSTEM => ["t"; 6],
            SOURCE_FILE => ["f"; 6],
            SOURCE_LINE => [1i64, 2, 3, 4, 5, 6],
        )
        .unwrap();
        let emails = df!(
            PERSON_KEY => ["p1", "p2", "p2", "p4", "p3", "p5", "p10", "p1"],
            EMAIL_RAW => ["x"; 8],
            EMAIL_NORM => [
                "ann@x.com", " ANN@x.com", "ann@home.org", "ann@home.org",
                "bob@x.com", "cy@x.com", "bob@x.com", "ann@x.com",
            ],
            IS_PRIMARY => [true; 8],
            SOURCE_SYSTEM => ["t"; 8],
            SOURCE_FILE => ["f"; 8],
            SOURCE_LINE => [1i64, 2, 3, 4, 5, 6, 7, 8],
        )
        .unwrap();
        let orgs = df!(
            ORG_KEY => ["o1", "o2", "o3", "o4", "o5", "o6"],
            NAME => [
                "Acme Logistics Inc.", "ACME Logistics", "Brightlane Logistics",
                "Brightstone Logistics", "Redwood Pharma 2", "Redwood Pharma 3",
            ],
            CREATED_AT => [t0, t0 + 1, t0 + 2, t0 + 3, t0 + 4, t0 + 5],
            SOURCE_SYSTEM => ["t"; 6],
            SOURCE_FILE => ["f"; 6],
            SOURCE_LINE => [1i64, 2, 3, 4, 5, 6],
        )
        .unwrap();
        inputs(vec![
            (Table::Persons, persons),
            (Table::PersonEmails, emails),
            (Table::Organizations, orgs),
        ])
    }

    #[test]
    fn persons_sharing_an_address_cluster_transitively() {
        let out = DuplicatePeople.run(&people_inputs(), &ctx()).unwrap();
        let persons = &out.tables[0].1;
        // {p1, p2, p4} through ann@x.com and ann@home.org; {p3, p10}.
        assert_eq!(persons.height(), 5);
        let f = out.findings.iter().find(|f| f.segment == "persons").unwrap();
        let ev: Vec<&str> = f.evidence.iter().map(|e| e.1.as_str()).collect();
        assert_eq!(ev, ["p2", "p4", "p10"]);
        // 3 of 6 redundant, but fewer than 5: information only.
        assert_eq!(f.severity, Severity::Info);
        let roles = opt_strs(persons, out::ROLE).unwrap();
        let keys = opt_strs(persons, PERSON_KEY).unwrap();
        assert_eq!(keys[0].as_deref(), Some("p1"));
        assert_eq!(roles[0].as_deref(), Some("original"));
    }

    #[test]
    fn organisations_match_on_normalised_names_only_when_near_identical() {
        let out = DuplicatePeople.run(&people_inputs(), &ctx()).unwrap();
        let orgs = &out.tables[1].1;
        // Acme Inc / ACME match; Brightlane / Brightstone (JW 0.885) and the
        // numbered Redwood Pharmas do not.
        assert_eq!(orgs.height(), 1);
        let f = out.findings.iter().find(|f| f.segment == "organizations").unwrap();
        assert_eq!(f.evidence, vec![("organization", "o2".to_owned())]);
    }

    #[test]
    fn nothing_to_find_in_empty_input() {
        let out = DuplicatePeople.run(&inputs(Vec::new()), &ctx()).unwrap();
        assert!(out.findings.is_empty());
        assert_eq!(out.tables[0].1.height(), 0);
        assert_eq!(out.tables[1].1.height(), 0);
    }
}
