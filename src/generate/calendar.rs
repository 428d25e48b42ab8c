//! `calendar.ics`: a Google-Calendar-style export of the synced meetings, written as events
//! stream in. VTIMEZONE blocks for the reps' IANA zones and for the Windows zone names Outlook
//! writes (`Eastern Standard Time`, `W. Europe Standard Time`); CRLF line ends; lines folded at
//! 75 octets on character boundaries.

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Result;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use fs_err::File;

use super::clock::{Stamp, history_end};
use super::plan::EventTime;

/// Windows zone name Outlook writes for an IANA zone, where the calendar uses one.
pub(super) fn windows_zone(iana: &str) -> Option<&'static str> {
    match iana {
        "America/New_York" => Some("Eastern Standard Time"),
        "Europe/Berlin" => Some("W. Europe Standard Time"),
        _ => None,
    }
}

/// One daylight or standard observance of a VTIMEZONE.
struct Observance {
    daylight: bool,
    from: &'static str,
    to: &'static str,
    name: &'static str,
    start: &'static str,
    rule: Option<&'static str>,
}

const fn obs(
    daylight: bool,
    (from, to): (&'static str, &'static str),
    name: &'static str,
    start: &'static str,
    rule: Option<&'static str>,
) -> Observance {
    Observance { daylight, from, to, name, start, rule }
}

const US_DST: &str = "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU";
const US_STD: &str = "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU";
const EU_DST: &str = "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU";
const EU_STD: &str = "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU";

fn observances(tzid: &str) -> Vec<Observance> {
    let us = |std: &'static str, dst: &'static str, names: (&'static str, &'static str)| {
        vec![
            obs(true, (std, dst), names.0, "19700308T020000", Some(US_DST)),
            obs(false, (dst, std), names.1, "19701101T020000", Some(US_STD)),
        ]
    };
    match tzid {
        "America/New_York" => us("-0500", "-0400", ("EDT", "EST")),
        "America/Chicago" => us("-0600", "-0500", ("CDT", "CST")),
        "America/Los_Angeles" => us("-0800", "-0700", ("PDT", "PST")),
        "Europe/Berlin" => vec![
            obs(true, ("+0100", "+0200"), "CEST", "19700329T020000", Some(EU_DST)),
            obs(false, ("+0200", "+0100"), "CET", "19701025T030000", Some(EU_STD)),
        ],
        "Europe/London" => vec![
            obs(true, ("+0000", "+0100"), "BST", "19700329T010000", Some(EU_DST)),
            obs(false, ("+0100", "+0000"), "GMT", "19701025T020000", Some(EU_STD)),
        ],
        "Asia/Kolkata" => vec![obs(false, ("+0530", "+0530"), "IST", "19700101T000000", None)],
        "Australia/Adelaide" => vec![
            obs(
                true,
                ("+0930", "+1030"),
                "ACDT",
                "19701004T020000",
                Some("FREQ=YEARLY;BYMONTH=10;BYDAY=1SU"),
            ),
            obs(
                false,
                ("+1030", "+0930"),
                "ACST",
                "19700405T030000",
                Some("FREQ=YEARLY;BYMONTH=4;BYDAY=1SU"),
            ),
        ],
        "Eastern Standard Time" => vec![
            obs(
                false,
                ("-0400", "-0500"),
                "",
                "16010101T020000",
                Some("FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"),
            ),
            obs(
                true,
                ("-0500", "-0400"),
                "",
                "16010101T020000",
                Some("FREQ=YEARLY;BYDAY=2SU;BYMONTH=3"),
            ),
        ],
        "W. Europe Standard Time" => vec![
            obs(
                false,
                ("+0200", "+0100"),
                "",
                "16010101T030000",
                Some("FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
            ),
            obs(
                true,
                ("+0100", "+0200"),
                "",
                "16010101T020000",
                Some("FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"),
            ),
        ],
        _ => vec![obs(false, ("+0000", "+0000"), "UTC", "19700101T000000", None)],
    }
}

/// One event to write.
pub(super) struct IcsEvent<'a> {
    /// UID.
    pub uid: &'a str,
    /// SUMMARY.
    pub summary: &'a str,
    /// Organizer's display name.
    pub organizer_name: &'a str,
    /// Organizer's email.
    pub organizer_email: &'a str,
    /// Start as the calendar wrote it.
    pub start: EventTime,
    /// Length in minutes (timed events).
    pub duration_min: u32,
    /// CREATED / LAST-MODIFIED.
    pub created: NaiveDateTime,
}

/// Streaming writer of `calendar.ics`.
pub(super) struct IcsWriter {
    out: BufWriter<File>,
    events: u64,
}

impl IcsWriter {
    /// Creates the file with its header and a VTIMEZONE per `tzids` entry.
    pub(super) fn create(path: &Path, tzids: &[&str]) -> Result<Self> {
        let mut writer = Self { out: BufWriter::new(File::create(path)?), events: 0 };
        for line in [
            "BEGIN:VCALENDAR",
            "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:Sales team",
            "X-WR-TIMEZONE:America/New_York",
        ] {
            writer.line(line)?;
        }
        for tzid in tzids {
            writer.timezone(tzid)?;
        }
        Ok(writer)
    }

    fn timezone(&mut self, tzid: &str) -> Result<()> {
        self.line("BEGIN:VTIMEZONE")?;
        self.line(&format!("TZID:{tzid}"))?;
        if tzid.contains('/') {
            self.line(&format!("X-LIC-LOCATION:{tzid}"))?;
        }
        for o in observances(tzid) {
            let kind = if o.daylight { "DAYLIGHT" } else { "STANDARD" };
            self.line(&format!("BEGIN:{kind}"))?;
            self.line(&format!("TZOFFSETFROM:{}", o.from))?;
            self.line(&format!("TZOFFSETTO:{}", o.to))?;
            if !o.name.is_empty() {
                self.line(&format!("TZNAME:{}", o.name))?;
            }
            self.line(&format!("DTSTART:{}", o.start))?;
            if let Some(rule) = o.rule {
                self.line(&format!("RRULE:{rule}"))?;
            }
            self.line(&format!("END:{kind}"))?;
        }
        self.line("END:VTIMEZONE")
    }

    /// Writes one VEVENT.
    pub(super) fn event(&mut self, e: &IcsEvent<'_>) -> Result<()> {
        let (start, end) = start_end(e.start, e.duration_min);
        self.line("BEGIN:VEVENT")?;
        self.line(&format!("DTSTART{start}"))?;
        self.line(&format!("DTEND{end}"))?;
        self.line(&format!("DTSTAMP:{}", utc(history_end())))?;
        let organizer =
            format!("ORGANIZER;CN={}:mailto:{}", param(e.organizer_name), e.organizer_email);
        self.line(&organizer)?;
        self.line(&format!("UID:{}", e.uid))?;
        self.line(&format!("CREATED:{}", utc(e.created)))?;
        self.line(&format!("LAST-MODIFIED:{}", utc(e.created)))?;
        self.line(&format!("SUMMARY:{}", escape(e.summary)))?;
        self.line("STATUS:CONFIRMED")?;
        self.line("END:VEVENT")?;
        self.events += 1;
        Ok(())
    }

    /// Closes the calendar; returns the number of events.
    pub(super) fn finish(mut self) -> Result<u64> {
        self.line("END:VCALENDAR")?;
        self.out.flush()?;
        Ok(self.events)
    }

    /// Writes a content line folded at 75 octets (continuations start with one space).
    fn line(&mut self, text: &str) -> Result<()> {
        let mut rest = text;
        let mut limit = 75;
        loop {
            if rest.len() <= limit {
                self.out.write_all(rest.as_bytes())?;
                self.out.write_all(b"\r\n")?;
                return Ok(());
            }
            let mut cut = limit;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            self.out.write_all(&rest.as_bytes()[..cut])?;
            self.out.write_all(b"\r\n ")?;
            rest = &rest[cut..];
            limit = 74;
        }
    }
}

/// DTSTART and DTEND parameter+value suffixes (`;TZID=...:...`, `:...Z`, `;VALUE=DATE:...`).
fn start_end(start: EventTime, duration_min: u32) -> (String, String) {
    let length = Duration::minutes(i64::from(duration_min));
    match start {
        EventTime::Zoned { tzid, local } => (
            format!(";TZID={tzid}:{}", basic(local)),
            format!(";TZID={tzid}:{}", basic(local + length)),
        ),
        EventTime::Utc(t) => (format!(":{}", utc(t)), format!(":{}", utc(t + length))),
        EventTime::AllDay(d) => (
            format!(";VALUE=DATE:{}", date(d)),
            format!(";VALUE=DATE:{}", date(d + Duration::days(1))),
        ),
    }
}

/// `YYYYMMDDTHHMMSS`.
fn basic(t: NaiveDateTime) -> String {
    let s = Stamp::new(t);
    let s = s.as_str();
    format!("{}{}{}T{}{}{}", &s[0..4], &s[5..7], &s[8..10], &s[11..13], &s[14..16], &s[17..19])
}

/// `YYYYMMDDTHHMMSSZ`.
fn utc(t: NaiveDateTime) -> String {
    format!("{}Z", basic(t))
}

/// `YYYYMMDD`.
fn date(d: NaiveDate) -> String {
    basic(d.and_time(chrono::NaiveTime::MIN))[..8].to_owned()
}

/// A parameter value, quoted when it holds a separator.
fn param(value: &str) -> String {
    if value.contains([',', ';', ':']) { format!("\"{value}\"") } else { value.to_owned() }
}

/// TEXT escaping of RFC 5545 (backslash, semicolon, comma, newline).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | ';' | ',' => {
                out.push('\\');
                out.push(c);
            },
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}
