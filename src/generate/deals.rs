//! Deal arrivals and human deal lifecycles: which deals are created when (by whom, for which
//! organization, through which origin), and how reps move them through stages to won or lost,
//! working business hours on working days in their own time zones.

use std::cmp::Ordering;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rand::Rng;

use super::activity;
use super::clock::{
    CompanyCalendar, at, business_instant, history_end, history_start, last_of_month, rollout_date,
    to_local, to_utc, working_day,
};
use super::edits;
use super::names::{
    CHANNEL_CAMPAIGNS, CHANNEL_CHATBOT, CHANNEL_LIVE_CHAT, CHANNEL_WEB_FORMS,
    DUPLICATE_LOST_REASON, HUMAN_CHANNELS, LOST_REASONS,
};
use super::plan::{Change, DealKind, DealPlan, DealState, FieldChange, Origin, Status};
use super::rates::Rates;
use super::rng::{GenRng, lognormal, pick, rng_for, stream, weighted};
use super::source::{Integration, MANAGER_ID, Prov, Via};
use super::world::{PERSONS_PER_ORG, RENEWALS, SALES, World, pipeline_stages};

/// What human behaviour needs to plan a deal.
#[derive(Clone, Copy)]
pub(super) struct PlanCx<'a> {
    /// Users, organizations, persons.
    pub world: &'a World,
    /// Company calendar.
    pub cal: &'a CompanyCalendar,
    /// Export seed.
    pub seed: u64,
    /// Per-deal intensities.
    pub rates: &'a Rates,
}

/// A deal waiting to be created, ordered by creation time.
pub(super) struct DealSeed {
    /// Creation time.
    pub time: NaiveDateTime,
    /// Tie-breaker (order of scheduling).
    pub seq: u64,
    /// What kind of deal.
    pub spec: SeedSpec,
}

impl PartialEq for DealSeed {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for DealSeed {}
impl PartialOrd for DealSeed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for DealSeed {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// The kinds of deals waiting to be created.
pub(super) enum SeedSpec {
    /// A real deal.
    Base(BaseSeed),
    /// A duplicate from the lead sync.
    Duplicate(Box<DupSeed>),
}

/// A real deal decided at arrival.
pub(super) struct BaseSeed {
    /// Origin.
    pub origin: Origin,
    /// Owner.
    pub owner: u32,
    /// Organization.
    pub org: Option<u64>,
    /// Contact person.
    pub person: u64,
    /// Pipeline.
    pub pipeline: u32,
}

/// A fuzzy duplicate the lead sync will create.
pub(super) struct DupSeed {
    /// Deal it duplicates.
    pub of: u64,
    /// Variant title.
    pub title: String,
    /// How the title differs.
    pub variant: &'static str,
    /// Owner.
    pub owner: u32,
    /// Organization id and name (dropped for some duplicates).
    pub org: Option<(u64, String)>,
    /// Person id and name (possibly a duplicate person).
    pub person: Option<(u64, String)>,
    /// Contact's given and family name.
    pub contact: (&'static str, &'static str),
    /// Pipeline.
    pub pipeline: u32,
    /// Value copied from the original.
    pub value: i64,
    /// Currency.
    pub currency: &'static str,
    /// Close date copied from the original.
    pub close_date: NaiveDate,
}

/// Decides the `key`-th base deal, created on `day`: its creation time and its seed.
pub(super) fn arrival(cx: &PlanCx<'_>, key: u64, day: NaiveDate) -> (NaiveDateTime, BaseSeed) {
    let mut rng = rng_for(cx.seed, stream::ARRIVAL, key);
    let origin = arrival_origin(&mut rng, cx.cal, day);
    let private = rng.random_bool(0.08);
    let (org, person) = pick_contact(&mut rng, cx.world, day, private);
    let region = cx.world.org((person - 1) % cx.world.n_orgs + 1).region;
    let home = org.map_or(0, |k| cx.world.org(k).owner);
    let owner = if home != 0 && rng.random_bool(0.75) {
        home
    } else {
        *pick(&mut rng, cx.world.reps_in(region))
    };
    let renewal = org.is_some()
        && (matches!(origin, Origin::Automation)
            || (origin == Origin::Manual && rng.random_bool(0.12)));
    let pipeline = if renewal { RENEWALS } else { SALES };
    let time = arrival_time(&mut rng, cx, origin, owner, day);
    (time, BaseSeed { origin, owner, org, person, pipeline })
}

fn arrival_origin(rng: &mut GenRng, cal: &CompanyCalendar, day: NaiveDate) -> Origin {
    const ORIGINS: [(Origin, u32); 8] = [
        (Origin::Manual, 60),
        (Origin::Prospector, 5),
        (Origin::WebForms, 12),
        (Origin::Api, 7),
        (Origin::Import, 4),
        (Origin::Automation, 4),
        (Origin::LiveChat, 4),
        (Origin::Chatbot, 4),
    ];
    let origin = match *weighted(rng, &ORIGINS) {
        Origin::Automation if day < rollout_date() => Origin::Manual,
        other => other,
    };
    let by_staff =
        matches!(origin, Origin::Manual | Origin::Prospector | Origin::Import | Origin::Automation);
    if by_staff && !cal.is_working(day) { Origin::WebForms } else { origin }
}

fn pick_contact(
    rng: &mut GenRng,
    world: &World,
    day: NaiveDate,
    private: bool,
) -> (Option<u64>, u64) {
    let known = world.orgs_known_on(day).max(2);
    let n = world.n_orgs;
    if private {
        let k = 2 * rng.random_range(1..=known / 2);
        return (None, k + (PERSONS_PER_ORG - 1) * n);
    }
    let k = rng.random_range(1..=known);
    let slots = if k.is_multiple_of(2) { PERSONS_PER_ORG - 1 } else { PERSONS_PER_ORG };
    let j = rng.random_range(0..slots);
    (Some(k), k + j * n)
}

fn arrival_time(
    rng: &mut GenRng,
    cx: &PlanCx<'_>,
    origin: Origin,
    owner: u32,
    day: NaiveDate,
) -> NaiveDateTime {
    let tz = cx.world.user(owner).tz;
    let raw = if matches!(origin, Origin::Manual | Origin::Prospector | Origin::Import) {
        business_instant(rng, tz, day)
    } else {
        to_utc(tz, at(day, 0, 0, 0) + Duration::seconds(rng.random_range(0..86_400)))
    };
    let latest = history_end() - Duration::minutes(rng.random_range(60..600));
    raw.clamp(history_start() + Duration::minutes(rng.random_range(5..300)), latest)
}

/// A human write's provenance: the web app (mostly) or the mobile app.
pub(super) fn human_prov(rng: &mut GenRng, world: &World, actor: u32) -> Prov {
    let via = if rng.random_bool(0.85) {
        Via::App(world.user(actor).browser)
    } else {
        Via::Mobile(rng.random_range(0..2))
    };
    Prov { actor, via }
}

/// A working-hours instant of `owner` on the working day of (or after) `raw`, strictly after
/// `floor`.
pub(super) fn human_time(
    cx: &PlanCx<'_>,
    rng: &mut GenRng,
    owner: u32,
    raw: NaiveDateTime,
    floor: NaiveDateTime,
) -> NaiveDateTime {
    let tz = cx.world.user(owner).tz;
    let day = cx.cal.next_working_day(to_local(tz, raw).date());
    let t = business_instant(rng, tz, day);
    if t > floor { t } else { floor + Duration::minutes(rng.random_range(5..90)) }
}

/// Plans a real deal with its human lifecycle, edits, activities and notes.
pub(super) fn plan_base(
    cx: &PlanCx<'_>,
    seed: &BaseSeed,
    (id, time): (u64, NaiveDateTime),
    title: String,
) -> DealPlan {
    let mut rng = rng_for(cx.seed, stream::DEAL, id);
    let mut plan = new_base_plan(cx, &mut rng, seed, (id, time), title);
    let fate = draw_fate(&mut rng, seed.pipeline, seed.origin);
    edits::add_owner_change(cx, &mut plan, &mut rng);
    let last_move = add_stage_moves(cx, &mut plan, &mut rng, &fate);
    add_close(cx, &mut plan, &mut rng, &fate, last_move);
    edits::add_human_edits(cx, &mut plan, &mut rng);
    activity::add_activities(cx, &mut plan);
    plan
}

fn new_base_plan(
    cx: &PlanCx<'_>,
    rng: &mut GenRng,
    seed: &BaseSeed,
    (id, time): (u64, NaiveDateTime),
    title: String,
) -> DealPlan {
    let world = cx.world;
    let person = world.person(seed.person);
    let org = seed.org.map(|k| world.org(k));
    // Private persons belong to an organization block too, which gives their region.
    let region = world.org((seed.person - 1) % world.n_orgs + 1).region;
    let created = creation_prov(rng, world, seed.origin, seed.owner, time);
    DealPlan {
        id,
        kind: DealKind::Base,
        title,
        pipeline: seed.pipeline,
        origin: seed.origin,
        created,
        add_time: time,
        org: seed.org,
        org_name: org.map(|o| o.name),
        person: Some(seed.person),
        person_name: Some(person.name()),
        contact: (person.first, person.last),
        currency: region.currency(),
        nested_links: rng.random_bool(0.10),
        initial: initial_state(rng, seed, time),
        changes: Vec::new(),
        activities: Vec::new(),
        notes: Vec::new(),
        number_twin: None,
    }
}

fn creation_prov(
    rng: &mut GenRng,
    world: &World,
    origin: Origin,
    owner: u32,
    time: NaiveDateTime,
) -> Prov {
    match origin {
        Origin::Manual | Origin::Prospector | Origin::LiveChat | Origin::Chatbot => {
            let actor = if rng.random_bool(0.05) { MANAGER_ID } else { owner };
            human_prov(rng, world, actor)
        },
        Origin::WebForms => Prov { actor: owner, via: Via::WebForm(rng.random_range(1..4)) },
        Origin::Api => Prov::integration(Integration::LeadSync),
        Origin::Import => {
            let day = (time.date() - history_start().date()).num_days();
            Prov { actor: MANAGER_ID, via: Via::Import(u32::try_from(day).unwrap_or(0)) }
        },
        Origin::Automation => Prov::integration(Integration::StageAutomation),
    }
}

fn initial_state(rng: &mut GenRng, seed: &BaseSeed, time: NaiveDateTime) -> DealState {
    let stages = pipeline_stages(seed.pipeline);
    let stage = if seed.origin == Origin::Manual && rng.random_bool(0.1) {
        stages[1].id
    } else {
        stages[0].id
    };
    let value = if seed.origin.is_low_intent() && rng.random_bool(0.5) {
        0
    } else {
        deal_value(rng, seed.pipeline)
    };
    let (channel, channel_id) = initial_channel(rng, seed.origin);
    DealState {
        stage,
        status: Status::Open,
        value,
        close_date: initial_close_date(rng, seed.pipeline, time.date()),
        owner: seed.owner,
        probability: None,
        lost_reason: None,
        channel,
        channel_id,
    }
}

/// A plausible deal value for a pipeline, rounded to 100.
pub(super) fn deal_value(rng: &mut GenRng, pipeline: u32) -> i64 {
    let median = if pipeline == RENEWALS { 18_000.0 } else { 12_000.0 };
    let raw = lognormal(rng, median, 0.8).clamp(500.0, 2_000_000.0);
    (raw / 100.0).round() as i64 * 100
}

fn initial_close_date(rng: &mut GenRng, pipeline: u32, created: NaiveDate) -> NaiveDate {
    let days =
        if pipeline == RENEWALS { rng.random_range(20..60) } else { rng.random_range(30..90) };
    let date = created + Duration::days(days);
    if rng.random_bool(0.35) { last_of_month(date.year(), date.month()) } else { date }
}

fn initial_channel(rng: &mut GenRng, origin: Origin) -> (Option<u8>, Option<String>) {
    let (channel, id) = match origin {
        Origin::WebForms => (CHANNEL_WEB_FORMS, "contact-sales-form"),
        Origin::Chatbot => (CHANNEL_CHATBOT, "pricing-page-bot"),
        Origin::LiveChat => (CHANNEL_LIVE_CHAT, "website-chat"),
        Origin::Api => {
            (CHANNEL_CAMPAIGNS, *pick(rng, &["spring-webinar", "newsletter", "ebook-download"]))
        },
        Origin::Prospector => (1, "prospector-search"),
        Origin::Import => (12, "tradeshow-list"),
        Origin::Automation => return (None, None),
        Origin::Manual if rng.random_bool(0.5) => *pick(rng, &HUMAN_CHANNELS),
        Origin::Manual => return (None, None),
    };
    let id = rng.random_bool(0.8).then(|| id.to_owned());
    (Some(channel), id)
}

/// How a deal's story ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ending {
    Won,
    Lost,
    Stalled,
}

/// The deal's fate: ending, furthest stage index reached, and time from creation to close.
struct Fate {
    ending: Ending,
    reach: usize,
    cycle: Duration,
}

fn draw_fate(rng: &mut GenRng, pipeline: u32, origin: Origin) -> Fate {
    let (won, lost) = match (pipeline, origin.is_low_intent()) {
        (RENEWALS, _) => (0.62, 0.28),
        (_, true) => (0.06, 0.56),
        _ => (0.22, 0.66),
    };
    let r = rng.random::<f64>();
    let ending = if r < won {
        Ending::Won
    } else if r < won + lost {
        Ending::Lost
    } else {
        Ending::Stalled
    };
    let n = pipeline_stages(pipeline).len();
    let early =
        |rng: &mut GenRng, top: usize| rng.random_range(0..top).min(rng.random_range(0..top));
    let (reach, median, sigma) = match ending {
        Ending::Won => (n - 1, 50.0, 0.55),
        Ending::Lost if origin.is_low_intent() && rng.random_bool(0.6) => (0, 20.0, 0.8),
        Ending::Lost => (early(rng, n - 1), 28.0, 0.8),
        Ending::Stalled => (early(rng, n - 2), 45.0, 0.7),
    };
    let days = lognormal(rng, median, sigma).clamp(2.0, 420.0);
    Fate { ending, reach, cycle: Duration::minutes((days * 1440.0) as i64) }
}

fn stage_path(rng: &mut GenRng, start: usize, reach: usize, skip: f64) -> Vec<usize> {
    let mut path = Vec::new();
    let mut current = start;
    while current < reach {
        current += if current + 2 <= reach && rng.random_bool(skip) { 2 } else { 1 };
        path.push(current);
    }
    if path.len() >= 2 && rng.random_bool(0.10) {
        let i = rng.random_range(0..path.len() - 1);
        let back = path[i] - 1;
        path.splice(i + 1..i + 1, [back, path[i]]);
    }
    path
}

/// Adds the human stage moves; returns the time of the last one (or the creation time).
fn add_stage_moves(
    cx: &PlanCx<'_>,
    plan: &mut DealPlan,
    rng: &mut GenRng,
    fate: &Fate,
) -> NaiveDateTime {
    let stages = pipeline_stages(plan.pipeline);
    let start = stages.iter().position(|s| s.id == plan.initial.stage).unwrap_or(0);
    let path = stage_path(rng, start, fate.reach.max(start), cx.rates.stage_skip);
    let mut fractions: Vec<f64> = (0..path.len()).map(|_| rng.random_range(0.04..0.92)).collect();
    fractions.sort_by(f64::total_cmp);
    let mut last = plan.add_time;
    for (index, fraction) in path.into_iter().zip(fractions) {
        let raw =
            plan.add_time + Duration::seconds((fate.cycle.num_seconds() as f64 * fraction) as i64);
        let owner = plan.state_at(raw).owner;
        let t = human_time(cx, rng, owner, raw, last);
        let prov = human_prov(rng, cx.world, owner);
        plan.push(Change { time: t, prov, what: FieldChange::Stage(stages[index].id), tag: None });
        last = t;
    }
    last
}

fn add_close(
    cx: &PlanCx<'_>,
    plan: &mut DealPlan,
    rng: &mut GenRng,
    fate: &Fate,
    last_move: NaiveDateTime,
) {
    if fate.ending == Ending::Stalled {
        return;
    }
    let target = (plan.add_time + fate.cycle).max(last_move);
    let owner = plan.state_at(target).owner;
    let tz = cx.world.user(owner).tz;
    let center = to_local(tz, target).date();
    let last_day = to_local(tz, last_move).date();
    let span =
        ((center - Duration::days(6)).max(last_day), (center + Duration::days(6)).max(last_day));
    let won = fate.ending == Ending::Won;
    let Some(day) = working_day(rng, cx.cal, span, won) else { return };
    let mut t = business_instant(rng, tz, day);
    if t <= last_move {
        t = last_move + Duration::minutes(rng.random_range(10..240));
    }
    let prov = human_prov(rng, cx.world, owner);
    let status = if won { Status::Won } else { Status::Lost };
    plan.push(Change { time: t, prov, what: FieldChange::Status(status), tag: None });
    if !won && rng.random_bool(0.7) {
        let reason = *pick(rng, &LOST_REASONS);
        plan.push(Change { time: t, prov, what: FieldChange::LostReason(Some(reason)), tag: None });
    }
}

/// Plans a lead-sync duplicate: it sits in the first stage until a rep closes it as a
/// duplicate, or stays open.
pub(super) fn plan_duplicate(
    cx: &PlanCx<'_>,
    seed: &DupSeed,
    (id, time): (u64, NaiveDateTime),
) -> DealPlan {
    let mut rng = rng_for(cx.seed, stream::DEAL, id);
    let mut plan = DealPlan {
        id,
        kind: DealKind::Duplicate { of: seed.of, variant: seed.variant },
        title: seed.title.clone(),
        pipeline: seed.pipeline,
        origin: Origin::Api,
        created: Prov::integration(Integration::LeadSync),
        add_time: time,
        org: seed.org.as_ref().map(|o| o.0),
        org_name: seed.org.as_ref().map(|o| o.1.clone()),
        person: seed.person.as_ref().map(|p| p.0),
        person_name: seed.person.as_ref().map(|p| p.1.clone()),
        contact: seed.contact,
        currency: seed.currency,
        nested_links: rng.random_bool(0.10),
        initial: duplicate_state(seed),
        changes: Vec::new(),
        activities: Vec::new(),
        notes: Vec::new(),
        number_twin: None,
    };
    if rng.random_bool(0.45) {
        close_as_duplicate(cx, &mut plan, &mut rng);
    }
    plan
}

fn duplicate_state(seed: &DupSeed) -> DealState {
    DealState {
        stage: pipeline_stages(seed.pipeline)[0].id,
        status: Status::Open,
        value: seed.value,
        close_date: seed.close_date,
        owner: seed.owner,
        probability: None,
        lost_reason: None,
        channel: Some(CHANNEL_CAMPAIGNS),
        channel_id: Some("leadsync".to_owned()),
    }
}

/// The owner notices the duplicate days or weeks later and closes it as lost.
fn close_as_duplicate(cx: &PlanCx<'_>, plan: &mut DealPlan, rng: &mut GenRng) {
    let owner = plan.initial.owner;
    let raw = plan.add_time + Duration::minutes((lognormal(rng, 12.0, 0.9) * 1440.0) as i64);
    let time = human_time(cx, rng, owner, raw, plan.add_time);
    let prov = human_prov(rng, cx.world, owner);
    plan.push(Change { time, prov, what: FieldChange::Status(Status::Lost), tag: None });
    let reason = FieldChange::LostReason(Some(DUPLICATE_LOST_REASON));
    plan.push(Change { time, prov, what: reason, tag: None });
}
