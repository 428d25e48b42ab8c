//! Format readers. Each streams the rows of one file to a sink as [`Record`]s,
//! with the row's line, and reports rows it could not even split into fields
//! (a broken JSON element, a ragged CSV row) as [`Unreadable`] rows.
//!
//! CSV: delimiter sniffed from the header line (`,` `;` tab `|`), UTF-8 BOM
//! dropped, fields that are not UTF-8 decoded as Windows-1252. JSON: arrays,
//! Pipedrive list pages (`{"success":…,"data":[…]}`), JSON Lines, and the
//! envelopes `{"stream","data"}` (Airbyte) and `{"object","data"}` (`/flow`).
//! CSV and JSON Lines stream; a JSON document is read whole.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use serde_json::Value;

use super::record::{Raw, Record};
use crate::error::{Error, Result};

/// A row that could not be split into fields.
#[derive(Debug, Clone)]
pub struct Unreadable {
    /// 1-based line.
    pub line: usize,
    /// The start of the raw text.
    pub raw: String,
    /// Why.
    pub reason: String,
}

/// What a reader hands to its sink for each row.
pub enum Item<'a> {
    /// A row, with the stream or object name of its envelope, if any.
    Row(Option<&'a str>, &'a dyn Record),
    /// A row that could not be read.
    Bad(Unreadable),
}

/// Reader-level facts about a file.
#[derive(Debug, Clone, Default)]
pub struct ReadInfo {
    /// `utf-8`, or `windows-1252` when some fields needed that decoding.
    pub encoding: &'static str,
    /// The CSV delimiter, when CSV.
    pub delimiter: Option<char>,
    /// Header names, when CSV.
    pub headers: Vec<String>,
    /// Header names that appeared more than once (the first one is used).
    pub duplicate_headers: Vec<String>,
}

/// Sniffs the CSV delimiter from the first line: the candidate that occurs
/// most often outside quotes.
pub fn sniff_delimiter(first_line: &[u8]) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &b in first_line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(i) = candidates.iter().position(|c| *c == b) {
            counts[i] += 1;
        }
    }
    let best = (0..4).max_by_key(|i| (counts[*i], 4 - i)).unwrap_or(0);
    candidates[best]
}

struct CsvRow<'a> {
    index: &'a HashMap<String, usize>,
    fields: &'a [String],
    line: usize,
}

impl Record for CsvRow<'_> {
    fn get(&self, key: &str) -> Option<Raw<'_>> {
        self.index.get(key).and_then(|i| self.fields.get(*i)).map(|s| Raw::Text(s))
    }

    fn line(&self) -> usize {
        self.line
    }
}

fn decode_field(bytes: &[u8], lossy: &mut bool) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            *lossy = true;
            encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned()
        },
    }
}

fn header_index(headers: &[String], info: &mut ReadInfo) -> HashMap<String, usize> {
    let mut index = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            continue; // trailing empty columns
        }
        if index.contains_key(h) {
            info.duplicate_headers.push(h.clone());
        } else {
            index.insert(h.clone(), i);
        }
    }
    index
}

/// Streams a CSV file. Row lines are physical lines (a quoted newline inside
/// a field moves the next row down, as an editor shows it).
pub fn read_csv(
    path: &Path,
    input: &mut dyn Read,
    sink: &mut dyn FnMut(Item<'_>),
) -> Result<ReadInfo> {
    let newlines = Rc::new(RefCell::new(LineIndex::default()));
    let counted = LineCounter { inner: input, offset: 0, index: Rc::clone(&newlines) };
    let mut file = BufReader::with_capacity(1 << 20, counted);
    let first = file.fill_buf()?;
    let first = first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first);
    let line_end = first.iter().position(|b| *b == b'\n').unwrap_or(first.len());
    let delimiter = sniff_delimiter(&first[..line_end]);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(file);
    let mut lossy = false;
    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(|e| csv_error(path, &e))?
        .iter()
        .map(|h| decode_field(h, &mut lossy).trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let mut info = ReadInfo { delimiter: Some(delimiter as char), ..ReadInfo::default() };
    let index = header_index(&headers, &mut info);
    let mut record = csv::ByteRecord::new();
    let mut fields: Vec<String> = Vec::with_capacity(headers.len());
    while reader.read_byte_record(&mut record).map_err(|e| csv_error(path, &e))? {
        let byte = record.position().map_or(0, csv::Position::byte);
        let line = newlines.borrow_mut().line_at(byte);
        if record.len() == 1 && record.get(0).is_some_and(<[u8]>::is_empty) {
            continue; // a blank line is not a row
        }
        if record.len() < headers.len() && record.iter().any(|f| f.contains(&b'\n')) {
            // A short row whose field runs over line ends: a quote opened and
            // never closed swallowed the lines after it.
            let message = format!(
                "unclosed quote: the row starting here runs over line ends and has {} of {} \
                 fields; the lines after it would be lost",
                record.len(),
                headers.len()
            );
            return Err(Error::input(path, Some(line), message));
        }
        if record.len() < headers.len() {
            let raw = clip(&decode_field(&record_text(&record, delimiter), &mut lossy));
            let reason = format!("expected {} fields, found {}", headers.len(), record.len());
            sink(Item::Bad(Unreadable { line, raw, reason }));
            continue;
        }
        if record.len() > headers.len() && !trailing_empty(&record, headers.len()) {
            let raw = decode_field(&record_text(&record, delimiter), &mut lossy);
            let reason = format!("expected {} fields, found {}", headers.len(), record.len());
            sink(Item::Bad(Unreadable { line, raw: clip(&raw), reason }));
            continue;
        }
        fields.clear();
        fields.extend(record.iter().map(|f| decode_field(f, &mut lossy)));
        let row = CsvRow { index: &index, fields: &fields, line };
        sink(Item::Row(None, &row));
    }
    info.encoding = if lossy { "windows-1252" } else { "utf-8" };
    info.headers = headers;
    Ok(info)
}

/// Byte offsets of the newlines read but not yet passed by a record, so a
/// record's byte offset converts to its physical line. Holds only the
/// newlines of the reader's look-ahead buffer.
#[derive(Debug, Default)]
struct LineIndex {
    pending: VecDeque<u64>,
    passed: usize,
}

impl LineIndex {
    /// 1-based line of a record starting at `offset` (offsets must not
    /// decrease). After a CRLF the parser reports the record at the `\n`, so
    /// a newline at the offset itself is already passed.
    fn line_at(&mut self, offset: u64) -> usize {
        while self.pending.front().is_some_and(|n| *n <= offset) {
            self.pending.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

/// Notes the offset of every newline that passes through.
struct LineCounter<R> {
    inner: R,
    offset: u64,
    index: Rc<RefCell<LineIndex>>,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut index = self.index.borrow_mut();
        for (i, _) in buf[..n].iter().enumerate().filter(|(_, b)| **b == b'\n') {
            index.pending.push_back(self.offset + i as u64);
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// The row's fields joined with the delimiter again, for the rejected table.
fn record_text(record: &csv::ByteRecord, delimiter: u8) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, field) in record.iter().enumerate() {
        if i > 0 {
            out.push(delimiter);
        }
        out.extend_from_slice(field);
    }
    out
}

fn trailing_empty(record: &csv::ByteRecord, width: usize) -> bool {
    record.iter().skip(width).all(<[u8]>::is_empty)
}

fn csv_error(path: &Path, e: &csv::Error) -> Error {
    let line = e.position().map(|p| p.line() as usize);
    Error::input(path, line, format!("unreadable CSV: {e}"))
}

/// Cuts raw text for the rejected table.
pub fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

struct JsonRow<'a> {
    map: &'a serde_json::Map<String, Value>,
    line: usize,
}

impl Record for JsonRow<'_> {
    fn get(&self, key: &str) -> Option<Raw<'_>> {
        self.map.get(key).map(Raw::Json)
    }

    fn line(&self) -> usize {
        self.line
    }
}

/// Reads a JSON or JSON Lines file.
pub fn read_json(
    path: &Path,
    input: &mut dyn Read,
    sink: &mut dyn FnMut(Item<'_>),
) -> Result<ReadInfo> {
    let info = ReadInfo { encoding: "utf-8", ..ReadInfo::default() };
    let mut reader = BufReader::with_capacity(1 << 20, input);
    let mut first = Vec::new();
    reader.read_until(b'\n', &mut first)?;
    let first_str = String::from_utf8_lossy(&first);
    let first_trim = first_str.trim_start_matches('\u{feff}').trim();
    let single_line_value = serde_json::from_str::<Value>(first_trim).is_ok();
    if single_line_value
        && first_trim.starts_with('{')
        && reader.fill_buf()?.iter().any(|b| !b.is_ascii_whitespace())
    {
        emit_line(first_trim, 1, sink);
        read_json_lines(reader, 2, sink)?;
        return Ok(info);
    }
    let mut bytes = first;
    reader.read_to_end(&mut bytes)?;
    read_json_document(path, &bytes, sink)?;
    Ok(info)
}

fn read_json_lines(
    reader: impl BufRead,
    start: usize,
    sink: &mut dyn FnMut(Item<'_>),
) -> Result<()> {
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line?;
        let text = String::from_utf8_lossy(&line);
        if !text.trim().is_empty() {
            emit_line(text.trim(), start + i, sink);
        }
    }
    Ok(())
}

fn emit_line(text: &str, line: usize, sink: &mut dyn FnMut(Item<'_>)) {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => emit_value(&value, line, sink),
        Err(e) => {
            let reason = format!("invalid JSON at column {}: {e}", e.column());
            sink(Item::Bad(Unreadable { line, raw: clip(text), reason }));
        },
    }
}

/// Sends one JSON value: an object row, unwrapping `{"stream"|"object", "data"}`.
fn emit_value(value: &Value, line: usize, sink: &mut dyn FnMut(Item<'_>)) {
    let Value::Object(map) = value else {
        let reason = "expected a JSON object".to_owned();
        sink(Item::Bad(Unreadable { line, raw: clip(&value.to_string()), reason }));
        return;
    };
    let envelope = map.get("stream").or_else(|| map.get("object")).and_then(Value::as_str);
    match (envelope, map.get("data")) {
        (Some(name), Some(Value::Object(inner))) => {
            sink(Item::Row(Some(name), &JsonRow { map: inner, line }));
        },
        _ => sink(Item::Row(None, &JsonRow { map, line })),
    }
}

fn read_json_document(path: &Path, bytes: &[u8], sink: &mut dyn FnMut(Item<'_>)) -> Result<()> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Some(spans) = element_spans(bytes) else {
        return match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => {
                emit_value(&v, 1, sink);
                Ok(())
            },
            Err(e) => Err(Error::input(
                path,
                Some(e.line()),
                format!("invalid JSON at column {}: {e}", e.column()),
            )),
        };
    };
    for span in spans {
        let text = &bytes[span.start..span.end];
        match serde_json::from_slice::<Value>(text) {
            Ok(v) => emit_value(&v, span.line, sink),
            Err(e) => {
                let raw = clip(&String::from_utf8_lossy(text));
                let reason = format!("invalid JSON element: {e}");
                sink(Item::Bad(Unreadable { line: span.line, raw, reason }));
            },
        }
    }
    Ok(())
}

/// Byte span of one array element and the line it starts on.
#[derive(Debug, PartialEq)]
struct Span {
    start: usize,
    end: usize,
    line: usize,
}

/// Finds the elements of the record array: the top-level array, or the array
/// under a top-level `"data"` key (a Pipedrive page). `None` when the document
/// has neither. A truncated document yields the complete elements plus the
/// broken tail as its own span, so the good rows still load.
fn element_spans(bytes: &[u8]) -> Option<Vec<Span>> {
    let (array_start, depth) = record_array_start(bytes)?;
    let mut spans = Vec::new();
    let mut scan = Scanner::new(bytes, array_start + 1);
    let mut level = depth;
    let mut start: Option<(usize, usize)> = None;
    while let Some((pos, b)) = scan.next_structural() {
        match b {
            b'{' | b'[' => {
                if level == depth && start.is_none() {
                    start = Some((pos, scan.line));
                }
                level += 1;
            },
            b'}' | b']' if level == depth => break,
            b'}' | b']' => {
                level -= 1;
                if level == depth
                    && let Some((s, line)) = start.take()
                {
                    spans.push(Span { start: s, end: pos + 1, line });
                }
            },
            _ => {
                if level == depth && start.is_none() && !matches!(b, b',') {
                    start = Some((pos, scan.line));
                }
            },
        }
    }
    if let Some((s, line)) = start {
        spans.push(Span { start: s, end: bytes.len(), line });
    }
    Some(spans)
}

/// Position of the `[` that opens the record array and its nesting depth.
fn record_array_start(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut scan = Scanner::new(bytes, 0);
    let (pos, b) = scan.next_structural()?;
    if b == b'[' {
        return Some((pos, 1));
    }
    if b != b'{' {
        return None;
    }
    let mut level = 1;
    let mut last_key_data = false;
    while let Some((pos, b)) = scan.next_structural() {
        match b {
            b'"' => last_key_data = level == 1 && scan.last_string == b"data",
            b'[' if level == 1 && last_key_data => return Some((pos, 2)),
            b'{' | b'[' => level += 1,
            b'}' | b']' => level -= 1,
            b':' => {},
            _ => last_key_data = false,
        }
        if level == 0 {
            return None;
        }
    }
    None
}

/// Walks JSON bytes yielding structural characters, skipping string bodies.
struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    last_string: &'a [u8],
}

impl<'a> Scanner<'a> {
    fn new(bytes: &'a [u8], pos: usize) -> Self {
        let line = 1 + bytes[..pos.min(bytes.len())].iter().filter(|b| **b == b'\n').count();
        Scanner { bytes, pos, line, last_string: b"" }
    }

    /// Next `{ } [ ] : ,` or `"` (whole string skipped) or a scalar start.
    fn next_structural(&mut self) -> Option<(usize, u8)> {
        while self.pos < self.bytes.len() {
            let at = self.pos;
            let b = self.bytes[at];
            self.pos += 1;
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {},
                b'"' => {
                    self.skip_string();
                    self.last_string = &self.bytes[at + 1..self.pos.saturating_sub(1).max(at + 1)];
                    return Some((at, b));
                },
                b'{' | b'}' | b'[' | b']' | b':' | b',' => return Some((at, b)),
                _ => {
                    self.skip_scalar();
                    return Some((at, b));
                },
            }
        }
        None
    }

    fn skip_string(&mut self) {
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    return;
                },
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                },
                _ => self.pos += 1,
            }
        }
        self.pos = self.pos.min(self.bytes.len());
    }

    fn skip_scalar(&mut self) {
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t' => return,
                _ => self.pos += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(s: &str) -> Vec<(String, usize)> {
        element_spans(s.as_bytes())
            .unwrap()
            .into_iter()
            .map(|sp| (s[sp.start..sp.end].to_owned(), sp.line))
            .collect()
    }

    #[test]
    fn array_elements_with_lines() {
        let got = spans("[\n {\"a\": \"x]}\"},\n {\"b\": [1,2]}\n]");
        assert_eq!(got, vec![("{\"a\": \"x]}\"}".into(), 2), ("{\"b\": [1,2]}".into(), 3)]);
    }

    #[test]
    fn pipedrive_page_data_array() {
        let doc = "{\"success\":true,\"data\":[{\"id\":1},\n{\"id\":2}],\"additional_data\":{}}";
        let got = spans(doc);
        assert_eq!(got, vec![("{\"id\":1}".into(), 1), ("{\"id\":2}".into(), 2)]);
    }

    #[test]
    fn truncated_array_keeps_complete_elements() {
        let got = spans("[{\"id\":1},\n{\"id\":2,\"t\":\"ab");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, "{\"id\":1}");
        assert!(serde_json::from_str::<Value>(&got[1].0).is_err());
    }

    #[test]
    fn delimiter_sniffing() {
        assert_eq!(sniff_delimiter(b"a;b;\"c,d\""), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter(b"a,b"), b',');
    }
}
