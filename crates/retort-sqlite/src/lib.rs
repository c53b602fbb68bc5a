//! The SQLite dialect of retort.
//!
//! - [`SqliteDialect`] is the pure half: it normalizes model schemas into what
//!   SQLite introspection reports ([`normalize`]), and renders changes as SQL
//!   ([`render`]), using `ALTER TABLE` where SQLite allows it and the documented
//!   table rebuild ([`rebuild`]) everywhere else.
//! - [`SqliteDriver`] owns one connection: it introspects a database in three
//!   catalog queries ([`introspect`]), runs statements, and wraps each revision in
//!   `PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE` ... `PRAGMA foreign_key_check;
//!   COMMIT; PRAGMA foreign_keys = ON`, so rebuilds cannot cascade deletes and a
//!   revision that breaks a reference fails whole.
//!
//! The invariant the tests hold it to: for any model schema `M` it accepts,
//! `introspect(execute(render([CreateTable t | t in normalize(M)]))) == normalize(M)`,
//! names included; and after applying `render(diff(A, B))` the database reads back
//! as `B` with an empty diff, and `render(plan.reverse())` takes it back to `A`.
//!
//! Choices worth knowing (details in each module):
//! - declared types round-trip verbatim (`VARCHAR(20)`, `TIMESTAMP`, `JSON`, ...,
//!   see [`types`]); `Decimal` is refused (use `sql_type`); enums are `TEXT` plus a
//!   CHECK;
//! - an auto-increment single-column integer key is the rowid alias
//!   `INTEGER PRIMARY KEY`; booleans are stored and compared as `1`/`0`;
//! - introspection reports every constraint and index with `named: false`, so
//!   items the model does not name match by definition (other tools' names, and
//!   convention names gone stale after renames, since SQLite renames neither);
//!   what the model names is matched by name too;
//! - comments are dropped (SQLite keeps none).
//!
//! Known limits: `WITHOUT ROWID`, `STRICT`, generated columns, triggers and the
//! `AUTOINCREMENT` keyword are outside retort's schema model: they are read as
//! ordinary tables and columns, and a table rebuild does not keep them. Only the
//! `main` schema is read (no attached databases).
#![deny(missing_docs)]

mod ddl_parse;
pub mod driver;
pub mod expr;
pub mod introspect;
mod lex;
pub mod normalize;
pub mod rebuild;
pub mod render;
pub mod types;

pub use driver::SqliteDriver;

use retort_dialect::{Dialect, DialectKind, NormalizeError, Statement};
use retort_schema::{Change, Schema};

/// The pure half of the SQLite dialect.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn kind(&self) -> DialectKind {
        DialectKind::Sqlite
    }

    fn quote_ident(&self, ident: &str) -> String {
        render::q(ident)
    }

    fn max_identifier_len(&self) -> usize {
        // SQLite has no identifier limit short of SQLITE_MAX_SQL_LENGTH; keep names sane.
        1024
    }

    fn transactional_ddl(&self) -> bool {
        true
    }

    fn normalize(&self, schema: &Schema) -> Result<Schema, Vec<NormalizeError>> {
        normalize::normalize_schema(schema)
    }

    fn render(&self, changes: &[Change]) -> Vec<Statement> {
        render::render_changes(changes)
    }

    fn begin_statements(&self) -> Vec<String> {
        // PRAGMA foreign_keys is a no-op inside a transaction, so it comes first.
        vec!["PRAGMA foreign_keys = OFF".into(), "BEGIN IMMEDIATE".into()]
    }

    fn commit_statements(&self) -> Vec<String> {
        vec![
            "PRAGMA foreign_key_check".into(),
            "COMMIT".into(),
            "PRAGMA foreign_keys = ON".into(),
        ]
    }

    fn version_table_ddl(&self, table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (\n    \"revision\" TEXT PRIMARY KEY NOT NULL,\n    \"checksum\" TEXT NOT NULL,\n    \
             \"applied_at\" TEXT NOT NULL,\n    \"duration_ms\" INTEGER NOT NULL\n)",
            render::q(table)
        )
    }
}
