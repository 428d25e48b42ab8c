//! The company's working-day calendar: weekends and holidays are off, and
//! "the last K working days of a month" is a date window per month.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

/// Working days of one company.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    holidays: BTreeSet<NaiveDate>,
}

/// The month-end window of one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthWindow {
    /// First day of the month.
    pub month: NaiveDate,
    /// First day counted as month end: the K-th last working day. Days after
    /// it up to the month's last day (weekends included) are in the window.
    pub window_start: NaiveDate,
    /// Working days in the month.
    pub working_days: u32,
    /// Working days in the window (K, or fewer in a month with fewer).
    pub window_days: u32,
}

impl WorkCalendar {
    /// A calendar with these holidays.
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        WorkCalendar { holidays: holidays.into_iter().collect() }
    }

    /// True for Monday–Friday days that are not holidays.
    pub fn is_working(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The month-end window of the month containing `day`.
    pub fn window(&self, day: NaiveDate, k: u32) -> MonthWindow {
        let month = day.with_day(1).unwrap_or(day);
        let days: Vec<NaiveDate> = month
            .iter_days()
            .take_while(|d| d.month() == month.month())
            .filter(|d| self.is_working(*d))
            .collect();
        let working_days = days.len() as u32;
        let window_days = k.min(working_days);
        let window_start = match window_days {
            0 => last_day(month),
            n => days[days.len() - n as usize],
        };
        MonthWindow { month, window_start, working_days, window_days }
    }

    /// Working days from `day` to the month's last working day: 0 on the last
    /// working day, 1 on the one before… `None` for days off.
    pub fn working_days_before_end(&self, day: NaiveDate) -> Option<u32> {
        if !self.is_working(day) {
            return None;
        }
        let end = last_day(day);
        let later = day.iter_days().skip(1).take_while(|d| *d <= end);
        Some(later.filter(|d| self.is_working(*d)).count() as u32)
    }
}

/// Last day of the month of `day`.
pub fn last_day(day: NaiveDate) -> NaiveDate {
    let (y, m) =
        if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).and_then(|d| d.pred_opt()).unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn last_two_working_days_skip_weekends_and_holidays() {
        // May 2025 ends on a Saturday: the last working days are Thu 29, Fri 30.
        let cal = WorkCalendar::default();
        let w = cal.window(d("2025-05-14"), 2);
        assert_eq!(w.window_start, d("2025-05-29"));
        assert_eq!(w.working_days, 22);
        // With Fri 30 a holiday the window starts Wed 28.
        let cal = WorkCalendar::new([d("2025-05-30")]);
        assert_eq!(cal.window(d("2025-05-01"), 2).window_start, d("2025-05-28"));
    }

    #[test]
    fn days_before_end() {
        let cal = WorkCalendar::default();
        assert_eq!(cal.working_days_before_end(d("2025-05-30")), Some(0));
        assert_eq!(cal.working_days_before_end(d("2025-05-29")), Some(1));
        assert_eq!(cal.working_days_before_end(d("2025-05-31")), None);
        assert_eq!(last_day(d("2024-02-10")), d("2024-02-29"));
    }
}
