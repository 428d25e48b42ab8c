//! The in-memory plan of one deal before it is written: its creation, its initial field values,
//! the time-ordered writes to its fields (each with provenance and an optional ground-truth tag),
//! and its activities (with calendar-sync details) and notes. Human behaviour builds a plan,
//! fault injectors edit it, and `ledger` replays it into flow rows and the final deal state.

use chrono::{NaiveDate, NaiveDateTime};

use super::clock::{date_string, history_end};
use super::source::{Integration, Prov};

/// Deal status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    /// Still in the pipeline.
    Open,
    /// Closed won.
    Won,
    /// Closed lost.
    Lost,
}

impl Status {
    /// Pipedrive's status text.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Won => "won",
            Self::Lost => "lost",
        }
    }
}

/// How a deal came to exist (Pipedrive's `origin`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    /// Created by a rep in the app.
    Manual,
    /// Found with Pipedrive's Prospector by a rep.
    Prospector,
    /// A web form submission.
    WebForms,
    /// Created through the API (the lead sync).
    Api,
    /// A spreadsheet import.
    Import,
    /// A workflow automation (renewals, from the rollout date).
    Automation,
    /// A live chat conversation.
    LiveChat,
    /// A chatbot conversation.
    Chatbot,
}

impl Origin {
    /// Pipedrive's origin option id.
    pub(super) fn label(self) -> &'static str {
        match self {
            Self::Manual => "ManuallyCreated",
            Self::Prospector => "Prospector",
            Self::WebForms => "WebForms",
            Self::Api => "API",
            Self::Import => "Import",
            Self::Automation => "Automation",
            Self::LiveChat => "LiveChat",
            Self::Chatbot => "Chatbot",
        }
    }

    /// Created from a low-intent event rather than by a rep.
    pub(super) fn is_low_intent(self) -> bool {
        matches!(self, Self::WebForms | Self::Api | Self::LiveChat | Self::Chatbot)
    }
}

/// The fields of a deal that its change history tracks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct DealState {
    /// Stage id.
    pub stage: u32,
    /// Status.
    pub status: Status,
    /// Value in whole currency units.
    pub value: i64,
    /// Expected close date.
    pub close_date: NaiveDate,
    /// Owner user id.
    pub owner: u32,
    /// Deal-level probability override.
    pub probability: Option<u8>,
    /// Lost reason.
    pub lost_reason: Option<&'static str>,
    /// Marketing channel option id.
    pub channel: Option<u8>,
    /// Free-text channel refinement.
    pub channel_id: Option<String>,
}

/// A new value written to one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum FieldChange {
    /// `stage_id`.
    Stage(u32),
    /// `status`.
    Status(Status),
    /// `value`.
    Value(i64),
    /// `expected_close_date`.
    CloseDate(NaiveDate),
    /// `user_id` (owner).
    Owner(u32),
    /// `probability`.
    Probability(Option<u8>),
    /// `lost_reason`.
    LostReason(Option<&'static str>),
    /// `channel`.
    Channel(Option<u8>),
    /// `channel_id`.
    ChannelId(Option<String>),
}

impl FieldChange {
    /// Flow `field_key`.
    pub(super) fn key(&self) -> &'static str {
        match self {
            Self::Stage(_) => "stage_id",
            Self::Status(_) => "status",
            Self::Value(_) => "value",
            Self::CloseDate(_) => "expected_close_date",
            Self::Owner(_) => "user_id",
            Self::Probability(_) => "probability",
            Self::LostReason(_) => "lost_reason",
            Self::Channel(_) => "channel",
            Self::ChannelId(_) => "channel_id",
        }
    }

    /// The written value as flow text.
    pub(super) fn rendered(&self) -> Option<String> {
        match self {
            Self::Stage(v) | Self::Owner(v) => Some(v.to_string()),
            Self::Status(s) => Some(s.as_str().to_owned()),
            Self::Value(v) => Some(v.to_string()),
            Self::CloseDate(d) => Some(date_string(*d)),
            Self::Probability(p) | Self::Channel(p) => p.map(|v| v.to_string()),
            Self::LostReason(r) => r.map(str::to_owned),
            Self::ChannelId(c) => c.clone(),
        }
    }
}

impl DealState {
    /// The current value of the field `change` writes, as flow text.
    pub(super) fn rendered(&self, change: &FieldChange) -> Option<String> {
        let current = match change {
            FieldChange::Stage(_) => FieldChange::Stage(self.stage),
            FieldChange::Status(_) => FieldChange::Status(self.status),
            FieldChange::Value(_) => FieldChange::Value(self.value),
            FieldChange::CloseDate(_) => FieldChange::CloseDate(self.close_date),
            FieldChange::Owner(_) => FieldChange::Owner(self.owner),
            FieldChange::Probability(_) => FieldChange::Probability(self.probability),
            FieldChange::LostReason(_) => FieldChange::LostReason(self.lost_reason),
            FieldChange::Channel(_) => FieldChange::Channel(self.channel),
            FieldChange::ChannelId(_) => FieldChange::ChannelId(self.channel_id.clone()),
        };
        current.rendered()
    }

    /// Applies a write.
    pub(super) fn apply(&mut self, change: &FieldChange) {
        match change {
            FieldChange::Stage(v) => self.stage = *v,
            FieldChange::Status(v) => self.status = *v,
            FieldChange::Value(v) => self.value = *v,
            FieldChange::CloseDate(v) => self.close_date = *v,
            FieldChange::Owner(v) => self.owner = *v,
            FieldChange::Probability(v) => self.probability = *v,
            FieldChange::LostReason(v) => self.lost_reason = *v,
            FieldChange::Channel(v) => self.channel = *v,
            FieldChange::ChannelId(v) => self.channel_id.clone_from(v),
        }
    }
}

/// Ground truth attached to a write; turned into a label row once the write has its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ChangeTag {
    /// The month-end nudger pushed the close date (fault 1).
    MonthEndNudge,
    /// The attribution sync overwrote the channel (fault 5).
    AttributionOverwrite,
    /// A manager's month-end bulk edit (clean look-alike of fault 1).
    BulkEdit,
    /// A rep set the channel within the grace day (clean look-alike of fault 5).
    GraceChannelEdit,
}

/// One write to one field.
#[derive(Clone, Debug)]
pub(super) struct Change {
    /// When (UTC).
    pub time: NaiveDateTime,
    /// Who and through what.
    pub prov: Prov,
    /// The field and its new value.
    pub what: FieldChange,
    /// Ground truth, if any.
    pub tag: Option<ChangeTag>,
}

/// When an activity is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum When {
    /// At an instant (UTC).
    Timed(NaiveDateTime),
    /// All day on a date.
    AllDay(NaiveDate),
}

/// Activity type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ActKind {
    /// Phone call.
    Call,
    /// Meeting.
    Meeting,
    /// Email.
    Email,
    /// Task.
    Task,
}

impl ActKind {
    /// Pipedrive activity type key.
    pub(super) fn key(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Meeting => "meeting",
            Self::Email => "email",
            Self::Task => "task",
        }
    }
}

/// Start of a calendar event as the calendar wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EventTime {
    /// Local wall-clock time in a named zone (IANA or Windows name).
    Zoned {
        /// TZID as written in the calendar.
        tzid: &'static str,
        /// Local time.
        local: NaiveDateTime,
    },
    /// A UTC instant (`...Z`).
    Utc(NaiveDateTime),
    /// An all-day event.
    AllDay(NaiveDate),
}

/// Offset class of a synced activity against its calendar event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DriftKind {
    /// Activity start equals event start.
    Exact,
    /// Off by a whole hour all year.
    WholeHour,
    /// Off by an hour only while daylight-saving time is on.
    DstOnly,
    /// An all-day event landed on another day.
    DayShift,
}

impl DriftKind {
    /// Label text.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::WholeHour => "whole_hour",
            Self::DstOnly => "dst_only",
            Self::DayShift => "day_shift",
        }
    }
}

/// How a calendar integration created an activity.
#[derive(Clone, Debug)]
pub(super) struct SyncInfo {
    /// The calendar integration.
    pub integration: Integration,
    /// Event UID (also the activity's `gcal_event_id` and `reference_id`).
    pub uid: String,
    /// Event start as written in the calendar.
    pub event: EventTime,
    /// When the event was created in the calendar.
    pub created: NaiveDateTime,
    /// Offset class of the activity against the event.
    pub drift: DriftKind,
    /// Activity start minus event start, in minutes.
    pub offset_minutes: i64,
    /// `source_timezone` of the activity.
    pub source_tz: &'static str,
}

/// One activity on the deal.
#[derive(Clone, Debug)]
pub(super) struct ActivityPlan {
    /// Type.
    pub kind: ActKind,
    /// Subject.
    pub subject: String,
    /// HTML note.
    pub note: Option<&'static str>,
    /// Due time.
    pub when: When,
    /// Duration in minutes (0 = none).
    pub duration_min: u32,
    /// When it was marked done (none = not done).
    pub done_time: Option<NaiveDateTime>,
    /// Creation time.
    pub add_time: NaiveDateTime,
    /// Assigned user.
    pub user_id: u32,
    /// Creating user.
    pub created_by: u32,
    /// Calendar sync details.
    pub sync: Option<SyncInfo>,
    /// Index (in this plan) of the activity this one repeats by mistake.
    pub dup_of: Option<usize>,
}

/// One note on the deal.
#[derive(Clone, Debug)]
pub(super) struct NotePlan {
    /// HTML content.
    pub content: String,
    /// Creation time.
    pub add_time: NaiveDateTime,
    /// Author.
    pub user_id: u32,
    /// Index (in this plan) of the note this one repeats by mistake.
    pub dup_of: Option<usize>,
}

/// Why the deal exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum DealKind {
    /// A real deal.
    Base,
    /// A fuzzy duplicate made by the lead sync.
    Duplicate {
        /// Deal it duplicates.
        of: u64,
        /// How its title differs.
        variant: &'static str,
    },
}

/// Everything about one deal before it is written.
#[derive(Clone, Debug)]
pub(super) struct DealPlan {
    /// Deal id.
    pub id: u64,
    /// Real deal or duplicate.
    pub kind: DealKind,
    /// Title.
    pub title: String,
    /// Pipeline id.
    pub pipeline: u32,
    /// Origin.
    pub origin: Origin,
    /// Provenance of the creation.
    pub created: Prov,
    /// Creation time.
    pub add_time: NaiveDateTime,
    /// Organization id.
    pub org: Option<u64>,
    /// Organization name.
    pub org_name: Option<String>,
    /// Person id.
    pub person: Option<u64>,
    /// Person name.
    pub person_name: Option<String>,
    /// Contact's given and family name, for activity subjects and notes.
    pub contact: (&'static str, &'static str),
    /// Currency.
    pub currency: &'static str,
    /// Whether deals.jsonl shows user/person/org in the nested v1 form.
    pub nested_links: bool,
    /// Field values at creation.
    pub initial: DealState,
    /// Writes, kept in time order (equal times in insertion order).
    pub changes: Vec<Change>,
    /// Activities.
    pub activities: Vec<ActivityPlan>,
    /// Notes.
    pub notes: Vec<NotePlan>,
    /// An earlier deal whose title differs from this one only in a number (clean look-alike).
    pub number_twin: Option<u64>,
}

impl DealPlan {
    /// Adds a write, keeping time order.
    pub(super) fn push(&mut self, change: Change) {
        let at = self.changes.partition_point(|c| c.time <= change.time);
        self.changes.insert(at, change);
    }

    /// Restores time order after writes were retimed.
    pub(super) fn resort(&mut self) {
        self.changes.sort_by_key(|c| c.time);
    }

    /// Field values just after instant `t`.
    pub(super) fn state_at(&self, t: NaiveDateTime) -> DealState {
        let mut state = self.initial.clone();
        for change in self.changes.iter().take_while(|c| c.time <= t) {
            state.apply(&change.what);
        }
        state
    }

    /// When the deal is first closed (won or lost), if ever.
    pub(super) fn close_time(&self) -> Option<NaiveDateTime> {
        self.changes
            .iter()
            .find(|c| matches!(c.what, FieldChange::Status(Status::Won | Status::Lost)))
            .map(|c| c.time)
    }

    /// End of the deal's open life: its close or the end of the history.
    pub(super) fn open_until(&self) -> NaiveDateTime {
        self.close_time().unwrap_or_else(history_end).min(history_end())
    }

    /// Sorts activities and notes by creation time, keeping `dup_of` links right.
    pub(super) fn sort_children(&mut self) {
        let order = sorted_order(self.activities.iter().map(|a| a.add_time));
        self.activities = reorder(std::mem::take(&mut self.activities), &order, |a| &mut a.dup_of);
        let order = sorted_order(self.notes.iter().map(|n| n.add_time));
        self.notes = reorder(std::mem::take(&mut self.notes), &order, |n| &mut n.dup_of);
    }
}

fn sorted_order(times: impl Iterator<Item = NaiveDateTime>) -> Vec<usize> {
    let mut order: Vec<(NaiveDateTime, usize)> = times.enumerate().map(|(i, t)| (t, i)).collect();
    order.sort_unstable();
    order.into_iter().map(|(_, i)| i).collect()
}

fn reorder<T>(
    items: Vec<T>,
    order: &[usize],
    link: impl Fn(&mut T) -> &mut Option<usize>,
) -> Vec<T> {
    let mut new_index = vec![0; order.len()];
    for (new, old) in order.iter().enumerate() {
        new_index[*old] = new;
    }
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    let mut out: Vec<T> =
        order.iter().map(|i| slots[*i].take().expect("each index once")).collect();
    for item in &mut out {
        if let Some(old) = *link(item) {
            *link(item) = Some(new_index[old]);
        }
    }
    out
}
