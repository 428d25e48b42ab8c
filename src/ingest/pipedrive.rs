//! The Pipedrive profile: API objects (v1 and v2 shapes, `/flow` items,
//! `/changelog` rows) and spreadsheet exports (`Deal - Title` headers) onto the
//! canonical tables. Ids become `pd:<id>` keys; records linked only by name
//! (spreadsheets) get `pd:name:<name>` keys for users and stay name-only for
//! organizations and people. Zone-less API times are UTC (SCHEMAS.md §1.1).

use serde_json::Value;

use super::Object;
use super::buffer::Row;
use super::record::{FieldError, Fields};
use super::text::{content_hash, html_to_text};
use crate::model::col::*;
use crate::model::provenance::{classify_pipedrive, source_key};
use crate::model::{ActivityKind, CreationClass, Table};

/// Key prefix of Pipedrive ids.
pub const PREFIX: &str = "pd";

fn key(id: Option<String>) -> Option<String> {
    id.map(|id| format!("{PREFIX}:{id}"))
}

fn name_key(name: Option<String>) -> Option<String> {
    name.map(|n| format!("{PREFIX}:name:{}", n.trim().to_lowercase()))
}

const DEAL_TITLE: &[&str] = &["title", "Deal - Title"];
const DEAL_CREATED: &[&str] = &["add_time", "Deal - Deal created"];
const FLOW_DEAL: &[&str] = &["item_id", "deal_id"];
const FLOW_FIELD: &[&str] = &["field_key"];
const FLOW_TIME: &[&str] = &["log_time", "time", "timestamp"];
const ACTIVITY_CREATED: &[&str] = &["add_time", "Activity - Creation date", "Activity - Add time"];
const NOTE_CREATED: &[&str] = &["add_time", "Note - Add time", "Note - Creation date"];
const PERSON_NAME: &[&str] = &["name", "Person - Name"];
const ORG_NAME: &[&str] = &["name", "Organization - Name"];

/// Columns a spreadsheet of each object must have (canonical name, the
/// source names accepted). Checked against CSV headers before rows load.
pub fn required_columns(object: Object) -> &'static [(&'static str, &'static [&'static str])] {
    match object {
        Object::Deals => &[(TITLE, DEAL_TITLE), (CREATED_AT, DEAL_CREATED)],
        Object::DealFlow => {
            &[(DEAL_KEY, FLOW_DEAL), (FIELD_RAW, FLOW_FIELD), (CHANGED_AT, FLOW_TIME)]
        },
        Object::Activities => &[(CREATED_AT, ACTIVITY_CREATED)],
        Object::Notes => &[(CREATED_AT, NOTE_CREATED)],
        Object::Persons => &[(NAME, PERSON_NAME)],
        Object::Organizations => &[(NAME, ORG_NAME)],
        Object::Stages | Object::Users | Object::Pipelines => &[("id", &["id"])],
        Object::Calendar => &[],
    }
}

/// Maps one Pipedrive row onto canonical rows.
pub fn map(object: Object, f: &Fields<'_>) -> Result<Vec<Row>, FieldError> {
    match object {
        Object::Deals => deal(f).map(|r| vec![r]),
        Object::DealFlow => deal_change(f).map(|r| vec![r]),
        Object::Activities => activity(f).map(|r| vec![r]),
        Object::Notes => note(f).map(|r| vec![r]),
        Object::Persons => person(f),
        Object::Organizations => organization(f).map(|r| vec![r]),
        Object::Stages => stage(f).map(|r| vec![r]),
        Object::Users => user(f).map(|r| vec![r]),
        Object::Pipelines | Object::Calendar => Ok(Vec::new()),
    }
}

fn deal(f: &Fields<'_>) -> Result<Row, FieldError> {
    let mut row = Row::new(Table::Deals);
    let id = f.text(&["id", "Deal - ID"]);
    row.set(SOURCE_ID, id.clone());
    row.set(DEAL_KEY, key(id));
    row.set(TITLE, f.required(DEAL_TITLE)?);
    row.set(ORG_KEY, key(f.text(&["org_id", "Organization - ID"])));
    let org_name = f.text(&["org_name", "Deal - Organization", "Organization - Name"]);
    row.set(ORG_NAME_RAW, org_name.or_else(|| linked_name(f, "org_id")));
    row.set(PERSON_KEY, key(f.text(&["person_id", "Person - ID"])));
    row.set(OWNER_USER_KEY, owner(f, &["owner_id", "user_id"], &["Deal - Owner"]));
    row.set(CREATOR_USER_KEY, owner(f, &["creator_user_id"], &["Deal - Creator"]));
    row.set(PIPELINE_KEY, key(f.text(&["pipeline_id"])));
    row.set(STAGE_KEY, key(f.text(&["stage_id"])));
    row.set(STAGE_NAME_RAW, f.text(&["Deal - Stage", "stage_name"]));
    row.set(STATUS, deal_status(f)?);
    let archived = f.bool(&["is_archived", "Deal - Archive status"]).unwrap_or(None);
    row.set(IS_ARCHIVED, archived.unwrap_or(false));
    row.set(VALUE, Cell::from(f.float(&["value", "Deal - Value"])?));
    let currency = ["currency", "Deal - Currency", "Deal - Currency of value"];
    row.set(CURRENCY, f.text(&currency));
    row.set(PROBABILITY, f.float(&["probability", "Deal - Probability"])?.map(percent));
    instants(f, &mut row, &DEAL_INSTANTS)?;
    row.set(EXPECTED_CLOSE_DATE, date(f, &["expected_close_date", "Deal - Expected close date"])?);
    row.set(LOST_REASON, f.text(&["lost_reason", "Deal - Lost reason"]));
    let origin = f.text(&["origin", "Deal - Source origin"]);
    row.set(CREATED_VIA, CreationClass::from_pipedrive_origin(origin.as_deref()).as_str());
    row.set(CREATED_VIA_RAW, origin);
    row.set(CREATED_VIA_DETAIL, f.text(&["origin_id", "Deal - Source origin ID"]));
    row.set(ATTRIBUTION_SOURCE, f.text(&["channel", "Deal - Source channel"]));
    row.set(ATTRIBUTION_DETAIL, f.text(&["channel_id", "Deal - Source channel ID"]));
    Ok(row)
}

use super::buffer::Cell;

const DEAL_INSTANTS: [(&str, &[&str]); 6] = [
    (CREATED_AT, DEAL_CREATED),
    (UPDATED_AT, &["update_time", "Deal - Update time"]),
    (STAGE_CHANGED_AT, &["stage_change_time", "Deal - Last stage change"]),
    (CLOSED_AT, &["close_time", "Deal - Deal closed on"]),
    (WON_AT, &["won_time", "Deal - Won time"]),
    (LOST_AT, &["lost_time", "Deal - Lost time"]),
];

fn instants(
    f: &Fields<'_>,
    row: &mut Row,
    spec: &[(&'static str, &[&'static str])],
) -> Result<(), FieldError> {
    for (col, keys) in spec {
        row.set(col, f.instant(keys)?.map_or(Cell::Null, Cell::Instant));
    }
    Ok(())
}

fn date(f: &Fields<'_>, keys: &[&'static str]) -> Result<Cell, FieldError> {
    Ok(f.date(keys)?.map_or(Cell::Null, Cell::Date))
}

/// Probabilities come as 0–100 from Pipedrive; the model keeps 0–1.
fn percent(p: f64) -> f64 {
    if p > 1.0 { p / 100.0 } else { p }
}

/// The name inside a v1 link object (`{"name": …, "value": 7}`).
fn linked_name(f: &Fields<'_>, key: &str) -> Option<String> {
    let name = f.json(&[key])?.get("name")?.as_str()?.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

fn owner(f: &Fields<'_>, id_keys: &[&'static str], name_keys: &[&'static str]) -> Option<String> {
    key(f.text(id_keys)).or_else(|| name_key(f.text(name_keys)))
}

fn deal_status(f: &Fields<'_>) -> Result<&'static str, FieldError> {
    let raw = f.text(&["status", "Deal - Status"]).unwrap_or_else(|| "open".to_owned());
    let deleted = f.bool(&["deleted", "is_deleted"]).unwrap_or(None).unwrap_or(false);
    if deleted {
        return Ok("deleted");
    }
    match raw.to_ascii_lowercase().as_str() {
        "open" => Ok("open"),
        "won" => Ok("won"),
        "lost" => Ok("lost"),
        "deleted" => Ok("deleted"),
        _ => Err(FieldError::new("status", &raw, "expected open, won, lost or deleted")),
    }
}

/// Canonical name of a Pipedrive deal field key.
pub fn canonical_field(key: &str) -> &str {
    match key {
        "stage_id" => "stage",
        "pipeline_id" => "pipeline",
        "user_id" | "owner_id" => "owner",
        "add_time" => "created",
        "channel" => "attribution_source",
        "channel_id" => "attribution_detail",
        "value" | "currency" | "expected_close_date" | "status" | "probability" | "lost_reason" => {
            key
        },
        other => other,
    }
}

fn deal_change(f: &Fields<'_>) -> Result<Row, FieldError> {
    let mut row = Row::new(Table::DealChanges);
    let id = f.text(&["id"]);
    let deal = f.required(FLOW_DEAL)?;
    let field_raw = f.required(FLOW_FIELD)?;
    let changed_at = f.instant(FLOW_TIME)?;
    let changed_at =
        changed_at.ok_or_else(|| FieldError::new("log_time", "", "required value is empty"))?;
    let new_value = f.text(&["new_value"]);
    let change_key = id.clone().unwrap_or_else(|| {
        let parts = [Some(deal.as_str()), Some(field_raw.as_str()), new_value.as_deref()];
        let t = changed_at.to_string();
        content_hash(&[parts[0], parts[1], Some(&t), parts[2]]).unwrap_or_default()
    });
    row.set(CHANGE_KEY, format!("{PREFIX}:{change_key}"));
    row.set(SOURCE_ID, id);
    row.set(DEAL_KEY, format!("{PREFIX}:{deal}"));
    row.set(FIELD, canonical_field(&field_raw).to_owned());
    row.set(FIELD_RAW, field_raw);
    row.set(OLD_VALUE, f.text(&["old_value"]));
    row.set(NEW_VALUE, new_value);
    let labels = f.json(&["additional_data"]);
    row.set(OLD_LABEL, labels.and_then(|v| label(v, "old_value_formatted")));
    row.set(NEW_LABEL, labels.and_then(|v| label(v, "new_value_formatted")));
    row.set(CHANGED_AT, Cell::Instant(changed_at));
    row.set(ACTOR_USER_KEY, key(f.text(&["user_id", "actor_user_id"])));
    provenance(f, &mut row)?;
    row.set(OLD_VALUE_INFERRED, false);
    Ok(row)
}

fn label(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn provenance(f: &Fields<'_>, row: &mut Row) -> Result<(), FieldError> {
    let source = f.text(&["change_source"]);
    let agent = f.text(&["change_source_user_agent"]);
    let origin = f.text(&["origin"]);
    let bulk = f.bool(&["is_bulk_update_flag"])?;
    let class = classify_pipedrive(
        source.as_deref(),
        agent.as_deref(),
        origin.as_deref(),
        bulk.unwrap_or(false),
    );
    let is_bulk_origin = origin.as_deref().is_some_and(|o| o.eq_ignore_ascii_case("bulkAction"));
    let batch = if bulk == Some(true) || is_bulk_origin { f.text(&["origin_id"]) } else { None };
    row.set(SOURCE_KEY, source_key(class, agent.as_deref(), source.as_deref()));
    row.set(SOURCE_CLASS, class.as_str());
    row.set(SOURCE_RAW, source);
    row.set(SOURCE_DETAIL, agent);
    row.set(IS_BULK, bulk);
    row.set(BATCH_ID, batch);
    Ok(())
}

fn activity(f: &Fields<'_>) -> Result<Row, FieldError> {
    let mut row = Row::new(Table::Activities);
    let id = f.text(&["id", "Activity - ID"]);
    row.set(SOURCE_ID, id.clone());
    row.set(ACTIVITY_KEY, key(id));
    let type_raw = f.text(&["type", "Activity - Type"]);
    row.set(KIND, ActivityKind::from_type(type_raw.as_deref()).as_str());
    row.set(TYPE_RAW, type_raw);
    let subject = f.text(&["subject", "Activity - Subject"]);
    let body = f.text(&["note", "Activity - Note"]).map(|h| html_to_text(&h));
    row.set(CONTENT_HASH, content_hash(&[subject.as_deref(), body.as_deref()]));
    row.set(SUBJECT, subject);
    row.set(BODY_TEXT, body);
    links(f, &mut row);
    row.set(
        OWNER_USER_KEY,
        owner(f, &["owner_id", "user_id", "assigned_to_user_id"], &["Activity - Assigned to user"]),
    );
    row.set(
        CREATOR_USER_KEY,
        owner(f, &["creator_user_id", "created_by_user_id"], &["Activity - Creator"]),
    );
    schedule(f, &mut row)?;
    row.set(DONE, f.bool(&["done", "Activity - Done"])?);
    row.set(DONE_AT, instant(f, &["marked_as_done_time", "Activity - Marked as done time"])?);
    row.set(CREATED_AT, instant(f, ACTIVITY_CREATED)?);
    row.set(UPDATED_AT, instant(f, &["update_time", "Activity - Update time"])?);
    row.set(CREATED_VIA_RAW, f.text(&["reference_type"]));
    row.set(CALENDAR_REF, f.text(&["gcal_event_id", "reference_id", "conference_meeting_id"]));
    row.set(SOURCE_TIMEZONE, f.text(&["source_timezone"]));
    Ok(row)
}

fn instant(f: &Fields<'_>, keys: &[&'static str]) -> Result<Cell, FieldError> {
    Ok(f.instant(keys)?.map_or(Cell::Null, Cell::Instant))
}

fn links(f: &Fields<'_>, row: &mut Row) {
    row.set(DEAL_KEY, key(f.text(&["deal_id", "Deal - ID"])));
    row.set(PERSON_KEY, key(f.text(&["person_id", "Person - ID"])));
    row.set(ORG_KEY, key(f.text(&["org_id", "Organization - ID"])));
}

/// `due_date` + `due_time` are one UTC instant split in two; an empty
/// `due_time` makes an all-day activity whose date is kept as is.
fn schedule(f: &Fields<'_>, row: &mut Row) -> Result<(), FieldError> {
    let date_keys = ["due_date", "Activity - Due date"];
    let time = f.text(&["due_time", "Activity - Due time"]);
    let duration = f.text(&["duration", "Activity - Duration"]);
    let minutes = duration
        .map(|d| super::parse::hhmm_minutes(&d).map_err(|r| FieldError::new("duration", &d, r)))
        .transpose()?;
    row.set(DURATION_MINUTES, minutes.map_or(Cell::Null, Cell::Int));
    let Some(day) = f.text(&date_keys) else {
        row.set(IS_ALL_DAY, false);
        return Ok(());
    };
    match time {
        None => {
            row.set(IS_ALL_DAY, true);
            row.set(START_DATE, date(f, &date_keys)?);
        },
        Some(t) => {
            let joined = format!("{day} {t}");
            let at = super::parse::instant(&joined, chrono_tz::UTC)
                .map_err(|r| FieldError::new("due_time", &joined, r))?;
            row.set(IS_ALL_DAY, false);
            row.set(START_AT, Cell::Instant(at));
        },
    }
    Ok(())
}

fn note(f: &Fields<'_>) -> Result<Row, FieldError> {
    let mut row = Row::new(Table::Notes);
    let id = f.text(&["id", "Note - ID"]);
    row.set(SOURCE_ID, id.clone());
    row.set(NOTE_KEY, key(id));
    links(f, &mut row);
    row.set(AUTHOR_USER_KEY, owner(f, &["user_id"], &["Note - User", "Note - Author"]));
    let body = f.text(&["content", "Note - Content"]).map(|h| html_to_text(&h));
    row.set(CONTENT_HASH, content_hash(&[body.as_deref()]));
    row.set(BODY_TEXT, body);
    row.set(CREATED_AT, instant(f, NOTE_CREATED)?);
    row.set(UPDATED_AT, instant(f, &["update_time", "Note - Update time"])?);
    Ok(row)
}

fn person(f: &Fields<'_>) -> Result<Vec<Row>, FieldError> {
    let mut row = Row::new(Table::Persons);
    let id = f.text(&["id", "Person - ID"]);
    let person_key = key(id.clone()).or_else(|| name_key(f.text(PERSON_NAME)));
    row.set(SOURCE_ID, id);
    row.set(PERSON_KEY, person_key.clone());
    row.set(NAME, f.required(PERSON_NAME)?);
    row.set(FIRST_NAME, f.text(&["first_name", "Person - First name"]));
    row.set(LAST_NAME, f.text(&["last_name", "Person - Last name"]));
    row.set(ORG_KEY, key(f.text(&["org_id", "Organization - ID"])));
    row.set(OWNER_USER_KEY, owner(f, &["owner_id"], &["Person - Owner"]));
    row.set(CREATED_AT, instant(f, &["add_time", "Person - Person created"])?);
    row.set(UPDATED_AT, instant(f, &["update_time", "Person - Update time"])?);
    let mut rows = vec![row];
    for (address, label, primary) in emails(f) {
        let mut e = Row::new(Table::PersonEmails);
        e.set(PERSON_KEY, person_key.clone());
        e.set(EMAIL_NORM, address.trim().to_lowercase());
        e.set(EMAIL_RAW, address);
        e.set(LABEL, label);
        e.set(IS_PRIMARY, primary);
        rows.push(e);
    }
    Ok(rows)
}

const EMAIL_HEADERS: [(&str, &str); 6] = [
    ("Person - Email - Work", "work"),
    ("Person - Email - Home", "home"),
    ("Person - Email - Other", "other"),
    ("Person - Email (Work)", "work"),
    ("Person - Email (Home)", "home"),
    ("Person - Email (Other)", "other"),
];

/// Email addresses in any of the three shapes: API arrays of
/// `{value, label, primary}`, labelled spreadsheet columns, or one
/// comma-joined `Person - Email` column.
fn emails(f: &Fields<'_>) -> Vec<(String, Option<String>, bool)> {
    let mut out = Vec::new();
    if let Some(Value::Array(items)) = f.json(&["emails", "email"]) {
        for item in items {
            let value = item.get("value").and_then(Value::as_str).unwrap_or("").trim();
            if value.is_empty() {
                continue;
            }
            let label = item.get("label").and_then(Value::as_str).map(str::to_owned);
            let primary = item.get("primary").and_then(Value::as_bool).unwrap_or(false);
            out.push((value.to_owned(), label, primary));
        }
        return out;
    }
    for (header, label) in EMAIL_HEADERS {
        for address in f.text(&[header]).iter().flat_map(|v| v.split(',')) {
            let primary = out.is_empty();
            push_address(&mut out, address, Some(label.to_owned()), primary);
        }
    }
    for address in f.text(&["Person - Email", "email"]).iter().flat_map(|v| v.split(',')) {
        let primary = out.is_empty();
        push_address(&mut out, address, None, primary);
    }
    out
}

fn push_address(
    out: &mut Vec<(String, Option<String>, bool)>,
    a: &str,
    l: Option<String>,
    p: bool,
) {
    let a = a.trim();
    if !a.is_empty() {
        out.push((a.to_owned(), l, p));
    }
}

fn organization(f: &Fields<'_>) -> Result<Row, FieldError> {
    let mut row = Row::new(Table::Organizations);
    let id = f.text(&["id", "Organization - ID"]);
    let name = f.required(ORG_NAME)?;
    row.set(SOURCE_ID, id.clone());
    row.set(ORG_KEY, key(id).unwrap_or_else(|| format!("{PREFIX}:name:{}", name.to_lowercase())));
    row.set(NAME, name);
    row.set(DOMAIN, f.text(&["domain", "website"]));
    row.set(OWNER_USER_KEY, owner(f, &["owner_id"], &["Organization - Owner"]));
    row.set(CREATED_AT, instant(f, &["add_time", "Organization - Organization created"])?);
    row.set(UPDATED_AT, instant(f, &["update_time", "Organization - Update time"])?);
    Ok(row)
}

fn stage(f: &Fields<'_>) -> Result<Row, FieldError> {
    let mut row = Row::new(Table::Stages);
    let id = f.required(&["id"])?;
    row.set(STAGE_KEY, format!("{PREFIX}:{id}"));
    row.set(SOURCE_ID, id);
    row.set(PIPELINE_KEY, key(f.text(&["pipeline_id"])));
    row.set(PIPELINE_NAME, f.text(&["pipeline_name"]));
    row.set(NAME, f.required(&["name"])?);
    row.set(SORT_ORDER, f.int(&["order_nr"])?.map_or(Cell::Null, Cell::Int));
    // `deal_probability` is 0–100 in stages (a boolean in pipelines).
    let probability = f.float(&["deal_probability"]).unwrap_or(None).map(percent);
    row.set(PROBABILITY, probability);
    row.set(IS_CLOSED, false);
    row.set(IS_WON, false);
    let active = f.bool(&["active_flag", "active"])?.unwrap_or(true);
    let deleted = f.bool(&["is_deleted"])?.unwrap_or(!active);
    row.set(IS_DELETED, deleted);
    Ok(row)
}

fn user(f: &Fields<'_>) -> Result<Row, FieldError> {
    let mut row = Row::new(Table::Users);
    let id = f.text(&["id"]);
    let name = f.text(&["name"]);
    row.set(USER_KEY, key(id.clone()).or_else(|| name_key(name.clone())));
    row.set(SOURCE_ID, id);
    row.set(NAME, name);
    row.set(EMAIL, f.text(&["email"]));
    row.set(TIMEZONE, f.text(&["timezone_name", "timezone_offset"]));
    // Pipedrive users are seats; which seats integrations use comes from config.
    row.set(ACTOR_CLASS, "unknown");
    row.set(IS_ACTIVE, f.bool(&["active_flag"])?);
    Ok(row)
}
