//! Test helpers: canonical `Inputs` and a `RunContext` from small hand-made
//! frames. Only compiled for tests.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use polars::prelude::*;

use super::{Inputs, RunContext};
use crate::calendar::WorkCalendar;
use crate::config::Config;
use crate::model::Table;

/// Microseconds since the epoch of `"YYYY-MM-DD HH:MM"` read as UTC, for
/// instant columns (cast to the canonical type by [`inputs`]).
pub fn us(at: &str) -> i64 {
    NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M")
        .expect("test instant")
        .and_utc()
        .timestamp_micros()
}

/// The instant of `"YYYY-MM-DD HH:MM"` in UTC.
pub fn utc(at: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M").expect("test instant").and_utc()
}

/// `df` with exactly `table`'s canonical columns, in order: given ones cast
/// to their canonical type (instants from µs), missing ones null.
pub fn canonical(table: Table, df: &DataFrame) -> DataFrame {
    let n = df.height();
    let cols: Vec<Column> = table
        .schema()
        .iter()
        .map(|(name, dtype)| match df.column(name) {
            Ok(c) => c.cast(dtype).expect("test column casts to its canonical type"),
            Err(_) => Column::full_null(name.clone(), n, dtype),
        })
        .collect();
    DataFrame::new(n, cols).expect("test frame")
}

/// Every canonical table: the given frames made canonical, the others empty.
pub fn inputs(given: Vec<(Table, DataFrame)>) -> Inputs {
    let given: BTreeMap<Table, DataFrame> = given.into_iter().collect();
    let frames: BTreeMap<Table, DataFrame> = Table::ALL
        .iter()
        .map(|t| {
            let empty = || DataFrame::empty_with_schema(&t.schema());
            (*t, given.get(t).map_or_else(empty, |df| canonical(*t, df)))
        })
        .collect();
    Inputs::new(&frames)
}

/// A UTC run context with default config, no holidays and the given as-of.
pub fn context(as_of: &str) -> RunContext {
    RunContext {
        config: Config::default(),
        zone: chrono_tz::UTC,
        calendar: WorkCalendar::new([]),
        as_of: utc(as_of),
        since: None,
        until: None,
    }
}
