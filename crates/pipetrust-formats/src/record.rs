//! One input row, whatever the format: a CSV record or a JSON object, asked for
//! its fields by key. Typed getters turn raw text into cells or a `FieldError`
//! that names the column and the raw value.

use std::borrow::Cow;

use chrono_tz::Tz;
use serde_json::Value;

use super::parse;

/// A raw field value.
#[derive(Debug, Clone, Copy)]
pub enum Raw<'a> {
    /// A CSV field (or any text).
    Text(&'a str),
    /// A JSON value.
    Json(&'a Value),
}

impl<'a> Raw<'a> {
    /// The value as text; empty strings, nulls and empty arrays are `None`.
    /// A v1 link object (`{"value": 7, "name": …}`) yields its id.
    pub fn text(self) -> Option<Cow<'a, str>> {
        match self {
            Raw::Text(s) => non_empty(s).map(Cow::Borrowed),
            Raw::Json(v) => json_text(v),
        }
    }

    /// The underlying JSON value, if this is JSON.
    pub fn json(self) -> Option<&'a Value> {
        match self {
            Raw::Json(v) => Some(v),
            Raw::Text(_) => None,
        }
    }
}

fn non_empty(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

fn json_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::Null => None,
        Value::String(s) => non_empty(s).map(Cow::Borrowed),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Object(map) => {
            let id = map.get("value").or_else(|| map.get("id"))?;
            json_text(id)
        },
        Value::Array(_) => None,
    }
}

/// A row of input.
pub trait Record {
    /// The field under `key`, if the row has it.
    fn get(&self, key: &str) -> Option<Raw<'_>>;
    /// 1-based line (or record number) of the row in its file.
    fn line(&self) -> usize;
}

/// Why one field of a row could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The source column or key.
    pub column: String,
    /// The raw value.
    pub raw: String,
    /// Expected versus found.
    pub reason: String,
}

impl FieldError {
    /// A field error.
    pub fn new(column: &str, raw: &str, reason: impl Into<String>) -> Self {
        FieldError { column: column.to_owned(), raw: raw.to_owned(), reason: reason.into() }
    }
}

/// Typed access to a record's fields by a list of candidate keys (API key,
/// spreadsheet header…): the first key present with a non-empty value wins.
pub struct Fields<'r> {
    rec: &'r dyn Record,
    zone: Tz,
}

impl<'r> Fields<'r> {
    /// Wraps a record; zone-less times are read in `zone`.
    pub fn new(rec: &'r dyn Record, zone: Tz) -> Self {
        Fields { rec, zone }
    }

    /// The record itself.
    pub fn record(&self) -> &'r dyn Record {
        self.rec
    }

    /// The record's line.
    pub fn line(&self) -> usize {
        self.rec.line()
    }

    /// First present candidate, with the key that matched.
    pub fn raw(&self, keys: &[&'static str]) -> Option<(&'static str, Raw<'r>)> {
        keys.iter().find_map(|k| self.rec.get(k).filter(|r| r.text().is_some()).map(|r| (*k, r)))
    }

    /// First present JSON value (arrays and objects included).
    pub fn json(&self, keys: &[&str]) -> Option<&'r Value> {
        keys.iter().find_map(|k| self.rec.get(k).and_then(Raw::json).filter(|v| !v.is_null()))
    }

    /// Text value.
    pub fn text(&self, keys: &[&'static str]) -> Option<String> {
        self.raw(keys).and_then(|(_, r)| r.text()).map(Cow::into_owned)
    }

    /// Text value that must be there.
    pub fn required(&self, keys: &[&'static str]) -> Result<String, FieldError> {
        self.text(keys).ok_or_else(|| FieldError::new(keys[0], "", "required value is empty"))
    }

    /// UTC instant in microseconds.
    pub fn instant(&self, keys: &[&'static str]) -> Result<Option<i64>, FieldError> {
        self.typed(keys, |s| parse::instant(s, self.zone))
    }

    /// Calendar date as days since 1970-01-01.
    pub fn date(&self, keys: &[&'static str]) -> Result<Option<i32>, FieldError> {
        self.typed(keys, parse::date)
    }

    /// Decimal number (money, probability).
    pub fn float(&self, keys: &[&'static str]) -> Result<Option<f64>, FieldError> {
        self.typed(keys, parse::number)
    }

    /// Integer.
    pub fn int(&self, keys: &[&'static str]) -> Result<Option<i64>, FieldError> {
        self.typed(keys, parse::integer)
    }

    /// Boolean (`true/false`, `1/0`, `yes/no`, `done/undone`…).
    pub fn bool(&self, keys: &[&'static str]) -> Result<Option<bool>, FieldError> {
        self.typed(keys, parse::boolean)
    }

    fn typed<T>(
        &self,
        keys: &[&'static str],
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, FieldError> {
        let Some((key, raw)) = self.raw(keys) else { return Ok(None) };
        let text = raw.text().unwrap_or_default();
        parse(&text).map(Some).map_err(|reason| FieldError::new(key, &text, reason))
    }
}
