//! The fixed world of an export: users (a manager, sales reps in several time zones, a former
//! rep and one user per integration), the two pipelines and their stages, and organizations and
//! persons. Organizations and persons are pure functions of their id, computed on demand, so a
//! million-deal export never holds them all in memory.
//!
//! Organization `k` (1-based) has persons `k + j * n_orgs` for `j` in `0..5`; person `j = 4` of
//! an even organization is a private individual with no organization. Organizations are created
//! in id order between mid-2022 and two months before the history ends, so the organizations a
//! deal may use on a given day are simply the ids up to [`World::orgs_known_on`].

use chrono::{Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use chrono_tz::{America, Asia, Australia, Europe};

use super::clock::{at, history_end, ymd};
use super::names::{ANGLO, GERMAN, INDIAN, NamePool, ORG_INDUSTRIES, ORG_PREFIXES, ORG_SUFFIXES};
use super::rng::hash3;
use super::source::{FIRST_INTEGRATION_USER, Integration, MANAGER_ID};

/// Email domain of the company whose CRM this is.
pub(super) const COMPANY_DOMAIN: &str = "halvorsen.io";
/// Persons per organization block (see the module doc).
pub(super) const PERSONS_PER_ORG: u64 = 5;

/// Sales territory; decides names, currency, legal suffixes and the owning reps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Region {
    /// United States.
    Us,
    /// Germany.
    De,
    /// United Kingdom.
    Uk,
    /// India.
    In,
    /// Australia.
    Au,
}

impl Region {
    const ALL: [Self; 5] = [Self::Us, Self::De, Self::Uk, Self::In, Self::Au];

    /// Names of people in this region.
    pub(super) fn pool(self) -> &'static NamePool {
        match self {
            Self::De => &GERMAN,
            Self::In => &INDIAN,
            _ => &ANGLO,
        }
    }

    /// Legal-form suffixes of companies here.
    pub(super) fn legal_suffixes(self) -> &'static [&'static str] {
        match self {
            Self::Us => &["Inc", "LLC", "Corp", "Co."],
            Self::De => &["GmbH", "AG", "GmbH & Co. KG"],
            Self::Uk => &["Ltd", "PLC", "LLP"],
            Self::In => &["Pvt Ltd", "Ltd"],
            Self::Au => &["Pty Ltd", "Ltd"],
        }
    }

    /// Currency deals are priced in.
    pub(super) fn currency(self) -> &'static str {
        match self {
            Self::De => "EUR",
            Self::Uk => "GBP",
            Self::Au => "AUD",
            Self::Us | Self::In => "USD",
        }
    }

    fn tld(self) -> &'static str {
        match self {
            Self::Us => "com",
            Self::De => "de",
            Self::Uk => "co.uk",
            Self::In => "in",
            Self::Au => "com.au",
        }
    }

    fn freemail(self) -> &'static str {
        match self {
            Self::De => "web.de",
            Self::In => "yahoo.co.in",
            _ => "gmail.com",
        }
    }

    fn phone(self, h: u64) -> String {
        let d = |n: u64, modulo: u64| (h / n) % modulo;
        match self {
            Self::Us => {
                let area = [212, 312, 415, 617, 646, 720, 512][usize::try_from(h % 7).unwrap_or(0)];
                format!("+1 {area} 555 {:04}", d(7, 10_000))
            },
            Self::De => {
                format!("+49 {} {:07}", [30, 89, 40, 69][(h % 4) as usize], d(4, 10_000_000))
            },
            Self::Uk => format!("+44 20 {:04} {:04}", d(3, 10_000), d(30_011, 10_000)),
            Self::In => format!("+91 9{:04} {:05}", d(3, 10_000), d(30_011, 100_000)),
            Self::Au => format!("+61 8 {:04} {:04}", d(3, 10_000), d(30_011, 10_000)),
        }
    }
}

/// Calendar provider a rep syncs meetings from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CalendarProvider {
    /// Google Calendar (clean sync).
    Google,
    /// Outlook / Exchange (the drifting connector).
    Outlook,
}

/// What kind of user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// The sales manager (admin; does bulk edits and reassignments).
    Manager,
    /// A sales rep who owns deals.
    Rep,
    /// A rep who left before the history started.
    Former,
    /// The user an integration writes as.
    Integration(Integration),
}

/// A CRM user.
pub(super) struct User {
    /// Pipedrive user id.
    pub id: u32,
    /// Display name.
    pub name: &'static str,
    /// Login email.
    pub email: String,
    /// Time zone the user works in.
    pub tz: Tz,
    /// Kind of user.
    pub role: Role,
    /// Territory (reps) or home market.
    pub region: Region,
    /// Calendar the user syncs meetings from.
    pub calendar: Option<CalendarProvider>,
    /// The Outlook connector profile of this user is set to the wrong zone (whole-hour drift).
    pub calendar_zone_mismatch: bool,
    /// Index of the browser user agent the user works in.
    pub browser: u8,
}

impl User {
    /// Whether the account is active.
    pub(super) fn active(&self) -> bool {
        self.role != Role::Former
    }
}

type RepSpec = (&'static str, Tz, Region, Option<CalendarProvider>);

const REPS: [RepSpec; 12] = [
    ("Marcus Reed", America::New_York, Region::Us, Some(CalendarProvider::Google)),
    ("Jennifer Alvarez", America::New_York, Region::Us, Some(CalendarProvider::Outlook)),
    ("Tyler Brooks", America::New_York, Region::Us, Some(CalendarProvider::Google)),
    ("Aisha Thompson", America::Chicago, Region::Us, Some(CalendarProvider::Outlook)),
    ("Kevin O'Connell", America::Los_Angeles, Region::Us, Some(CalendarProvider::Google)),
    ("Sofia Ramirez", America::Los_Angeles, Region::Us, None),
    ("Lukas Becker", Europe::Berlin, Region::De, Some(CalendarProvider::Outlook)),
    ("Hannah Schröder", Europe::Berlin, Region::De, Some(CalendarProvider::Google)),
    ("Oliver Bennett", Europe::London, Region::Uk, Some(CalendarProvider::Outlook)),
    ("Priya Raghavan", Asia::Kolkata, Region::In, Some(CalendarProvider::Google)),
    ("Arjun Mehta", Asia::Kolkata, Region::In, Some(CalendarProvider::Outlook)),
    ("Chloe Nguyen", Australia::Adelaide, Region::Au, Some(CalendarProvider::Outlook)),
];

/// A pipeline stage.
pub(super) struct Stage {
    /// Stage id.
    pub id: u32,
    /// Pipeline id.
    pub pipeline: u32,
    /// Position in the pipeline (1-based).
    pub order: u32,
    /// Display name.
    pub name: &'static str,
    /// Default deal probability in percent.
    pub probability: u8,
}

/// Pipeline id of new business.
pub(super) const SALES: u32 = 1;
/// Pipeline id of renewals.
pub(super) const RENEWALS: u32 = 2;
/// Pipelines: id and name.
pub(super) const PIPELINES: [(u32, &str); 2] = [(SALES, "Sales"), (RENEWALS, "Renewals")];

const fn stage(id: u32, pipeline: u32, order: u32, name: &'static str, probability: u8) -> Stage {
    Stage { id, pipeline, order, name, probability }
}

/// All stages, pipeline by pipeline, in order.
pub(super) const STAGES: [Stage; 10] = [
    stage(1, SALES, 1, "Lead In", 10),
    stage(2, SALES, 2, "Qualified", 25),
    stage(3, SALES, 3, "Demo Scheduled", 40),
    stage(4, SALES, 4, "Proposal Made", 65),
    stage(5, SALES, 5, "Negotiation", 85),
    stage(6, RENEWALS, 1, "Upcoming", 50),
    stage(7, RENEWALS, 2, "In Contact", 60),
    stage(8, RENEWALS, 3, "Quote Sent", 75),
    stage(9, RENEWALS, 4, "Verbal Commit", 90),
    stage(10, RENEWALS, 5, "Paperwork", 95),
];

/// Stages of one pipeline, in order.
pub(super) fn pipeline_stages(pipeline: u32) -> &'static [Stage] {
    if pipeline == SALES { &STAGES[..5] } else { &STAGES[5..] }
}

/// Name of a stage id.
pub(super) fn stage_name(id: u32) -> &'static str {
    STAGES[(id - 1) as usize].name
}

/// An organization (computed from its id).
pub(super) struct Org {
    /// Organization id.
    pub id: u64,
    /// Name without legal suffix ("Northwind Logistics").
    pub core: String,
    /// Full name ("Northwind Logistics GmbH").
    pub name: String,
    /// A legal suffix for this region (used by name variants even when `name` has none).
    pub legal_suffix: &'static str,
    /// Territory.
    pub region: Region,
    /// Owning rep.
    pub owner: u32,
    /// Creation time.
    pub add_time: NaiveDateTime,
    /// Web domain its people's emails use.
    pub domain: String,
}

/// A person (computed from its id).
pub(super) struct Person {
    /// Given name.
    pub first: &'static str,
    /// Family name.
    pub last: &'static str,
    /// Organization, none for private individuals.
    pub org: Option<u64>,
    /// Owning rep.
    pub owner: u32,
    /// Creation time.
    pub add_time: NaiveDateTime,
    /// Primary email.
    pub email: String,
    /// Primary phone.
    pub phone: String,
}

impl Person {
    /// "First Last".
    pub(super) fn name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

const NAME_SPACE: u64 = (ORG_PREFIXES.len() * ORG_SUFFIXES.len() * ORG_INDUSTRIES.len()) as u64;

/// Users, pipelines and the on-demand organizations and persons.
pub(super) struct World {
    /// Users by id (`users[id - 1]`).
    pub users: Vec<User>,
    /// Number of organizations.
    pub n_orgs: u64,
    seed: u64,
    reps_by_region: [Vec<u32>; 5],
    name_offset: u64,
    org_epoch: NaiveDate,
    org_span_days: i64,
}

impl World {
    /// The world for an export of `deals` deals.
    pub(super) fn new(seed: u64, deals: usize) -> Self {
        let users = build_users();
        let mut reps_by_region: [Vec<u32>; 5] = Default::default();
        for user in users.iter().filter(|u| u.role == Role::Rep) {
            reps_by_region[region_index(user.region)].push(user.id);
        }
        let org_epoch = ymd(2022, 6, 1);
        let last_org_day = history_end().date() - Duration::days(60);
        Self {
            users,
            n_orgs: (deals as u64 / 10).max(30),
            seed,
            reps_by_region,
            name_offset: hash3(seed, 0x0e6, 0) % NAME_SPACE,
            org_epoch,
            org_span_days: (last_org_day - org_epoch).num_days(),
        }
    }

    /// A user by id.
    pub(super) fn user(&self, id: u32) -> &User {
        &self.users[(id - 1) as usize]
    }

    /// Reps of a territory.
    pub(super) fn reps_in(&self, region: Region) -> &[u32] {
        &self.reps_by_region[region_index(region)]
    }

    /// Number of persons that exist before any duplicate is created.
    pub(super) fn base_persons(&self) -> u64 {
        self.n_orgs * PERSONS_PER_ORG
    }

    /// Creation date of an organization.
    pub(super) fn org_date(&self, id: u64) -> NaiveDate {
        let offset = (id - 1) * self.org_span_days as u64 / self.n_orgs;
        self.org_epoch + Duration::days(offset as i64)
    }

    /// How many organizations (ids `1..=n`) existed for at least a day before `day`.
    pub(super) fn orgs_known_on(&self, day: NaiveDate) -> u64 {
        let k = (day - Duration::days(1) - self.org_epoch).num_days();
        if k < 0 {
            return 0;
        }
        let count = (u128::from(k as u64 + 1) * u128::from(self.n_orgs))
            .div_ceil(self.org_span_days as u128);
        u64::try_from(count).unwrap_or(u64::MAX).min(self.n_orgs)
    }

    /// An organization by id.
    pub(super) fn org(&self, id: u64) -> Org {
        let h = hash3(self.seed, id, 0x0a9);
        let region = match h % 100 {
            0..55 => Region::Us,
            55..70 => Region::De,
            70..82 => Region::Uk,
            82..92 => Region::In,
            _ => Region::Au,
        };
        let core = self.org_core(id);
        let suffixes = region.legal_suffixes();
        let legal_suffix = suffixes[((h >> 8) % suffixes.len() as u64) as usize];
        let name =
            if (h >> 16) % 100 < 85 { format!("{core} {legal_suffix}") } else { core.clone() };
        let domain = format!("{}.{}", ascii_slug(&core, ""), region.tld());
        let reps = self.reps_in(region);
        let owner = reps[((h >> 24) % reps.len() as u64) as usize];
        let add_time =
            at(self.org_date(id), 13, 0, 0) + Duration::seconds(((h >> 32) % 28_800) as i64);
        Org { id, core, name, legal_suffix, region, owner, add_time, domain }
    }

    fn org_core(&self, id: u64) -> String {
        let idx = id - 1;
        let p = ((idx % NAME_SPACE) * 7919 + self.name_offset) % NAME_SPACE;
        let (np, ns) = (ORG_PREFIXES.len() as u64, ORG_SUFFIXES.len() as u64);
        let prefix = ORG_PREFIXES[(p % np) as usize];
        let suffix = ORG_SUFFIXES[((p / np) % ns) as usize];
        let industry = ORG_INDUSTRIES[(p / (np * ns)) as usize];
        match idx / NAME_SPACE {
            0 => format!("{prefix}{suffix} {industry}"),
            round => format!("{prefix}{suffix} {industry} {}", round + 1),
        }
    }

    /// Whether base person `id` is a private individual (no organization).
    pub(super) fn is_private(&self, id: u64) -> bool {
        let (k, j) = ((id - 1) % self.n_orgs + 1, (id - 1) / self.n_orgs);
        j == PERSONS_PER_ORG - 1 && k.is_multiple_of(2)
    }

    /// A base person by id (`1..=base_persons()`).
    pub(super) fn person(&self, id: u64) -> Person {
        let (k, j) = ((id - 1) % self.n_orgs + 1, (id - 1) / self.n_orgs);
        let org = self.org(k);
        let pool = org.region.pool();
        let h = hash3(self.seed, id, 0x9e5);
        let first = pool.first[(h % pool.first.len() as u64) as usize];
        let last_idx = (hash3(self.seed, k, 0x1a5) + j * 7) % pool.last.len() as u64;
        let last = pool.last[last_idx as usize];
        let private = self.is_private(id);
        let email = if private {
            format!(
                "{}.{}{id}@{}",
                ascii_slug(first, ""),
                ascii_slug(last, ""),
                org.region.freemail()
            )
        } else {
            format!("{}.{}@{}", ascii_slug(first, ""), ascii_slug(last, ""), org.domain)
        };
        Person {
            first,
            last,
            org: (!private).then_some(k),
            owner: org.owner,
            add_time: org.add_time + Duration::minutes(47 * j as i64),
            email,
            phone: org.region.phone(h >> 20),
        }
    }
}

fn region_index(region: Region) -> usize {
    Region::ALL.iter().position(|r| *r == region).expect("known region")
}

/// Lower-case ASCII of a name (umlauts transliterated), without spaces or punctuation except
/// `keep`.
pub(super) fn ascii_slug(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'ä' | 'Ä' => out.push_str("ae"),
            'ö' | 'Ö' => out.push_str("oe"),
            'ü' | 'Ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            c if keep.contains(c) => out.push(c),
            _ => {},
        }
    }
    out
}

fn build_users() -> Vec<User> {
    let mut users = vec![user(MANAGER_ID, "Dana Whitfield", America::New_York, Role::Manager)];
    for (i, (name, tz, region, calendar)) in REPS.into_iter().enumerate() {
        let id = MANAGER_ID + 1 + i as u32;
        let mut rep = user(id, name, tz, Role::Rep);
        rep.region = region;
        rep.calendar = calendar;
        rep.calendar_zone_mismatch = tz == Europe::London;
        rep.browser = (i % 4) as u8;
        users.push(rep);
    }
    users.push(user(FIRST_INTEGRATION_USER - 1, "Greg Holloway", America::New_York, Role::Former));
    for integration in Integration::ALL.into_iter().filter(|i| i.has_own_user()) {
        let name = integration.info().name;
        users.push(user(
            integration.actor(),
            name,
            America::New_York,
            Role::Integration(integration),
        ));
    }
    users
}

fn user(id: u32, name: &'static str, tz: Tz, role: Role) -> User {
    let local = match role {
        Role::Integration(i) => i.info().slug.to_owned(),
        _ => ascii_slug(name, " ").replace(' ', "."),
    };
    User {
        id,
        name,
        email: format!("{local}@{COMPANY_DOMAIN}"),
        tz,
        role,
        region: Region::Us,
        calendar: None,
        calendar_zone_mismatch: false,
        browser: 0,
    }
}
