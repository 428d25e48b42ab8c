//! Fixed schemas of the canonical tables. Ingest builds frames with exactly
//! these columns and types, so checks can rely on them without probing.

use polars::prelude::{DataType, Field, Schema, TimeUnit, TimeZone};

use super::col::*;

/// Logical column type of the canonical model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// UTF-8 text.
    Str,
    /// 64-bit integer.
    Int,
    /// 64-bit float (money too; see `VALUE`).
    Float,
    /// Boolean.
    Bool,
    /// UTC instant, microseconds.
    Instant,
    /// Calendar date, never shifted by a zone.
    Date,
}

impl ColType {
    /// The Polars dtype of this column type.
    pub fn dtype(self) -> DataType {
        match self {
            ColType::Str => DataType::String,
            ColType::Int => DataType::Int64,
            ColType::Float => DataType::Float64,
            ColType::Bool => DataType::Boolean,
            ColType::Instant => DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)),
            ColType::Date => DataType::Date,
        }
    }

    /// Short name for `pipetrust schema`.
    pub fn name(self) -> &'static str {
        match self {
            ColType::Str => "string",
            ColType::Int => "int64",
            ColType::Float => "float64",
            ColType::Bool => "bool",
            ColType::Instant => "timestamp[us, UTC]",
            ColType::Date => "date",
        }
    }
}

/// One column of a canonical table.
#[derive(Debug, Clone, Copy)]
pub struct ColumnDef {
    /// Column name (a constant from [`super::col`]).
    pub name: &'static str,
    /// Type.
    pub ty: ColType,
    /// A row without it is rejected.
    pub required: bool,
}

const fn req(name: &'static str, ty: ColType) -> ColumnDef {
    ColumnDef { name, ty, required: true }
}

const fn opt(name: &'static str, ty: ColType) -> ColumnDef {
    ColumnDef { name, ty, required: false }
}

use ColType::{Bool, Date, Float, Instant, Int, Str};

/// Columns every canonical table starts with: where the row came from.
const ORIGIN: [ColumnDef; 4] =
    [req(SOURCE_SYSTEM, Str), opt(SOURCE_ID, Str), req(SOURCE_FILE, Str), req(SOURCE_LINE, Int)];

const DEALS: &[ColumnDef] = &[
    req(DEAL_KEY, Str),
    req(TITLE, Str),
    opt(ORG_KEY, Str),
    opt(ORG_NAME_RAW, Str),
    opt(PERSON_KEY, Str),
    opt(OWNER_USER_KEY, Str),
    opt(CREATOR_USER_KEY, Str),
    opt(PIPELINE_KEY, Str),
    opt(STAGE_KEY, Str),
    opt(STAGE_NAME_RAW, Str),
    req(STATUS, Str),
    req(IS_ARCHIVED, Bool),
    opt(VALUE, Float),
    opt(CURRENCY, Str),
    opt(PROBABILITY, Float),
    req(CREATED_AT, Instant),
    opt(UPDATED_AT, Instant),
    opt(STAGE_CHANGED_AT, Instant),
    opt(EXPECTED_CLOSE_DATE, Date),
    opt(CLOSED_AT, Instant),
    opt(WON_AT, Instant),
    opt(LOST_AT, Instant),
    opt(LOST_REASON, Str),
    opt(CREATED_VIA_RAW, Str),
    req(CREATED_VIA, Str),
    opt(CREATED_VIA_DETAIL, Str),
    opt(ATTRIBUTION_SOURCE, Str),
    opt(ATTRIBUTION_DETAIL, Str),
];

const DEAL_CHANGES: &[ColumnDef] = &[
    req(CHANGE_KEY, Str),
    req(DEAL_KEY, Str),
    req(FIELD, Str),
    req(FIELD_RAW, Str),
    opt(OLD_VALUE, Str),
    opt(NEW_VALUE, Str),
    opt(OLD_LABEL, Str),
    opt(NEW_LABEL, Str),
    req(CHANGED_AT, Instant),
    opt(ACTOR_USER_KEY, Str),
    req(SOURCE_CLASS, Str),
    opt(SOURCE_RAW, Str),
    opt(SOURCE_DETAIL, Str),
    req(SOURCE_KEY, Str),
    opt(IS_BULK, Bool),
    opt(BATCH_ID, Str),
    req(OLD_VALUE_INFERRED, Bool),
];

const ACTIVITIES: &[ColumnDef] = &[
    req(ACTIVITY_KEY, Str),
    req(KIND, Str),
    opt(TYPE_RAW, Str),
    opt(SUBJECT, Str),
    opt(BODY_TEXT, Str),
    opt(CONTENT_HASH, Str),
    opt(DEAL_KEY, Str),
    opt(PERSON_KEY, Str),
    opt(ORG_KEY, Str),
    opt(OWNER_USER_KEY, Str),
    opt(CREATOR_USER_KEY, Str),
    req(IS_ALL_DAY, Bool),
    opt(START_AT, Instant),
    opt(START_DATE, Date),
    opt(DURATION_MINUTES, Int),
    opt(DONE, Bool),
    opt(DONE_AT, Instant),
    req(CREATED_AT, Instant),
    opt(UPDATED_AT, Instant),
    opt(CREATED_VIA_RAW, Str),
    opt(CALENDAR_REF, Str),
    opt(SOURCE_TIMEZONE, Str),
];

const NOTES: &[ColumnDef] = &[
    req(NOTE_KEY, Str),
    opt(DEAL_KEY, Str),
    opt(PERSON_KEY, Str),
    opt(ORG_KEY, Str),
    opt(AUTHOR_USER_KEY, Str),
    opt(BODY_TEXT, Str),
    opt(CONTENT_HASH, Str),
    req(CREATED_AT, Instant),
    opt(UPDATED_AT, Instant),
];

const PERSONS: &[ColumnDef] = &[
    req(PERSON_KEY, Str),
    req(NAME, Str),
    opt(FIRST_NAME, Str),
    opt(LAST_NAME, Str),
    opt(ORG_KEY, Str),
    opt(OWNER_USER_KEY, Str),
    opt(CREATED_AT, Instant),
    opt(UPDATED_AT, Instant),
];

const PERSON_EMAILS: &[ColumnDef] = &[
    req(PERSON_KEY, Str),
    req(EMAIL_RAW, Str),
    req(EMAIL_NORM, Str),
    opt(LABEL, Str),
    req(IS_PRIMARY, Bool),
];

const ORGANIZATIONS: &[ColumnDef] = &[
    req(ORG_KEY, Str),
    req(NAME, Str),
    opt(DOMAIN, Str),
    opt(OWNER_USER_KEY, Str),
    opt(CREATED_AT, Instant),
    opt(UPDATED_AT, Instant),
];

const STAGES: &[ColumnDef] = &[
    req(STAGE_KEY, Str),
    opt(PIPELINE_KEY, Str),
    opt(PIPELINE_NAME, Str),
    req(NAME, Str),
    opt(SORT_ORDER, Int),
    opt(PROBABILITY, Float),
    req(IS_CLOSED, Bool),
    req(IS_WON, Bool),
    req(IS_DELETED, Bool),
];

const USERS: &[ColumnDef] = &[
    req(USER_KEY, Str),
    opt(NAME, Str),
    opt(EMAIL, Str),
    opt(TIMEZONE, Str),
    opt(USER_TYPE_RAW, Str),
    req(ACTOR_CLASS, Str),
    opt(IS_ACTIVE, Bool),
];

const CALENDAR_EVENTS: &[ColumnDef] = &[
    req(EVENT_KEY, Str),
    opt(UID, Str),
    opt(SUBJECT, Str),
    opt(ORGANIZER_EMAIL, Str),
    req(IS_ALL_DAY, Bool),
    opt(START_AT, Instant),
    opt(START_DATE, Date),
    opt(END_AT, Instant),
    opt(TZID, Str),
    opt(ZONE, Str),
    opt(RRULE, Str),
];

/// A canonical input table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// Deals (opportunities), final state.
    Deals,
    /// One row per value written to a deal field.
    DealChanges,
    /// Meetings, calls, tasks, emails.
    Activities,
    /// Notes.
    Notes,
    /// People.
    Persons,
    /// One row per person email address.
    PersonEmails,
    /// Companies.
    Organizations,
    /// Pipeline stages.
    Stages,
    /// CRM users (people and integration users).
    Users,
    /// Events read from calendar files.
    CalendarEvents,
}

impl Table {
    /// Every table, in load order.
    pub const ALL: [Table; 10] = [
        Table::Users,
        Table::Stages,
        Table::Organizations,
        Table::Persons,
        Table::PersonEmails,
        Table::Deals,
        Table::DealChanges,
        Table::Activities,
        Table::Notes,
        Table::CalendarEvents,
    ];

    /// Snake-case table name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Deals => "deals",
            Table::DealChanges => "deal_changes",
            Table::Activities => "activities",
            Table::Notes => "notes",
            Table::Persons => "persons",
            Table::PersonEmails => "person_emails",
            Table::Organizations => "organizations",
            Table::Stages => "stages",
            Table::Users => "users",
            Table::CalendarEvents => "calendar_events",
        }
    }

    /// The table's own columns (without the origin columns).
    fn own_columns(self) -> &'static [ColumnDef] {
        match self {
            Table::Deals => DEALS,
            Table::DealChanges => DEAL_CHANGES,
            Table::Activities => ACTIVITIES,
            Table::Notes => NOTES,
            Table::Persons => PERSONS,
            Table::PersonEmails => PERSON_EMAILS,
            Table::Organizations => ORGANIZATIONS,
            Table::Stages => STAGES,
            Table::Users => USERS,
            Table::CalendarEvents => CALENDAR_EVENTS,
        }
    }

    /// All columns in frame order: the table's own, then where the row came from.
    pub fn columns(self) -> Vec<ColumnDef> {
        self.own_columns().iter().chain(ORIGIN.iter()).copied().collect()
    }

    /// The Polars schema of the table.
    pub fn schema(self) -> Schema {
        self.columns().iter().map(|c| Field::new(c.name.into(), c.ty.dtype())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_are_unique_per_table() {
        for table in Table::ALL {
            let mut names: Vec<_> = table.columns().iter().map(|c| c.name).collect();
            let n = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), n, "duplicate column in {}", table.name());
        }
    }
}
