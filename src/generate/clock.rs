//! The export's time frame, the company calendar (US federal holidays, working days and
//! month-end windows in America/New_York), wall-clock conversions, human working-hours timing
//! and allocation-free timestamp text.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;
use rand::Rng;
use serde::{Serialize, Serializer};

use super::rng::{GenRng, weighted};

/// The company's time zone: month ends and holidays are judged here.
pub(super) const COMPANY_TZ: Tz = chrono_tz::America::New_York;
/// Weight of a month-end working day when a human picks the day of a close-date edit or a win.
pub(super) const MONTH_END_RUSH: f64 = 1.3;
/// Working days at the end of each month that count as month end.
pub(super) const MONTH_END_DAYS: usize = 2;

/// A calendar date; panics only on impossible constants.
pub(super) fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid calendar date")
}

/// A wall-clock time on `day`.
pub(super) fn at(day: NaiveDate, hour: u32, minute: u32, second: u32) -> NaiveDateTime {
    day.and_hms_opt(hour, minute, second).expect("valid time of day")
}

/// First instant of the history (UTC).
pub(super) fn history_start() -> NaiveDateTime {
    at(ymd(2024, 12, 1), 0, 0, 0)
}

/// Last instant of the history (UTC): the export's as-of time.
pub(super) fn history_end() -> NaiveDateTime {
    at(ymd(2026, 11, 30), 23, 59, 59)
}

/// Date from which the stage automation moves deals (see `faults::rollout`).
pub(super) fn rollout_date() -> NaiveDate {
    ymd(2026, 3, 2)
}

/// Last day of a month.
pub(super) fn last_of_month(year: i32, month: u32) -> NaiveDate {
    let (y, m) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    ymd(y, m, 1) - Duration::days(1)
}

/// Company working days, holidays and month-end windows over the history.
pub(super) struct CompanyCalendar {
    holidays: Vec<NaiveDate>,
    month_ends: Vec<NaiveDate>,
}

impl CompanyCalendar {
    /// The calendar of the history: US federal holidays (observed dates) in America/New_York.
    pub(super) fn new() -> Self {
        let (first, last) = (history_start().date(), history_end().date());
        let mut holidays: Vec<NaiveDate> = (first.year()..=last.year() + 1)
            .flat_map(us_federal_holidays)
            .filter(|d| (first..=last).contains(d))
            .collect();
        holidays.sort_unstable();
        holidays.dedup();
        let mut cal = Self { holidays, month_ends: Vec::new() };
        let mut month_ends = Vec::new();
        let mut day = ymd(first.year(), first.month(), 1);
        while day <= last {
            month_ends.extend(cal.last_working_days(day.year(), day.month()));
            day = last_of_month(day.year(), day.month()) + Duration::days(1);
        }
        cal.month_ends = month_ends;
        cal
    }

    fn last_working_days(&self, year: i32, month: u32) -> Vec<NaiveDate> {
        let mut day = last_of_month(year, month);
        let mut out = Vec::with_capacity(MONTH_END_DAYS);
        while out.len() < MONTH_END_DAYS {
            if self.is_working(day) {
                out.push(day);
            }
            day -= Duration::days(1);
        }
        out.reverse();
        out
    }

    /// Holidays inside the history, sorted.
    pub(super) fn holidays(&self) -> &[NaiveDate] {
        &self.holidays
    }

    /// Month-end days, sorted: [`MONTH_END_DAYS`] consecutive entries per month.
    pub(super) fn month_end_days(&self) -> &[NaiveDate] {
        &self.month_ends
    }

    /// Monday to Friday and not a holiday.
    pub(super) fn is_working(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
            && self.holidays.binary_search(&day).is_err()
    }

    /// One of the last [`MONTH_END_DAYS`] working days of its month.
    pub(super) fn is_month_end(&self, day: NaiveDate) -> bool {
        self.month_ends.binary_search(&day).is_ok()
    }

    /// The first working day on or after `day`.
    pub(super) fn next_working_day(&self, mut day: NaiveDate) -> NaiveDate {
        while !self.is_working(day) {
            day += Duration::days(1);
        }
        day
    }
}

/// US federal holidays of a year, moved to the observed weekday.
fn us_federal_holidays(year: i32) -> Vec<NaiveDate> {
    use Weekday::{Mon, Thu};
    vec![
        observed(ymd(year, 1, 1)),
        nth_weekday(year, 1, Mon, 3),
        nth_weekday(year, 2, Mon, 3),
        last_weekday(year, 5, Mon),
        observed(ymd(year, 6, 19)),
        observed(ymd(year, 7, 4)),
        nth_weekday(year, 9, Mon, 1),
        nth_weekday(year, 10, Mon, 2),
        observed(ymd(year, 11, 11)),
        nth_weekday(year, 11, Thu, 4),
        observed(ymd(year, 12, 25)),
    ]
}

fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n).expect("weekday exists")
}

fn last_weekday(year: i32, month: u32, weekday: Weekday) -> NaiveDate {
    let mut day = last_of_month(year, month);
    while day.weekday() != weekday {
        day -= Duration::days(1);
    }
    day
}

fn observed(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day - Duration::days(1),
        Weekday::Sun => day + Duration::days(1),
        _ => day,
    }
}

/// UTC instant of a local wall-clock time; a time skipped by a DST jump moves an hour later.
pub(super) fn to_utc(tz: Tz, local: NaiveDateTime) -> NaiveDateTime {
    match tz.from_local_datetime(&local).earliest() {
        Some(t) => t.naive_utc(),
        None => to_utc(tz, local + Duration::hours(1)),
    }
}

/// Local wall-clock time in `tz` of a UTC instant.
pub(super) fn to_local(tz: Tz, utc: NaiveDateTime) -> NaiveDateTime {
    tz.from_utc_datetime(&utc).naive_local()
}

/// Minutes east of UTC that `tz` has at the UTC instant.
pub(super) fn offset_minutes(tz: Tz, utc: NaiveDateTime) -> i32 {
    tz.offset_from_utc_datetime(&utc).fix().local_minus_utc() / 60
}

/// Whether `tz` is on daylight-saving time at local noon of `day`.
pub(super) fn is_dst(tz: Tz, day: NaiveDate) -> bool {
    let offset_on = |d: NaiveDate| offset_minutes(tz, to_utc(tz, at(d, 12, 0, 0)));
    let standard = offset_on(ymd(day.year(), 1, 15)).min(offset_on(ymd(day.year(), 7, 15)));
    offset_on(day) > standard
}

/// A working-hours instant (UTC) on local `day` in `tz`: 08:00–18:59, busiest mid-morning and
/// mid-afternoon.
pub(super) fn business_instant(rng: &mut GenRng, tz: Tz, day: NaiveDate) -> NaiveDateTime {
    const HOURS: [(u32, u32); 11] = [
        (8, 2),
        (9, 5),
        (10, 7),
        (11, 7),
        (12, 3),
        (13, 5),
        (14, 7),
        (15, 7),
        (16, 6),
        (17, 3),
        (18, 1),
    ];
    let hour = *weighted(rng, &HOURS);
    let local = at(day, hour, rng.random_range(0..60), rng.random_range(0..60));
    to_utc(tz, local)
}

/// A company working day in `lo..=hi`, uniform except that month-end days weigh
/// [`MONTH_END_RUSH`] when `rush` is set. `None` when the span holds no working day.
pub(super) fn working_day(
    rng: &mut GenRng,
    cal: &CompanyCalendar,
    (lo, hi): (NaiveDate, NaiveDate),
    rush: bool,
) -> Option<NaiveDate> {
    if lo > hi {
        return None;
    }
    let span = (hi - lo).num_days();
    let top = if rush { MONTH_END_RUSH } else { 1.0 };
    for _ in 0..200 {
        let day = lo + Duration::days(rng.random_range(0..=span));
        if !cal.is_working(day) {
            continue;
        }
        let weight = if rush && cal.is_month_end(day) { MONTH_END_RUSH } else { 1.0 };
        if rng.random::<f64>() * top < weight {
            return Some(day);
        }
    }
    let first = cal.next_working_day(lo);
    (first <= hi).then_some(first)
}

/// A `YYYY-MM-DD HH:MM:SS` timestamp held as text without allocation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Stamp([u8; 19]);

impl Stamp {
    /// Renders a naive (UTC) instant.
    pub(super) fn new(t: NaiveDateTime) -> Self {
        let mut b = *b"0000-00-00 00:00:00";
        put_date(&mut b[..10], t.date());
        put_digits(&mut b[11..13], t.hour());
        put_digits(&mut b[14..16], t.minute());
        put_digits(&mut b[17..19], t.second());
        Self(b)
    }

    /// The text.
    pub(super) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("timestamp text is ASCII")
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A `YYYY-MM-DD` date held as text without allocation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct DateStamp([u8; 10]);

impl DateStamp {
    /// Renders a date.
    pub(super) fn new(d: NaiveDate) -> Self {
        let mut b = *b"0000-00-00";
        put_date(&mut b, d);
        Self(b)
    }

    /// The text.
    pub(super) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("date text is ASCII")
    }
}

impl Serialize for DateStamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

fn put_date(b: &mut [u8], d: NaiveDate) {
    put_digits(&mut b[0..4], d.year().unsigned_abs());
    put_digits(&mut b[5..7], d.month());
    put_digits(&mut b[8..10], d.day());
}

fn put_digits(slot: &mut [u8], mut value: u32) {
    for byte in slot.iter_mut().rev() {
        *byte = b'0' + u8::try_from(value % 10).expect("digit");
        value /= 10;
    }
}

/// `YYYY-MM-DD HH:MM:SS` as an owned string.
pub(super) fn ts_string(t: NaiveDateTime) -> String {
    Stamp::new(t).as_str().to_owned()
}

/// `YYYY-MM-DD` as an owned string.
pub(super) fn date_string(d: NaiveDate) -> String {
    DateStamp::new(d).as_str().to_owned()
}
