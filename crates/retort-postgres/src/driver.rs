//! [`PostgresDriver`]: one live PostgreSQL connection behind [`retort_dialect::Driver`].
//!
//! Statements run through the simple query protocol (`raw_sql`), so a statement
//! text may hold several statements, and query results arrive as PostgreSQL's text
//! output of each value (`t`/`f` for booleans, `\x..` for bytea), which is what
//! [`Driver::query`] returns. Errors never contain the password of the URL.

use std::time::Duration;

use retort_dialect::{BoxFuture, DbError, Dialect, Driver, Scope, redact_url};
use retort_schema::Schema;
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, Connection, PgConnection, Postgres, Row};

use crate::{PostgresDialect, introspect, lock};

enum Conn {
    Owned(Box<PgConnection>),
    Pooled(PoolConnection<Postgres>),
}

/// A PostgreSQL connection that retort introspects and migrates through.
pub struct PostgresDriver {
    conn: Conn,
    dialect: PostgresDialect,
    /// The URL connected to, when the driver opened the connection itself: the
    /// catalog is then read on a few connections at once (see
    /// [`introspect_on`](crate::introspect::introspect_on)).
    url: Option<String>,
}

impl std::fmt::Debug for PostgresDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresDriver").finish_non_exhaustive()
    }
}

/// Remove the URL's password from a message, wherever the library may have put it.
fn scrub(message: String, url: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?']).next())
        .and_then(|auth| auth.rsplit_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, pw)| pw.to_string())
        .filter(|pw| !pw.is_empty());
    let message = message.replace(url, &redact_url(url));
    match password {
        Some(pw) => message.replace(&pw, "***"),
        None => message,
    }
}

impl PostgresDriver {
    /// Connect to `url` (`postgres://user:password@host:port/db`).
    pub async fn connect(url: &str) -> Result<PostgresDriver, DbError> {
        let conn = PgConnection::connect(url).await.map_err(|e| {
            DbError::connect(scrub(
                format!("cannot connect to PostgreSQL at {}: {e}", redact_url(url)),
                url,
            ))
        })?;
        Ok(PostgresDriver {
            conn: Conn::Owned(Box::new(conn)),
            dialect: PostgresDialect,
            url: Some(url.to_string()),
        })
    }

    /// Use a connection taken from an application's pool (library API).
    pub fn from_pool_connection(conn: PoolConnection<Postgres>) -> PostgresDriver {
        PostgresDriver {
            conn: Conn::Pooled(conn),
            dialect: PostgresDialect,
            url: None,
        }
    }

    /// Use a connection the caller opened.
    pub fn from_connection(conn: PgConnection) -> PostgresDriver {
        PostgresDriver {
            conn: Conn::Owned(Box::new(conn)),
            dialect: PostgresDialect,
            url: None,
        }
    }

    /// The underlying connection.
    pub fn connection(&mut self) -> &mut PgConnection {
        match &mut self.conn {
            Conn::Owned(c) => c,
            Conn::Pooled(c) => c,
        }
    }

    /// Introspect the schemas in scope (see [`introspect`](crate::introspect)).
    pub async fn read_schema(&mut self, scope: &Scope) -> Result<Schema, DbError> {
        let url = self.url.clone();
        introspect::introspect_on(self.connection(), url.as_deref(), scope).await
    }

    /// Run statements; returns the rows affected.
    pub async fn run(&mut self, sql: &str) -> Result<u64, DbError> {
        let sql_owned = sql.to_string();
        let done = sqlx::raw_sql(AssertSqlSafe(sql_owned))
            .execute(self.connection())
            .await
            .map_err(|e| DbError::query(format!("statement failed: {}", describe(&e)), sql))?;
        Ok(done.rows_affected())
    }

    /// Run a query; every value as PostgreSQL's text output, `None` for NULL.
    pub async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let rows = sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .fetch_all(self.connection())
            .await
            .map_err(|e| DbError::query(format!("query failed: {}", describe(&e)), sql))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut row = Vec::with_capacity(r.len());
            for i in 0..r.len() {
                // Simple-protocol results are in text format: read every value as text.
                let v: Option<String> = r.try_get_unchecked(i).map_err(|e| {
                    DbError::query(format!("reading column {i} of a result failed: {e}"), sql)
                })?;
                row.push(v);
            }
            out.push(row);
        }
        Ok(out)
    }
}

/// The server's message with its detail and hint, when there are any.
fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => {
            let mut s = db.message().to_string();
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                if let Some(d) = pg.detail() {
                    s.push_str(&format!(" (detail: {d})"));
                }
                if let Some(h) = pg.hint() {
                    s.push_str(&format!(" (hint: {h})"));
                }
                s.push_str(&format!(" [SQLSTATE {}]", pg.code()));
            }
            s
        }
        other => other.to_string(),
    }
}

impl Driver for PostgresDriver {
    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    fn introspect<'a>(&'a mut self, scope: &'a Scope) -> BoxFuture<'a, Result<Schema, DbError>> {
        Box::pin(self.read_schema(scope))
    }

    fn execute<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<u64, DbError>> {
        Box::pin(self.run(sql))
    }

    fn query<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Vec<Option<String>>>, DbError>> {
        Box::pin(self.rows(sql))
    }

    fn lock<'a>(
        &'a mut self,
        key: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move { lock::acquire(self.connection(), key, timeout).await })
    }

    fn unlock<'a>(&'a mut self, key: &'a str) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move { lock::release(self.connection(), key).await })
    }
}
