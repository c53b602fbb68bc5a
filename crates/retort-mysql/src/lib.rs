//! retort's MySQL and MariaDB dialect.
//!
//! * [`MysqlDialect`] is the pure half: it normalizes model schemas into the form
//!   introspection reports ([`normalize`], [`types`], [`sqlexpr`]) and renders
//!   changes as SQL ([`render`]).
//! * [`MysqlDriver`] owns one connection: bulk introspection from
//!   `information_schema` ([`introspect`]), statements, and the `GET_LOCK`
//!   migration lock ([`lock`]).
//!
//! # MySQL 8 and MariaDB
//!
//! Both are supported; MariaDB (10.6+) is what the tests run against. The driver
//! detects the flavour from `VERSION()` and reads the catalogs where they differ:
//!
//! | | MariaDB | MySQL 8 |
//! | --- | --- | --- |
//! | `JSON` | `longtext` + `CHECK (json_valid(col))`, folded back into `Json` | a real `json` type |
//! | `COLUMN_DEFAULT` | an SQL expression: `'abc'` quoted, `NULL` as the text `NULL`, `current_timestamp()` | literals unquoted (quoted by the driver from the column type); expressions flagged `DEFAULT_GENERATED` in `EXTRA`, strings inside with charset introducers (`_utf8mb4\'x\'`) |
//! | CHECK bodies | minimal parentheses, backticks, `lcase` for `lower` | fully parenthesized, backticks, charset introducers |
//! | `CHECK_CONSTRAINTS` | has `TABLE_NAME`; names are per table | no `TABLE_NAME`: joined with `TABLE_CONSTRAINTS`; names are per database |
//! | expression index parts | not supported (no `EXPRESSION` column) | `STATISTICS.EXPRESSION` |
//! | default FK action | reported as `RESTRICT` | reported as `NO ACTION` (both normalize to `NO ACTION`) |
//! | integer display widths | `int(11)` | none since 8.0.19 (except `tinyint(1)`) |
//!
//! # No transactional DDL
//!
//! Every DDL statement commits on its own. [`Dialect::transactional_ddl`] is
//! `false` and [`Dialect::begin_statements`] / [`Dialect::commit_statements`] are
//! empty: wrapping a revision in `BEGIN`/`COMMIT` would suggest an atomicity the
//! server does not give. The runner records progress per revision instead.
#![deny(missing_docs)]

pub mod driver;
pub mod introspect;
pub mod lock;
pub mod normalize;
pub mod render;
pub mod sqlexpr;
pub mod types;

pub use driver::MysqlDriver;

use retort_dialect::{Dialect, DialectKind, NormalizeError, Statement};
use retort_schema::{Change, Schema};

/// The MySQL/MariaDB dialect (pure: no connection).
#[derive(Debug, Clone, Copy, Default)]
pub struct MysqlDialect;

impl Dialect for MysqlDialect {
    fn kind(&self) -> DialectKind {
        DialectKind::Mysql
    }

    fn quote_ident(&self, ident: &str) -> String {
        sqlexpr::backtick(ident)
    }

    fn quote_literal(&self, value: &str) -> String {
        types::quote_string(value)
    }

    fn max_identifier_len(&self) -> usize {
        normalize::MAX_IDENT
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    fn normalize(&self, schema: &Schema) -> Result<Schema, Vec<NormalizeError>> {
        normalize::normalize_schema(schema)
    }

    fn render(&self, changes: &[Change]) -> Vec<Statement> {
        render::render_changes(changes)
    }

    fn begin_statements(&self) -> Vec<String> {
        Vec::new()
    }

    fn commit_statements(&self) -> Vec<String> {
        Vec::new()
    }

    fn version_table_ddl(&self, table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (revision VARCHAR(64) NOT NULL PRIMARY KEY, checksum VARCHAR(128) NOT NULL, applied_at VARCHAR(32) NOT NULL, duration_ms BIGINT NOT NULL)",
            self.quote_ident(table)
        )
    }
}
