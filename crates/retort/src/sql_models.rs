//! `[models] sql = [...]`: the desired schema written as plain DDL.
//!
//! The files are split into statements ([`retort_migrate::split_statements`]),
//! executed in order (files in the order given) on a [`Scratch`] database of the
//! configured dialect, and the result is read back with the dialect's own
//! introspection, the same code that reads the live database. So both sides of
//! every diff are read the same way.
//!
//! What retort manages is what introspection reads: tables, columns, keys,
//! unique constraints, indexes, foreign keys, checks, comments and (PostgreSQL)
//! enum types and sequences. Other objects (views, triggers, functions, MariaDB
//! sequences, extensions, grants) are executed, so that later statements may rely on them, but are not
//! part of the desired schema; [`SqlModels::ignored`] lists them so the caller
//! can say so.

use std::path::{Path, PathBuf};

use retort_dialect::{DbError, DialectKind, Driver, Scope};
use retort_schema::Schema;

use crate::scratch::Scratch;

/// What went wrong loading SQL models.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqlModelError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be split into statements (an unterminated string or comment).
    #[error("{}:{line}: {message}", path.display())]
    Split {
        /// The file.
        path: PathBuf,
        /// Where the unterminated token starts.
        line: usize,
        /// What is unterminated.
        message: String,
    },
    /// A statement failed on the scratch database.
    #[error("{}:{line}: the database rejected this statement: {message}\n  statement: {sql}", path.display())]
    Statement {
        /// The file.
        path: PathBuf,
        /// The statement's first line.
        line: usize,
        /// The database's message.
        message: String,
        /// The statement (shortened).
        sql: String,
    },
    /// A statement that would reach outside the scratch database (`USE`, `CREATE DATABASE`).
    #[error("{}:{line}: {message}", path.display())]
    Refused {
        /// The file.
        path: PathBuf,
        /// The statement's first line.
        line: usize,
        /// Why.
        message: String,
    },
    /// The scratch database could not be created, read or dropped.
    #[error("scratch database: {0}")]
    Db(#[from] DbError),
}

/// The desired schema read from SQL files.
#[derive(Debug, Clone, Default)]
pub struct SqlModels {
    /// The schema, as introspection reports it.
    pub schema: Schema,
    /// Statements that create objects retort does not manage (views, triggers,
    /// ...): `file:line: CREATE VIEW`. They were executed but are not compared.
    pub ignored: Vec<String>,
}

/// Load SQL model files: execute them on a scratch database made next to
/// `base_url` (the live database or a `dev_url`) and introspect it in `scope`
/// (its `schemas` are completed with those the files create, on PostgreSQL).
/// The scratch database is always dropped.
///
/// On PostgreSQL the files run in one transaction that is rolled back after the
/// schema is read, so nothing they do outlives the load (this matters for the
/// scratch-schema fallback, which shares a database), and session settings they
/// make (a `pg_dump` file empties `search_path`) are reset before reading. On the
/// other dialects the schema is read on a fresh connection.
pub async fn load(
    files: &[PathBuf],
    base_url: &str,
    scope: &Scope,
) -> Result<SqlModels, SqlModelError> {
    let kind = DialectKind::from_url(base_url);
    let mut sources = Vec::with_capacity(files.len());
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|source| SqlModelError::Read {
            path: path.clone(),
            source,
        })?;
        let text = match kind {
            Some(DialectKind::Mysql) => apply_delimiters(&unwrap_executable_comments(&text)),
            Some(DialectKind::Postgres) => drop_psql_meta_commands(&text),
            _ => text,
        };
        let mut statements =
            retort_migrate::split_statements(&text, 1).map_err(|e| SqlModelError::Split {
                path: path.clone(),
                line: e.line,
                message: format!("unterminated {}", e.what),
            })?;
        statements.retain(|st| !st.sql.trim().is_empty());
        for st in &statements {
            if let Some(why) = refused(&st.sql, kind) {
                return Err(SqlModelError::Refused {
                    path: path.clone(),
                    line: st.line,
                    message: why,
                });
            }
        }
        sources.push((path.clone(), statements));
    }
    let scratch = Scratch::create(base_url).await?;
    let result = async {
        let mut driver = scratch.connect().await?;
        if driver.dialect().kind() == DialectKind::Postgres {
            driver.execute("BEGIN").await?;
            let before = schemas(driver.as_mut()).await?;
            let ignored = execute(driver.as_mut(), &sources).await?;
            driver.execute("RESET ALL").await?;
            let schema = read(driver.as_mut(), scope, &before).await;
            let _ = driver.execute("ROLLBACK").await;
            Ok::<_, SqlModelError>(SqlModels {
                schema: schema?,
                ignored,
            })
        } else {
            let ignored = execute(driver.as_mut(), &sources).await?;
            drop(driver);
            let mut fresh = scratch.connect().await?;
            let schema = read(fresh.as_mut(), scope, &[]).await?;
            Ok(SqlModels { schema, ignored })
        }
    }
    .await;
    let dropped = scratch.drop().await;
    let models = result?;
    dropped?;
    Ok(models)
}

/// Run every statement, in order; the first failure names its file and line.
async fn execute(
    driver: &mut dyn Driver,
    sources: &[(PathBuf, Vec<retort_migrate::SplitStatement>)],
) -> Result<Vec<String>, SqlModelError> {
    let mut ignored = Vec::new();
    for (path, statements) in sources {
        let mut skipped = 0;
        for st in statements {
            if is_skipped(&st.sql) {
                skipped += 1;
                continue;
            }
            if let Some(what) = unmanaged(&st.sql) {
                ignored.push(format!("{}:{}: {what}", path.display(), st.line));
            }
            if let Err(e) = driver.execute(&st.sql).await {
                return Err(statement_error(path, st.line, &st.sql, e));
            }
        }
        if skipped > 0 {
            ignored.push(format!(
                "{}: {skipped} statement(s) about privileges or ownership (GRANT, REVOKE, OWNER TO, SET ROLE) or SQLite's internal tables were skipped",
                path.display()
            ));
        }
    }
    Ok(ignored)
}

/// Statements not run at all: privileges and ownership name roles the scratch
/// server may not have, and are not part of the schema retort manages; SQLite's
/// own tables (`sqlite_sequence` in a `.schema` dump) cannot be created by hand.
fn is_skipped(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    let w = |i: usize| words.get(i).copied().unwrap_or("");
    match w(0) {
        "GRANT" | "REVOKE" => true,
        "SET" => w(1) == "ROLE" || (w(1) == "SESSION" && w(2) == "AUTHORIZATION"),
        "ALTER" => words.windows(2).any(|p| p == ["OWNER", "TO"]),
        "CREATE" => {
            w(1) == "TABLE"
                && (w(2).starts_with("SQLITE_")
                    || w(2).starts_with("\"SQLITE_")
                    || (w(2) == "IF" && w(5).trim_start_matches('"').starts_with("SQLITE_")))
        }
        _ => false,
    }
}

/// Introspect, with the schemas created since `before` in scope too.
async fn read(
    driver: &mut dyn Driver,
    scope: &Scope,
    before: &[String],
) -> Result<Schema, SqlModelError> {
    let mut scope = scope.clone();
    for name in schemas(driver).await? {
        if !before.contains(&name) && !scope.schemas.contains(&name) {
            scope.schemas.push(name);
        }
    }
    scope.schemas.sort();
    Ok(driver.introspect(&scope).await?)
}

/// MySQL's executable comments (`/*!40101 SET NAMES utf8 */`, MariaDB's
/// `/*M!100100 ... */`), as `mysqldump` writes them, turned into their content so
/// that they run; line breaks are kept, so lines stay right.
fn unwrap_executable_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    while let Some(i) = [rest.find("/*!"), rest.find("/*M!")]
        .into_iter()
        .flatten()
        .min()
    {
        let (before, from) = rest.split_at(i);
        out.push_str(before);
        let body = from
            .strip_prefix("/*M!")
            .or_else(|| from.strip_prefix("/*!"))
            .unwrap_or(from);
        let Some(end) = body.find("*/") else {
            out.push_str(from);
            return out;
        };
        let inner = body[..end].trim_start_matches(|c: char| c.is_ascii_digit());
        out.push(' ');
        out.push_str(inner);
        out.push(' ');
        rest = &body[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The MySQL client's `DELIMITER` command (not SQL, but in every dump with
/// triggers or routines): the command lines are blanked and a statement ending
/// with the custom delimiter ends with `;` instead (the splitter knows
/// `BEGIN ... END` bodies). Line numbers stay right.
fn apply_delimiters(src: &str) -> String {
    let mut delimiter = ";".to_string();
    let mut out = String::with_capacity(src.len());
    for line in src.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let trimmed = body.trim();
        let mut words = trimmed.splitn(2, char::is_whitespace);
        if words
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("DELIMITER"))
            && let Some(d) = words.next().map(str::trim).filter(|d| !d.is_empty())
        {
            delimiter = d.to_string();
            out.push_str(newline);
            continue;
        }
        if delimiter != ";"
            && let Some(stmt) = body.trim_end().strip_suffix(delimiter.as_str())
        {
            out.push_str(stmt);
            out.push(';');
            out.push_str(newline);
            continue;
        }
        out.push_str(line);
    }
    out
}

/// psql meta-commands (`\connect`, `\set`, and the `\restrict` lines of
/// recent `pg_dump`s) are not SQL: lines that start with one are blanked.
fn drop_psql_meta_commands(src: &str) -> String {
    src.split_inclusive('\n')
        .map(|line| {
            let mut chars = line.chars();
            if chars.next() == Some('\\') && chars.next().is_some_and(|c| c.is_ascii_alphabetic()) {
                if line.ends_with('\n') { "\n" } else { "" }
            } else {
                line
            }
        })
        .collect()
}

/// Statements that would reach outside the scratch database.
fn refused(sql: &str, kind: Option<DialectKind>) -> Option<String> {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(2)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let mysql = kind == Some(DialectKind::Mysql);
    let what = match (w(0), w(1)) {
        ("USE", _) => "USE",
        ("CREATE" | "DROP" | "ALTER", "DATABASE") => "a DATABASE statement",
        ("CREATE" | "DROP" | "ALTER", "SCHEMA") if mysql => "a SCHEMA (database) statement",
        _ => return None,
    };
    Some(format!(
        "{what} is not allowed in SQL models: they describe the objects of one database, and run on a scratch database of their own"
    ))
}

/// The PostgreSQL schemas of the database (none elsewhere).
async fn schemas(driver: &mut dyn Driver) -> Result<Vec<String>, DbError> {
    if driver.dialect().kind() != DialectKind::Postgres {
        return Ok(Vec::new());
    }
    let rows = driver
        .query(
            "SELECT nspname::text FROM pg_namespace \
             WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' \
             AND nspname <> current_schema()",
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect())
}

fn statement_error(path: &Path, line: usize, sql: &str, e: DbError) -> SqlModelError {
    let mut shown: String = sql.chars().take(200).collect();
    if shown.len() < sql.len() {
        shown.push_str(" ...");
    }
    SqlModelError::Statement {
        path: path.to_path_buf(),
        line,
        message: e.message,
        sql: shown,
    }
}

/// The kind of object a statement creates when retort does not manage it.
fn unmanaged(sql: &str) -> Option<String> {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(6)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    if words.first().map(String::as_str) != Some("CREATE") {
        return None;
    }
    let mut rest = &words[1..];
    while let Some(w) = rest.first() {
        match w.as_str() {
            "OR" | "REPLACE" | "TEMP" | "TEMPORARY" | "MATERIALIZED" | "RECURSIVE" | "DEFINER"
            | "ALGORITHM" | "SQL" | "SECURITY" => rest = &rest[1..],
            w if w.starts_with("DEFINER=") || w.starts_with("ALGORITHM=") => rest = &rest[1..],
            _ => break,
        }
    }
    let what = rest.first()?;
    match what.as_str() {
        "VIEW" | "TRIGGER" | "FUNCTION" | "PROCEDURE" | "EVENT" | "RULE" | "AGGREGATE"
        | "OPERATOR" | "DOMAIN" | "POLICY" => {
            let materialized = words.iter().any(|w| w == "MATERIALIZED");
            Some(format!(
                "CREATE {}{what} is executed but not managed by retort (only tables, indexes, constraints, enum types and PostgreSQL sequences are)",
                if materialized { "MATERIALIZED " } else { "" }
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_outside_the_database_are_refused() {
        let my = Some(DialectKind::Mysql);
        assert!(refused("USE live", my).is_some());
        assert!(refused("create database x", None).is_some());
        assert!(refused("CREATE SCHEMA x", my).is_some());
        assert!(refused("CREATE SCHEMA x", Some(DialectKind::Postgres)).is_none());
        assert!(refused("CREATE TABLE used (id int)", my).is_none());
    }

    #[test]
    fn privileges_and_internal_tables_are_skipped() {
        assert!(is_skipped("GRANT SELECT ON t TO app"));
        assert!(is_skipped("revoke all on schema public from public"));
        assert!(is_skipped("ALTER TABLE public.t OWNER TO zabbix"));
        assert!(is_skipped("SET SESSION AUTHORIZATION 'x'"));
        assert!(is_skipped("SET ROLE x"));
        assert!(is_skipped("CREATE TABLE sqlite_sequence(name,seq)"));
        assert!(!is_skipped("SET search_path = public"));
        assert!(!is_skipped("ALTER TABLE t ADD COLUMN owner text"));
        assert!(!is_skipped("CREATE TABLE users (id int)"));
    }

    #[test]
    fn delimiters_and_meta_commands() {
        let src = "CREATE TABLE t (a int);\nDELIMITER ;;\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN\n  SET NEW.a = 1;\nEND ;;\nDELIMITER ;\nCREATE TABLE u (b int);\n";
        let got = apply_delimiters(src);
        assert_eq!(
            got,
            "CREATE TABLE t (a int);\n\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN\n  SET NEW.a = 1;\nEND ;\n\nCREATE TABLE u (b int);\n"
        );
        let split = retort_migrate::split_statements(&got, 1).expect("split");
        assert_eq!(split.len(), 3, "{split:?}");
        assert_eq!(split[2].line, 7);
        assert_eq!(
            drop_psql_meta_commands("\\restrict abc\nSET x = 1;\n\\connect db\nSELECT '\\n';\n"),
            "\nSET x = 1;\n\nSELECT '\\n';\n"
        );
    }

    #[test]
    fn mysql_executable_comments_run() {
        assert_eq!(
            unwrap_executable_comments(
                "/*!40101 SET NAMES utf8 */;\n/* plain */ x /*M!100100 y\nz */;"
            ),
            "  SET NAMES utf8  ;\n/* plain */ x   y\nz  ;"
        );
    }

    #[test]
    fn unmanaged_objects_are_named() {
        assert!(unmanaged("CREATE VIEW v AS SELECT 1").is_some());
        assert!(unmanaged("create or replace view v as select 1").is_some());
        assert!(unmanaged("CREATE MATERIALIZED VIEW v AS SELECT 1").is_some());
        assert!(unmanaged("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END").is_some());
        assert!(unmanaged("CREATE TABLE t (id int)").is_none());
        assert!(unmanaged("CREATE UNIQUE INDEX i ON t (a)").is_none());
        assert!(unmanaged("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)").is_none());
    }

    #[test]
    fn sqlite_ddl_is_read_back() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let dir = std::env::temp_dir().join(format!("retort_sqlmodels_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("schema.sql");
        std::fs::write(
            &file,
            "-- users\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n\n\
             CREATE INDEX ix_users_name ON users (name);\nCREATE VIEW v AS SELECT id FROM users;\n",
        )
        .expect("write");
        let scope = Scope {
            version_table: "retort_version".into(),
            ..Default::default()
        };
        let m = rt
            .block_on(load(
                std::slice::from_ref(&file),
                "sqlite://ignored.db",
                &scope,
            ))
            .expect("load");
        assert_eq!(m.schema.tables.len(), 1);
        assert_eq!(m.schema.tables[0].name, "users");
        assert_eq!(m.ignored.len(), 1);
        assert!(
            m.ignored[0].contains("schema.sql:5: CREATE VIEW"),
            "{:?}",
            m.ignored
        );

        std::fs::write(
            &file,
            "CREATE TABLE a (id INTEGER);\n\nCREATE TABLE a (id INTEGER);\n",
        )
        .expect("write");
        let e = rt
            .block_on(load(
                std::slice::from_ref(&file),
                "sqlite://ignored.db",
                &scope,
            ))
            .expect_err("duplicate table");
        let msg = e.to_string();
        assert!(msg.starts_with(&format!("{}:3: ", file.display())), "{msg}");
        assert!(msg.contains("already exists"), "{msg}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
