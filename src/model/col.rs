//! Column names of the canonical input tables and of the output tables.
//! Checks and writers refer to these constants, never to string literals.

// Shared by several tables.
/// CRM the row came from (`pipedrive`, `hubspot`, `salesforce`, `other`).
pub const SOURCE_SYSTEM: &str = "source_system";
/// Id of the row in its CRM, as text.
pub const SOURCE_ID: &str = "source_id";
/// When the record was created.
pub const CREATED_AT: &str = "created_at";
/// When the record was last updated.
pub const UPDATED_AT: &str = "updated_at";
/// Input file the row came from.
pub const SOURCE_FILE: &str = "source_file";
/// 1-based line (CSV, JSON Lines, ICS) or record number (JSON arrays) in the file.
pub const SOURCE_LINE: &str = "source_line";

// deals
/// Deal key, `"<sys>:<id>"`.
pub const DEAL_KEY: &str = "deal_key";
/// Deal title.
pub const TITLE: &str = "title";
/// Organization key.
pub const ORG_KEY: &str = "org_key";
/// Organization name as written on the deal.
pub const ORG_NAME_RAW: &str = "org_name_raw";
/// Person key.
pub const PERSON_KEY: &str = "person_key";
/// Owner user key.
pub const OWNER_USER_KEY: &str = "owner_user_key";
/// Creator user key.
pub const CREATOR_USER_KEY: &str = "creator_user_key";
/// Pipeline key.
pub const PIPELINE_KEY: &str = "pipeline_key";
/// Stage key.
pub const STAGE_KEY: &str = "stage_key";
/// Stage name as written on the deal.
pub const STAGE_NAME_RAW: &str = "stage_name_raw";
/// `open`, `won`, `lost` or `deleted`.
pub const STATUS: &str = "status";
/// Archived flag.
pub const IS_ARCHIVED: &str = "is_archived";
/// Deal amount in its own currency.
pub const VALUE: &str = "value";
/// ISO currency code.
pub const CURRENCY: &str = "currency";
/// Probability 0–1.
pub const PROBABILITY: &str = "probability";
/// Last stage change.
pub const STAGE_CHANGED_AT: &str = "stage_changed_at";
/// The close date reps edit (a date, never shifted).
pub const EXPECTED_CLOSE_DATE: &str = "expected_close_date";
/// When the deal closed.
pub const CLOSED_AT: &str = "closed_at";
/// When it was won.
pub const WON_AT: &str = "won_at";
/// When it was lost.
pub const LOST_AT: &str = "lost_at";
/// Lost reason.
pub const LOST_REASON: &str = "lost_reason";
/// How the record was born, as the CRM says it.
pub const CREATED_VIA_RAW: &str = "created_via_raw";
/// How the record was born, normalised.
pub const CREATED_VIA: &str = "created_via";
/// Refinement of `created_via` (import batch, API client).
pub const CREATED_VIA_DETAIL: &str = "created_via_detail";
/// Marketing source / channel.
pub const ATTRIBUTION_SOURCE: &str = "attribution_source";
/// Campaign or channel detail.
pub const ATTRIBUTION_DETAIL: &str = "attribution_detail";

// deal_changes
/// Change key.
pub const CHANGE_KEY: &str = "change_key";
/// Canonical field name (`stage`, `value`, `expected_close_date`, …) or the raw key.
pub const FIELD: &str = "field";
/// Field key as the CRM wrote it.
pub const FIELD_RAW: &str = "field_raw";
/// Value before the change.
pub const OLD_VALUE: &str = "old_value";
/// Value after the change.
pub const NEW_VALUE: &str = "new_value";
/// Human label of the old value.
pub const OLD_LABEL: &str = "old_label";
/// Human label of the new value.
pub const NEW_LABEL: &str = "new_label";
/// When the change was written.
pub const CHANGED_AT: &str = "changed_at";
/// Who made the change (the token's user for API writes).
pub const ACTOR_USER_KEY: &str = "actor_user_key";
/// Normalised provenance.
pub const SOURCE_CLASS: &str = "source_class";
/// Provenance as the CRM wrote it.
pub const SOURCE_RAW: &str = "source_raw";
/// User agent, source id or label.
pub const SOURCE_DETAIL: &str = "source_detail";
/// The writer the checks group by: a human channel or one integration.
pub const SOURCE_KEY: &str = "source_key";
/// Bulk-edit flag.
pub const IS_BULK: &str = "is_bulk";
/// Bulk batch id.
pub const BATCH_ID: &str = "batch_id";
/// True when the old value was taken from the previous history row.
pub const OLD_VALUE_INFERRED: &str = "old_value_inferred";

// activities and notes
/// Activity key.
pub const ACTIVITY_KEY: &str = "activity_key";
/// Meeting, call, task, email, note, other.
pub const KIND: &str = "kind";
/// Type as the CRM wrote it.
pub const TYPE_RAW: &str = "type_raw";
/// Subject line.
pub const SUBJECT: &str = "subject";
/// Body with HTML stripped.
pub const BODY_TEXT: &str = "body_text";
/// Hash of normalised subject and body.
pub const CONTENT_HASH: &str = "content_hash";
/// All-day flag.
pub const IS_ALL_DAY: &str = "is_all_day";
/// Start instant (timed activities).
pub const START_AT: &str = "start_at";
/// Start date (all-day activities).
pub const START_DATE: &str = "start_date";
/// Duration in minutes.
pub const DURATION_MINUTES: &str = "duration_minutes";
/// Done flag.
pub const DONE: &str = "done";
/// When it was marked done.
pub const DONE_AT: &str = "done_at";
/// External calendar event id.
pub const CALENDAR_REF: &str = "calendar_ref";
/// Zone the event had in the external calendar.
pub const SOURCE_TIMEZONE: &str = "source_timezone";
/// Note key.
pub const NOTE_KEY: &str = "note_key";
/// Note author.
pub const AUTHOR_USER_KEY: &str = "author_user_key";

// persons, emails, organizations, stages, users
/// Display name.
pub const NAME: &str = "name";
/// First name.
pub const FIRST_NAME: &str = "first_name";
/// Last name.
pub const LAST_NAME: &str = "last_name";
/// Raw email address.
pub const EMAIL_RAW: &str = "email_raw";
/// Trimmed, lower-cased email address.
pub const EMAIL_NORM: &str = "email_norm";
/// Email label (work, home, other).
pub const LABEL: &str = "label";
/// Primary flag.
pub const IS_PRIMARY: &str = "is_primary";
/// Web domain.
pub const DOMAIN: &str = "domain";
/// Pipeline name.
pub const PIPELINE_NAME: &str = "pipeline_name";
/// Stage order within its pipeline.
pub const SORT_ORDER: &str = "sort_order";
/// Closed-stage flag.
pub const IS_CLOSED: &str = "is_closed";
/// Won-stage flag.
pub const IS_WON: &str = "is_won";
/// Deleted flag.
pub const IS_DELETED: &str = "is_deleted";
/// User key.
pub const USER_KEY: &str = "user_key";
/// Email of a user.
pub const EMAIL: &str = "email";
/// IANA zone or offset.
pub const TIMEZONE: &str = "timezone";
/// User type as the CRM wrote it.
pub const USER_TYPE_RAW: &str = "user_type_raw";
/// Human, Integration, Automation, System, Unknown.
pub const ACTOR_CLASS: &str = "actor_class";
/// Active flag.
pub const IS_ACTIVE: &str = "is_active";

// calendar_events
/// Event key, `"ics:<file>:<uid or line>"`.
pub const EVENT_KEY: &str = "event_key";
/// iCalendar UID.
pub const UID: &str = "uid";
/// Organizer email.
pub const ORGANIZER_EMAIL: &str = "organizer_email";
/// End instant.
pub const END_AT: &str = "end_at";
/// TZID parameter as written.
pub const TZID: &str = "tzid";
/// IANA zone the TZID resolved to.
pub const ZONE: &str = "zone";
/// RRULE as written (not expanded).
pub const RRULE: &str = "rrule";

// Output tables shared by every check.
/// Check name.
pub const CHECK: &str = "check";
/// Finding id, `"<check>:<n>"`.
pub const FINDING_ID: &str = "finding_id";
/// `info`, `warn` or `fail`.
pub const SEVERITY: &str = "severity";
/// Kind of entity an evidence row points at.
pub const ENTITY_KIND: &str = "entity_kind";
/// Key of that entity.
pub const ENTITY_KEY: &str = "entity_key";
/// Metric name.
pub const METRIC: &str = "metric";
/// Segment a metric is computed over (`all`, a source, a month…).
pub const SEGMENT: &str = "segment";
/// Observed metric value.
pub const METRIC_VALUE: &str = "value";
/// Threshold a finding was held against.
pub const THRESHOLD: &str = "threshold";
/// Plain-language message.
pub const MESSAGE: &str = "message";
/// Number of evidence rows behind a finding.
pub const EVIDENCE_COUNT: &str = "evidence_count";
/// Money at stake behind a finding, in the export's main currency.
pub const VALUE_AT_STAKE: &str = "value_at_stake";

// rejected
/// Canonical table the row was meant for.
pub const TABLE: &str = "table";
/// Input file.
pub const FILE: &str = "file";
/// Line in the file.
pub const LINE: &str = "line";
/// Column at fault.
pub const COLUMN: &str = "column";
/// The raw value that failed.
pub const RAW_VALUE: &str = "raw_value";
/// Why the row was rejected.
pub const REASON: &str = "reason";
