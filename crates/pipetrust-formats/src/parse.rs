//! Parsers for the scalar formats CRM exports use. Each returns the value or a
//! reason in "expected …, found …" form. Zone-less times are read in the zone
//! given; dates are never shifted.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();

/// Zone-less date-time layouts, tried in order.
const NAIVE_FORMATS: [&str; 4] =
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"];

/// An instant as microseconds since the epoch (UTC).
pub fn instant(s: &str, zone: Tz) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.timestamp_micros());
    }
    if let Some(ms) = epoch_millis(s) {
        return Ok(ms * 1000);
    }
    for fmt in NAIVE_FORMATS {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(local_to_utc(naive, zone));
        }
    }
    if let Some(naive) = excel_serial(s) {
        return Ok(local_to_utc(naive, zone));
    }
    if let Ok(days) = date(s) {
        let naive = day(days).and_time(NaiveTime::MIN);
        return Ok(local_to_utc(naive, zone));
    }
    Err(format!("expected a timestamp like `2024-05-01 13:45:00` or RFC 3339, found `{s}`"))
}

/// An instant read with an explicit strftime layout; zone-less layouts are
/// read in `zone`, date-only layouts at local midnight.
pub fn instant_with(s: &str, layout: &str, zone: Tz) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_str(s, layout) {
        return Ok(dt.timestamp_micros());
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(s, layout) {
        return Ok(local_to_utc(naive, zone));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, layout) {
        return Ok(local_to_utc(d.and_time(NaiveTime::MIN), zone));
    }
    Err(format!("expected a timestamp in layout `{layout}`, found `{s}`"))
}

/// An Excel serial date-time (days since 1899-12-30, the fraction is the
/// time of day), as spreadsheets store dates (`45631` is 2024-12-05). Only
/// five-digit day numbers (1927–2173) are read as serials, so ids and years
/// are not mistaken for dates.
fn excel_serial(s: &str) -> Option<NaiveDateTime> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.len() != 5 || !digits(whole) || !digits(frac) {
        return None;
    }
    let serial: f64 = s.parse().ok()?;
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    let micros = (serial * 86_400_000_000.0).round() as i64;
    Some(base + chrono::Duration::microseconds(micros))
}

/// HubSpot-style epoch milliseconds (13 digits).
fn epoch_millis(s: &str) -> Option<i64> {
    (s.len() == 13 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// A local wall-clock time in `zone` as UTC microseconds. A time that falls in
/// a spring-forward gap moves forward by the gap; a repeated time takes the
/// earlier instant.
pub fn local_to_utc(naive: NaiveDateTime, zone: Tz) -> i64 {
    let mut probe = naive;
    for _ in 0..4 {
        if let Some(dt) = zone.from_local_datetime(&probe).earliest() {
            return dt.timestamp_micros();
        }
        probe += chrono::Duration::minutes(30);
    }
    naive.and_utc().timestamp_micros()
}

/// A calendar date as days since 1970-01-01. Accepts `YYYY-MM-DD`, a date with
/// a midnight time (`YYYY-MM-DD 00:00:00`, as Salesforce writes them) and an
/// RFC 3339 midnight. Slash dates are ambiguous and need a declared layout.
pub fn date(s: &str) -> Result<i32, String> {
    let s = s.trim();
    let head = s.get(..10).unwrap_or(s);
    let rest = s.get(10..).unwrap_or("");
    let midnight = ["", " 00:00:00", "T00:00:00", "T00:00:00Z", "T00:00:00.000Z", " 00:00"];
    if midnight.contains(&rest)
        && let Ok(d) = NaiveDate::parse_from_str(head, "%Y-%m-%d")
    {
        return Ok(days(d));
    }
    if let Some(dt) = excel_serial(s) {
        return Ok(days(dt.date()));
    }
    if s.contains('/') {
        return Err(format!(
            "ambiguous date `{s}`: declare its layout (e.g. `%d/%m/%Y`) in a mapping file"
        ));
    }
    Err(format!("expected a date like `2024-05-31`, found `{s}`"))
}

/// A date read with an explicit strftime layout.
pub fn date_with(s: &str, layout: &str) -> Result<i32, String> {
    NaiveDate::parse_from_str(s.trim(), layout)
        .map(days)
        .map_err(|_| format!("expected a date in layout `{layout}`, found `{}`", s.trim()))
}

/// Days since the epoch.
pub fn days(d: NaiveDate) -> i32 {
    i32::try_from((d - EPOCH).num_days()).unwrap_or(i32::MAX)
}

/// The date `n` days after the epoch.
pub fn day(n: i32) -> NaiveDate {
    EPOCH + chrono::Duration::days(i64::from(n))
}

/// A decimal number as exports write them: currency signs and spaces are
/// dropped; with both `.` and `,` present the last one is the decimal mark
/// (`1,234.56`, `1.234,56`); a lone `,` is a thousands separator only in
/// groups of three (`1,500`, `12,345,678`), else a decimal comma (`12,5`);
/// several dots are thousands separators (`1.234.567`).
pub fn number(s: &str) -> Result<f64, String> {
    let bad = || format!("expected a number, found `{}`", s.trim());
    let t: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, '$' | '€' | '£' | ' ' | '\u{a0}' | '\u{202f}' | '_' | '\''))
        .collect();
    let (dot, comma) = (t.rfind('.'), t.rfind(','));
    let canonical = match (dot, comma) {
        (Some(d), Some(c)) if c > d => t.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => t.replace(',', ""),
        (None, Some(_)) if thousands_groups(&t, ',') => t.replace(',', ""),
        (None, Some(_)) if t.matches(',').count() == 1 => t.replace(',', "."),
        (Some(_), None) if t.matches('.').count() > 1 && thousands_groups(&t, '.') => {
            t.replace('.', "")
        },
        _ => t.clone(),
    };
    canonical.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(bad)
}

/// `1,500` / `12,345,678`: groups of exactly three digits after the first.
fn thousands_groups(t: &str, sep: char) -> bool {
    let t = t.trim_start_matches(['-', '+']);
    let mut parts = t.split(sep);
    let head_ok = parts
        .next()
        .is_some_and(|h| (1..=3).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_digit()));
    head_ok && parts.all(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A whole number.
pub fn integer(s: &str) -> Result<i64, String> {
    let t = s.trim();
    t.parse::<i64>().map_err(|_| format!("expected a whole number, found `{t}`"))
}

/// A boolean in the spellings exports use.
pub fn boolean(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "t" | "done" => Ok(true),
        "false" | "0" | "no" | "n" | "f" | "undone" | "not done" => Ok(false),
        other => Err(format!("expected true/false, found `{other}`")),
    }
}

/// `HH:MM` or `HH:MM:SS` duration as minutes.
pub fn hhmm_minutes(s: &str) -> Result<i64, String> {
    let mut parts = s.trim().split(':');
    let h = parts.next().and_then(|p| p.parse::<i64>().ok());
    let m = parts.next().and_then(|p| p.parse::<i64>().ok());
    match (h, m) {
        (Some(h), Some(m)) if (0..60).contains(&m) => Ok(h * 60 + m),
        _ => Err(format!("expected a duration `HH:MM`, found `{}`", s.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros()
    }

    #[test]
    fn zone_less_api_times_are_read_in_the_given_zone() {
        let t = instant("2024-03-10 02:30:00", chrono_tz::UTC).unwrap();
        assert_eq!(t, utc("2024-03-10T02:30:00Z"));
        let ny = instant("2024-07-01 09:00:00", chrono_tz::America::New_York).unwrap();
        assert_eq!(ny, utc("2024-07-01T13:00:00Z"));
    }

    #[test]
    fn spring_forward_gap_moves_forward() {
        let t = instant("2024-03-10 02:30:00", chrono_tz::America::New_York).unwrap();
        assert_eq!(t, utc("2024-03-10T07:00:00Z"));
    }

    #[test]
    fn rfc3339_and_epoch_millis() {
        assert_eq!(instant("2025-04-15T14:57:34Z", chrono_tz::UTC).unwrap(), 1_744_729_054_000_000);
        assert_eq!(instant("1744729054000", chrono_tz::UTC).unwrap(), 1_744_729_054_000_000);
    }

    #[test]
    fn dates_are_not_shifted_and_slashes_are_ambiguous() {
        assert_eq!(day(date("2024-02-29").unwrap()).to_string(), "2024-02-29");
        assert_eq!(day(date("2024-02-29 00:00:00").unwrap()).to_string(), "2024-02-29");
        assert!(date("01/02/2024").unwrap_err().contains("ambiguous"));
        assert!(date("2024-13-01").is_err());
        assert_eq!(day(date_with("01/02/2024", "%d/%m/%Y").unwrap()).to_string(), "2024-02-01");
    }

    #[test]
    fn excel_serial_dates() {
        assert_eq!(day(date("45631").unwrap()).to_string(), "2024-12-05");
        assert_eq!(instant("45631.5", chrono_tz::UTC).unwrap(), utc("2024-12-05T12:00:00Z"));
        assert!(date("2024").is_err());
    }

    #[test]
    fn decimal_commas_and_thousands_separators() {
        assert_eq!(number("1.234,56").unwrap(), 1234.56);
        assert_eq!(number("1,234.56").unwrap(), 1234.56);
        assert_eq!(number("12,5").unwrap(), 12.5);
        assert_eq!(number("1,500").unwrap(), 1500.0);
        assert_eq!(number("1.234.567").unwrap(), 1_234_567.0);
        assert_eq!(number("€ 2 500,00").unwrap(), 2500.0);
        assert_eq!(number("-3.5").unwrap(), -3.5);
        assert!(number("1,2,3").is_err());
    }

    #[test]
    fn numbers_and_booleans() {
        assert_eq!(number("$1,500.50").unwrap(), 1500.5);
        assert!(number("abc").is_err());
        assert!(boolean("Done").unwrap());
        assert_eq!(hhmm_minutes("01:30").unwrap(), 90);
    }
}
