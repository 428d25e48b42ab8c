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

/// Every canonical table: the given frames cast to the canonical schema
/// (missing columns null), the others empty.
pub fn inputs(given: Vec<(Table, DataFrame)>) -> Inputs {
    let given: BTreeMap<Table, DataFrame> = given.into_iter().collect();
    let frames = Table::ALL
        .iter()
        .map(|t| {
            let schema = t.schema();
            let df = given.get(t).cloned().unwrap_or_else(|| DataFrame::empty_with_schema(&schema));
            let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
            let exprs: Vec<Expr> = schema
                .iter()
                .map(|(name, dtype)| {
                    let e = if names.iter().any(|n| n == name.as_str()) {
                        col(name.clone())
                    } else {
                        lit(NULL)
                    };
                    e.cast(dtype.clone()).alias(name.clone())
                })
                .collect();
            (*t, df.lazy().select(exprs).collect().expect("test frame casts"))
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
