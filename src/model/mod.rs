//! The canonical model every profile maps onto: table schemas, column names and
//! the enums that normalise provenance. Column names live here and nowhere else.

pub mod col;
pub mod provenance;
pub mod tables;

pub use provenance::{ActivityKind, CreationClass, SourceClass};
pub use tables::{ColType, ColumnDef, Table};

/// The CRM a row came from.
pub const SOURCE_SYSTEMS: [&str; 4] = ["pipedrive", "hubspot", "salesforce", "other"];
