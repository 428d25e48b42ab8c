//! Serialisable row shapes of every output table, in Pipedrive v1 key order, and the CSV headers
//! (which a test checks against the JSON keys).

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::clock::{DateStamp, Stamp};

/// `users` row.
#[derive(Serialize)]
pub(super) struct UserRow<'a> {
    pub id: u32,
    pub name: &'a str,
    pub email: &'a str,
    pub timezone_name: &'a str,
    pub timezone_offset: &'a str,
    pub active_flag: bool,
    pub is_admin: bool,
}

/// `users` CSV header.
pub(super) const USER_HEADER: &[&str] =
    &["id", "name", "email", "timezone_name", "timezone_offset", "active_flag", "is_admin"];

/// `pipelines` row.
#[derive(Serialize)]
pub(super) struct PipelineRow<'a> {
    pub id: u32,
    pub name: &'a str,
    pub order_nr: u32,
    pub active: bool,
    pub add_time: Stamp,
    pub update_time: Stamp,
}

/// `pipelines` CSV header.
pub(super) const PIPELINE_HEADER: &[&str] =
    &["id", "name", "order_nr", "active", "add_time", "update_time"];

/// `stages` row.
#[derive(Serialize)]
pub(super) struct StageRow<'a> {
    pub id: u32,
    pub order_nr: u32,
    pub name: &'a str,
    pub active_flag: bool,
    pub deal_probability: u8,
    pub pipeline_id: u32,
    pub pipeline_name: &'a str,
    pub add_time: Stamp,
    pub update_time: Stamp,
}

/// `stages` CSV header.
pub(super) const STAGE_HEADER: &[&str] = &[
    "id",
    "order_nr",
    "name",
    "active_flag",
    "deal_probability",
    "pipeline_id",
    "pipeline_name",
    "add_time",
    "update_time",
];

/// `organizations` row.
#[derive(Serialize)]
pub(super) struct OrgRow<'a> {
    pub id: u64,
    pub name: &'a str,
    pub owner_id: u32,
    pub add_time: Stamp,
    pub update_time: Stamp,
    pub active_flag: bool,
}

/// `organizations` CSV header.
pub(super) const ORG_HEADER: &[&str] =
    &["id", "name", "owner_id", "add_time", "update_time", "active_flag"];

/// An email or phone: the v1 list of one primary entry (JSON) or the bare value (CSV).
pub(super) enum Contact<'a> {
    /// `[{"label": ..., "value": ..., "primary": true}]`.
    List {
        /// `work`, `home`, `mobile`...
        label: &'a str,
        /// The address or number.
        value: &'a str,
    },
    /// Just the value.
    Primary(&'a str),
}

impl Serialize for Contact<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Primary(value) => serializer.serialize_str(value),
            Self::List { label, value } => {
                let mut seq = serializer.serialize_seq(Some(1))?;
                seq.serialize_element(&ContactEntry { label, value, primary: true })?;
                seq.end()
            },
        }
    }
}

#[derive(Serialize)]
struct ContactEntry<'a> {
    label: &'a str,
    value: &'a str,
    primary: bool,
}

/// `persons` row.
#[derive(Serialize)]
pub(super) struct PersonRow<'a> {
    pub id: u64,
    pub name: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub owner_id: u32,
    pub org_id: Option<u64>,
    pub add_time: Stamp,
    pub update_time: Stamp,
    pub email: Contact<'a>,
    pub phone: Contact<'a>,
}

/// `persons` CSV header.
pub(super) const PERSON_HEADER: &[&str] = &[
    "id",
    "name",
    "first_name",
    "last_name",
    "owner_id",
    "org_id",
    "add_time",
    "update_time",
    "email",
    "phone",
];

/// A link to a user, person or organization: a plain id, or the nested v1 object.
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum Link<'a> {
    /// Plain id.
    Id(u64),
    /// Nested user: `{"id", "name", "email", "value"}`.
    User { id: u64, name: &'a str, email: &'a str, value: u64 },
    /// Nested person or organization: `{"name", "value"}`.
    Named { name: &'a str, value: u64 },
}

/// `deals` row.
#[derive(Serialize)]
pub(super) struct DealRow<'a> {
    pub id: u64,
    pub title: &'a str,
    pub value: i64,
    pub currency: &'a str,
    pub user_id: Link<'a>,
    pub creator_user_id: u32,
    pub person_id: Option<Link<'a>>,
    pub org_id: Option<Link<'a>>,
    pub org_name: Option<&'a str>,
    pub person_name: Option<&'a str>,
    pub owner_name: &'a str,
    pub pipeline_id: u32,
    pub stage_id: u32,
    pub status: &'a str,
    pub add_time: Stamp,
    pub update_time: Stamp,
    pub stage_change_time: Option<Stamp>,
    pub close_time: Option<Stamp>,
    pub won_time: Option<Stamp>,
    pub lost_time: Option<Stamp>,
    pub expected_close_date: DateStamp,
    pub probability: Option<u8>,
    pub lost_reason: Option<&'a str>,
    pub origin: &'a str,
    pub origin_id: Option<&'a str>,
    pub channel: Option<u8>,
    pub channel_id: Option<&'a str>,
    pub active: bool,
    pub deleted: bool,
}

/// `deals` CSV header.
pub(super) const DEAL_HEADER: &[&str] = &[
    "id",
    "title",
    "value",
    "currency",
    "user_id",
    "creator_user_id",
    "person_id",
    "org_id",
    "org_name",
    "person_name",
    "owner_name",
    "pipeline_id",
    "stage_id",
    "status",
    "add_time",
    "update_time",
    "stage_change_time",
    "close_time",
    "won_time",
    "lost_time",
    "expected_close_date",
    "probability",
    "lost_reason",
    "origin",
    "origin_id",
    "channel",
    "channel_id",
    "active",
    "deleted",
];

/// `additional_data` of a stage move: the stage names.
pub(super) enum Extra<'a> {
    /// `{"old_value_formatted": ..., "new_value_formatted": ...}`.
    Stages(&'a str, &'a str),
}

impl Serialize for Extra<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self::Stages(old, new) = self;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("old_value_formatted", old)?;
        map.serialize_entry("new_value_formatted", new)?;
        map.end()
    }
}

/// The `data` of a `dealChange` flow item (and the flat `deal_flow` CSV row). `additional_data`
/// is present only on stage moves in JSON, and never in CSV.
#[derive(Serialize)]
pub(super) struct FlowData<'a> {
    pub id: u64,
    pub item_id: u64,
    pub user_id: u32,
    pub field_key: &'a str,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
    pub is_bulk_update_flag: Option<u8>,
    pub log_time: Stamp,
    pub change_source: &'a str,
    pub change_source_user_agent: Option<&'a str>,
    pub origin: &'a str,
    pub origin_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_data: Option<Extra<'a>>,
}

/// `deal_flow` CSV header.
pub(super) const FLOW_HEADER: &[&str] = &[
    "id",
    "item_id",
    "user_id",
    "field_key",
    "old_value",
    "new_value",
    "is_bulk_update_flag",
    "log_time",
    "change_source",
    "change_source_user_agent",
    "origin",
    "origin_id",
];

/// One `/v1/deals/{id}/flow` item.
#[derive(Serialize)]
pub(super) struct FlowItem<'a> {
    pub object: &'static str,
    pub timestamp: Stamp,
    pub data: &'a FlowData<'a>,
}

/// `activities` row.
#[derive(Serialize)]
pub(super) struct ActivityRow<'a> {
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub subject: &'a str,
    pub note: Option<&'a str>,
    pub due_date: DateStamp,
    pub due_time: &'a str,
    pub duration: &'a str,
    pub done: bool,
    pub marked_as_done_time: Option<Stamp>,
    pub add_time: Stamp,
    pub update_time: Stamp,
    pub deal_id: u64,
    pub person_id: Option<u64>,
    pub org_id: Option<u64>,
    pub user_id: u32,
    pub created_by_user_id: u32,
    pub gcal_event_id: Option<&'a str>,
    pub source_timezone: Option<&'a str>,
    pub reference_type: Option<&'a str>,
    pub reference_id: Option<&'a str>,
}

/// `activities` CSV header.
pub(super) const ACTIVITY_HEADER: &[&str] = &[
    "id",
    "type",
    "subject",
    "note",
    "due_date",
    "due_time",
    "duration",
    "done",
    "marked_as_done_time",
    "add_time",
    "update_time",
    "deal_id",
    "person_id",
    "org_id",
    "user_id",
    "created_by_user_id",
    "gcal_event_id",
    "source_timezone",
    "reference_type",
    "reference_id",
];

/// `notes` row.
#[derive(Serialize)]
pub(super) struct NoteRow<'a> {
    pub id: u64,
    pub content: &'a str,
    pub add_time: Stamp,
    pub update_time: Stamp,
    pub user_id: u32,
    pub deal_id: u64,
    pub person_id: Option<u64>,
    pub org_id: Option<u64>,
}

/// `notes` CSV header.
pub(super) const NOTE_HEADER: &[&str] =
    &["id", "content", "add_time", "update_time", "user_id", "deal_id", "person_id", "org_id"];
