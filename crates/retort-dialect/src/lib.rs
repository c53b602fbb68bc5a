//! What a retort dialect is: the narrow questions the core asks a database family.
//!
//! A dialect has two halves, kept apart on purpose:
//!
//! * [`Dialect`] is pure: it normalizes a model [`Schema`] into the exact form
//!   introspection reports, quotes identifiers and renders [`Change`]s as SQL. It
//!   never touches a connection, so `upgrade --sql` and snapshot tests need no database.
//! * [`Driver`] owns one live connection: it introspects the whole schema in a few
//!   bulk catalog queries, executes statements and takes the migration lock.
//!
//! Facts that depend on data (NULL counts, duplicates) are gathered through
//! [`Driver::query`] before planning and handed to the linter as data.
#![deny(missing_docs)]

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use retort_schema::{Change, QualifiedName, Schema};
use serde::{Deserialize, Serialize};

/// A boxed future, so that [`Driver`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The database families retort supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DialectKind {
    /// SQLite 3.35+.
    Sqlite,
    /// PostgreSQL 13+.
    Postgres,
    /// MySQL 8 and MariaDB 10.6+.
    Mysql,
}

impl DialectKind {
    /// The dialect a connection URL names, from its scheme.
    pub fn from_url(url: &str) -> Option<DialectKind> {
        let scheme = url.split(':').next()?.to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Some(DialectKind::Sqlite),
            "postgres" | "postgresql" => Some(DialectKind::Postgres),
            "mysql" | "mariadb" => Some(DialectKind::Mysql),
            _ => None,
        }
    }

    /// Lower-case name: `sqlite`, `postgres`, `mysql`.
    pub fn name(self) -> &'static str {
        match self {
            DialectKind::Sqlite => "sqlite",
            DialectKind::Postgres => "postgres",
            DialectKind::Mysql => "mysql",
        }
    }
}

/// One SQL statement of a rendered migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The SQL, without a trailing semicolon. Empty for a pure to-do marker.
    pub sql: String,
    /// A comment line written above the statement (e.g. `rebuild table "t"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Something the author must decide: written as a `-- retort:todo` line above
    /// the statement, and `upgrade` refuses the file until it is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub todo: Option<String>,
    /// The statement cannot run inside a transaction (PostgreSQL `CREATE INDEX CONCURRENTLY`,
    /// `ALTER TYPE ... ADD VALUE` before PostgreSQL 12).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_transaction: bool,
}

impl Statement {
    /// A plain statement.
    pub fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            comment: None,
            todo: None,
            no_transaction: false,
        }
    }

    /// The same statement with a comment line above it.
    pub fn with_comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// The same statement with a to-do marker above it.
    pub fn with_todo(mut self, todo: impl Into<String>) -> Self {
        self.todo = Some(todo.into());
        self
    }
}

/// A model construct the dialect cannot express, found while normalizing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{object}: {message}")]
pub struct NormalizeError {
    /// What it is about, e.g. `table "users", column "price"`.
    pub object: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// The pure half of a dialect.
pub trait Dialect: Send + Sync {
    /// Which family this is.
    fn kind(&self) -> DialectKind;

    /// Quote an identifier, doubling quote characters inside it.
    fn quote_ident(&self, ident: &str) -> String;

    /// Quote a possibly schema-qualified name.
    fn quote_name(&self, name: &QualifiedName) -> String {
        match &name.schema {
            Some(s) => format!("{}.{}", self.quote_ident(s), self.quote_ident(&name.name)),
            None => self.quote_ident(&name.name),
        }
    }

    /// Quote a string literal.
    fn quote_literal(&self, value: &str) -> String {
        format!("'{}'", value.replace('\'', "''"))
    }

    /// The longest identifier the dialect accepts, in bytes.
    fn max_identifier_len(&self) -> usize;

    /// Whether DDL runs inside transactions that can be rolled back.
    fn transactional_ddl(&self) -> bool;

    /// Turn a model schema into exactly what introspection would report after
    /// the schema is created: types mapped to what the dialect stores, defaults and
    /// expressions in the dialect's normal form, implicit objects made explicit
    /// (or removed). Both sides of every diff pass through the same normal form, so
    /// `introspect(apply(render(create(M)))) == normalize(M)`.
    ///
    /// Introspected schemas are already normal; normalizing them again changes nothing.
    fn normalize(&self, schema: &Schema) -> Result<Schema, Vec<NormalizeError>>;

    /// Render changes, in order, as statements. `changes` comes from a diff of two
    /// normalized schemas; the renderer may reorder across tables where the dialect
    /// requires it (e.g. dropping foreign keys before the tables they reference).
    fn render(&self, changes: &[Change]) -> Vec<Statement>;

    /// Statements that open a revision's transaction (also printed by `upgrade --sql`).
    fn begin_statements(&self) -> Vec<String> {
        vec!["BEGIN".to_string()]
    }

    /// Statements that close a revision's transaction (also printed by `upgrade --sql`).
    fn commit_statements(&self) -> Vec<String> {
        vec!["COMMIT".to_string()]
    }

    /// The DDL that creates the version table (if it does not exist) with columns
    /// `revision` (text, primary key), `checksum` (text), `applied_at` (text, UTC
    /// `YYYY-MM-DD HH:MM:SS`) and `duration_ms` (integer).
    fn version_table_ddl(&self, table: &str) -> String;
}

/// What to introspect.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Schemas to read besides the connection's default one (those the models name).
    pub schemas: Vec<String>,
    /// Glob patterns (`*`, `?`) of table names never to read or touch.
    pub exclude_tables: Vec<String>,
    /// retort's own version table, never reported.
    pub version_table: String,
}

impl Scope {
    /// Whether a table name is out of scope (excluded or the version table).
    pub fn is_excluded(&self, table: &str) -> bool {
        table == self.version_table || self.exclude_tables.iter().any(|p| glob_match(p, table))
    }
}

/// Match `text` against a glob pattern with `*` and `?`.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

/// What went wrong talking to a database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DbError {
    /// The kind of failure.
    pub kind: DbErrorKind,
    /// A readable message, never containing a password.
    pub message: String,
    /// The statement that failed, if any.
    pub sql: Option<String>,
}

/// Broad classes of database failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DbErrorKind {
    /// The server could not be reached, or the database does not exist.
    Connect,
    /// A statement failed.
    Query,
    /// The migration lock could not be taken in time.
    LockTimeout,
    /// The catalog holds something retort cannot represent.
    Unsupported,
}

impl DbError {
    /// A failed statement.
    pub fn query(message: impl Into<String>, sql: impl Into<String>) -> Self {
        Self {
            kind: DbErrorKind::Query,
            message: message.into(),
            sql: Some(sql.into()),
        }
    }

    /// A connection failure.
    pub fn connect(message: impl Into<String>) -> Self {
        Self {
            kind: DbErrorKind::Connect,
            message: message.into(),
            sql: None,
        }
    }
}

/// Replace the password of a connection URL with `***`, for messages.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, tail) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if let Some((userinfo, host)) = authority.rsplit_once('@')
            && let Some((user, _pw)) = userinfo.split_once(':')
        {
            return format!("{scheme}://{user}:***@{host}{tail}");
        }
    }
    url.to_string()
}

/// One live connection, owned by the driver.
pub trait Driver: Send {
    /// The pure half of this dialect.
    fn dialect(&self) -> &dyn Dialect;

    /// Read every table, column, constraint, index and enum type in scope, in a
    /// small fixed number of bulk queries.
    fn introspect<'a>(&'a mut self, scope: &'a Scope) -> BoxFuture<'a, Result<Schema, DbError>>;

    /// Run one statement (or, where the driver allows, a batch); returns rows affected.
    fn execute<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<u64, DbError>>;

    /// Run a query and return every row with every column as text (`None` for NULL).
    fn query<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Vec<Option<String>>>, DbError>>;

    /// Take the migration lock (PostgreSQL and MySQL advisory locks; on SQLite
    /// nothing: the runner uses an exclusive transaction). Gives up after `timeout`
    /// with [`DbErrorKind::LockTimeout`], naming the holder where the server tells.
    fn lock<'a>(
        &'a mut self,
        key: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), DbError>>;

    /// Release the migration lock.
    fn unlock<'a>(&'a mut self, key: &'a str) -> BoxFuture<'a, Result<(), DbError>>;

    /// Start the transaction of one revision. The default runs
    /// [`Dialect::begin_statements`]; SQLite also turns foreign-key enforcement off
    /// for table rebuilds.
    fn begin(&mut self) -> BoxFuture<'_, Result<(), DbError>> {
        Box::pin(async move {
            for sql in self.dialect().begin_statements() {
                self.execute(&sql).await?;
            }
            Ok(())
        })
    }

    /// Commit the transaction of one revision. SQLite first checks that no
    /// foreign key is violated and fails (leaving the transaction open for
    /// [`Driver::rollback`]) if one is.
    fn commit(&mut self) -> BoxFuture<'_, Result<(), DbError>> {
        Box::pin(async move {
            for sql in self.dialect().commit_statements() {
                self.execute(&sql).await?;
            }
            Ok(())
        })
    }

    /// Roll back the transaction of one revision.
    fn rollback(&mut self) -> BoxFuture<'_, Result<(), DbError>> {
        Box::pin(async move {
            self.execute("ROLLBACK").await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redact_url("mysql://root@localhost/test"),
            "mysql://root@localhost/test"
        );
        assert_eq!(redact_url("sqlite://app.db"), "sqlite://app.db");
    }

    #[test]
    fn globs() {
        assert!(glob_match("tmp_*", "tmp_x"));
        assert!(!glob_match("tmp_*", "xtmp_x"));
        assert!(glob_match("a?c", "abc"));
    }
}
