//! [`SqliteDriver`]: one SQLite connection, as retort's [`Driver`].
//!
//! The driver holds a single connection (owned, or borrowed from an application's
//! pool) rather than a pool, because a revision's transaction is plain
//! `BEGIN IMMEDIATE` ... `COMMIT` on that connection. Only one writer can hold
//! `BEGIN IMMEDIATE`, which is how concurrent upgraders are serialized: the others
//! wait up to the busy timeout (30 s by default, or the lock timeout the runner
//! passes to [`Driver::lock`]) and then fail with [`DbErrorKind::LockTimeout`].

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use retort_dialect::{BoxFuture, DbError, DbErrorKind, Dialect, Driver, Scope};
use retort_schema::Schema;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{Connection, Row, Sqlite, SqliteConnection, TypeInfo, ValueRef};

use crate::SqliteDialect;

/// How long a connection waits for another writer before giving up, by default.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

enum Conn {
    Owned(SqliteConnection),
    Pooled(PoolConnection<Sqlite>),
}

/// One live SQLite connection.
pub struct SqliteDriver {
    conn: Conn,
    dialect: SqliteDialect,
}

impl std::fmt::Debug for SqliteDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDriver").finish_non_exhaustive()
    }
}

impl SqliteDriver {
    /// Open `sqlite://path`, `sqlite:path` or `sqlite::memory:` (query parameters
    /// as sqlx accepts them), creating the database file if it is missing (unless
    /// the URL sets `mode=`, e.g. `?mode=ro`). Fails
    /// with [`DbErrorKind::Connect`] naming the path when its directory does not exist.
    pub async fn connect(url: &str) -> Result<SqliteDriver, DbError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| DbError::connect(format!("invalid SQLite URL {url:?}: {e}")))?;
        // An explicit `?mode=` (e.g. `ro`) is the user's choice; otherwise create the file.
        let explicit_mode = url
            .split_once('?')
            .is_some_and(|(_, q)| q.split('&').any(|p| p.starts_with("mode=")));
        let options = if explicit_mode {
            options
        } else {
            options.create_if_missing(true)
        };
        let options = options.busy_timeout(DEFAULT_BUSY_TIMEOUT);
        let path = options.get_filename().to_path_buf();
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if let Some(dir) = path
            .parent()
            .filter(|d| !in_memory && !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            return Err(DbError::connect(format!(
                "cannot open SQLite database {}: directory {} does not exist (create it, or fix the database URL)",
                path.display(),
                dir.display()
            )));
        }
        let conn = SqliteConnection::connect_with(&options)
            .await
            .map_err(|e| {
                DbError::connect(format!(
                    "cannot open SQLite database {}: {e}",
                    display_path(&path, in_memory)
                ))
            })?;
        Ok(Self::from_connection(conn))
    }

    /// Drive an existing connection (e.g. one detached from an application's pool).
    pub fn from_connection(conn: SqliteConnection) -> SqliteDriver {
        SqliteDriver {
            conn: Conn::Owned(conn),
            dialect: SqliteDialect,
        }
    }

    /// Drive a connection acquired from an application's pool; it returns to the
    /// pool when the driver is dropped.
    pub fn from_pool_connection(conn: PoolConnection<Sqlite>) -> SqliteDriver {
        SqliteDriver {
            conn: Conn::Pooled(conn),
            dialect: SqliteDialect,
        }
    }

    /// The underlying connection.
    pub fn connection(&mut self) -> &mut SqliteConnection {
        match &mut self.conn {
            Conn::Owned(c) => c,
            Conn::Pooled(c) => c,
        }
    }

    async fn run(&mut self, sql: &str) -> Result<u64, DbError> {
        let result = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(self.connection())
            .await
            .map_err(|e| db_error(e, sql))?;
        Ok(result.rows_affected())
    }

    async fn fetch(&mut self, sql: &str) -> Result<Vec<SqliteRow>, DbError> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(self.connection())
            .await
            .map_err(|e| db_error(e, sql))
    }

    /// Fail when `PRAGMA foreign_key_check` reports a violated reference.
    async fn check_foreign_keys(&mut self) -> Result<(), DbError> {
        let sql = "PRAGMA foreign_key_check";
        let rows = self.fetch(sql).await?;
        if rows.is_empty() {
            return Ok(());
        }
        // (table, parent) -> (count, example rowid)
        let mut found: Vec<(String, String, usize, Option<i64>)> = Vec::new();
        for row in &rows {
            let table: String = row.try_get(0).unwrap_or_default();
            let rowid: Option<i64> = row.try_get(1).ok().flatten();
            let parent: String = row.try_get(2).unwrap_or_default();
            match found
                .iter_mut()
                .find(|(t, p, _, _)| *t == table && *p == parent)
            {
                Some(entry) => entry.2 += 1,
                None => found.push((table, parent, 1, rowid)),
            }
        }
        let details = found
            .iter()
            .map(|(t, p, n, rowid)| {
                let example = rowid
                    .map(|r| format!(", e.g. rowid {r}"))
                    .unwrap_or_default();
                format!("{n} row(s) of \"{t}\" reference missing rows of \"{p}\"{example}")
            })
            .collect::<Vec<_>>()
            .join("; ");
        Err(DbError::query(
            format!(
                "foreign key check failed, the revision is not committed: {details}. Delete or fix those rows \
                 (or the reference) in the revision, then run it again"
            ),
            sql,
        ))
    }
}

fn display_path(path: &Path, in_memory: bool) -> String {
    if in_memory {
        ":memory:".to_string()
    } else {
        path.display().to_string()
    }
}

/// A sqlx error as a [`DbError`]; SQLITE_BUSY becomes a lock timeout.
fn db_error(e: sqlx::Error, sql: &str) -> DbError {
    if let sqlx::Error::Database(db) = &e {
        let code = db.code().map(|c| c.to_string()).unwrap_or_default();
        if code == "5" || code == "517" || code == "6" {
            return DbError {
                kind: DbErrorKind::LockTimeout,
                message: format!(
                    "the SQLite database is locked by another connection (another upgrade, or an open write \
                     transaction) and did not become free in time: {db}"
                ),
                sql: Some(sql.to_string()),
            };
        }
        return DbError::query(db.message().to_string(), sql);
    }
    DbError::query(e.to_string(), sql)
}

/// Every column of a row as text: TEXT as is, INTEGER and REAL printed, BLOB as hex.
fn row_as_text(row: &SqliteRow) -> Vec<Option<String>> {
    (0..row.len())
        .map(|i| {
            let raw = row.try_get_raw(i).ok()?;
            if raw.is_null() {
                return None;
            }
            let ty = raw.type_info().name().to_string();
            match ty.as_str() {
                "INTEGER" => row
                    .try_get_unchecked::<i64, _>(i)
                    .ok()
                    .map(|v| v.to_string()),
                "REAL" => row
                    .try_get_unchecked::<f64, _>(i)
                    .ok()
                    .map(|v| v.to_string()),
                "BLOB" => row
                    .try_get_unchecked::<Vec<u8>, _>(i)
                    .ok()
                    .map(|b| b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
                _ => row.try_get_unchecked::<String, _>(i).ok(),
            }
        })
        .collect()
}

impl Driver for SqliteDriver {
    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    fn introspect<'a>(&'a mut self, scope: &'a Scope) -> BoxFuture<'a, Result<Schema, DbError>> {
        Box::pin(async move { crate::introspect::introspect(self.connection(), scope).await })
    }

    fn execute<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<u64, DbError>> {
        Box::pin(self.run(sql))
    }

    fn query<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Vec<Option<String>>>, DbError>> {
        Box::pin(async move { Ok(self.fetch(sql).await?.iter().map(row_as_text).collect()) })
    }

    /// SQLite has no advisory lock: the revision's `BEGIN IMMEDIATE` is the lock.
    /// This sets how long it waits for another writer (`PRAGMA busy_timeout`).
    fn lock<'a>(
        &'a mut self,
        _key: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move {
            self.run(&format!("PRAGMA busy_timeout = {}", timeout.as_millis()))
                .await?;
            Ok(())
        })
    }

    fn unlock<'a>(&'a mut self, _key: &'a str) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move { Ok(()) })
    }

    /// `PRAGMA foreign_keys = OFF` (a no-op inside a transaction, so first), then
    /// `BEGIN IMMEDIATE`, which waits for other writers up to the busy timeout.
    /// If it cannot start, enforcement is switched back on before the error returns.
    fn begin(&mut self) -> BoxFuture<'_, Result<(), DbError>> {
        Box::pin(async move {
            self.run("PRAGMA foreign_keys = OFF").await?;
            if let Err(e) = self.run("BEGIN IMMEDIATE").await {
                let _ = self.run("PRAGMA foreign_keys = ON").await;
                return Err(e);
            }
            Ok(())
        })
    }

    fn commit(&mut self) -> BoxFuture<'_, Result<(), DbError>> {
        Box::pin(async move {
            self.check_foreign_keys().await?;
            self.run("COMMIT").await?;
            self.run("PRAGMA foreign_keys = ON").await?;
            Ok(())
        })
    }

    fn rollback(&mut self) -> BoxFuture<'_, Result<(), DbError>> {
        Box::pin(async move {
            let rolled_back = self.run("ROLLBACK").await;
            let restored = self.run("PRAGMA foreign_keys = ON").await;
            rolled_back?;
            restored?;
            Ok(())
        })
    }
}
