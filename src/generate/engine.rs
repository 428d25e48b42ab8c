//! The generation loop. Base deals arrive day by day over the history (working days weigh most,
//! with mild growth); they and the deals injectors schedule (duplicates) wait in a queue ordered
//! by creation time, so ids follow creation order. Each deal is planned, passed through every
//! injector, replayed and written before the next one, which keeps memory bounded.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use anyhow::Result;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use super::clock::{CompanyCalendar, at, history_end, history_start};
use super::deals::{BaseSeed, DealSeed, PlanCx, SeedSpec, arrival, plan_base, plan_duplicate};
use super::emit::write_deal;
use super::faults::{Cx, Injector, injectors};
use super::ledger::settle;
use super::names::DEAL_TOPICS;
use super::plan::DealPlan;
use super::rates::Rates;
use super::rng::{hash3, rng_for};
use super::world::{RENEWALS, World};
use super::write::Outputs;
use super::{GenerateOptions, GenerateSummary};

/// Runs a whole generation.
pub(super) fn run(opts: &GenerateOptions) -> Result<GenerateSummary> {
    let world = World::new(opts.seed, opts.deals);
    let cal = CompanyCalendar::new();
    let rates = Rates::for_deals(opts.deals);
    let cx = PlanCx { world: &world, cal: &cal, seed: opts.seed, rates: &rates };
    let mut out = Outputs::create(opts, &world, &cal)?;
    let mut engine = Engine::new(cx, opts.deals);
    engine.run(&mut out)?;
    for injector in &mut engine.injectors {
        injector.finish(&mut out.labels)?;
    }
    out.finish()
}

/// Per-organization memory: deals so far (for title topics) and the last renewal.
#[derive(Clone, Copy, Default)]
struct OrgBook {
    deals: u64,
    renewal: Option<(u64, i32)>,
}

struct Engine<'a> {
    cx: PlanCx<'a>,
    deals: usize,
    injectors: Vec<Box<dyn Injector>>,
    queue: BinaryHeap<Reverse<DealSeed>>,
    next_seq: u64,
    last_deal: u64,
    books: Vec<OrgBook>,
}

impl<'a> Engine<'a> {
    fn new(cx: PlanCx<'a>, deals: usize) -> Self {
        Self {
            cx,
            deals,
            injectors: injectors(cx, deals),
            queue: BinaryHeap::new(),
            next_seq: 0,
            last_deal: 0,
            books: vec![OrgBook::default(); cx.world.n_orgs as usize + 1],
        }
    }

    fn run(&mut self, out: &mut Outputs) -> Result<()> {
        let mut key = 0;
        for (day, count) in daily_counts(self.cx.cal, self.deals) {
            for _ in 0..count {
                key += 1;
                let (time, seed) = arrival(&self.cx, key, day);
                self.schedule(time, SeedSpec::Base(seed));
            }
            // Arrivals of later days are all after noon UTC of this day.
            self.release(out, at(day, 12, 0, 0))?;
        }
        self.release(out, NaiveDateTime::MAX)
    }

    fn schedule(&mut self, time: NaiveDateTime, spec: SeedSpec) {
        self.next_seq += 1;
        self.queue.push(Reverse(DealSeed { time, seq: self.next_seq, spec }));
    }

    fn release(&mut self, out: &mut Outputs, before: NaiveDateTime) -> Result<()> {
        while self.queue.peek().is_some_and(|Reverse(top)| top.time < before) {
            let Some(Reverse(seed)) = self.queue.pop() else { break };
            self.process(out, seed)?;
        }
        Ok(())
    }

    fn process(&mut self, out: &mut Outputs, seed: DealSeed) -> Result<()> {
        self.last_deal += 1;
        let id = self.last_deal;
        let mut plan = match &seed.spec {
            SeedSpec::Base(base) => {
                let (title, twin) = self.title_for(base, seed.time, id);
                let mut plan = plan_base(&self.cx, base, (id, seed.time), title);
                plan.number_twin = twin;
                plan
            },
            SeedSpec::Duplicate(dup) => plan_duplicate(&self.cx, dup, (id, seed.time)),
        };
        let spawned = self.inject(&mut plan, out)?;
        for (time, spec) in spawned {
            self.schedule(time, spec);
        }
        plan.sort_children();
        write_deal(out, self.cx.world, &plan, &settle(&plan))
    }

    fn inject(
        &mut self,
        plan: &mut DealPlan,
        out: &mut Outputs,
    ) -> Result<Vec<(NaiveDateTime, SeedSpec)>> {
        let mut spawned = Vec::new();
        let mut cx = Cx {
            plan: self.cx,
            spawn: &mut spawned,
            persons: &mut out.persons,
            labels: &mut out.labels,
        };
        for injector in &mut self.injectors {
            let mut rng = rng_for(self.cx.seed, injector.stream(), plan.id);
            injector.on_deal(plan, &mut cx, &mut rng)?;
        }
        Ok(spawned)
    }

    /// The title of a new real deal, and the earlier renewal it differs from only in a number.
    fn title_for(
        &mut self,
        seed: &BaseSeed,
        time: NaiveDateTime,
        id: u64,
    ) -> (String, Option<u64>) {
        let world = self.cx.world;
        let block = (seed.person - 1) % world.n_orgs + 1;
        let name = match seed.org {
            Some(k) => world.org(k).core,
            None => world.person(seed.person).name(),
        };
        let book = &mut self.books[block as usize];
        if seed.pipeline == RENEWALS {
            return renewal_title(
                book,
                &name,
                time,
                id,
                hash3(self.cx.seed, block, 0x9).is_multiple_of(2),
            );
        }
        let topic_index =
            (hash3(self.cx.seed, block, 0x71) + book.deals) % DEAL_TOPICS.len() as u64;
        book.deals += 1;
        let topic = DEAL_TOPICS[topic_index as usize];
        let title = if hash3(self.cx.seed, id, 0x5) % 100 < 85 {
            format!("{name} - {topic}")
        } else {
            format!("{topic} for {name}")
        };
        (title, None)
    }
}

/// "Northwind Logistics Q3 2026 renewal" (quarterly) or "Northwind Logistics 2026 renewal"; a
/// renewal never repeats an earlier period of the same organization.
fn renewal_title(
    book: &mut OrgBook,
    name: &str,
    time: NaiveDateTime,
    id: u64,
    quarterly: bool,
) -> (String, Option<u64>) {
    let due = (time + Duration::days(45)).date();
    let mut period =
        if quarterly { due.year() * 4 + (due.month0() / 3) as i32 } else { due.year() };
    if let Some((_, last)) = book.renewal {
        period = period.max(last + 1);
    }
    let twin = book.renewal.map(|(deal, _)| deal);
    book.renewal = Some((id, period));
    let title = if quarterly {
        format!("{name} Q{} {} renewal", period % 4 + 1, period / 4)
    } else {
        format!("{name} {period} renewal")
    };
    (title, twin)
}

/// Base deals created per day: working days weigh 1, weekends 0.06, holidays 0.12, growing by a
/// third over the history; rounded cumulatively so the total is exactly `deals`.
fn daily_counts(cal: &CompanyCalendar, deals: usize) -> Vec<(NaiveDate, u64)> {
    let first = history_start().date();
    let n = (history_end().date() - first).num_days() + 1;
    let weights: Vec<f64> = (0..n)
        .map(|i| {
            let day = first + Duration::days(i);
            let base = if cal.is_working(day) {
                1.0
            } else if day.weekday().number_from_monday() >= 6 {
                0.06
            } else {
                0.12
            };
            base * (1.0 + 0.35 * i as f64 / n as f64)
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let mut cumulative = 0.0;
    let mut given = 0u64;
    let mut out = Vec::with_capacity(weights.len());
    for (i, weight) in weights.iter().enumerate() {
        cumulative += weight;
        let due = ((cumulative / total) * deals as f64).round() as u64;
        out.push((first + Duration::days(i as i64), due - given));
        given = due;
    }
    out
}
