//! Opening a connection from a URL, whatever the dialect.

use retort_dialect::{DbError, DialectKind, Driver, redact_url};

/// Connect to the database a URL names: `sqlite://path`, `sqlite::memory:`,
/// `postgres://...`, `mysql://...` (also MariaDB). The error never shows the password.
pub async fn connect(url: &str) -> Result<Box<dyn Driver>, DbError> {
    match DialectKind::from_url(url) {
        Some(DialectKind::Sqlite) => Ok(Box::new(retort_sqlite::SqliteDriver::connect(url).await?)),
        Some(DialectKind::Postgres) => Ok(Box::new(
            retort_postgres::PostgresDriver::connect(url).await?,
        )),
        Some(DialectKind::Mysql) => Ok(Box::new(retort_mysql::MysqlDriver::connect(url).await?)),
        None => Err(DbError::connect(format!(
            "unsupported database URL {}: expected sqlite://, postgres:// or mysql://",
            redact_url(url)
        ))),
    }
}

/// The pure half of the dialect a URL names, for offline work (`upgrade --sql`).
pub fn dialect_for_url(url: &str) -> Option<&'static dyn retort_dialect::Dialect> {
    dialect(DialectKind::from_url(url)?)
}

/// The pure half of a dialect.
pub fn dialect(kind: DialectKind) -> Option<&'static dyn retort_dialect::Dialect> {
    Some(match kind {
        DialectKind::Sqlite => &retort_sqlite::SqliteDialect,
        DialectKind::Postgres => &retort_postgres::PostgresDialect,
        DialectKind::Mysql => &retort_mysql::MysqlDialect,
    })
}
