//! The traits `#[derive(Model)]` and `#[derive(DbEnum)]` implement.

use retort_schema::{ColumnType, Table};

/// A struct that maps to a database table. Implemented by `#[derive(Model)]`.
///
/// ```
/// use retort::Model;
///
/// #[derive(Model)]
/// #[model(table = "users")]
/// struct User {
///     #[model(primary_key)]
///     id: i32,
///     #[model(unique, max_length = 50)]
///     username: String,
/// }
///
/// let table = User::table();
/// assert_eq!(table.name, "users");
/// assert_eq!(table.uniques[0].name, "uq_users_username");
/// ```
///
/// A field type retort does not map is a compile error that suggests
/// `sql_type` or `skip`:
///
/// ```compile_fail
/// struct Address;
///
/// #[derive(retort::Model)]
/// struct User {
///     #[model(primary_key)]
///     id: i32,
///     home: Address,
/// }
/// ```
pub trait Model {
    /// The table this model describes.
    fn table() -> Table;
}

/// A Rust type with a column type of its own. Implemented by
/// `#[derive(DbEnum)]`; a `#[derive(Model)]` field whose type retort does not map
/// by name must implement it.
///
/// ```
/// use retort::{DbEnum, DbType, schema::ColumnType};
///
/// #[derive(DbEnum)]
/// #[model(name = "post_status")]
/// enum Status {
///     Draft,
///     InReview,
///     #[model(rename = "live")]
///     Published,
/// }
///
/// let ColumnType::Enum { name, values, .. } = Status::column_type() else { panic!() };
/// assert_eq!(name, "post_status");
/// assert_eq!(values, ["draft", "in_review", "live"]);
/// ```
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
