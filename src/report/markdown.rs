//! `report.md`: the executive summary, one section per check, the input
//! reconciliation and the run metadata. Built only from the run's typed
//! results; holds no wall-clock time, so the same input gives the same text.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::audit::AuditRun;
use crate::checks::{Finding, Severity};
use crate::text::thousands;

/// The whole report.
pub fn render(run: &AuditRun, charts: &[(&str, String)]) -> String {
    let mut md = String::new();
    header(&mut md, run);
    summary(&mut md, run);
    for check in &run.checks {
        check_section(&mut md, check, charts);
    }
    reconciliation(&mut md, run);
    metadata(&mut md, run);
    md
}

fn header(md: &mut String, run: &AuditRun) {
    let rows: BTreeMap<_, _> = run.table_rows.iter().copied().collect();
    let _ = writeln!(md, "# pipetrust forecast-trust audit\n");
    let _ = writeln!(
        md,
        "As of **{}** ({}). Audited {} deals, {} deal changes, {} activities, {} notes and {} calendar events.\n",
        run.as_of.format("%Y-%m-%d %H:%M UTC"),
        run.zone,
        thousands(rows.get("deals").copied().unwrap_or(0) as f64),
        thousands(rows.get("deal_changes").copied().unwrap_or(0) as f64),
        thousands(rows.get("activities").copied().unwrap_or(0) as f64),
        thousands(rows.get("notes").copied().unwrap_or(0) as f64),
        thousands(rows.get("calendar_events").copied().unwrap_or(0) as f64),
    );
}

/// The scorecard's name: its verdict table opens the report.
const SCORECARD: &str = "integration_scorecard";

fn all_findings(run: &AuditRun) -> Vec<(&'static str, &Finding)> {
    run.checks
        .iter()
        .filter(|c| c.meta.name != SCORECARD)
        .filter_map(|c| c.result.as_ref().ok().map(|o| (c.meta.name, o)))
        .flat_map(|(name, o)| o.findings.iter().map(move |f| (name, f)))
        .collect()
}

fn summary(md: &mut String, run: &AuditRun) {
    let findings = all_findings(run);
    let every: Vec<&Finding> = run
        .checks
        .iter()
        .filter_map(|c| c.result.as_ref().ok())
        .flat_map(|o| &o.findings)
        .collect();
    let count = |s: Severity| every.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(md, "## Summary\n");
    let scorecard = run.checks.iter().find(|c| c.meta.name == SCORECARD);
    if let Some(Ok(out)) = scorecard.map(|c| &c.result) {
        let _ = writeln!(md, "### Integrations: keep, fix, replace or abandon\n");
        let _ = writeln!(md, "{}", out.section.found);
        let _ = writeln!(md, "How the scores are made: [integration_scorecard](#{SCORECARD}).\n");
        let _ = writeln!(md, "### Top findings\n");
    }
    let _ = writeln!(
        md,
        "**{} failing**, **{} warning** and {} informational findings; exit status {}.\n",
        count(Severity::Fail),
        count(Severity::Warn),
        count(Severity::Info),
        run.exit_status() as i32
    );
    if run.nothing_loaded() {
        let _ = writeln!(
            md,
            "**Nothing was loaded from the inputs**, so nothing was audited: see the input \
             reconciliation below for what was read and why it was rejected or skipped.\n"
        );
    }
    for c in run.checks.iter().filter(|c| c.result.is_err()) {
        let _ = writeln!(
            md,
            "- Check `{}` failed: {}",
            c.meta.name,
            c.result.as_ref().err().map_or("", |e| e)
        );
    }
    if findings.is_empty() {
        let _ = writeln!(md, "No finding crossed a threshold.\n");
        return;
    }
    let _ = writeln!(md, "| severity | check | finding | open pipeline at stake |");
    let _ = writeln!(md, "|---|---|---|---:|");
    let mut top = findings.clone();
    top.sort_by(|a, b| {
        b.1.severity
            .cmp(&a.1.severity)
            .then(b.1.value_at_stake.unwrap_or(0.0).total_cmp(&a.1.value_at_stake.unwrap_or(0.0)))
    });
    let shown = top.len().min(10);
    for (check, f) in top.iter().take(shown) {
        let _ = writeln!(
            md,
            "| {} | [{check}](#{check}) | {} | {} |",
            f.severity.as_str(),
            cell(&f.message),
            f.value_at_stake.map_or("–".to_owned(), thousands)
        );
    }
    if shown < top.len() {
        let _ = writeln!(
            md,
            "\n{shown} of {} findings shown; all are in `tables/findings.parquet`.",
            top.len()
        );
    }
    md.push('\n');
}

fn check_section(md: &mut String, check: &crate::audit::CheckRun, charts: &[(&str, String)]) {
    let meta = check.meta;
    let _ = writeln!(md, "## {}\n", meta.name);
    let _ = writeln!(md, "_{}._\n", meta.purpose);
    let out = match &check.result {
        Ok(out) => out,
        Err(e) => {
            let _ = writeln!(md, "**This check failed:** {e}\n");
            return;
        },
    };
    let s = &out.section;
    let _ = writeln!(md, "**What was tested.** {}\n", s.tested);
    // A section that opens with a table needs a blank line before it.
    let sep = if s.found.trim_start().starts_with('|') { "\n\n" } else { " " };
    let _ = writeln!(md, "**What was found.**{sep}{}\n", s.found);
    for (name, path) in charts.iter().filter(|c| c.0 == meta.name) {
        let _ = writeln!(md, "![{name}]({path})\n");
    }
    let _ = writeln!(md, "**What to do.** {}\n", s.todo);
    let _ = writeln!(md, "**Caveats.** {}\n", s.caveats);
    let _ = writeln!(
        md,
        "Evidence: `tables/findings.parquet` and `tables/evidence.parquet` (check = `{}`); details in {}.\n",
        meta.name,
        meta.outputs.iter().map(|o| format!("`tables/{o}.parquet`")).collect::<Vec<_>>().join(", ")
    );
}

fn reconciliation(md: &mut String, run: &AuditRun) {
    let _ = writeln!(md, "## Input reconciliation\n");
    let _ = writeln!(
        md,
        "Every row read is either loaded or rejected with its reason (`tables/rejected.parquet`).\n"
    );
    let _ =
        writeln!(md, "| file | read as | format | encoding | read | loaded | rejected | status |");
    let _ = writeln!(md, "|---|---|---|---|---:|---:|---:|---|");
    let (mut read, mut loaded, mut rejected) = (0, 0, 0);
    for f in &run.inputs {
        read += f.rows_read;
        loaded += f.rows_loaded;
        rejected += f.rows_rejected;
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
            f.path,
            f.object.unwrap_or("–"),
            f.format,
            f.encoding,
            f.rows_read,
            f.rows_loaded,
            f.rows_rejected,
            f.status
        );
    }
    let balanced = if read == loaded + rejected { "balances" } else { "DOES NOT balance" };
    let _ = writeln!(
        md,
        "| **total** | | | | **{read}** | **{loaded}** | **{rejected}** | {balanced} |\n"
    );
    reasons(md, run);
}

fn reasons(md: &mut String, run: &AuditRun) {
    if run.rejected.is_empty() {
        return;
    }
    let mut by_reason: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for r in &run.rejected {
        // Group by the reason without the value it quotes.
        let key = r.reason.split(", found").next().unwrap_or(&r.reason).to_owned();
        let entry = by_reason.entry(key).or_insert((0, format!("{}:{}", r.file, r.line)));
        entry.0 += 1;
    }
    let _ = writeln!(md, "Rejections by reason:\n");
    let _ = writeln!(md, "| reason | rows | first at |");
    let _ = writeln!(md, "|---|---:|---|");
    let mut rows: Vec<_> = by_reason.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    for (reason, (n, first)) in rows.iter().take(15) {
        let _ = writeln!(md, "| {} | {n} | `{first}` |", reason.replace('|', "\\|"));
    }
    md.push('\n');
}

fn metadata(md: &mut String, run: &AuditRun) {
    let _ = writeln!(md, "## Run metadata\n");
    let _ = writeln!(md, "- run id: `{}`", run.run_id);
    let _ = writeln!(md, "- as of: {}", run.as_of.to_rfc3339());
    let _ = writeln!(md, "- pipetrust {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(md, "- config: {} (sha256 `{}`)", run.config_source, &run.config_hash[..16]);
    let names: Vec<_> = run.checks.iter().map(|c| c.meta.name).collect();
    let _ = writeln!(md, "- checks: {}", names.join(", "));
    let window = match (run.since, run.until) {
        (None, None) => "all events".to_owned(),
        (a, b) => format!(
            "events from {} to {}",
            a.map_or("the start".to_owned(), |d| d.to_string()),
            b.map_or("the end".to_owned(), |d| d.to_string())
        ),
    };
    let _ = writeln!(md, "- window: {window}\n");
}

/// Text from the data made safe for one Markdown table cell: no pipes, no
/// line breaks, no raw HTML.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ").replace('<', "&lt;").replace('>', "&gt;")
}
