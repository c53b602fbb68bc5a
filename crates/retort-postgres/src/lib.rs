//! retort's PostgreSQL dialect (13+).
//!
//! * [`PostgresDialect`] is the pure half: [`normalize`](retort_dialect::Dialect::normalize)
//!   maps a model schema to exactly what introspection reports (see [`normalize`]),
//!   [`render`](retort_dialect::Dialect::render) turns changes into DDL (see [`render`]).
//! * [`PostgresDriver`] owns one connection: bulk catalog introspection ([`introspect`]),
//!   statements, and the advisory migration lock ([`lock`]).
//! * [`expr`] is the normal form of SQL expressions, [`types`] the type mapping.
#![deny(missing_docs)]

pub mod driver;
pub mod expr;
pub mod introspect;
pub mod lock;
pub mod normalize;
pub mod render;
pub mod types;

use retort_dialect::{Dialect, DialectKind, NormalizeError, Statement};
use retort_schema::{Change, Schema};

pub use driver::PostgresDriver;

/// PostgreSQL keeps 63 bytes of an identifier (NAMEDATALEN - 1).
pub const MAX_IDENT_LEN: usize = 63;

/// Quote an identifier with double quotes, doubling quotes inside it.
pub fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Quote a string literal, doubling single quotes (standard_conforming_strings is on since 9.1).
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The pure half of the PostgreSQL dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

impl Dialect for PostgresDialect {
    fn kind(&self) -> DialectKind {
        DialectKind::Postgres
    }

    fn quote_ident(&self, ident: &str) -> String {
        quote_ident(ident)
    }

    fn quote_literal(&self, value: &str) -> String {
        quote_literal(value)
    }

    fn max_identifier_len(&self) -> usize {
        MAX_IDENT_LEN
    }

    fn transactional_ddl(&self) -> bool {
        true
    }

    fn normalize(&self, schema: &Schema) -> Result<Schema, Vec<NormalizeError>> {
        normalize::normalize_schema(schema)
    }

    fn render(&self, changes: &[Change]) -> Vec<Statement> {
        render::render(changes)
    }

    fn version_table_ddl(&self, table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (revision TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL, duration_ms BIGINT NOT NULL)",
            quote_ident(table)
        )
    }
}
