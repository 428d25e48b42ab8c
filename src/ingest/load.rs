//! The load driver: one task per file, then the per-table frames are stacked
//! in input order (so the same input always gives the same frames).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use polars::prelude::*;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::buffer::{Cell, Row, TableBuffer, empty_frame};
use super::mapping::{ColumnMap, MappingFile};
use super::read::{self, Item, ReadInfo};
use super::record::{FieldError, Fields, Record};
use super::{Object, ics, pipedrive};
use crate::error::{Error, Result};
use crate::model::Table;
use crate::model::col::*;

/// Which profile maps the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// Pick per file: canonical column names, else Pipedrive.
    #[default]
    Auto,
    /// Pipedrive API objects and spreadsheet exports.
    Pipedrive,
    /// Files already in the canonical column names.
    Canonical,
}

/// What to load and how.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Files and folders.
    pub inputs: Vec<PathBuf>,
    /// Profile for recognised files.
    pub profile: Profile,
    /// A mapping file, which takes precedence for the files it names.
    pub mapping: Option<MappingFile>,
    /// Zone of zone-less spreadsheet times (API times are always UTC).
    pub zone: Option<Tz>,
}

/// How one input file was handled.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    /// Path as given (folder-relative names joined to the folder).
    pub path: String,
    /// Object it was read as, or `None` when skipped.
    pub object: Option<&'static str>,
    /// `csv`, `json`, `ics`, `parquet`.
    pub format: &'static str,
    /// Text encoding.
    pub encoding: &'static str,
    /// Rows read (records, lines, events).
    pub rows_read: u64,
    /// Rows loaded into canonical tables.
    pub rows_loaded: u64,
    /// Rows written to the rejected table.
    pub rows_rejected: u64,
    /// File size.
    pub bytes: u64,
    /// SHA-256 of the file.
    pub sha256: String,
    /// `loaded`, or `skipped: <why>`.
    pub status: String,
}

/// A row that did not load.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rejected {
    /// Object the row belonged to.
    pub table: String,
    /// File.
    pub file: String,
    /// 1-based line or record number.
    pub line: u64,
    /// Column or key at fault, if one.
    pub column: Option<String>,
    /// The raw value.
    pub raw_value: Option<String>,
    /// Why.
    pub reason: String,
}

/// Everything ingest produced.
pub struct Loaded {
    /// Canonical frames, one per table (empty frames for tables not present).
    pub frames: BTreeMap<Table, DataFrame>,
    /// One report per file seen, in input order.
    pub files: Vec<FileReport>,
    /// Rejected rows, in input order.
    pub rejected: Vec<Rejected>,
}

impl Loaded {
    /// The frame of a table.
    pub fn frame(&self, table: Table) -> &DataFrame {
        &self.frames[&table]
    }
}

/// Loads every input.
pub fn load(opts: &LoadOptions) -> Result<Loaded> {
    let files = discover(&opts.inputs)?;
    let results: Vec<Result<FileResult>> = files.par_iter().map(|f| load_file(f, opts)).collect();
    let mut buffers: BTreeMap<Table, Vec<DataFrame>> = BTreeMap::new();
    let mut reports: Vec<FileReport> = Vec::new();
    let mut rejected = Vec::new();
    let mut pipelines = Vec::new();
    for result in results {
        let r = result?;
        for (table, frame) in r.frames {
            buffers.entry(table).or_default().push(frame);
        }
        reports.push(r.report);
        rejected.extend(r.rejected);
        pipelines.extend(r.pipelines);
    }
    let mut frames = BTreeMap::new();
    for table in Table::ALL {
        let parts = buffers.remove(&table).unwrap_or_default();
        frames.insert(table, stack(table, parts)?);
    }
    post_process(&mut frames, &pipelines)?;
    for (table, key) in KEYED {
        drop_duplicate_keys(&mut frames, table, key, &mut reports, &mut rejected)?;
    }
    for (table, df) in &frames {
        let mib = df.estimated_size() as f64 / (1024.0 * 1024.0);
        tracing::debug!(table = table.name(), rows = df.height(), "loaded, {mib:.1} MiB");
    }
    Ok(Loaded { frames, files: reports, rejected })
}

fn stack(table: Table, parts: Vec<DataFrame>) -> Result<DataFrame> {
    let mut iter = parts.into_iter();
    let Some(mut first) = iter.next() else { return Ok(empty_frame(table)?) };
    let mut stacked = false;
    for part in iter {
        first.vstack_mut_owned(part)?;
        stacked = true;
    }
    if stacked {
        first.rechunk_mut();
    }
    Ok(first)
}

/// A file to load: the path and how it is to be read.
#[derive(Debug, Clone)]
struct InputFile {
    path: PathBuf,
}

/// Expands folders (top level only) and sorts their files by name.
fn discover(inputs: &[PathBuf]) -> Result<Vec<InputFile>> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut entries: Vec<PathBuf> = fs_err::read_dir(input)?
                .filter_map(std::result::Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            entries.sort();
            out.extend(entries.into_iter().map(|path| InputFile { path }));
        } else if input.is_file() {
            out.push(InputFile { path: input.clone() });
        } else {
            return Err(Error::input(input, None, "input does not exist"));
        }
    }
    Ok(out)
}

/// What loading one file produced.
struct FileResult {
    report: FileReport,
    frames: Vec<(Table, DataFrame)>,
    rejected: Vec<Rejected>,
    pipelines: Vec<(String, String)>,
}

/// Feeds a hasher with every byte read through it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<R: Read> HashingReader<R> {
    /// Reads whatever is left (so the hash covers the whole file) and returns
    /// the hex digest and the size.
    fn finish(mut self) -> std::io::Result<(String, u64)> {
        std::io::copy(&mut self.inner, &mut self.hasher)?;
        let digest = self.hasher.finalize();
        let hex = digest.iter().map(|b| format!("{b:02x}")).collect();
        Ok((hex, self.bytes))
    }
}

fn format_of(path: &Path) -> &'static str {
    match path.extension().map(|e| e.to_string_lossy().to_lowercase()).as_deref() {
        Some("json" | "jsonl" | "ndjson") => "json",
        Some("ics") => "ics",
        Some("parquet") => "parquet",
        Some("csv" | "tsv" | "txt") => "csv",
        _ => "other",
    }
}

fn load_file(file: &InputFile, opts: &LoadOptions) -> Result<FileResult> {
    let path = &file.path;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let format = format_of(path);
    let mapped = opts.mapping.as_ref().and_then(|m| m.entry_for(&name).map(|e| (m, e)));
    let object = Object::from_file_name(path);
    let mut ctx = FileCtx::new(path, format);
    ctx.zone = opts.zone.unwrap_or(chrono_tz::UTC);
    if let Some((m, _)) = mapped {
        ctx.system = m.source_system.clone();
        ctx.zone = m.zone();
    }
    let how = match (mapped, object, format) {
        (Some((m, e)), _, "csv" | "json") => ColumnMap::from_entry(m, e).map(How::Mapped),
        (_, Some(Object::Calendar), _) => Some(How::Calendar),
        (_, Some(obj), "parquet") => table_of(obj).map(How::Parquet),
        (_, Some(obj), "csv" | "json") => Some(How::Object(obj)),
        (_, None, "json") if looks_like_envelopes(path)? => Some(How::Envelopes),
        _ => None,
    };
    if fs_err::metadata(path)?.len() == 0 {
        return ctx.skipped("empty file");
    }
    let Some(how) = how else {
        let why =
            if name == "pipetrust.toml" { "audit config" } else { "not a recognised export file" };
        return ctx.skipped(why);
    };
    ctx.report.object = Some(how.name());
    match how {
        How::Calendar => ctx.load_ics()?,
        How::Parquet(table) => ctx.load_parquet(table)?,
        How::Mapped(map) => ctx.load_rows(|_, f, _| map.map_fields(f), Headers::Mapped(&map))?,
        How::Object(obj) => {
            let zone = ctx.zone;
            let profile = opts.profile;
            let headers = Headers::Object(obj, profile, zone);
            ctx.load_rows(
                |stream, f, canonical| route(obj, stream, f, profile, canonical, zone),
                headers,
            )?;
        },
        How::Envelopes => {
            ctx.load_rows(|stream, f, _| envelope(stream, f), Headers::None)?;
        },
    }
    ctx.finish()
}

impl ColumnMap {
    fn map_fields(&self, f: &Fields<'_>) -> std::result::Result<Vec<Row>, FieldError> {
        self.map(f.record())
    }
}

/// What a CSV header must hold for the way the file is read.
enum Headers<'a> {
    None,
    Mapped(&'a ColumnMap),
    Object(Object, Profile, Tz),
}

impl Headers<'_> {
    fn check(&self, path: &Path, have: &[String]) -> Result<()> {
        match self {
            Headers::None => Ok(()),
            Headers::Mapped(map) => map.check_headers(path, have),
            Headers::Object(obj, profile, zone) => {
                let canonical = *profile == Profile::Canonical
                    || (*profile == Profile::Auto && have.iter().any(|h| is_canonical_key(h)));
                match table_of(*obj) {
                    Some(table) if canonical => {
                        ColumnMap::canonical(table, *zone).check_headers(path, have)
                    },
                    _ => check_pipedrive_headers(*obj, path, have),
                }
            },
        }
    }
}

fn check_pipedrive_headers(obj: Object, path: &Path, have: &[String]) -> Result<()> {
    for (canonical, keys) in pipedrive::required_columns(obj) {
        if !keys.iter().any(|k| have.iter().any(|h| h == k)) {
            return Err(Error::MissingColumn {
                path: path.to_owned(),
                table: obj.name(),
                missing: format!(
                    "`{canonical}` (as {})",
                    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" or ")
                ),
                have: have.to_vec(),
            });
        }
    }
    Ok(())
}

fn is_canonical_key(header: &str) -> bool {
    [DEAL_KEY, CHANGE_KEY, ACTIVITY_KEY, NOTE_KEY, PERSON_KEY, ORG_KEY, STAGE_KEY, USER_KEY]
        .contains(&header)
}

enum How {
    Calendar,
    Parquet(Table),
    Mapped(ColumnMap),
    Object(Object),
    Envelopes,
}

impl How {
    fn name(&self) -> &'static str {
        match self {
            How::Calendar => Object::Calendar.name(),
            How::Parquet(t) => t.name(),
            How::Mapped(m) => m.table().name(),
            How::Object(o) => o.name(),
            How::Envelopes => "airbyte streams",
        }
    }
}

fn table_of(object: Object) -> Option<Table> {
    match object {
        Object::Deals => Some(Table::Deals),
        Object::DealFlow => Some(Table::DealChanges),
        Object::Activities => Some(Table::Activities),
        Object::Notes => Some(Table::Notes),
        Object::Persons => Some(Table::Persons),
        Object::Organizations => Some(Table::Organizations),
        Object::Stages => Some(Table::Stages),
        Object::Users => Some(Table::Users),
        Object::Calendar => Some(Table::CalendarEvents),
        Object::Pipelines => None,
    }
}

/// An unrecognised JSON file whose first record is an Airbyte envelope.
fn looks_like_envelopes(path: &Path) -> Result<bool> {
    let mut head = vec![0u8; 4096];
    let n = fs_err::File::open(path)?.read(&mut head)?;
    let head = String::from_utf8_lossy(&head[..n]);
    Ok(head.contains("\"stream\"") && head.contains("\"data\""))
}

type Mapped = std::result::Result<Vec<Row>, FieldError>;

/// Maps a row of a recognised file. `/flow` items that are not deal changes
/// (notes, activities, mails in the feed) are rejected with the reason: they
/// load from their own files.
fn route(
    obj: Object,
    stream: Option<&str>,
    f: &Fields<'_>,
    profile: Profile,
    canonical: bool,
    zone: Tz,
) -> Mapped {
    if let Some(stream) = stream.filter(|s| Object::from_stream(s) != Some(obj)) {
        let reason = format!(
            "`{stream}` item in a {} file: not a deal change; load it from its own export",
            obj.name()
        );
        return Err(FieldError::new("object", stream, reason));
    }
    let use_canonical = profile == Profile::Canonical || (profile == Profile::Auto && canonical);
    match table_of(obj) {
        Some(table) if use_canonical => ColumnMap::canonical(table, zone).map(f.record()),
        _ => pipedrive::map(obj, f),
    }
}

fn envelope(stream: Option<&str>, f: &Fields<'_>) -> Mapped {
    let stream = stream.unwrap_or("");
    match Object::from_stream(stream) {
        Some(obj) => pipedrive::map(obj, f),
        None => Err(FieldError::new(
            "stream",
            stream,
            format!("stream `{stream}` has no canonical table; not audited"),
        )),
    }
}

/// State of one file being loaded.
struct FileCtx {
    path: PathBuf,
    display: String,
    report: FileReport,
    buffers: BTreeMap<Table, TableBuffer>,
    rejected: Vec<Rejected>,
    pipelines: Vec<(String, String)>,
    parquet_frame: Option<(Table, DataFrame)>,
    system: String,
    zone: Tz,
}

impl FileCtx {
    fn new(path: &Path, format: &'static str) -> Self {
        let display = path.display().to_string();
        let report = FileReport {
            path: display.clone(),
            object: None,
            format,
            encoding: "utf-8",
            rows_read: 0,
            rows_loaded: 0,
            rows_rejected: 0,
            bytes: 0,
            sha256: String::new(),
            status: "loaded".to_owned(),
        };
        FileCtx {
            path: path.to_owned(),
            display,
            report,
            buffers: BTreeMap::new(),
            rejected: Vec::new(),
            pipelines: Vec::new(),
            parquet_frame: None,
            system: "pipedrive".to_owned(),
            zone: chrono_tz::UTC,
        }
    }

    fn open(&self) -> Result<HashingReader<fs_err::File>> {
        let inner = fs_err::File::open(&self.path)?;
        Ok(HashingReader { inner, hasher: Sha256::new(), bytes: 0 })
    }

    fn skipped(mut self, why: &str) -> Result<FileResult> {
        let (sha, bytes) = self.open()?.finish()?;
        self.report.sha256 = sha;
        self.report.bytes = bytes;
        self.report.status = format!("skipped: {why}");
        self.finish()
    }

    fn reject(&mut self, line: usize, err: FieldError) {
        self.report.rows_rejected += 1;
        let object = self.report.object.unwrap_or("").to_owned();
        self.rejected.push(Rejected {
            table: object,
            file: self.display.clone(),
            line: line as u64,
            column: (!err.column.is_empty()).then_some(err.column),
            raw_value: (!err.raw.is_empty()).then_some(err.raw),
            reason: err.reason,
        });
    }

    fn accept(&mut self, rows: Vec<Row>, line: usize) {
        self.report.rows_loaded += 1;
        for mut row in rows {
            row.set(SOURCE_SYSTEM, self.system.clone());
            row.set(SOURCE_FILE, self.display.clone());
            row.set(SOURCE_LINE, Cell::Int(line as i64));
            let table = row.table();
            self.buffers.entry(table).or_insert_with(|| TableBuffer::new(table)).push(&row);
        }
    }

    /// Reads a CSV or JSON file row by row through `map`.
    fn load_rows(
        &mut self,
        map: impl Fn(Option<&str>, &Fields<'_>, bool) -> Mapped,
        headers: Headers<'_>,
    ) -> Result<()> {
        let mut input = self.open()?;
        let path = self.path.clone();
        let zone = self.zone;
        let format = self.report.format;
        let mut canonical: Option<bool> = None;
        let mut sink = |item: Item<'_>| match item {
            Item::Bad(bad) => {
                self.report.rows_read += 1;
                self.reject(bad.line, FieldError::new("", &bad.raw, bad.reason));
            },
            Item::Row(stream, rec) => {
                self.report.rows_read += 1;
                let is_canonical = *canonical.get_or_insert_with(|| looks_canonical(rec));
                self.handle(stream, rec, zone, is_canonical, &map);
            },
        };
        let info: ReadInfo = match format {
            "csv" => {
                let info = read::read_csv(&path, &mut input, &mut sink)?;
                headers.check(&path, &info.headers)?;
                info
            },
            _ => read::read_json(&path, &mut input, &mut sink)?,
        };
        self.report.encoding = info.encoding;
        if !info.duplicate_headers.is_empty() {
            let names = info.duplicate_headers.join("`, `");
            tracing::warn!(file = %self.display, "duplicate headers `{names}`: the first of each is used");
            self.report.status = format!("loaded; duplicate headers `{names}` (the first is used)");
        }
        let (sha, bytes) = input.finish()?;
        self.report.sha256 = sha;
        self.report.bytes = bytes;
        Ok(())
    }

    fn handle(
        &mut self,
        stream: Option<&str>,
        rec: &dyn Record,
        zone: Tz,
        canonical: bool,
        map: &impl Fn(Option<&str>, &Fields<'_>, bool) -> Mapped,
    ) {
        let line = rec.line();
        let fields = Fields::new(rec, zone);
        if self.report.object == Some("pipelines") || stream == Some("pipelines") {
            return self.pipeline(&fields);
        }
        let rows = map(stream, &fields, canonical).and_then(|rows| {
            match rows.iter().find_map(Row::missing_required) {
                Some(col) => {
                    Err(FieldError::new(col, "", format!("required column `{col}` is empty")))
                },
                None => Ok(rows),
            }
        });
        match rows {
            Ok(rows) => self.accept(rows, line),
            Err(e) => self.reject(line, e),
        }
    }

    fn pipeline(&mut self, f: &Fields<'_>) {
        match (f.text(&["id"]), f.text(&["name"])) {
            (Some(id), Some(name)) => {
                self.pipelines.push((format!("{}:{id}", pipedrive::PREFIX), name));
                self.report.rows_loaded += 1;
            },
            _ => self.reject(f.line(), FieldError::new("id", "", "pipeline without id or name")),
        }
    }

    fn load_ics(&mut self) -> Result<()> {
        let mut input = self.open()?;
        let mut bytes = Vec::new();
        input.read_to_end(&mut bytes)?;
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                self.report.encoding = "windows-1252";
                encoding_rs::WINDOWS_1252.decode(e.as_bytes()).0.into_owned()
            },
        };
        let parsed = ics::parse_ics(&text);
        self.report.rows_read = parsed.vevents_seen as u64;
        let file =
            self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for event in parsed.events {
            let line = event.line;
            self.accept(vec![calendar_row(&file, event)], line);
        }
        for p in parsed.problems {
            let err = FieldError::new(&p.property, &p.raw, p.reason);
            self.reject(p.line, err);
        }
        let (sha, bytes) = input.finish()?;
        self.report.sha256 = sha;
        self.report.bytes = bytes;
        Ok(())
    }

    fn load_parquet(&mut self, table: Table) -> Result<()> {
        let (sha, bytes) = self.open()?.finish()?;
        self.report.sha256 = sha;
        self.report.bytes = bytes;
        let path = PlRefPath::try_from_path(&self.path)?;
        let named =
            |e: PolarsError| Error::input(&self.path, None, format!("unreadable Parquet: {e}"));
        let lf = LazyFrame::scan_parquet(path, ScanArgsParquet::default()).map_err(named)?;
        let have = lf.clone().collect_schema().map_err(named)?;
        let schema = table.schema();
        let mut exprs = Vec::new();
        for (name, dtype) in schema.iter() {
            let expr = if have.contains(name) {
                col(name.clone()).strict_cast(dtype.clone())
            } else if [SOURCE_SYSTEM, SOURCE_FILE, SOURCE_LINE].contains(&name.as_str()) {
                lit(NULL).cast(dtype.clone())
            } else if table.columns().iter().any(|c| c.name == name.as_str() && c.required) {
                return Err(Error::MissingColumn {
                    path: self.path.clone(),
                    table: table.name(),
                    missing: format!("`{name}`"),
                    have: have.iter_names().map(ToString::to_string).collect(),
                });
            } else {
                lit(NULL).cast(dtype.clone())
            };
            exprs.push(expr.alias(name.clone()));
        }
        let df = lf
            .select(exprs)
            .with_row_index("__row", Some(1))
            .with_columns([
                lit("other").alias(SOURCE_SYSTEM),
                lit(self.display.clone()).alias(SOURCE_FILE),
                col("__row").cast(DataType::Int64).alias(SOURCE_LINE),
            ])
            .drop(cols(["__row"]))
            .collect()
            .map_err(named)?;
        let n = df.height() as u64;
        self.report.rows_read = n;
        self.report.rows_loaded = n;
        self.parquet_frame = Some((table, df));
        Ok(())
    }

    fn finish(self) -> Result<FileResult> {
        let mut frames: Vec<_> = self.parquet_frame.into_iter().collect();
        for (table, buffer) in self.buffers {
            frames.push((table, buffer.finish()?));
        }
        Ok(FileResult {
            report: self.report,
            frames,
            rejected: self.rejected,
            pipelines: self.pipelines,
        })
    }
}

fn looks_canonical(rec: &dyn Record) -> bool {
    [DEAL_KEY, CHANGE_KEY, ACTIVITY_KEY, NOTE_KEY, PERSON_KEY, ORG_KEY, STAGE_KEY, USER_KEY]
        .iter()
        .any(|k| rec.get(k).is_some())
}

fn calendar_row(file: &str, e: ics::IcsEvent) -> Row {
    let mut row = Row::new(Table::CalendarEvents);
    let id = e.uid.clone().unwrap_or_else(|| format!("line{}", e.line));
    row.set(EVENT_KEY, format!("ics:{file}:{id}"));
    row.set(SOURCE_ID, e.uid.clone());
    row.set(UID, e.uid);
    row.set(SUBJECT, e.summary);
    row.set(ORGANIZER_EMAIL, e.organizer);
    match e.start {
        ics::IcsTime::Date(d) => {
            row.set(IS_ALL_DAY, true);
            row.set(START_DATE, Cell::Date(super::parse::days(d)));
        },
        ics::IcsTime::Instant(t) => {
            row.set(IS_ALL_DAY, false);
            row.set(START_AT, Cell::Instant(t.timestamp_micros()));
        },
    }
    if let Some(ics::IcsTime::Instant(t)) = e.end {
        row.set(END_AT, Cell::Instant(t.timestamp_micros()));
    }
    row.set(TZID, e.tzid);
    row.set(ZONE, e.zone);
    row.set(RRULE, e.rrule);
    row
}

/// Tables whose key must be unique, with the key column. (The change log is
/// left out: checking its ten million keys would cost more memory than a
/// repeated change does harm.)
const KEYED: [(Table, &str); 7] = [
    (Table::Deals, DEAL_KEY),
    (Table::Activities, ACTIVITY_KEY),
    (Table::Notes, NOTE_KEY),
    (Table::Persons, PERSON_KEY),
    (Table::Organizations, ORG_KEY),
    (Table::Stages, STAGE_KEY),
    (Table::Users, USER_KEY),
];

/// Keeps the first row of each key and rejects the rest, so a file read
/// twice (or two overlapping exports) cannot double the deals.
fn drop_duplicate_keys(
    frames: &mut BTreeMap<Table, DataFrame>,
    table: Table,
    key: &str,
    files: &mut [FileReport],
    rejected: &mut Vec<Rejected>,
) -> Result<()> {
    let df = &frames[&table];
    if df.height() == 0 {
        return Ok(());
    }
    let indexed = df.clone().lazy().with_row_index("__i", None);
    let firsts = indexed.clone().group_by([col(key)]).agg([col("__i").min().alias("__first")]);
    let joined = indexed
        .join(firsts, [col(key)], [col(key)], JoinArgs::new(JoinType::Left))
        .with_column(col("__i").eq(col("__first")).alias("__keep"))
        .collect()?;
    let keep = joined.column("__keep")?.bool()?.clone();
    if keep.all() {
        return Ok(());
    }
    let dupes = joined.filter(&!&keep)?;
    let (keys, files_col) =
        (dupes.column(key)?.str()?.clone(), dupes.column(SOURCE_FILE)?.str()?.clone());
    let lines = dupes.column(SOURCE_LINE)?.i64()?.clone();
    for i in 0..dupes.height() {
        let file = files_col.get(i).unwrap_or("").to_owned();
        if let Some(report) = files.iter_mut().find(|f| f.path == file) {
            report.rows_loaded -= 1;
            report.rows_rejected += 1;
        }
        rejected.push(Rejected {
            table: table.name().to_owned(),
            file,
            line: lines.get(i).unwrap_or(0).max(0) as u64,
            column: Some(key.to_owned()),
            raw_value: keys.get(i).map(str::to_owned),
            reason: format!("duplicate {key}: an earlier row with this key was loaded"),
        });
    }
    let kept = joined.filter(&keep)?.drop_many(["__i", "__first", "__keep"]);
    frames.insert(table, kept);
    Ok(())
}

/// Fills stage pipeline names from the pipelines file and won/lost times from
/// the close time where a profile only gives the latter.
fn post_process(
    frames: &mut BTreeMap<Table, DataFrame>,
    pipelines: &[(String, String)],
) -> Result<()> {
    if !pipelines.is_empty() {
        let keys: Vec<&str> = pipelines.iter().map(|p| p.0.as_str()).collect();
        let names: Vec<&str> = pipelines.iter().map(|p| p.1.as_str()).collect();
        let lookup =
            df!("__pk" => keys, "__pn" => names)?.lazy().unique(None, UniqueKeepStrategy::First);
        let stages = frames[&Table::Stages].clone().lazy();
        let joined = stages
            .join(lookup, [col(PIPELINE_KEY)], [col("__pk")], JoinArgs::new(JoinType::Left))
            .with_column(coalesce(&[col(PIPELINE_NAME), col("__pn")]).alias(PIPELINE_NAME))
            .select(Table::Stages.columns().iter().map(|c| col(c.name)).collect::<Vec<_>>())
            .collect()?;
        frames.insert(Table::Stages, joined);
    }
    let deals = frames[&Table::Deals].clone().lazy();
    let status = col(STATUS);
    let deals = deals
        .with_columns([
            when(status.clone().eq(lit("won")).and(col(WON_AT).is_null()))
                .then(col(CLOSED_AT))
                .otherwise(col(WON_AT))
                .alias(WON_AT),
            when(status.eq(lit("lost")).and(col(LOST_AT).is_null()))
                .then(col(CLOSED_AT))
                .otherwise(col(LOST_AT))
                .alias(LOST_AT),
        ])
        .collect()?;
    frames.insert(Table::Deals, deals);
    Ok(())
}
