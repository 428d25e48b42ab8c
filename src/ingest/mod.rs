//! Ingest: finds the input files, reads each with its format reader, maps its
//! rows onto the canonical tables through a profile, and accounts for every
//! row: loaded, or rejected with file, line, column and reason.
//!
//! Files are read in parallel (one rayon task per file). Inside an input
//! folder a file is recognised by the object name its name starts with
//! (`deals`, `deal_flow`, `activities`, …), `.ics` files are calendars, and
//! anything else is listed as skipped. Sub-folders are not read.

pub mod buffer;
pub mod mapping;
pub mod pipedrive;

pub use pipetrust_formats::{ics, parse, read, record, text};

pub mod load;

pub use load::{LoadOptions, Loaded, load};

use std::path::Path;

/// The CRM object a file holds, recognised from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Object {
    /// Deals.
    Deals,
    /// Deal change history (`/flow`, `/changelog`, `deal_changes`).
    DealFlow,
    /// Activities.
    Activities,
    /// Notes.
    Notes,
    /// People (and their emails).
    Persons,
    /// Organizations.
    Organizations,
    /// Stages.
    Stages,
    /// Pipelines (names for stages).
    Pipelines,
    /// Users.
    Users,
    /// Calendar events (`.ics`).
    Calendar,
}

/// File-name prefixes, longest first so `deal_flow` wins over `deal`.
const PREFIXES: [(&str, Object); 17] = [
    ("deal_changes", Object::DealFlow),
    ("deal_flow", Object::DealFlow),
    ("dealflow", Object::DealFlow),
    ("changelog", Object::DealFlow),
    ("flow", Object::DealFlow),
    ("deals", Object::Deals),
    ("activities", Object::Activities),
    ("notes", Object::Notes),
    ("person_emails", Object::Persons),
    ("persons", Object::Persons),
    ("people", Object::Persons),
    ("organizations", Object::Organizations),
    ("stages", Object::Stages),
    ("pipelines", Object::Pipelines),
    ("users", Object::Users),
    ("calendar_events", Object::Calendar),
    ("deal", Object::Deals),
];

impl Object {
    /// Recognises a file by its name.
    pub fn from_file_name(path: &Path) -> Option<Object> {
        let name = path.file_name()?.to_string_lossy().to_lowercase();
        let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase());
        if ext.as_deref() == Some("ics") {
            return Some(Object::Calendar);
        }
        if !matches!(
            ext.as_deref(),
            Some("csv" | "tsv" | "txt" | "json" | "jsonl" | "ndjson" | "parquet")
        ) {
            return None;
        }
        let name = name.replace(['-', ' '], "_");
        PREFIXES.iter().find(|(p, _)| name.starts_with(p)).map(|(_, o)| *o)
    }

    /// The object an Airbyte stream or `/flow` item name stands for.
    pub fn from_stream(name: &str) -> Option<Object> {
        match name {
            "dealChange" | "deal_flow" | "deal_changes" => Some(Object::DealFlow),
            "deals" => Some(Object::Deals),
            "activities" => Some(Object::Activities),
            "notes" => Some(Object::Notes),
            "persons" => Some(Object::Persons),
            "organizations" => Some(Object::Organizations),
            "stages" => Some(Object::Stages),
            "pipelines" => Some(Object::Pipelines),
            "users" => Some(Object::Users),
            _ => None,
        }
    }

    /// Name used in the reconciliation table.
    pub fn name(self) -> &'static str {
        match self {
            Object::Deals => "deals",
            Object::DealFlow => "deal_changes",
            Object::Activities => "activities",
            Object::Notes => "notes",
            Object::Persons => "persons",
            Object::Organizations => "organizations",
            Object::Stages => "stages",
            Object::Pipelines => "pipelines",
            Object::Users => "users",
            Object::Calendar => "calendar_events",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_object_name() {
        let cases = [
            ("deals.json", Some(Object::Deals)),
            ("Deals-2024-05-01.csv", Some(Object::Deals)),
            ("deal_flow.jsonl", Some(Object::DealFlow)),
            ("People export.csv", Some(Object::Persons)),
            ("team.ics", Some(Object::Calendar)),
            ("readme.md", None),
            ("expected_records.jsonl", None),
        ];
        for (name, want) in cases {
            assert_eq!(Object::from_file_name(Path::new(name)), want, "{name}");
        }
    }
}
