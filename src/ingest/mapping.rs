//! Column mappings: the `canonical` profile (files already in our column names)
//! and `--mapping FILE.toml` for any other layout. A mapping names, per input
//! file, the canonical table, the source column (or a `{column}` template, or a
//! constant) for each canonical column, date layouts and value maps.
//!
//! ```toml
//! source_system = "other"
//! key_prefix = "maven"
//! [[file]]
//! match = "sales_pipeline"        # file name starts with this
//! table = "deals"
//! [file.columns]
//! source_id = "opportunity_id"
//! title = "{product} for {account}"
//! [file.formats]
//! created_at = "%Y-%m-%d"
//! [file.values.status]
//! Won = "won"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use chrono_tz::Tz;
use serde::Deserialize;

use super::buffer::{Cell, Row};
use super::parse;
use super::record::{FieldError, Raw, Record};
use crate::error::{Error, Result};
use crate::model::col::*;
use crate::model::{ColType, ColumnDef, Table};

/// A mapping file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    /// `pipedrive`, `hubspot`, `salesforce` or `other`.
    #[serde(default = "other")]
    pub source_system: String,
    /// Prefix of the keys built from ids (`<prefix>:<id>`).
    pub key_prefix: String,
    /// Zone of zone-less times (IANA name); UTC when absent.
    pub timezone: Option<String>,
    /// One entry per input file layout.
    #[serde(rename = "file")]
    pub files: Vec<FileMapping>,
}

fn other() -> String {
    "other".to_owned()
}

/// How one input file maps onto one canonical table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileMapping {
    /// File names starting with this (case-insensitive) use this entry.
    #[serde(rename = "match")]
    pub file_match: String,
    /// Canonical table name.
    pub table: String,
    /// Canonical column → source column, `{col}` template or `=constant`.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Canonical column → strftime layout for dates and times.
    #[serde(default)]
    pub formats: BTreeMap<String, String>,
    /// Canonical column → (raw value → canonical value).
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

impl MappingFile {
    /// Reads and validates a mapping file.
    pub fn load(path: &Path) -> Result<MappingFile> {
        let text = fs_err::read_to_string(path)?;
        let mapping: MappingFile = toml::from_str(&text)
            .map_err(|e| Error::Config { path: path.to_owned(), message: e.to_string() })?;
        mapping.validate(path)?;
        Ok(mapping)
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let bad = |message: String| Error::Config { path: path.to_owned(), message };
        for file in &self.files {
            let table = table_by_name(&file.table).ok_or_else(|| {
                bad(format!("unknown table `{}` in [[file]] `{}`", file.table, file.file_match))
            })?;
            let names: Vec<_> = table.columns().iter().map(|c| c.name).collect();
            for column in file.columns.keys().chain(file.formats.keys()).chain(file.values.keys()) {
                if !names.contains(&column.as_str()) {
                    return Err(bad(format!(
                        "table `{}` has no column `{column}`; it has: {}",
                        file.table,
                        names.join(", ")
                    )));
                }
            }
        }
        if let Some(tz) = &self.timezone {
            tz.parse::<Tz>().map_err(|_| bad(format!("unknown time zone `{tz}`")))?;
        }
        Ok(())
    }

    /// The entry for a file name, if any.
    pub fn entry_for(&self, file_name: &str) -> Option<&FileMapping> {
        let lower = file_name.to_lowercase();
        self.files.iter().find(|f| lower.starts_with(&f.file_match.to_lowercase()))
    }

    /// Zone of zone-less times.
    pub fn zone(&self) -> Tz {
        self.timezone.as_deref().and_then(|t| t.parse().ok()).unwrap_or(chrono_tz::UTC)
    }
}

/// A canonical table by its name.
pub fn table_by_name(name: &str) -> Option<Table> {
    Table::ALL.into_iter().find(|t| t.name() == name)
}

/// Where a canonical column's value comes from.
#[derive(Debug, Clone)]
enum Getter {
    Column(String),
    Template(Vec<(bool, String)>),
    Const(String),
}

impl Getter {
    fn parse(spec: &str) -> Getter {
        if let Some(c) = spec.strip_prefix('=') {
            return Getter::Const(c.to_owned());
        }
        if !spec.contains('{') {
            return Getter::Column(spec.to_owned());
        }
        let mut parts = Vec::new();
        let mut rest = spec;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            parts.push((false, rest[..open].to_owned()));
            parts.push((true, rest[open + 1..close].to_owned()));
            rest = rest.get(close + 1..).unwrap_or("");
        }
        parts.push((false, rest.to_owned()));
        Getter::Template(parts)
    }

    fn columns(&self) -> Vec<&str> {
        match self {
            Getter::Column(c) => vec![c],
            Getter::Template(parts) => parts.iter().filter(|p| p.0).map(|p| p.1.as_str()).collect(),
            Getter::Const(_) => Vec::new(),
        }
    }

    fn value(&self, rec: &dyn Record) -> Option<String> {
        match self {
            Getter::Column(c) => rec.get(c).and_then(Raw::text).map(|t| t.into_owned()),
            Getter::Const(c) => Some(c.clone()),
            Getter::Template(parts) => {
                let mut out = String::new();
                let mut any = false;
                for (is_col, text) in parts {
                    if *is_col {
                        let v = rec.get(text).and_then(Raw::text);
                        any |= v.is_some();
                        out.push_str(v.as_deref().unwrap_or(""));
                    } else {
                        out.push_str(text);
                    }
                }
                let out = out.trim().to_owned();
                (any && !out.is_empty()).then_some(out)
            },
        }
    }
}

/// One canonical column: its definition, where its value comes from, the
/// date layout and the value map.
type MappedColumn = (ColumnDef, Getter, Option<String>, BTreeMap<String, String>);

/// A resolved mapping of one file onto one table.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    table: Table,
    prefix: String,
    zone: Tz,
    columns: Vec<MappedColumn>,
}

impl ColumnMap {
    /// The identity mapping of the `canonical` profile.
    pub fn canonical(table: Table, zone: Tz) -> ColumnMap {
        let columns = table
            .columns()
            .into_iter()
            .filter(|c| !is_origin(c.name))
            .map(|c| (c, Getter::Column(c.name.to_owned()), None, BTreeMap::new()))
            .collect();
        ColumnMap { table, prefix: String::new(), zone, columns }
    }

    /// The mapping an entry of a mapping file describes.
    pub fn from_entry(mapping: &MappingFile, entry: &FileMapping) -> Option<ColumnMap> {
        let table = table_by_name(&entry.table)?;
        let columns = table
            .columns()
            .into_iter()
            .filter_map(|c| {
                let getter = Getter::parse(entry.columns.get(c.name)?);
                let layout = entry.formats.get(c.name).cloned();
                let values = entry.values.get(c.name).cloned().unwrap_or_default();
                Some((c, getter, layout, values))
            })
            .collect();
        let prefix = mapping.key_prefix.clone();
        Some(ColumnMap { table, prefix, zone: mapping.zone(), columns })
    }

    /// The target table.
    pub fn table(&self) -> Table {
        self.table
    }

    /// Checks a CSV header against the mapping: every required column that
    /// cannot be derived must map to a present source column.
    pub fn check_headers(&self, path: &Path, headers: &[String]) -> Result<()> {
        let mapped: Vec<&str> = self.columns.iter().map(|c| c.0.name).collect();
        for def in self.table.columns() {
            let present =
                self.columns.iter().find(|c| c.0.name == def.name).is_some_and(|c| {
                    c.1.columns().iter().all(|col| headers.iter().any(|h| h == col))
                });
            let needed = def.required && !is_origin(def.name) && !derivable(self.table, def.name);
            if needed && (!present || !mapped.contains(&def.name)) {
                let source = self.columns.iter().find(|c| c.0.name == def.name);
                let tried = source.map_or(String::new(), |c| {
                    format!(" (mapped from `{}`)", c.1.columns().join("`, `"))
                });
                return Err(Error::MissingColumn {
                    path: path.to_owned(),
                    table: self.table.name(),
                    missing: format!("`{}`{tried}", def.name),
                    have: headers.to_vec(),
                });
            }
        }
        Ok(())
    }

    /// Maps one record.
    pub fn map(&self, rec: &dyn Record) -> std::result::Result<Vec<Row>, FieldError> {
        let mut row = Row::new(self.table);
        for (def, getter, layout, values) in &self.columns {
            let Some(mut raw) = getter.value(rec) else { continue };
            if let Some(mapped) = values.get(&raw) {
                raw = mapped.clone();
            }
            let column = getter.columns().first().copied().unwrap_or(def.name).to_owned();
            let cell = self
                .cell(def, &raw, layout.as_deref())
                .map_err(|r| FieldError::new(&column, &raw, r))?;
            row.set(def.name, cell);
        }
        if let Some(id) = rec.get(SOURCE_ID).and_then(Raw::text).filter(|_| row.is_null(SOURCE_ID))
        {
            row.set(SOURCE_ID, id.into_owned());
        }
        derive(self.table, &mut row, &self.prefix);
        if let Some(missing) = row.missing_required() {
            let source = self.columns.iter().find(|c| c.0.name == missing);
            let column = source.and_then(|c| c.1.columns().first().map(|s| (*s).to_owned()));
            let reason = format!("required column `{missing}` is empty");
            return Err(FieldError::new(column.as_deref().unwrap_or(missing), "", reason));
        }
        Ok(vec![row])
    }

    fn cell(
        &self,
        def: &ColumnDef,
        raw: &str,
        layout: Option<&str>,
    ) -> std::result::Result<Cell, String> {
        Ok(match def.ty {
            ColType::Str if is_key(def.name) && !self.prefix.is_empty() => {
                Cell::Str(format!("{}:{raw}", self.prefix))
            },
            ColType::Str => Cell::Str(raw.to_owned()),
            ColType::Int => Cell::Int(parse::integer(raw)?),
            ColType::Float => Cell::Float(parse::number(raw)?),
            ColType::Bool => Cell::Bool(parse::boolean(raw)?),
            ColType::Instant => Cell::Instant(match layout {
                Some(l) => parse::instant_with(raw, l, self.zone)?,
                None => parse::instant(raw, self.zone)?,
            }),
            ColType::Date => Cell::Date(match layout {
                Some(l) => parse::date_with(raw, l)?,
                None => parse::date(raw)?,
            }),
        })
    }
}

fn is_origin(name: &str) -> bool {
    [SOURCE_SYSTEM, SOURCE_FILE, SOURCE_LINE].contains(&name)
}

fn is_key(name: &str) -> bool {
    name.ends_with("_key") && name != SOURCE_KEY
}

/// Columns the loader fills itself when a file does not carry them.
fn derivable(table: Table, name: &str) -> bool {
    let keys = [
        DEAL_KEY,
        CHANGE_KEY,
        ACTIVITY_KEY,
        NOTE_KEY,
        PERSON_KEY,
        ORG_KEY,
        STAGE_KEY,
        USER_KEY,
        EVENT_KEY,
    ];
    let flags =
        [IS_ARCHIVED, IS_ALL_DAY, IS_PRIMARY, IS_CLOSED, IS_WON, IS_DELETED, OLD_VALUE_INFERRED];
    let defaults =
        [STATUS, CREATED_VIA, SOURCE_CLASS, SOURCE_KEY, KIND, ACTOR_CLASS, EMAIL_NORM, FIELD_RAW];
    let _ = table;
    keys.contains(&name) || flags.contains(&name) || defaults.contains(&name)
}

/// Fills the columns a file may leave out: keys from `source_id`, flags as
/// false, normalised classes from their raw columns.
pub fn derive(table: Table, row: &mut Row, prefix: &str) {
    let id = match row.get(SOURCE_ID) {
        Cell::Str(s) => Some(if prefix.is_empty() { s.clone() } else { format!("{prefix}:{s}") }),
        _ => None,
    };
    let own_key = match table {
        Table::Deals => DEAL_KEY,
        Table::DealChanges => CHANGE_KEY,
        Table::Activities => ACTIVITY_KEY,
        Table::Notes => NOTE_KEY,
        Table::Persons | Table::PersonEmails => PERSON_KEY,
        Table::Organizations => ORG_KEY,
        Table::Stages => STAGE_KEY,
        Table::Users => USER_KEY,
        Table::CalendarEvents => EVENT_KEY,
    };
    if row.is_null(own_key) && table != Table::PersonEmails {
        row.set(own_key, id);
    }
    for (col, default) in defaults(table) {
        if row.is_null(col) {
            let cell = derived_value(col, row, default);
            row.set(col, cell);
        }
    }
}

fn defaults(table: Table) -> Vec<(&'static str, Cell)> {
    let f = || Cell::Bool(false);
    match table {
        Table::Deals => {
            vec![(STATUS, "open".into()), (IS_ARCHIVED, f()), (CREATED_VIA, Cell::Null)]
        },
        Table::DealChanges => vec![
            (FIELD_RAW, Cell::Null),
            (SOURCE_CLASS, Cell::Null),
            (SOURCE_KEY, Cell::Null),
            (OLD_VALUE_INFERRED, f()),
        ],
        Table::Activities => vec![(KIND, Cell::Null), (IS_ALL_DAY, f())],
        Table::PersonEmails => vec![(EMAIL_NORM, Cell::Null), (IS_PRIMARY, f())],
        Table::Stages => vec![(IS_CLOSED, f()), (IS_WON, f()), (IS_DELETED, f())],
        Table::Users => vec![(ACTOR_CLASS, "unknown".into())],
        Table::CalendarEvents => vec![(IS_ALL_DAY, f())],
        _ => Vec::new(),
    }
}

fn derived_value(col: &str, row: &Row, default: Cell) -> Cell {
    let text = |c: &str| match row.get(c) {
        Cell::Str(s) => Some(s.clone()),
        _ => None,
    };
    use crate::model::provenance::{classify_pipedrive, source_key};
    use crate::model::{ActivityKind, CreationClass, SourceClass};
    match col {
        CREATED_VIA => {
            CreationClass::from_pipedrive_origin(text(CREATED_VIA_RAW).as_deref()).as_str().into()
        },
        FIELD_RAW => text(FIELD).into(),
        SOURCE_CLASS => {
            let raw = text(SOURCE_RAW);
            classify_pipedrive(raw.as_deref(), text(SOURCE_DETAIL).as_deref(), None, false)
                .as_str()
                .into()
        },
        SOURCE_KEY => {
            let class = text(SOURCE_CLASS).unwrap_or_default();
            let class = SourceClass::ALL
                .into_iter()
                .find(|c| c.as_str() == class)
                .unwrap_or(SourceClass::Unknown);
            source_key(class, text(SOURCE_DETAIL).as_deref(), text(SOURCE_RAW).as_deref()).into()
        },
        KIND => ActivityKind::from_type(text(TYPE_RAW).as_deref()).as_str().into(),
        EMAIL_NORM => text(EMAIL_RAW).map(|e| e.trim().to_lowercase()).into(),
        _ => default,
    }
}
