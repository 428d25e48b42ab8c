//! Fault 3, calendar sync drift, with its clean twin. Reps who sync a calendar get most of their
//! meetings created by the calendar integration from an event in `calendar.ics` (the activity's
//! `gcal_event_id` and `reference_id` are the event UID). Google Calendar Sync copies the start
//! exactly. The Outlook connector reads Windows zone names (`Eastern Standard Time`) as fixed
//! standard-time offsets, so those meetings are an hour late only while DST is on; for one rep
//! whose connector profile has the wrong zone every zoned meeting is an hour early; and all-day
//! events of reps east of UTC land a day early (local midnight read as a UTC date).

use anyhow::Result;
use chrono::{Duration, NaiveDateTime};
use rand::Rng;

use super::super::calendar::windows_zone;
use super::super::clock::{at, history_end, is_dst, offset_minutes, to_local, to_utc};
use super::super::plan::{ActKind, ActivityPlan, DealPlan, DriftKind, EventTime, SyncInfo, When};
use super::super::rng::{GenRng, hex};
use super::super::source::Integration;
use super::super::world::{CalendarProvider, User};
use super::{Cx, Injector};

/// Share of a syncing rep's meetings that come from the calendar.
const SYNCED: f64 = 0.65;

/// Both calendar integrations.
pub(super) struct CalendarSync;

impl Injector for CalendarSync {
    fn stream(&self) -> u64 {
        104
    }

    fn on_deal(
        &mut self,
        plan: &mut DealPlan,
        cx: &mut Cx<'_, '_>,
        rng: &mut GenRng,
    ) -> Result<()> {
        for activity in &mut plan.activities {
            let human_meeting =
                activity.kind == ActKind::Meeting && activity.created_by == activity.user_id;
            let owner = cx.plan.world.user(activity.user_id);
            if let (true, Some(provider), None) = (human_meeting, owner.calendar, &activity.sync)
                && rng.random_bool(SYNCED)
            {
                sync(activity, owner, provider, rng);
            }
        }
        Ok(())
    }
}

fn sync(activity: &mut ActivityPlan, owner: &User, provider: CalendarProvider, rng: &mut GenRng) {
    let When::Timed(start) = activity.when else { return };
    let integration = match provider {
        CalendarProvider::Google => Integration::GoogleCalendar,
        CalendarProvider::Outlook => Integration::OutlookCalendar,
    };
    let event = event_time(rng, owner, integration, start);
    let (drift, minutes) = drift(integration, owner, event);
    activity.when = shifted(event, owner, minutes);
    if let (When::Timed(_), Some(done)) = (activity.when, activity.done_time) {
        let moved = done + Duration::minutes(minutes);
        activity.done_time =
            (moved <= history_end()).then(|| moved.max(activity.add_time + Duration::minutes(1)));
    }
    if matches!(activity.when, When::AllDay(_)) {
        activity.duration_min = 0;
    }
    activity.created_by = integration.actor();
    activity.sync = Some(SyncInfo {
        integration,
        uid: event_uid(rng, integration),
        event,
        created: activity.add_time - Duration::minutes(rng.random_range(2..20)),
        drift,
        offset_minutes: minutes,
        source_tz: match event {
            EventTime::Zoned { tzid, .. } => tzid,
            EventTime::Utc(_) => "UTC",
            EventTime::AllDay(_) => owner.tz.name(),
        },
    });
}

fn event_uid(rng: &mut GenRng, integration: Integration) -> String {
    match integration {
        Integration::GoogleCalendar => format!("{}@google.com", hex(rng, 26)),
        _ => format!("040000008200E00074C5B7101A82E00800000000{}", hex(rng, 32).to_uppercase()),
    }
}

/// How the calendar wrote the meeting that starts at `start` (UTC).
fn event_time(
    rng: &mut GenRng,
    owner: &User,
    integration: Integration,
    start: NaiveDateTime,
) -> EventTime {
    let local = to_local(owner.tz, start);
    let r = rng.random::<f64>();
    if r < 0.08 {
        return EventTime::AllDay(local.date());
    }
    if r < 0.23 {
        return EventTime::Utc(start);
    }
    let iana = owner.tz.name();
    let tzid = match (integration, windows_zone(iana)) {
        (Integration::OutlookCalendar, Some(windows)) if rng.random_bool(0.7) => windows,
        _ => iana,
    };
    EventTime::Zoned { tzid, local }
}

/// Offset class and minutes the integration adds to the event's start.
fn drift(integration: Integration, owner: &User, event: EventTime) -> (DriftKind, i64) {
    if integration != Integration::OutlookCalendar {
        return (DriftKind::Exact, 0);
    }
    match event {
        EventTime::Zoned { tzid, local } if tzid.contains(' ') => {
            if is_dst(owner.tz, local.date()) {
                (DriftKind::DstOnly, 60)
            } else {
                (DriftKind::Exact, 0)
            }
        },
        EventTime::Zoned { .. } if owner.calendar_zone_mismatch => (DriftKind::WholeHour, -60),
        EventTime::AllDay(day)
            if offset_minutes(owner.tz, to_utc(owner.tz, at(day, 0, 0, 0))) > 0 =>
        {
            (DriftKind::DayShift, -1440)
        },
        _ => (DriftKind::Exact, 0),
    }
}

/// The activity's due time: the event's start plus the drift.
fn shifted(event: EventTime, owner: &User, minutes: i64) -> When {
    match event {
        EventTime::Zoned { local, .. } => {
            When::Timed(to_utc(owner.tz, local) + Duration::minutes(minutes))
        },
        EventTime::Utc(t) => When::Timed(t + Duration::minutes(minutes)),
        EventTime::AllDay(day) => When::AllDay(day + Duration::days(minutes / 1440)),
    }
}
