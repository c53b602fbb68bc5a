//! retort's MySQL and MariaDB dialect.
//!
//! * [`MysqlDialect`] is the pure half: it normalizes model schemas into the form
//!   introspection reports ([`normalize`], [`types`], [`sqlexpr`]) and renders
//!   changes as SQL ([`render`]).
//! * [`MysqlDriver`] owns one connection: bulk introspection from
//!   `information_schema` ([`introspect`]), statements, and the `GET_LOCK`
//!   migration lock ([`lock`]). Its dialect is a [`ServerDialect`]: the same
//!   pure rules, knowing the server's defaults (database and character-set
//!   collations, storage engine, whether `DESC` index parts are kept; see
//!   [`charset`]).
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
//! | `DESC` index parts (`STATISTICS.COLLATION = 'D'`) | kept since 10.8 | kept |
//! | default `utf8mb4` collation | `utf8mb4_general_ci` | `utf8mb4_0900_ai_ci` (read from `COLLATIONS.IS_DEFAULT`, never assumed) |
//! | JSON column collation | `utf8mb4_bin` (a `longtext`) | none |
//!
//! The full list, with what retort does about each, is in `docs/mysql.md`.
//!
//! # Choices of the normal form
//!
//! * `TimestampTz` is `datetime(6)` (no 2038 limit, no session time-zone
//!   conversion, microseconds); `Timestamp` is `datetime`; `Uuid` is `char(36)`;
//!   `Blob` is `blob`. See [`types`].
//! * Unique constraints are unique indexes on MySQL; the normal form keeps
//!   unique indexes over plain columns as [`retort_schema::UniqueConstraint`]s on
//!   both sides. See [`normalize`].
//! * The index InnoDB creates for a foreign key is left out on both sides; the
//!   renderer drops it with its key and recreates it when the key's covering index
//!   is dropped. See [`normalize`] and [`render`].
//! * `ON UPDATE CURRENT_TIMESTAMP` is part of the default:
//!   `server_default = "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"`.
//! * Generated columns are custom types: `sql_type = "int AS (a * 2) STORED"`.
//! * New columns are added at their model position (`AFTER`), so a downgrade
//!   restores the column order too.
//! * Collations, not character sets: a collation implies its character set. A
//!   table collation equal to its database's default and a column collation
//!   equal to its table's are absent; engine and row format are table options,
//!   the default engine absent. See [`charset`].
//! * Integer display widths are not compared; a column read from a database
//!   keeps its catalog spelling ([`retort_schema::Spelling`]) and a non-default
//!   width (`int(3)`) is written back as read.
//!
//! # Known limits
//!
//! * Expression index parts are read on MySQL 8 only (MariaDB has none).
//! * Table options other than engine, default collation and the `CREATE_OPTIONS`
//!   listed in [`charset::CREATE_OPTIONS`] (partitioning, tablespaces, auto-increment
//!   start) are not modelled.
//! * Collation names are compared as `utf8mb3_*`; servers older than MariaDB 10.6 /
//!   MySQL 8.0.30 accept only `utf8_*` in DDL.
//! * With `lower_case_table_names = 1` (Windows, macOS) model table names must be
//!   lower case.
//! * A NOT NULL generated column reads back as nullable (MariaDB cannot declare
//!   one, so the normal form drops the constraint).
//! * CHECK bodies are compared after MariaDB's printer (see [`sqlexpr`]); a
//!   construct its printer rewrites in a way not listed there is reported as
//!   a change until the model uses the printed spelling.
//! * MySQL 8 support follows its documented catalog; the test suite runs on
//!   MariaDB only.
//!
//! # No transactional DDL
//!
//! Every DDL statement commits on its own. [`Dialect::transactional_ddl`] is
//! `false` and [`Dialect::begin_statements`] / [`Dialect::commit_statements`] are
//! empty: wrapping a revision in `BEGIN`/`COMMIT` would suggest an atomicity the
//! server does not give. The runner records progress per revision instead.
#![deny(missing_docs)]

pub mod charset;
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

/// The MySQL/MariaDB dialect (pure: no connection). It knows no server's
/// defaults ([`charset::ServerDefaults::offline`]); a connected driver uses
/// [`ServerDialect`].
#[derive(Debug, Clone, Copy, Default)]
pub struct MysqlDialect;

/// The MySQL/MariaDB dialect with the defaults of one server (database and
/// character set collations, storage engine), so that a model's collation equal
/// to a default compares equal to the server's absent one. Still pure.
#[derive(Debug, Clone, Default)]
pub struct ServerDialect {
    /// The server's defaults.
    pub defaults: charset::ServerDefaults,
}

impl Dialect for ServerDialect {
    fn kind(&self) -> DialectKind {
        DialectKind::Mysql
    }

    fn quote_ident(&self, ident: &str) -> String {
        MysqlDialect.quote_ident(ident)
    }

    fn quote_literal(&self, value: &str) -> String {
        MysqlDialect.quote_literal(value)
    }

    fn max_identifier_len(&self) -> usize {
        MysqlDialect.max_identifier_len()
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    fn normalize(&self, schema: &Schema) -> Result<Schema, Vec<NormalizeError>> {
        normalize::normalize_schema_with(schema, &self.defaults)
    }

    fn render(&self, changes: &[Change]) -> Vec<Statement> {
        render::render_changes_with(changes, &self.defaults)
    }

    fn begin_statements(&self) -> Vec<String> {
        Vec::new()
    }

    fn commit_statements(&self) -> Vec<String> {
        Vec::new()
    }

    fn version_table_ddl(&self, table: &str) -> String {
        MysqlDialect.version_table_ddl(table)
    }
}

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
