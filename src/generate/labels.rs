//! Ground-truth label files under `labels/`: one CSV per injected fault plus the clean
//! look-alikes and the integrations table, each with a header even when empty.

use std::io::BufWriter;
use std::path::Path;

use anyhow::Result;
use fs_err::File;

use super::source::Integration;

/// The label files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LabelFile {
    /// Month-end close-date nudges.
    MonthEnd,
    /// Fuzzy duplicate deals.
    DuplicateDeals,
    /// Duplicate persons.
    DuplicatePersons,
    /// Things that look like faults but are not.
    CleanLookalikes,
    /// Calendar-synced activities and their offset against the event.
    TimestampDrift,
    /// Notes and activities written twice by a retrying integration.
    RepeatedWrites,
    /// Channel overwrites after creation.
    AttributionOverwrites,
    /// Silent periods of a normally busy sync.
    SyncGaps,
    /// Rollouts.
    Rollout,
    /// Integrations and their expected verdicts.
    Integrations,
    /// Automated stage moves with no human touch within 24 h.
    StageProvenance,
    /// Forward stage moves with no supporting activity.
    ActivityStageLink,
    /// Writes to forecast fields by anything but a person.
    SystemOfRecord,
    /// Writers overwriting each other's deal fields.
    OverwriteConflicts,
    /// Stalled deals an integration keeps logging activities on.
    BusyDeals,
}

impl LabelFile {
    const ALL: [Self; 15] = [
        Self::MonthEnd,
        Self::DuplicateDeals,
        Self::DuplicatePersons,
        Self::CleanLookalikes,
        Self::TimestampDrift,
        Self::RepeatedWrites,
        Self::AttributionOverwrites,
        Self::SyncGaps,
        Self::Rollout,
        Self::Integrations,
        Self::StageProvenance,
        Self::ActivityStageLink,
        Self::SystemOfRecord,
        Self::OverwriteConflicts,
        Self::BusyDeals,
    ];

    /// File name inside `labels/`.
    pub(super) fn file_name(self) -> &'static str {
        match self {
            Self::MonthEnd => "month_end.csv",
            Self::DuplicateDeals => "duplicate_deals.csv",
            Self::DuplicatePersons => "duplicate_persons.csv",
            Self::CleanLookalikes => "clean_lookalikes.csv",
            Self::TimestampDrift => "timestamp_drift.csv",
            Self::RepeatedWrites => "repeated_writes.csv",
            Self::AttributionOverwrites => "attribution_overwrites.csv",
            Self::SyncGaps => "sync_gaps.csv",
            Self::Rollout => "rollout.csv",
            Self::Integrations => "integrations.csv",
            Self::StageProvenance => "stage_provenance.csv",
            Self::ActivityStageLink => "activity_stage_link.csv",
            Self::SystemOfRecord => "system_of_record.csv",
            Self::OverwriteConflicts => "overwrite_conflicts.csv",
            Self::BusyDeals => "busy_deals.csv",
        }
    }

    /// CSV header.
    pub(super) fn header(self) -> &'static [&'static str] {
        match self {
            Self::MonthEnd => &["change_id", "deal_id", "integration"],
            Self::DuplicateDeals => &["deal_id", "duplicate_of_deal_id", "variant"],
            Self::DuplicatePersons => &["person_id", "duplicate_of_person_id", "variant"],
            Self::CleanLookalikes => &["kind", "entity_id", "other_entity_id", "note"],
            Self::TimestampDrift => {
                &["activity_id", "event_uid", "integration", "offset_minutes", "kind"]
            },
            Self::RepeatedWrites => &["entity", "id", "duplicate_of"],
            Self::AttributionOverwrites => &["change_id", "deal_id"],
            Self::SyncGaps => &["integration", "gap_start", "gap_end"],
            Self::Rollout => &["name", "date", "source"],
            Self::Integrations => &[
                "name",
                "change_source",
                "user_agent",
                "actor_user_id",
                "fault",
                "expected_verdict",
            ],
            Self::StageProvenance | Self::ActivityStageLink => &["deal_id", "log_time", "source"],
            Self::SystemOfRecord => &["deal_id", "field_key", "log_time", "source"],
            Self::OverwriteConflicts => &["deal_id", "field_key", "log_time", "rule", "source"],
            Self::BusyDeals => &["deal_id", "source"],
        }
    }
}

type CsvOut = csv::Writer<BufWriter<File>>;

/// Open label writers with their row counts.
pub(super) struct Labels {
    files: Vec<(CsvOut, u64)>,
}

impl Labels {
    /// Creates every label file in `dir` (the `labels/` folder) with its header.
    pub(super) fn create(dir: &Path) -> Result<Self> {
        let mut files = Vec::with_capacity(LabelFile::ALL.len());
        for file in LabelFile::ALL {
            let out = BufWriter::new(File::create(dir.join(file.file_name()))?);
            let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(out);
            writer.write_record(file.header())?;
            files.push((writer, 0));
        }
        let mut labels = Self { files };
        labels.write_integrations()?;
        Ok(labels)
    }

    /// Appends a row.
    pub(super) fn put<S: AsRef<[u8]>>(&mut self, file: LabelFile, fields: &[S]) -> Result<()> {
        let (writer, rows) = &mut self.files[file as usize];
        writer.write_record(fields)?;
        *rows += 1;
        Ok(())
    }

    fn write_integrations(&mut self) -> Result<()> {
        for integration in Integration::ALL {
            let info = integration.info();
            let row = [
                info.name.to_owned(),
                info.change_source.to_owned(),
                info.user_agent.unwrap_or("").to_owned(),
                integration.actor().to_string(),
                info.fault.to_owned(),
                info.verdict.to_owned(),
            ];
            self.put(LabelFile::Integrations, &row)?;
        }
        Ok(())
    }

    /// Flushes every file; returns `(labels/<name>, rows)` per file.
    pub(super) fn finish(self) -> Result<Vec<(String, u64)>> {
        let mut out = Vec::with_capacity(self.files.len());
        for (file, (mut writer, rows)) in LabelFile::ALL.into_iter().zip(self.files) {
            writer.flush()?;
            out.push((format!("labels/{}", file.file_name()), rows));
        }
        Ok(out)
    }
}
