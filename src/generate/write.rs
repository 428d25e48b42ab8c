//! Output files: buffered table writers (JSON Lines, a Pipedrive v1 list page, or CSV), the
//! static tables (users, pipelines, stages, organizations), persons (base persons streamed from
//! the world, duplicates appended as they are made), and the set of open outputs a run writes
//! into and closes into a [`GenerateSummary`].

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDateTime;
use fs_err::File;
use serde::Serialize;

use super::calendar::{IcsWriter, windows_zone};
use super::clock::{CompanyCalendar, Stamp, at, history_end, offset_minutes, ymd};
use super::config::write_config;
use super::labels::Labels;
use super::rows::{
    ACTIVITY_HEADER, Contact, DEAL_HEADER, FLOW_HEADER, NOTE_HEADER, ORG_HEADER, OrgRow,
    PERSON_HEADER, PIPELINE_HEADER, PersonRow, PipelineRow, STAGE_HEADER, StageRow, USER_HEADER,
    UserRow,
};
use super::world::{PIPELINES, Role, STAGES, World};
use super::{ExportFormat, GenerateOptions, GenerateSummary};

const PAGE_HEAD: &[u8] = br#"{"success":true,"data":["#;
const PAGE_TAIL: &[u8] = concat!(
    r#"],"additional_data":{"pagination":"#,
    r#"{"start":0,"limit":500,"more_items_in_collection":false}}}"#
)
.as_bytes();

enum Sink {
    Lines(BufWriter<File>),
    Page(BufWriter<File>, bool),
    Csv(Box<csv::Writer<BufWriter<File>>>),
}

/// One output table.
pub(super) struct Table {
    name: String,
    rows: u64,
    sink: Sink,
}

impl Table {
    /// Opens `<object>.jsonl`, `<object>.json` (a list page when `page`) or `<object>.csv`.
    pub(super) fn open(
        dir: &Path,
        object: &str,
        format: ExportFormat,
        page: bool,
        header: &[&str],
    ) -> Result<Self> {
        let ext = match (format, page) {
            (ExportFormat::Csv, _) => "csv",
            (ExportFormat::Json, true) => "json",
            (ExportFormat::Json, false) => "jsonl",
        };
        let name = format!("{object}.{ext}");
        let mut out = BufWriter::with_capacity(1 << 17, File::create(dir.join(&name))?);
        let sink = match (format, page) {
            (ExportFormat::Csv, _) => {
                let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(out);
                writer.write_record(header)?;
                Sink::Csv(Box::new(writer))
            },
            (ExportFormat::Json, true) => {
                out.write_all(PAGE_HEAD)?;
                Sink::Page(out, true)
            },
            (ExportFormat::Json, false) => Sink::Lines(out),
        };
        Ok(Self { name, rows: 0, sink })
    }

    /// Appends a row.
    pub(super) fn put<T: Serialize>(&mut self, row: &T) -> Result<()> {
        match &mut self.sink {
            Sink::Lines(out) => {
                serde_json::to_writer(&mut *out, row)?;
                out.write_all(b"\n")?;
            },
            Sink::Page(out, first) => {
                if !*first {
                    out.write_all(b",")?;
                }
                *first = false;
                serde_json::to_writer(&mut *out, row)?;
            },
            Sink::Csv(writer) => writer.serialize(row)?,
        }
        self.rows += 1;
        Ok(())
    }

    /// Flushes; returns the file name and row count.
    pub(super) fn finish(self) -> Result<(String, u64)> {
        match self.sink {
            Sink::Lines(mut out) => out.flush()?,
            Sink::Page(mut out, _) => {
                out.write_all(PAGE_TAIL)?;
                out.write_all(b"\n")?;
                out.flush()?;
            },
            Sink::Csv(mut writer) => writer.flush()?,
        }
        Ok((self.name, self.rows))
    }
}

/// The fields of a person row.
pub(super) struct PersonFields<'a> {
    /// Display name.
    pub name: &'a str,
    /// Given name.
    pub first: &'a str,
    /// Family name.
    pub last: &'a str,
    /// Owner.
    pub owner: u32,
    /// Organization.
    pub org: Option<u64>,
    /// Creation time.
    pub add_time: NaiveDateTime,
    /// Email (as typed, possibly with odd case or spaces).
    pub email: &'a str,
    /// Phone.
    pub phone: &'a str,
}

/// The persons table and the next free person id.
pub(super) struct PersonSink {
    table: Table,
    format: ExportFormat,
    next_id: u64,
}

impl PersonSink {
    fn create(dir: &Path, format: ExportFormat, world: &World) -> Result<Self> {
        let table = Table::open(dir, "persons", format, false, PERSON_HEADER)?;
        let mut sink = Self { table, format, next_id: 1 };
        for id in 1..=world.base_persons() {
            let p = world.person(id);
            let name = p.name();
            let fields = PersonFields {
                name: &name,
                first: p.first,
                last: p.last,
                owner: p.owner,
                org: p.org,
                add_time: p.add_time,
                email: &p.email,
                phone: &p.phone,
            };
            sink.add(&fields)?;
        }
        Ok(sink)
    }

    /// Writes a person with the next id; returns the id.
    pub(super) fn add(&mut self, p: &PersonFields<'_>) -> Result<u64> {
        let id = self.next_id;
        self.next_id += 1;
        let email_label = if p.org.is_some() { "work" } else { "home" };
        let phone_label = if p.org.is_some() { "work" } else { "mobile" };
        let contact = |label, value| match self.format {
            ExportFormat::Json => Contact::List { label, value },
            ExportFormat::Csv => Contact::Primary(value),
        };
        let row = PersonRow {
            id,
            name: p.name,
            first_name: p.first,
            last_name: p.last,
            owner_id: p.owner,
            org_id: p.org,
            add_time: Stamp::new(p.add_time),
            update_time: Stamp::new(p.add_time),
            email: contact(email_label, p.email),
            phone: contact(phone_label, p.phone),
        };
        self.table.put(&row)?;
        Ok(id)
    }
}

/// Counters for the ids of rows written per deal.
#[derive(Default)]
pub(super) struct Ids {
    /// Next flow row id.
    pub change: u64,
    /// Next activity id.
    pub activity: u64,
    /// Next note id.
    pub note: u64,
}

/// Every output of a run.
pub(super) struct Outputs {
    /// Table format.
    pub format: ExportFormat,
    /// `deals`.
    pub deals: Table,
    /// `deal_flow`.
    pub flow: Table,
    /// `activities`.
    pub activities: Table,
    /// `notes`.
    pub notes: Table,
    /// `persons`.
    pub persons: PersonSink,
    /// `calendar.ics`.
    pub calendar: IcsWriter,
    /// `labels/*.csv`.
    pub labels: Labels,
    /// Id counters.
    pub ids: Ids,
    finished: Vec<(String, u64)>,
}

impl Outputs {
    /// Creates the folder, writes the static tables and config, opens the streamed outputs.
    pub(super) fn create(
        opts: &GenerateOptions,
        world: &World,
        cal: &CompanyCalendar,
    ) -> Result<Self> {
        let dir = opts.out.as_path();
        let labels_dir = dir.join("labels");
        fs_err::create_dir_all(&labels_dir).context("creating the output folder")?;
        let format = opts.format;
        let mut finished = vec![
            write_users(dir, format, world)?,
            write_pipelines(dir, format)?,
            write_stages(dir, format)?,
            write_orgs(dir, format, world)?,
        ];
        write_config(dir, cal)?;
        finished.push(("pipetrust.toml".to_owned(), 1));
        Ok(Self {
            format,
            deals: Table::open(dir, "deals", format, false, DEAL_HEADER)?,
            flow: Table::open(dir, "deal_flow", format, false, FLOW_HEADER)?,
            activities: Table::open(dir, "activities", format, false, ACTIVITY_HEADER)?,
            notes: Table::open(dir, "notes", format, false, NOTE_HEADER)?,
            persons: PersonSink::create(dir, format, world)?,
            calendar: IcsWriter::create(&dir.join("calendar.ics"), &calendar_zones(world))?,
            labels: Labels::create(&labels_dir)?,
            ids: Ids { change: 1, activity: 1, note: 1 },
            finished,
        })
    }

    /// Closes everything; the summary lists every file with its row count, sorted by name.
    pub(super) fn finish(self) -> Result<GenerateSummary> {
        let mut files = self.finished;
        for table in [self.deals, self.flow, self.activities, self.notes, self.persons.table] {
            files.push(table.finish()?);
        }
        files.push(("calendar.ics".to_owned(), self.calendar.finish()?));
        files.extend(self.labels.finish()?);
        files.sort();
        Ok(GenerateSummary { files })
    }
}

/// TZIDs the calendar declares: every rep zone, plus the Windows names Outlook uses.
fn calendar_zones(world: &World) -> Vec<&'static str> {
    let mut zones: Vec<&'static str> = Vec::new();
    for user in world.users.iter().filter(|u| u.role == Role::Rep) {
        let name = user.tz.name();
        for zone in [Some(name), windows_zone(name)].into_iter().flatten() {
            if !zones.contains(&zone) {
                zones.push(zone);
            }
        }
    }
    zones
}

fn setup_time() -> NaiveDateTime {
    at(ymd(2021, 3, 15), 10, 4, 31)
}

fn write_users(dir: &Path, format: ExportFormat, world: &World) -> Result<(String, u64)> {
    let mut table = Table::open(dir, "users", format, true, USER_HEADER)?;
    for user in &world.users {
        let minutes = offset_minutes(user.tz, history_end());
        let sign = if minutes < 0 { '-' } else { '+' };
        let offset = format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60);
        table.put(&UserRow {
            id: user.id,
            name: user.name,
            email: &user.email,
            timezone_name: user.tz.name(),
            timezone_offset: &offset,
            active_flag: user.active(),
            is_admin: user.role == Role::Manager,
        })?;
    }
    table.finish()
}

fn write_pipelines(dir: &Path, format: ExportFormat) -> Result<(String, u64)> {
    let mut table = Table::open(dir, "pipelines", format, true, PIPELINE_HEADER)?;
    for (order, (id, name)) in PIPELINES.iter().enumerate() {
        let add = setup_time() + chrono::Duration::days(order as i64 * 200);
        table.put(&PipelineRow {
            id: *id,
            name,
            order_nr: order as u32 + 1,
            active: true,
            add_time: Stamp::new(add),
            update_time: Stamp::new(add + chrono::Duration::days(90)),
        })?;
    }
    table.finish()
}

fn write_stages(dir: &Path, format: ExportFormat) -> Result<(String, u64)> {
    let mut table = Table::open(dir, "stages", format, true, STAGE_HEADER)?;
    for stage in &STAGES {
        let add = setup_time() + chrono::Duration::days(i64::from(stage.pipeline - 1) * 200);
        table.put(&StageRow {
            id: stage.id,
            order_nr: stage.order,
            name: stage.name,
            active_flag: true,
            deal_probability: stage.probability,
            pipeline_id: stage.pipeline,
            pipeline_name: PIPELINES[(stage.pipeline - 1) as usize].1,
            add_time: Stamp::new(add),
            update_time: Stamp::new(add + chrono::Duration::days(90)),
        })?;
    }
    table.finish()
}

fn write_orgs(dir: &Path, format: ExportFormat, world: &World) -> Result<(String, u64)> {
    let mut table = Table::open(dir, "organizations", format, true, ORG_HEADER)?;
    for id in 1..=world.n_orgs {
        let org = world.org(id);
        table.put(&OrgRow {
            id,
            name: &org.name,
            owner_id: org.owner,
            add_time: Stamp::new(org.add_time),
            update_time: Stamp::new(org.add_time),
            active_flag: true,
        })?;
    }
    table.finish()
}
