//! The audit configuration (`pipetrust.toml`): company time zone and holidays,
//! rollouts, and per-check thresholds. Every key has the default DESIGN.md
//! gives; unknown keys are errors that name the key, line and column.
//!
//! Looked up in this order: `--config FILE`, then `pipetrust.toml` inside the
//! first input folder, then the defaults.

use std::path::Path;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::error::{Error, Result};

/// The whole configuration.
///
/// Build it with [`Config::parse`] (an empty text gives the defaults): that
/// also fills the defaults that depend on other keys.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Company calendar.
    pub company: Company,
    /// Thresholds of `month_end_spikes`.
    pub month_end_spikes: MonthEndConfig,
    /// Thresholds of `repeated_writes`.
    pub repeated_writes: crate::checks::repeated_writes::RepeatedWritesConfig,
    /// Origins and thresholds of `low_intent_deals`.
    pub low_intent_deals: crate::checks::low_intent_deals::LowIntentConfig,
    /// Grace and paid sources of `attribution_overwrites`.
    pub attribution_overwrites: crate::checks::attribution_overwrites::AttributionConfig,
    /// Thresholds of `timestamp_drift`.
    pub timestamp_drift: crate::checks::timestamp_drift::TimestampDriftConfig,
    /// Thresholds of `sync_gaps`.
    pub sync_gaps: crate::checks::sync_gaps::SyncGapsConfig,
    /// Thresholds of `stage_provenance`.
    pub stage_provenance: crate::checks::stage_provenance::StageProvenanceConfig,
    /// Thresholds of `activity_stage_link`.
    pub activity_stage_link: crate::checks::activity_stage_link::ActivityStageLinkConfig,
    /// Thresholds and rules of `overwrite_conflicts`.
    pub overwrite_conflicts: crate::checks::overwrite_conflicts::OverwriteConflictsConfig,
    /// Integration rollouts (used by `stage_time_rollout`).
    pub rollouts: Vec<Rollout>,
    /// The integrations to score; when empty they are discovered from the
    /// change log's non-human writers.
    pub integrations: Vec<Integration>,
    /// Fields the forecast is built on; a system-of-record break on one of
    /// them is critical.
    pub protected_fields: Vec<String>,
    /// The integration scorecard's verdict thresholds.
    pub scorecard: ScorecardConfig,
    /// Thresholds of `stage_time_rollout`.
    pub stage_time_rollout: crate::checks::stage_time_rollout::StageTimeRolloutConfig,
    /// Thresholds of `duplicate_deals`.
    pub duplicate_deals: crate::checks::duplicate_deals::DuplicateDealsConfig,
    /// Thresholds of `duplicate_people`.
    pub duplicate_people: crate::checks::duplicate_people::DuplicatePeopleConfig,
}

/// One integration as the company knows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    /// Name shown in the report.
    pub name: String,
    /// Source keys of its writes (`api:forecastbot`); see `pipetrust audit` output.
    #[serde(default)]
    pub source_keys: Vec<String>,
    /// Raw `change_source` values it writes with.
    #[serde(default)]
    pub change_sources: Vec<String>,
    /// Case-insensitive substring of its user agent.
    pub user_agent: Option<String>,
    /// CRM user ids its writes are attributed to.
    #[serde(default)]
    pub actor_user_ids: Vec<String>,
    /// Who owns it.
    pub owner: Option<String>,
    /// When its access and behaviour were last reviewed.
    pub last_review: Option<NaiveDate>,
    /// Scopes it holds.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Whether it runs under a dedicated integration user.
    pub dedicated_user: Option<bool>,
    /// Whether its problems are limits of the platform it runs on (a
    /// 3.0–3.2 score is then "replace", else "fix").
    #[serde(default)]
    pub platform_limit: bool,
    /// Manual 1–5 scores for the categories data cannot show.
    #[serde(default)]
    pub scores: ManualScores,
}

/// Manual category scores (1–5).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualScores {
    /// How well it fits the sales workflow.
    pub workflow_fit: Option<f64>,
    /// Security posture.
    pub security: Option<f64>,
    /// Maintenance.
    pub maintenance: Option<f64>,
}

/// Verdict thresholds of the scorecard (DESIGN.md §4.13).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScorecardConfig {
    /// Below this: abandon.
    pub abandon_below: f64,
    /// From this: keep (or fix with a critical flag).
    pub keep_from: f64,
    /// 2.5 up to this: replace.
    pub replace_below: f64,
    /// Up to this the platform-limit rule decides replace or fix.
    pub overlap_below: f64,
}

impl Default for ScorecardConfig {
    fn default() -> Self {
        ScorecardConfig {
            abandon_below: 2.5,
            keep_from: 4.0,
            replace_below: 3.0,
            overlap_below: 3.2,
        }
    }
}

/// The default protected forecast fields.
pub const FORECAST_FIELDS: [&str; 5] =
    ["stage", "value", "expected_close_date", "status", "probability"];

/// The company's working calendar.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Company {
    /// IANA zone the company works in; month ends and working days are local.
    pub timezone: String,
    /// Public holidays (not working days).
    pub holidays: Vec<NaiveDate>,
}

impl Default for Company {
    fn default() -> Self {
        Company { timezone: "UTC".to_owned(), holidays: Vec::new() }
    }
}

/// Thresholds of the month-end check (DESIGN.md §4.1).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonthEndConfig {
    /// K: the last K working days of a month are "month end".
    pub last_working_days: u32,
    /// Flag only when lift against the baseline is at least this.
    pub min_lift: f64,
    /// Flag only when the BH q-value is below this.
    pub max_q: f64,
    /// Flag only cells with at least this many events.
    pub min_events: u64,
    /// Use the human baseline only when it has at least this many events;
    /// otherwise the uniform working-day null is the baseline.
    pub min_baseline_events: u64,
    /// A source flagged in at least this many months is a failing finding.
    pub fail_months: u64,
}

impl Default for MonthEndConfig {
    fn default() -> Self {
        MonthEndConfig {
            last_working_days: 2,
            min_lift: 1.5,
            max_q: 0.05,
            min_events: 5,
            min_baseline_events: 30,
            fail_months: 3,
        }
    }
}

/// An integration rollout.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rollout {
    /// Name shown in the report.
    pub name: String,
    /// Day it went live.
    pub date: NaiveDate,
    /// Source keys or classes whose writes it makes.
    #[serde(default)]
    pub sources: Vec<String>,
}

impl Config {
    /// Parses a config file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = fs_err::read_to_string(path)?;
        Config::parse(&text).map_err(|message| Error::Config { path: path.to_owned(), message })
    }

    /// Parses config text; the error names the key, line and column.
    pub fn parse(text: &str) -> std::result::Result<Config, String> {
        let mut config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.zone()?;
        config.fill_defaults();
        config.validate()?;
        if config.month_end_spikes.last_working_days == 0 {
            return Err("month_end_spikes.last_working_days must be at least 1".to_owned());
        }
        Ok(config)
    }

    fn fill_defaults(&mut self) {
        if self.protected_fields.is_empty() {
            self.protected_fields = FORECAST_FIELDS.iter().map(|f| (*f).to_owned()).collect();
        }
    }

    fn validate(&self) -> std::result::Result<(), String> {
        for i in &self.integrations {
            for (key, score) in [
                ("workflow_fit", i.scores.workflow_fit),
                ("security", i.scores.security),
                ("maintenance", i.scores.maintenance),
            ] {
                if score.is_some_and(|s| !(1.0..=5.0).contains(&s)) {
                    return Err(format!(
                        "integrations `{}`: scores.{key} must be between 1 and 5",
                        i.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// The company zone.
    pub fn zone(&self) -> std::result::Result<Tz, String> {
        let name = &self.company.timezone;
        name.parse().map_err(|_| format!("company.timezone: unknown time zone `{name}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_design_values() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.month_end_spikes.last_working_days, 2);
        assert!((c.month_end_spikes.min_lift - 1.5).abs() < 1e-12);
        assert_eq!(c.company.timezone, "UTC");
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let err = Config::parse("[company]\ntimezone = \"UTC\"\nholidayz = []\n").unwrap_err();
        assert!(err.contains("holidayz") && err.contains("line 3"), "{err}");
    }

    #[test]
    fn bad_zone_is_named() {
        let err = Config::parse("[company]\ntimezone = \"Mars/Olympus\"\n").unwrap_err();
        assert!(err.contains("Mars/Olympus"), "{err}");
    }
}

/// A commented example config; `pipetrust config --example` prints it and a
/// test checks that it loads.
pub const EXAMPLE: &str = r#"# pipetrust.toml: the audit configuration. Every key is optional; values are
# the defaults unless marked "example". Dates are quoted strings.

# Fields the forecast is built on: a system-of-record break on one of them
# makes the integration scorecard abandon the writer.
protected_fields = ["stage", "value", "expected_close_date", "status", "probability"]

[company]
timezone = "America/New_York"             # example (default "UTC"): month ends and working days are local
holidays = ["2025-12-25", "2026-01-01"]   # example (default none): days off besides weekends

[month_end_spikes]
last_working_days = 2       # K: the last K working days of a month are month end
min_lift = 1.5              # flag when lift over the baseline is at least this,
max_q = 0.05                # the Benjamini-Hochberg q-value is below this,
min_events = 5              # and the month x family x writer cell has this many events
min_baseline_events = 30    # fewer human events of a family: the uniform share is the baseline
fail_months = 3             # a writer flagged in this many months is a failing finding

[stage_time_rollout]
window_days = 180           # length of the windows before and after a rollout
washout_days = 14           # days either side of go-live left out
follow_up_days = 90         # every stage stay is followed at most this long, in both windows
outcome_follow_up_days = 120  # the same for win rate and cycle time, from creation
alpha = 0.05                # significance level
min_group_size = 20         # stays needed in each window to test a stage
bootstrap_replicates = 200  # Hodges-Lehmann bootstrap replicates
seed = 7                    # bootstrap seed
fail_drop = 0.3             # pooled median drop that fails rather than warns
min_drop = 0.1              # below this drop the finding is information only

[timestamp_drift]
exact_minutes = 2           # |offset| up to this is exact; tolerance of every class
match_window_hours = 36     # name-and-time matching window, either side
min_subject_similarity = 0.9  # least Jaro-Winkler similarity of subjects for name matching
max_drift_share = 0.05      # flag a sync with more drifted pairs than this
fail_drift_share = 0.10     # ... failing from this share
min_pairs = 10              # fewer pairs are reported, not flagged
future_grace_hours = 24     # times this far past as-of are not "future"

[stage_provenance]
touch_hours = 24            # a human touch this close to an automated move attends it
max_unknown_share = 0.05    # warn above this share of stage changes with an unknown writer
min_moves = 5               # unattended moves needed for a warning
fail_share = 0.5            # unattended share of a writer's moves that fails

[activity_stage_link]
lookback_days = 14          # a done call, meeting or email this recent explains a forward move
kinds = ["call", "meeting", "email"]
min_moves = 5               # unexplained moves needed for a warning
warn_share = 0.2            # unexplained share that warns
fail_share = 0.5            # unexplained share that fails (integrations only)
busy_days = 60              # busy-deal window before as-of
busy_min_activities = 5     # activities in that window that make an open deal busy

[overwrite_conflicts]
window_days = 7             # two writers on one field this close in time conflict
ignore_fields = ["created", "stage_change_time"]
min_events = 5              # conflicts or flip-flops per writer and field that warn

# Field -> source classes or source keys allowed to write it. A table here
# replaces the defaults (each protected field owned by people).
[overwrite_conflicts.system_of_record]
stage = ["human_ui", "human_mobile", "bulk"]
value = ["human_ui", "human_mobile", "bulk", "api:billing-sync"]   # example
expected_close_date = ["human_ui", "human_mobile", "bulk"]
status = ["human_ui", "human_mobile", "bulk"]
probability = ["human_ui", "human_mobile", "bulk"]

[repeated_writes]
window_hours = 24.0         # a repeat comes within this of the write it repeats
min_repeats = 3             # flag a writer with this many repeats
min_rate = 0.02             # ... that are this share of its writes
fail_repeats = 10           # failing from this many

[low_intent_deals]
origins = ["api", "automation", "web_form", "chat", "marketplace", "prospecting"]
baseline_origin = "manual"  # the origin the others are held against
touch_days = 30             # a meeting or call this soon after creation is a touch
touch_kinds = ["meeting", "call"]
min_deals = 20              # test only origins with this many deals
min_lift = 1.5              # flag at this lift of the idle share
max_q = 0.05                # ... and BH q below this
fail_lift = 2.0             # failing from this lift

[attribution_overwrites]
grace_hours = 24.0          # writes this soon after creation are not overwrites
fields = ["attribution_source", "attribution_detail", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"]
paid_sources = ["paid search", "paid social", "paid", "cpc", "ppc", "sem", "display"]
fail_deals = 10             # an integration overwriting this many deals fails

[sync_gaps]
baseline_days = 28          # trailing window of the daily baseline
min_median = 5.0            # a source normally writes on days whose baseline median is this
drop_z = -3.5               # robust z at or below this is a drop (a gap with no writes)
max_drop_share = 0.25       # a drop must also fall to this share of the median
min_baseline_days = 10      # working days needed in the baseline
fail_gap_days = 3           # gaps this long (working days) fail

[scorecard]
abandon_below = 2.5
keep_from = 4.0
replace_below = 3.0
overlap_below = 3.2         # 3.0-3.2: replace when platform_limit, else fix

# Rollouts compared before/after by stage_time_rollout (example).
[[rollouts]]
name = "Stage automation"
date = "2026-03-02"
sources = ["automation"]

# Integrations to score (example). Without any, they are discovered from the
# change log and from the accounts that create synced activities and notes.
[[integrations]]
name = "ForecastBot"
source_keys = ["api:forecastbot"]   # as shown in the report
change_sources = ["api"]            # raw change_source values ...
user_agent = "forecastbot"          # ... with this user-agent substring
actor_user_ids = ["15"]             # CRM user ids its writes are attributed to
owner = "RevOps"
last_review = "2026-06-01"
scopes = ["deals:write"]
dedicated_user = true               # runs under its own integration user
platform_limit = false              # its problems are limits of its platform
scores = { workflow_fit = 3, security = 4 }   # manual 1-5 scores
"#;

#[cfg(test)]
mod example_tests {
    use super::*;

    #[test]
    fn the_example_loads_as_it_is() {
        let c = Config::parse(EXAMPLE).unwrap();
        assert_eq!(c.integrations.len(), 1);
        assert_eq!(c.overwrite_conflicts.system_of_record["value"].len(), 4);
        assert_eq!(c.protected_fields.len(), 5);
    }

    #[test]
    fn config_errors_name_the_key_and_line() {
        let cases = [
            ("[scorecard]\nkeep_from = \"high\"\n", "keep_from"),
            ("[[integrations]]\nname = \"X\"\nscores = { security = 9 }\n", "scores.security"),
            ("[[integrations]]\nname = \"X\"\ncolour = \"red\"\n", "colour"),
            ("[[rollouts]]\nname = \"R\"\ndate = \"2026-13-01\"\n", "line 3"),
            ("[company]\ntimezone = \"Nowhere/City\"\n", "Nowhere/City"),
        ];
        for (text, needle) in cases {
            let err = Config::parse(text).unwrap_err();
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }
}
