//! `pipetrust.toml`: the audit configuration that matches the export (company time zone, US
//! federal holidays in range, month-end window, and the stage-automation rollout).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use super::clock::{COMPANY_TZ, CompanyCalendar, MONTH_END_DAYS, date_string, rollout_date};
use super::source::Integration;

/// Name of the rollout in the config and the labels.
pub(super) const ROLLOUT_NAME: &str = "Stage automation";

/// The config text.
pub(super) fn config_text(cal: &CompanyCalendar) -> String {
    let mut text = String::from("[company]\n");
    let _ = writeln!(text, "timezone = \"{}\"", COMPANY_TZ.name());
    text.push_str("holidays = [\n");
    for day in cal.holidays() {
        let _ = writeln!(text, "  \"{}\",", date_string(*day));
    }
    text.push_str("]\n\n[month_end_spikes]\n");
    let _ = writeln!(text, "last_working_days = {MONTH_END_DAYS}");
    text.push_str("\n[[rollouts]]\n");
    let _ = writeln!(text, "name = \"{ROLLOUT_NAME}\"");
    let _ = writeln!(text, "date = \"{}\"", date_string(rollout_date()));
    let source = Integration::StageAutomation.info().change_source;
    let _ = writeln!(text, "sources = [\"{source}\"]");
    text.push_str(SYSTEM_OF_RECORD);
    text
}

/// The billing system owns deal values and the stage automation may move
/// stages; people own every forecast field (`faults::stage_links` labels
/// against the same rules).
const SYSTEM_OF_RECORD: &str = "
[overwrite_conflicts.system_of_record]
stage = [\"human_ui\", \"human_mobile\", \"bulk\", \"automation\"]
value = [\"human_ui\", \"human_mobile\", \"bulk\", \"api:billing-sync\"]
expected_close_date = [\"human_ui\", \"human_mobile\", \"bulk\"]
status = [\"human_ui\", \"human_mobile\", \"bulk\"]
probability = [\"human_ui\", \"human_mobile\", \"bulk\"]
";

/// Writes `pipetrust.toml` into `dir`.
pub(super) fn write_config(dir: &Path, cal: &CompanyCalendar) -> Result<()> {
    fs_err::write(dir.join("pipetrust.toml"), config_text(cal))?;
    Ok(())
}
