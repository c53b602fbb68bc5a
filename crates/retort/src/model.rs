//! The traits `#[derive(Model)]` and `#[derive(DbEnum)]` implement.

use retort_schema::{ColumnType, Table};

/// A struct that maps to a database table. Implemented by `#[derive(Model)]`.
pub trait Model {
    /// The table this model describes.
    fn table() -> Table;
}

/// A Rust type with a column type of its own. Implemented by
/// `#[derive(DbEnum)]`; a `#[derive(Model)]` field whose type retort does not map
/// by name must implement it.
#[diagnostic::on_unimplemented(
    message = "retort cannot map `{Self}` to a column type",
    label = "no column type for this field",
    note = "give the column type with `#[model(sql_type = \"...\")]`, or mark the field `#[model(skip)]` if it is not a column",
    note = "for a fieldless enum, add `#[derive(retort::DbEnum)]` to it"
)]
pub trait DbType {
    /// The column type of a field of this type.
    fn column_type() -> ColumnType;
}

/// Deserialize the table description the derive serialized at compile time.
///
/// The JSON comes from the same `retort-schema` types in the same build, so a
/// failure means mismatched crate versions, a bug, not bad input.
#[doc(hidden)]
pub fn table_from_json(json: &str) -> Table {
    match serde_json::from_str(json) {
        Ok(table) => table,
        Err(e) => panic!(
            "retort: the derive's table description does not load ({e}); are retort and retort-derive the same version?"
        ),
    }
}
