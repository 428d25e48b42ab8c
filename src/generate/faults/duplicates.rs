//! Fault 2, the duplicate creator: the LeadSync marketing connector (`change_source` `api`,
//! origin `API`) re-creates some deals minutes to days after a rep or a form created them, with
//! a fuzzy title (typo, case, punctuation, legal suffix, word order), for the same organization
//! or with none, and often with a duplicate of the contact person (same email in other case or
//! with stray spaces, name variants).

use anyhow::Result;
use chrono::{Duration, NaiveDateTime};
use rand::Rng;

use super::super::clock::history_end;
use super::super::deals::{DupSeed, SeedSpec};
use super::super::labels::LabelFile;
use super::super::plan::{DealKind, DealPlan};
use super::super::rng::{GenRng, lognormal, pick};
use super::super::world::{Org, SALES};
use super::super::write::PersonFields;
use super::{Cx, Injector};

/// Share of real sales deals that get duplicated.
const DUPLICATED: f64 = 0.04;
/// Title variants.
const VARIANTS: [&str; 5] = ["typo", "case", "punctuation", "suffix", "reorder"];
/// Person variants.
const PERSON_VARIANTS: [&str; 5] =
    ["email_case", "email_whitespace", "name_case", "name_order", "name_typo"];

/// The lead sync.
pub(super) struct LeadSync;

impl Injector for LeadSync {
    fn stream(&self) -> u64 {
        103
    }

    fn on_deal(
        &mut self,
        plan: &mut DealPlan,
        cx: &mut Cx<'_, '_>,
        rng: &mut GenRng,
    ) -> Result<()> {
        if plan.kind != DealKind::Base || plan.pipeline != SALES || !rng.random_bool(DUPLICATED) {
            return Ok(());
        }
        let copies = if rng.random_bool(0.12) { 2 } else { 1 };
        for _ in 0..copies {
            if let Some(seed) = duplicate(plan, cx, rng)? {
                cx.spawn.push(seed);
            }
        }
        Ok(())
    }
}

fn duplicate(
    plan: &DealPlan,
    cx: &mut Cx<'_, '_>,
    rng: &mut GenRng,
) -> Result<Option<(NaiveDateTime, SeedSpec)>> {
    let minutes = lognormal(rng, 180.0, 1.3).clamp(5.0, 3.0 * 1440.0);
    let time = plan.add_time + Duration::minutes(minutes as i64);
    if time > history_end() - Duration::hours(1) {
        return Ok(None);
    }
    let org = plan.org.map(|k| cx.plan.world.org(k));
    let (title, variant) = variant_title(rng, &plan.title, org.as_ref());
    let keep_org = org.filter(|_| !rng.random_bool(0.25));
    let person = match (plan.person, &plan.person_name) {
        (Some(id), _) if rng.random_bool(0.5) => Some(duplicate_person(cx, rng, id, time)?),
        (Some(id), Some(name)) => Some((id, name.clone())),
        _ => None,
    };
    let seed = DupSeed {
        of: plan.id,
        title,
        variant,
        owner: plan.initial.owner,
        org: keep_org.map(|o| (o.id, o.name)),
        person,
        contact: plan.contact,
        pipeline: plan.pipeline,
        value: plan.initial.value,
        currency: plan.currency,
        close_date: plan.initial.close_date,
    };
    Ok(Some((time, SeedSpec::Duplicate(Box::new(seed)))))
}

/// A variant of `title`; falls back to a case change when the drawn variant does not apply.
fn variant_title(rng: &mut GenRng, title: &str, org: Option<&Org>) -> (String, &'static str) {
    let variant = *pick(rng, &VARIANTS);
    let made = match variant {
        "typo" => typo(rng, title),
        "case" => None,
        "punctuation" => punctuation(rng, title),
        "suffix" => org.and_then(|o| suffix(title, o)),
        _ => reorder(title),
    };
    match made {
        Some(t) if t != title => (t, variant),
        _ => (change_case(title), "case"),
    }
}

fn change_case(title: &str) -> String {
    let lower = title.to_lowercase();
    if lower == title { title.to_uppercase() } else { lower }
}

/// Swaps, drops or doubles a letter inside one word of five letters or more.
fn typo(rng: &mut GenRng, text: &str) -> Option<String> {
    let words: Vec<&str> = text.split(' ').collect();
    let candidates: Vec<usize> = (0..words.len())
        .filter(|i| words[*i].chars().filter(|c| c.is_alphabetic()).count() >= 5)
        .collect();
    let index = *candidates.get(rng.random_range(0..candidates.len().max(1)))?;
    let mut chars: Vec<char> = words[index].chars().collect();
    let at = rng.random_range(1..chars.len() - 2);
    match rng.random_range(0..3) {
        0 => chars.swap(at, at + 1),
        1 => {
            chars.remove(at);
        },
        _ => chars.insert(at, chars[at]),
    }
    let word: String = chars.into_iter().collect();
    let mut out: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
    out[index] = word;
    Some(out.join(" "))
}

fn punctuation(rng: &mut GenRng, title: &str) -> Option<String> {
    if title.contains(" - ") {
        let replacement = *pick(rng, &[": ", " – ", " / ", " -- ", "- "]);
        return Some(title.replacen(" - ", replacement, 1));
    }
    Some(format!("{title}."))
}

/// Adds the organization's legal suffix after its name in the title, or removes it.
fn suffix(title: &str, org: &Org) -> Option<String> {
    let with_suffix = format!("{} {}", org.core, org.legal_suffix);
    if title.contains(&with_suffix) {
        Some(title.replacen(&with_suffix, &org.core, 1))
    } else if title.contains(&org.core) {
        Some(title.replacen(&org.core, &with_suffix, 1))
    } else {
        None
    }
}

/// "A - B" becomes "B - A"; "B for A" becomes "A - B".
fn reorder(title: &str) -> Option<String> {
    if let Some((a, b)) = title.split_once(" - ") {
        return Some(format!("{b} - {a}"));
    }
    title.split_once(" for ").map(|(b, a)| format!("{a} - {b}"))
}

/// Writes a duplicate of base person `id` and its label; returns its id and name.
fn duplicate_person(
    cx: &mut Cx<'_, '_>,
    rng: &mut GenRng,
    id: u64,
    time: NaiveDateTime,
) -> Result<(u64, String)> {
    let p = cx.plan.world.person(id);
    let variant = *pick(rng, &PERSON_VARIANTS);
    let (mut first, mut last) = (p.first.to_owned(), p.last.to_owned());
    let mut name = p.name();
    let email = match variant {
        "email_whitespace" => format!(" {} ", p.email),
        "name_case" => {
            (first, last) = (first.to_lowercase(), last.to_lowercase());
            name = name.to_lowercase();
            capitalised_email(&p.email)
        },
        "name_order" => {
            name = format!("{}, {}", p.last, p.first);
            capitalised_email(&p.email)
        },
        "name_typo" => {
            first = typo(rng, &first).unwrap_or_else(|| first.to_uppercase());
            name = format!("{first} {last}");
            p.email.to_uppercase()
        },
        _ => capitalised_email(&p.email),
    };
    let add_time =
        (time - Duration::minutes(rng.random_range(1..5))).max(p.add_time + Duration::minutes(1));
    let fields = PersonFields {
        name: &name,
        first: &first,
        last: &last,
        owner: p.owner,
        org: p.org,
        add_time,
        email: &email,
        phone: &p.phone,
    };
    let new_id = cx.persons.add(&fields)?;
    let row = [new_id.to_string(), id.to_string(), variant.to_owned()];
    cx.labels.put(LabelFile::DuplicatePersons, &row)?;
    Ok((new_id, name))
}

/// "sarah.brooks@northwind.com" becomes "Sarah.Brooks@Northwind.com".
fn capitalised_email(email: &str) -> String {
    let mut out = String::with_capacity(email.len());
    let mut start = true;
    for c in email.chars() {
        out.push(if start { c.to_ascii_uppercase() } else { c });
        start = matches!(c, '.' | '@');
    }
    out
}
