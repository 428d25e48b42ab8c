//! Column buffers that rows are appended to while a file is read, turned into
//! a typed Polars frame at the end. Strings go straight into Arrow buffers, so
//! memory is the size of the data, not of one `String` per cell.

use polars::prelude::*;

use crate::model::{ColType, ColumnDef, Table};

/// One cell of a row on its way into a buffer.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Missing.
    Null,
    /// Text.
    Str(String),
    /// Integer.
    Int(i64),
    /// Float.
    Float(f64),
    /// Boolean.
    Bool(bool),
    /// UTC microseconds.
    Instant(i64),
    /// Days since the epoch.
    Date(i32),
}

impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Self {
        v.map_or(Cell::Null, Cell::Str)
    }
}

impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Str(v)
    }
}

impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Str(v.to_owned())
    }
}

impl From<bool> for Cell {
    fn from(v: bool) -> Self {
        Cell::Bool(v)
    }
}

impl From<Option<bool>> for Cell {
    fn from(v: Option<bool>) -> Self {
        v.map_or(Cell::Null, Cell::Bool)
    }
}

impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Cell::Null, Cell::Float)
    }
}

/// A row for one table, filled by column name.
pub struct Row {
    table: Table,
    names: &'static [&'static str],
    cells: Vec<Cell>,
}

impl Row {
    /// An empty row of `table`.
    pub fn new(table: Table) -> Self {
        let names = column_names(table);
        Row { table, names, cells: vec![Cell::Null; names.len()] }
    }

    /// The table the row belongs to.
    pub fn table(&self) -> Table {
        self.table
    }

    /// Sets a column. Panics on a column the table does not have: that is a
    /// programming error, caught by the ingest tests.
    pub fn set(&mut self, name: &'static str, cell: impl Into<Cell>) -> &mut Self {
        let ix = self
            .names
            .iter()
            .position(|n| {
                n.len() == name.len() && (std::ptr::eq(n.as_ptr(), name.as_ptr()) || *n == name)
            })
            .unwrap_or_else(|| panic!("table {} has no column {name}", self.table.name()));
        self.cells[ix] = cell.into();
        self
    }

    /// The cell of a column.
    pub fn get(&self, name: &str) -> &Cell {
        let ix = self.names.iter().position(|n| *n == name);
        ix.map_or(&Cell::Null, |i| &self.cells[i])
    }

    /// True when the column is empty.
    pub fn is_null(&self, name: &str) -> bool {
        *self.get(name) == Cell::Null
    }

    /// The first required column left empty, if any.
    pub fn missing_required(&self) -> Option<&'static str> {
        self.table
            .columns()
            .iter()
            .zip(&self.cells)
            .find(|(def, cell)| def.required && **cell == Cell::Null && !is_origin(def.name))
            .map(|(def, _)| def.name)
    }
}

/// Origin columns are set by the loader after mapping.
fn is_origin(name: &str) -> bool {
    use crate::model::col::{SOURCE_FILE, SOURCE_LINE, SOURCE_SYSTEM};
    [SOURCE_SYSTEM, SOURCE_FILE, SOURCE_LINE].contains(&name)
}

fn column_names(table: Table) -> &'static [&'static str] {
    use std::sync::OnceLock;
    static NAMES: OnceLock<Vec<Vec<&'static str>>> = OnceLock::new();
    let all = NAMES.get_or_init(|| {
        Table::ALL.iter().map(|t| t.columns().iter().map(|c| c.name).collect()).collect()
    });
    let ix = Table::ALL.iter().position(|t| *t == table).unwrap_or(0);
    &all[ix]
}

enum ColBuf {
    Str(StringChunkedBuilder),
    Int(PrimitiveChunkedBuilder<Int64Type>),
    Float(PrimitiveChunkedBuilder<Float64Type>),
    Bool(BooleanChunkedBuilder),
    Date(PrimitiveChunkedBuilder<Int32Type>),
}

impl ColBuf {
    fn new(def: &ColumnDef) -> Self {
        let name = PlSmallStr::from_static(def.name);
        match def.ty {
            ColType::Str => ColBuf::Str(StringChunkedBuilder::new(name, 1024)),
            ColType::Int | ColType::Instant => {
                ColBuf::Int(PrimitiveChunkedBuilder::new(name, 1024))
            },
            ColType::Float => ColBuf::Float(PrimitiveChunkedBuilder::new(name, 1024)),
            ColType::Bool => ColBuf::Bool(BooleanChunkedBuilder::new(name, 1024)),
            ColType::Date => ColBuf::Date(PrimitiveChunkedBuilder::new(name, 1024)),
        }
    }

    fn push(&mut self, cell: &Cell) {
        match (self, cell) {
            (ColBuf::Str(b), Cell::Str(s)) => b.append_value(s),
            (ColBuf::Int(b), Cell::Int(v) | Cell::Instant(v)) => b.append_value(*v),
            (ColBuf::Float(b), Cell::Float(v)) => b.append_value(*v),
            (ColBuf::Float(b), Cell::Int(v)) => b.append_value(*v as f64),
            (ColBuf::Bool(b), Cell::Bool(v)) => b.append_value(*v),
            (ColBuf::Date(b), Cell::Date(v)) => b.append_value(*v),
            (ColBuf::Str(b), _) => b.append_null(),
            (ColBuf::Int(b), _) => b.append_null(),
            (ColBuf::Float(b), _) => b.append_null(),
            (ColBuf::Bool(b), _) => b.append_null(),
            (ColBuf::Date(b), _) => b.append_null(),
        }
    }

    fn finish(self, ty: ColType) -> PolarsResult<Column> {
        let series = match self {
            ColBuf::Str(b) => b.finish().into_series(),
            ColBuf::Int(b) => b.finish().into_series(),
            ColBuf::Float(b) => b.finish().into_series(),
            ColBuf::Bool(b) => b.finish().into_series(),
            ColBuf::Date(b) => b.finish().into_series(),
        };
        Ok(series.cast(&ty.dtype())?.into_column())
    }
}

/// Growing columns of one canonical table.
pub struct TableBuffer {
    table: Table,
    defs: Vec<ColumnDef>,
    cols: Vec<ColBuf>,
    len: usize,
}

impl TableBuffer {
    /// An empty buffer for `table`.
    pub fn new(table: Table) -> Self {
        let defs = table.columns();
        let cols = defs.iter().map(ColBuf::new).collect();
        TableBuffer { table, defs, cols, len: 0 }
    }

    /// The table this buffer fills.
    pub fn table(&self) -> Table {
        self.table
    }

    /// Rows appended so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no row was appended.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a complete row.
    pub fn push(&mut self, row: &Row) {
        debug_assert_eq!(row.table, self.table);
        for (col, cell) in self.cols.iter_mut().zip(&row.cells) {
            col.push(cell);
        }
        self.len += 1;
    }

    /// The typed frame.
    pub fn finish(self) -> PolarsResult<DataFrame> {
        let columns = self
            .cols
            .into_iter()
            .zip(&self.defs)
            .map(|(col, def)| col.finish(def.ty))
            .collect::<PolarsResult<Vec<_>>>()?;
        DataFrame::new(self.len, columns)
    }
}

/// An empty frame with the table's schema.
pub fn empty_frame(table: Table) -> PolarsResult<DataFrame> {
    TableBuffer::new(table).finish()
}
