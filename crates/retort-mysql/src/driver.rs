//! [`MysqlDriver`]: one live MySQL/MariaDB connection.

use std::time::Duration;

use retort_dialect::{BoxFuture, DbError, Dialect, Driver, Scope, redact_url};
use retort_schema::Schema;
use sqlx::mysql::{MySql, MySqlConnection};
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, Connection};

use crate::ServerDialect;
use crate::charset::ServerDefaults;
use crate::introspect::{self, Flavor, text_rows};
use crate::lock;

enum Conn {
    Owned(MySqlConnection),
    Pooled(PoolConnection<MySql>),
}

/// A driver over one connection (owned, or borrowed from an application's pool).
pub struct MysqlDriver {
    conn: Conn,
    flavor: Flavor,
    database: String,
    dialect: ServerDialect,
}

/// Remove the password of `url` from `text`, wherever it appears.
fn scrub(text: &str, url: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?']).next())
        .and_then(|auth| auth.rsplit_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, pw)| pw);
    match password {
        Some(pw) if !pw.is_empty() => text.replace(pw, "***"),
        _ => text.to_string(),
    }
}

impl MysqlDriver {
    /// Connect to `url` (`mysql://user:password@host:port/database`). Errors never
    /// contain the password.
    /// `mariadb://` URLs are accepted as a synonym.
    pub async fn connect(url: &str) -> Result<MysqlDriver, DbError> {
        let target = match url.strip_prefix("mariadb://") {
            Some(rest) => format!("mysql://{rest}"),
            None => url.to_string(),
        };
        let conn = MySqlConnection::connect(&target).await.map_err(|e| {
            DbError::connect(format!(
                "cannot connect to {}: {}",
                redact_url(url),
                scrub(&e.to_string(), url)
            ))
        })?;
        Self::from_connection(Conn::Owned(conn)).await
    }

    /// Use a connection taken from an application's pool.
    pub async fn from_pool_connection(conn: PoolConnection<MySql>) -> Result<MysqlDriver, DbError> {
        Self::from_connection(Conn::Pooled(conn)).await
    }

    async fn from_connection(mut conn: Conn) -> Result<MysqlDriver, DbError> {
        let c = match &mut conn {
            Conn::Owned(c) => c,
            Conn::Pooled(c) => &mut **c,
        };
        let (flavor, database) = introspect::server_info(c).await?;
        let defaults = ServerDefaults::load(c, &database).await?;
        Ok(MysqlDriver {
            conn,
            flavor,
            database,
            dialect: ServerDialect { defaults },
        })
    }

    /// The underlying connection.
    pub fn connection(&mut self) -> &mut MySqlConnection {
        match &mut self.conn {
            Conn::Owned(c) => c,
            Conn::Pooled(c) => c,
        }
    }

    /// MariaDB or MySQL.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// The connection's current database (tables there have `schema: None`).
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The server's defaults (collations, storage engine), read at connect time.
    pub fn defaults(&self) -> &ServerDefaults {
        &self.dialect.defaults
    }
}

impl Driver for MysqlDriver {
    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    fn introspect<'a>(&'a mut self, scope: &'a Scope) -> BoxFuture<'a, Result<Schema, DbError>> {
        Box::pin(async move {
            let (flavor, db) = (self.flavor, self.database.clone());
            // Databases created since the connection was made have defaults too.
            let fresh = ServerDefaults::load(self.connection(), &db).await?;
            self.dialect.defaults = fresh.clone();
            introspect::introspect(self.connection(), flavor, &db, &fresh, scope).await
        })
    }

    fn execute<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<u64, DbError>> {
        Box::pin(async move {
            let r = sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                .execute(self.connection())
                .await
                .map_err(|e| introspect::statement_error(e, sql))?;
            Ok(r.rows_affected())
        })
    }

    fn query<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Vec<Option<String>>>, DbError>> {
        Box::pin(async move { text_rows(self.connection(), sql).await })
    }

    fn lock<'a>(
        &'a mut self,
        key: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move {
            let db = self.database.clone();
            lock::acquire(self.connection(), &db, key, timeout).await
        })
    }

    fn unlock<'a>(&'a mut self, key: &'a str) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move {
            let db = self.database.clone();
            lock::release(self.connection(), &db, key).await
        })
    }
}
