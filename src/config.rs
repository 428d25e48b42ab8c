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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Company calendar.
    pub company: Company,
    /// Thresholds of `month_end_spikes`.
    pub month_end_spikes: MonthEndConfig,
    /// Integration rollouts (used by `stage_time_rollout`).
    pub rollouts: Vec<Rollout>,
    /// Thresholds of `duplicate_deals`.
    pub duplicate_deals: crate::checks::duplicate_deals::DuplicateDealsConfig,
    /// Thresholds of `duplicate_people`.
    pub duplicate_people: crate::checks::duplicate_people::DuplicatePeopleConfig,
}

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
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.zone()?;
        if config.month_end_spikes.last_working_days == 0 {
            return Err("month_end_spikes.last_working_days must be at least 1".to_owned());
        }
        Ok(config)
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
