//! [`Connectable`]: what the library functions accept as a database: the sqlx
//! pool the application already has, or a URL.
//!
//! Each call takes **one** connection from the pool for its whole duration (so
//! a migration's transaction and lock stay on one session) and gives it back
//! when it returns.

use std::future::Future;

use retort_dialect::Driver;

use crate::error::Error;

/// Something retort can get one live connection from: `sqlx::PgPool`,
/// `sqlx::MySqlPool`, `sqlx::SqlitePool`, or a database URL (`str`), which is
/// opened with [`connect`](crate::connect) and closed afterwards.
///
/// ```no_run
/// # async fn run(meta: &retort::Metadata) -> Result<(), Box<dyn std::error::Error>> {
/// // The application's pool: one of its connections is borrowed, then returned.
/// let pool = sqlx::MySqlPool::connect("mysql://app@localhost/app").await?;
/// retort::check_schema_drift(&pool, meta).await?;
/// // Or a URL: a connection of its own.
/// retort::check_schema_drift("sqlite://app.db", meta).await?;
/// # Ok(()) }
/// ```
pub trait Connectable: Sync {
    /// One connection, as retort's [`Driver`]. `context` says what the
    /// connection is for, in errors.
    fn driver(&self, context: &str) -> impl Future<Output = Result<Box<dyn Driver>, Error>> + Send;
}

fn pool_error<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    context: &str,
    dialect: &'static str,
    target: String,
) -> impl FnOnce(sqlx::Error) -> Error {
    let context = context.to_string();
    let (open, idle) = (pool.size(), pool.num_idle());
    move |source| Error::Pool {
        context,
        dialect,
        target,
        open,
        idle,
        source,
    }
}

/// `user@host:port/database` (or the socket), for messages.
fn server(
    user: &str,
    host: &str,
    port: u16,
    socket: Option<&std::path::Path>,
    db: Option<&str>,
) -> String {
    let at = match socket {
        Some(s) => s.display().to_string(),
        None => format!("{host}:{port}"),
    };
    format!("{user}@{at}/{}", db.unwrap_or(""))
}

impl Connectable for sqlx::PgPool {
    async fn driver(&self, context: &str) -> Result<Box<dyn Driver>, Error> {
        let o = self.connect_options();
        let target = server(
            o.get_username(),
            o.get_host(),
            o.get_port(),
            o.get_socket().map(|p| p.as_path()),
            o.get_database(),
        );
        let conn = self
            .acquire()
            .await
            .map_err(pool_error(self, context, "postgres", target))?;
        Ok(Box::new(
            retort_postgres::PostgresDriver::from_pool_connection(conn),
        ))
    }
}

impl Connectable for sqlx::MySqlPool {
    async fn driver(&self, context: &str) -> Result<Box<dyn Driver>, Error> {
        let o = self.connect_options();
        let target = server(
            o.get_username(),
            o.get_host(),
            o.get_port(),
            o.get_socket().map(|p| p.as_path()),
            o.get_database(),
        );
        let conn = self
            .acquire()
            .await
            .map_err(pool_error(self, context, "mysql", target))?;
        let driver = retort_mysql::MysqlDriver::from_pool_connection(conn)
            .await
            .map_err(|e| Error::db(context, e))?;
        Ok(Box::new(driver))
    }
}

impl Connectable for sqlx::SqlitePool {
    async fn driver(&self, context: &str) -> Result<Box<dyn Driver>, Error> {
        let target = self.connect_options().get_filename().display().to_string();
        let conn = self
            .acquire()
            .await
            .map_err(pool_error(self, context, "sqlite", target))?;
        Ok(Box::new(retort_sqlite::SqliteDriver::from_pool_connection(
            conn,
        )))
    }
}

/// A database URL (`sqlite://app.db`, `postgres://...`, `mysql://...`): a
/// connection of its own, closed when the call returns.
impl Connectable for str {
    async fn driver(&self, context: &str) -> Result<Box<dyn Driver>, Error> {
        crate::connect(self)
            .await
            .map_err(|e| Error::db(context, e))
    }
}

impl Connectable for String {
    async fn driver(&self, context: &str) -> Result<Box<dyn Driver>, Error> {
        self.as_str().driver(context).await
    }
}
