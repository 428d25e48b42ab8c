//! Writes one settled deal: its `deals` row, its flow rows, activities (and their calendar
//! events), notes, and the label rows that need the ids given out here.

use anyhow::Result;
use chrono::Timelike;

use super::ExportFormat;
use super::calendar::IcsEvent;
use super::clock::{DateStamp, Stamp};
use super::labels::LabelFile;
use super::ledger::{FlowEntry, Settled};
use super::plan::{ActivityPlan, ChangeTag, DealKind, DealPlan, NotePlan, Status, When};
use super::rows::{ActivityRow, DealRow, Extra, FlowData, FlowItem, Link, NoteRow};
use super::source::Integration;
use super::world::World;
use super::write::Outputs;

/// Writes every row of a settled deal.
pub(super) fn write_deal(
    out: &mut Outputs,
    world: &World,
    plan: &DealPlan,
    settled: &Settled,
) -> Result<()> {
    write_deal_row(out, world, plan, settled)?;
    for entry in &settled.rows {
        write_flow_row(out, plan.id, entry)?;
    }
    let first_activity = out.ids.activity;
    for activity in &plan.activities {
        write_activity(out, world, plan, activity, first_activity)?;
    }
    let first_note = out.ids.note;
    for note in &plan.notes {
        write_note(out, plan, note, first_note)?;
    }
    write_deal_labels(out, plan)
}

fn link_user<'a>(nested: bool, world: &'a World, id: u32) -> Link<'a> {
    if nested {
        let user = world.user(id);
        Link::User { id: u64::from(id), name: user.name, email: &user.email, value: u64::from(id) }
    } else {
        Link::Id(u64::from(id))
    }
}

fn link_named(nested: bool, id: Option<u64>, name: Option<&str>) -> Option<Link<'_>> {
    let id = id?;
    Some(match (nested, name) {
        (true, Some(name)) => Link::Named { name, value: id },
        _ => Link::Id(id),
    })
}

fn write_deal_row(out: &mut Outputs, world: &World, plan: &DealPlan, s: &Settled) -> Result<()> {
    let nested = plan.nested_links && out.format == ExportFormat::Json;
    let state = &s.state;
    let origin_id = plan.created.origin_id();
    let row = DealRow {
        id: plan.id,
        title: &plan.title,
        value: state.value,
        currency: plan.currency,
        user_id: link_user(nested, world, state.owner),
        creator_user_id: plan.created.actor,
        person_id: link_named(nested, plan.person, plan.person_name.as_deref()),
        org_id: link_named(nested, plan.org, plan.org_name.as_deref()),
        org_name: plan.org_name.as_deref(),
        person_name: plan.person_name.as_deref(),
        owner_name: world.user(state.owner).name,
        pipeline_id: plan.pipeline,
        stage_id: state.stage,
        status: state.status.as_str(),
        add_time: Stamp::new(plan.add_time),
        update_time: Stamp::new(s.update_time),
        stage_change_time: s.stage_change_time.map(Stamp::new),
        close_time: s.close_time.map(Stamp::new),
        won_time: s.won_time.map(Stamp::new),
        lost_time: s.lost_time.map(Stamp::new),
        expected_close_date: DateStamp::new(state.close_date),
        probability: state.probability,
        lost_reason: state.lost_reason,
        origin: plan.origin.label(),
        origin_id: origin_id.as_deref(),
        channel: state.channel,
        channel_id: state.channel_id.as_deref(),
        active: state.status == Status::Open,
        deleted: false,
    };
    out.deals.put(&row)
}

fn write_flow_row(out: &mut Outputs, deal_id: u64, entry: &FlowEntry) -> Result<()> {
    let id = out.ids.change;
    out.ids.change += 1;
    let origin_id = entry.prov.origin_id();
    let json = out.format == ExportFormat::Json;
    let extra = entry.stage_names.map(|(old, new)| Extra::Stages(old, new));
    let data = FlowData {
        id,
        item_id: deal_id,
        user_id: entry.prov.actor,
        field_key: entry.key,
        old_value: entry.old.as_deref(),
        new_value: entry.new.as_deref(),
        is_bulk_update_flag: entry.prov.bulk_flag(),
        log_time: Stamp::new(entry.time),
        change_source: entry.prov.change_source(),
        change_source_user_agent: entry.prov.user_agent(),
        origin: entry.prov.origin(),
        origin_id: origin_id.as_deref(),
        additional_data: extra.filter(|_| json),
    };
    if json {
        out.flow.put(&FlowItem { object: "dealChange", timestamp: data.log_time, data: &data })?;
    } else {
        out.flow.put(&data)?;
    }
    match entry.tag {
        Some(tag) => write_change_label(out, tag, id, deal_id, origin_id.as_deref()),
        None => Ok(()),
    }
}

fn write_change_label(
    out: &mut Outputs,
    tag: ChangeTag,
    change: u64,
    deal: u64,
    origin_id: Option<&str>,
) -> Result<()> {
    let (change, deal) = (change.to_string(), deal.to_string());
    let labels = &mut out.labels;
    match tag {
        ChangeTag::MonthEndNudge => {
            let name = Integration::ForecastBot.info().name;
            labels.put(LabelFile::MonthEnd, &[change.as_str(), &deal, name])
        },
        ChangeTag::AttributionOverwrite => {
            labels.put(LabelFile::AttributionOverwrites, &[change, deal])
        },
        ChangeTag::BulkEdit => {
            let batch = origin_id.unwrap_or("");
            let note = "manager bulk edit of close dates at month end (one batch)";
            labels.put(LabelFile::CleanLookalikes, &["bulk_close_date_edit", &change, batch, note])
        },
        ChangeTag::GraceChannelEdit => {
            let note = "owner set the channel within a day of creating the deal";
            labels.put(LabelFile::CleanLookalikes, &["channel_set_in_grace", &change, &deal, note])
        },
    }
}

/// `due_date`, `due_time` and `duration` (UTC) of an activity.
fn due_fields(activity: &ActivityPlan) -> (DateStamp, String, String) {
    match activity.when {
        When::AllDay(day) => (DateStamp::new(day), String::new(), String::new()),
        When::Timed(t) => {
            let time = format!("{:02}:{:02}", t.hour(), t.minute());
            let duration = match activity.duration_min {
                0 => String::new(),
                m => format!("{:02}:{:02}", m / 60, m % 60),
            };
            (DateStamp::new(t.date()), time, duration)
        },
    }
}

fn write_activity(
    out: &mut Outputs,
    world: &World,
    plan: &DealPlan,
    a: &ActivityPlan,
    first: u64,
) -> Result<()> {
    let id = out.ids.activity;
    out.ids.activity += 1;
    let (due_date, due_time, duration) = due_fields(a);
    let uid = a.sync.as_ref().map(|s| s.uid.as_str());
    let update = a.done_time.map_or(a.add_time, |d| d.max(a.add_time));
    out.activities.put(&ActivityRow {
        id,
        kind: a.kind.key(),
        subject: &a.subject,
        note: a.note,
        due_date,
        due_time: &due_time,
        duration: &duration,
        done: a.done_time.is_some(),
        marked_as_done_time: a.done_time.map(Stamp::new),
        add_time: Stamp::new(a.add_time),
        update_time: Stamp::new(update),
        deal_id: plan.id,
        person_id: plan.person,
        org_id: plan.org,
        user_id: a.user_id,
        created_by_user_id: a.created_by,
        gcal_event_id: uid,
        source_timezone: a.sync.as_ref().map(|s| s.source_tz),
        reference_type: a.sync.as_ref().map(|_| "CalendarSync"),
        reference_id: uid,
    })?;
    if let Some(dup) = a.dup_of {
        let row = ["activity".to_owned(), id.to_string(), (first + dup as u64).to_string()];
        out.labels.put(LabelFile::RepeatedWrites, &row)?;
    }
    write_event(out, world, a, id)
}

fn write_event(out: &mut Outputs, world: &World, a: &ActivityPlan, activity_id: u64) -> Result<()> {
    let Some(sync) = &a.sync else { return Ok(()) };
    let owner = world.user(a.user_id);
    out.calendar.event(&IcsEvent {
        uid: &sync.uid,
        summary: &a.subject,
        organizer_name: owner.name,
        organizer_email: &owner.email,
        start: sync.event,
        duration_min: a.duration_min,
        created: sync.created,
    })?;
    let row = [
        activity_id.to_string(),
        sync.uid.clone(),
        sync.integration.info().name.to_owned(),
        sync.offset_minutes.to_string(),
        sync.drift.as_str().to_owned(),
    ];
    out.labels.put(LabelFile::TimestampDrift, &row)
}

fn write_note(out: &mut Outputs, plan: &DealPlan, note: &NotePlan, first: u64) -> Result<()> {
    let id = out.ids.note;
    out.ids.note += 1;
    out.notes.put(&NoteRow {
        id,
        content: &note.content,
        add_time: Stamp::new(note.add_time),
        update_time: Stamp::new(note.add_time),
        user_id: note.user_id,
        deal_id: plan.id,
        person_id: plan.person,
        org_id: plan.org,
    })?;
    if let Some(dup) = note.dup_of {
        let row = ["note".to_owned(), id.to_string(), (first + dup as u64).to_string()];
        out.labels.put(LabelFile::RepeatedWrites, &row)?;
    }
    Ok(())
}

fn write_deal_labels(out: &mut Outputs, plan: &DealPlan) -> Result<()> {
    if let DealKind::Duplicate { of, variant } = plan.kind {
        let row = [plan.id.to_string(), of.to_string(), variant.to_owned()];
        out.labels.put(LabelFile::DuplicateDeals, &row)?;
    }
    if let Some(twin) = plan.number_twin {
        let note = format!("same organization, title differs only in a number: {}", plan.title);
        let row =
            ["deal_title_number_only".to_owned(), plan.id.to_string(), twin.to_string(), note];
        out.labels.put(LabelFile::CleanLookalikes, &row)?;
    }
    Ok(())
}
