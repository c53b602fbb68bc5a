//! Scratch databases: empty, throw-away databases of the same dialect, on which
//! retort executes DDL it wants to read back or test (`[models] sql`, the
//! self-verification of autogenerate, `retort verify`).
//!
//! * SQLite: a named in-memory database (`sqlite://file:retort_scratch_<pid>_<random>?mode=memory&cache=shared`)
//!   that every connection of this process to its URL shares; it lives as long as
//!   the [`Scratch`] value (which holds one connection open), and never touches disk.
//! * PostgreSQL: `CREATE DATABASE retort_scratch_<pid>_<random>` on the server of
//!   the URL given (the live database, or `[database] dev_url`). When the role may
//!   not create databases, a schema of that name in the given database instead,
//!   made the connection's default schema through `search_path`.
//! * MySQL/MariaDB: `CREATE DATABASE retort_scratch_<pid>_<random>` with the
//!   character set and collation of the given database.
//!
//! A scratch is dropped by [`Scratch::drop`], or, if that is never reached (an
//! error, a panic), when the value is dropped. [`drop_scratches_on_signal`] makes
//! SIGINT and SIGTERM drop every live scratch before the process exits. A run that
//! was killed outright (SIGKILL) leaves its server scratch behind (an SQLite one
//! dies with the process); the next [`Scratch::create`] on the same server drops
//! every scratch whose process (the `<pid>` in its name) is no longer alive on
//! this machine.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retort_dialect::{DbError, DialectKind, Driver, redact_url};

/// The prefix of every scratch database, schema or file name.
pub const PREFIX: &str = "retort_scratch_";

/// How long dropping one scratch may take before retort gives up on it (the
/// next run cleans it up).
const DROP_TIMEOUT: Duration = Duration::from_secs(10);

/// What has to be removed to get rid of one scratch.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cleanup {
    /// A database on a server, dropped through a connection to `admin_url`.
    Database {
        kind: DialectKind,
        admin_url: String,
        name: String,
    },
    /// A PostgreSQL schema in the database of `admin_url`.
    Schema { admin_url: String, name: String },
}

/// Set once a signal handler started dropping every scratch.
static SHUTTING_DOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Scratches being made right now: a `CREATE DATABASE` the server is still
/// running would otherwise appear after the signal handler dropped it.
static IN_FLIGHT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Counts one scratch in the making while it lives.
struct InFlight;

impl InFlight {
    fn start() -> InFlight {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The scratches of this process that still exist, for the signal handler.
static LIVE: Mutex<Vec<Cleanup>> = Mutex::new(Vec::new());

fn register(c: &Cleanup) {
    if let Ok(mut live) = LIVE.lock() {
        live.push(c.clone());
    }
}

fn unregister(c: &Cleanup) {
    if let Ok(mut live) = LIVE.lock() {
        live.retain(|x| x != c);
    }
}

/// One scratch database. Dropped by [`Scratch::drop`] or, failing that, when
/// the value goes out of scope.
pub struct Scratch {
    kind: DialectKind,
    name: String,
    url: String,
    cleanup: Option<Cleanup>,
    /// SQLite: the connection that keeps the in-memory database alive.
    keep_alive: Option<Box<dyn Driver>>,
}

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scratch")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("url", &redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

impl Scratch {
    /// Create an empty scratch database of the dialect of `base_url`, on the same
    /// server (see the module documentation). Leftovers of killed runs on that
    /// server are dropped first.
    pub async fn create(base_url: &str) -> Result<Scratch, DbError> {
        let kind = DialectKind::from_url(base_url).ok_or_else(|| {
            DbError::connect(format!(
                "unsupported database URL {}: expected sqlite://, postgres:// or mysql://",
                redact_url(base_url)
            ))
        })?;
        let name = unique_name();
        let making = InFlight::start();
        if SHUTTING_DOWN.load(Ordering::SeqCst) {
            return Err(DbError::connect("interrupted"));
        }
        // Best effort: a leftover we cannot drop does not stop this run.
        let _ = drop_leftovers(base_url).await;
        let (url, cleanup) = match kind {
            DialectKind::Sqlite => {
                let url = format!("sqlite://file:{name}?mode=memory&cache=shared");
                let keep_alive = crate::connect(&url).await?;
                return Ok(Scratch {
                    kind,
                    name,
                    url,
                    cleanup: None,
                    keep_alive: Some(keep_alive),
                });
            }
            DialectKind::Postgres => {
                let mut admin = crate::connect(base_url).await?;
                let q = admin.dialect().quote_ident(&name);
                let database = Cleanup::Database {
                    kind,
                    admin_url: base_url.to_string(),
                    name: name.clone(),
                };
                register(&database);
                match admin.execute(&format!("CREATE DATABASE {q}")).await {
                    Ok(_) => (with_database(base_url, &name), database),
                    Err(e) if e.message.to_ascii_lowercase().contains("permission denied") => {
                        unregister(&database);
                        let schema = Cleanup::Schema {
                            admin_url: base_url.to_string(),
                            name: name.clone(),
                        };
                        register(&schema);
                        if let Err(e) = admin.execute(&format!("CREATE SCHEMA {q}")).await {
                            unregister(&schema);
                            return Err(e);
                        }
                        (
                            with_query(base_url, "options", &format!("-c%20search_path%3D{name}")),
                            schema,
                        )
                    }
                    Err(e) => {
                        unregister(&database);
                        return Err(e);
                    }
                }
            }
            DialectKind::Mysql => {
                let mut admin = crate::connect(base_url).await?;
                let rows = admin
                    .query("SELECT @@character_set_database, @@collation_database")
                    .await?;
                let q = admin.dialect().quote_ident(&name);
                let mut sql = format!("CREATE DATABASE {q}");
                if let Some([Some(cs), Some(coll)]) = rows.first().map(|r| r.as_slice()) {
                    let simple = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if simple(cs) && simple(coll) {
                        sql.push_str(&format!(" CHARACTER SET {cs} COLLATE {coll}"));
                    }
                }
                let database = Cleanup::Database {
                    kind,
                    admin_url: base_url.to_string(),
                    name: name.clone(),
                };
                register(&database);
                if let Err(e) = admin.execute(&sql).await {
                    unregister(&database);
                    return Err(e);
                }
                (with_database(base_url, &name), database)
            }
        };
        // Registered before it was made, and the signal handler waits for
        // scratches in the making: a signal at any point finds it.
        drop(making);
        if SHUTTING_DOWN.load(Ordering::SeqCst) {
            return Err(DbError::connect("interrupted"));
        }
        Ok(Scratch {
            kind,
            name,
            url,
            cleanup: Some(cleanup),
            keep_alive: None,
        })
    }

    /// The URL that connects to the scratch database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The name of the scratch database, schema or file stem.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The dialect.
    pub fn kind(&self) -> DialectKind {
        self.kind
    }

    /// True when this is a PostgreSQL scratch *schema* in a shared database (the
    /// role may not create databases): objects in other schemas would be the
    /// shared database's own.
    pub fn is_shared_database(&self) -> bool {
        matches!(self.cleanup, Some(Cleanup::Schema { .. }))
    }

    /// A new connection to the scratch database.
    pub async fn connect(&self) -> Result<Box<dyn Driver>, DbError> {
        crate::connect(&self.url).await
    }

    /// Drop the scratch database now. Close its connections first.
    pub async fn drop(mut self) -> Result<(), DbError> {
        // An in-memory SQLite scratch ends with its last connection.
        drop(self.keep_alive.take());
        match self.cleanup.take() {
            Some(c) => {
                let result = remove(&c).await;
                if result.is_ok() {
                    unregister(&c);
                }
                result
            }
            None => Ok(()),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(c) = self.cleanup.take() {
            // Not dropped explicitly (an error or a panic got here first): drop it
            // on a thread of its own, as this may run inside an async runtime.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    && rt.block_on(remove(&c)).is_ok()
                {
                    unregister(&c);
                }
            })
            .join();
        }
    }
}

fn unique_name() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!("{nanos}:{}", N.fetch_add(1, Ordering::Relaxed));
    format!(
        "{PREFIX}{}_{:08x}",
        std::process::id(),
        retort_schema::naming::fnv1a(seed.as_bytes())
    )
}

/// The URL with its database (the path) replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (url, None),
    };
    let authority_start = main.find("://").map_or(0, |i| i + 3);
    let base = match main[authority_start..].find('/') {
        Some(i) => &main[..authority_start + i],
        None => main,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// The URL with one more query parameter (`value` already percent-encoded).
fn with_query(url: &str, key: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{key}={value}")
}

/// Remove one scratch, giving up after [`DROP_TIMEOUT`].
async fn remove(c: &Cleanup) -> Result<(), DbError> {
    match tokio::time::timeout(DROP_TIMEOUT, remove_inner(c)).await {
        Ok(r) => r,
        Err(_) => Err(DbError::query(
            "timed out dropping a scratch database; the next retort run drops it",
            format!("{c:?}"),
        )),
    }
}

async fn remove_inner(c: &Cleanup) -> Result<(), DbError> {
    match c {
        Cleanup::Database {
            kind,
            admin_url,
            name,
        } => {
            let mut admin = crate::connect(admin_url).await?;
            drop_database(admin.as_mut(), *kind, name).await
        }
        Cleanup::Schema { admin_url, name } => {
            let mut admin = crate::connect(admin_url).await?;
            let q = admin.dialect().quote_ident(name);
            admin
                .execute(&format!("DROP SCHEMA IF EXISTS {q} CASCADE"))
                .await?;
            Ok(())
        }
    }
}

async fn drop_database(
    admin: &mut dyn Driver,
    kind: DialectKind,
    name: &str,
) -> Result<(), DbError> {
    let q = admin.dialect().quote_ident(name);
    match kind {
        DialectKind::Postgres => {
            admin
                .execute(&format!("DROP DATABASE IF EXISTS {q} WITH (FORCE)"))
                .await?;
        }
        DialectKind::Mysql => {
            // A connection of the interrupted run may still hold locks in it.
            let lit = admin.dialect().quote_literal(name);
            let ids = admin
                .query(&format!(
                    "SELECT id FROM information_schema.processlist WHERE db = {lit} AND id <> CONNECTION_ID()"
                ))
                .await
                .unwrap_or_default();
            for id in ids
                .into_iter()
                .filter_map(|r| r.into_iter().next().flatten())
            {
                if id.chars().all(|c| c.is_ascii_digit()) {
                    let _ = admin.execute(&format!("KILL {id}")).await;
                }
            }
            admin
                .execute(&format!("DROP DATABASE IF EXISTS {q}"))
                .await?;
        }
        DialectKind::Sqlite => {}
    }
    Ok(())
}

/// The process id in a scratch name, if it is one.
fn owner_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    rest.split('_').next()?.parse().ok()
}

/// Whether a scratch name belongs to a process that is gone. Without `/proc`
/// (not Linux) nothing counts as gone.
fn is_orphan(name: &str) -> bool {
    let Some(pid) = owner_pid(name) else {
        return false;
    };
    Path::new("/proc/self").exists() && !Path::new("/proc").join(pid.to_string()).exists()
}

/// Drop the scratches on the server of `base_url` (PostgreSQL and MySQL
/// databases, PostgreSQL schemas of that database) whose process is no longer
/// alive. Returns their names. (SQLite scratches live in memory: nothing to do.)
pub async fn drop_leftovers(base_url: &str) -> Result<Vec<String>, DbError> {
    let Some(kind) = DialectKind::from_url(base_url) else {
        return Ok(Vec::new());
    };
    let mut dropped = Vec::new();
    match kind {
        DialectKind::Sqlite => {}
        DialectKind::Postgres | DialectKind::Mysql => {
            let mut admin = crate::connect(base_url).await?;
            let sql = match kind {
                DialectKind::Postgres => "SELECT datname::text FROM pg_database",
                _ => "SELECT schema_name FROM information_schema.schemata",
            };
            for name in names(admin.as_mut(), sql).await? {
                if is_orphan(&name) {
                    drop_database(admin.as_mut(), kind, &name).await?;
                    dropped.push(name);
                }
            }
            if kind == DialectKind::Postgres {
                let sql = "SELECT nspname::text FROM pg_namespace";
                for name in names(admin.as_mut(), sql).await? {
                    if is_orphan(&name) {
                        let q = admin.dialect().quote_ident(&name);
                        admin
                            .execute(&format!("DROP SCHEMA IF EXISTS {q} CASCADE"))
                            .await?;
                        dropped.push(name);
                    }
                }
            }
        }
    }
    Ok(dropped)
}

async fn names(admin: &mut dyn Driver, sql: &str) -> Result<Vec<String>, DbError> {
    Ok(admin
        .query(sql)
        .await?
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .filter(|n| n.starts_with(PREFIX))
        .collect())
}

/// Drop every scratch of this process that still exists (the signal handler
/// calls it; so may an application before it exits).
pub async fn drop_all() {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
    let waited = std::time::Instant::now();
    while IN_FLIGHT.load(Ordering::SeqCst) > 0 && waited.elapsed() < DROP_TIMEOUT {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let live = match LIVE.lock() {
        Ok(mut l) => std::mem::take(&mut *l),
        Err(_) => return,
    };
    for c in live {
        let _ = remove(&c).await;
    }
}

/// Whether a signal handler is dropping the scratches of this process. Work
/// that fails after this (its connection was closed under it) should not report
/// the failure but let the handler end the process: see [`wait_for_signal_exit`].
pub fn interrupted() -> bool {
    SHUTTING_DOWN.load(Ordering::SeqCst)
}

/// Block until the signal handler of [`drop_scratches_on_signal`] has dropped
/// every scratch and ended the process (gives up after a minute).
pub fn wait_for_signal_exit() {
    std::thread::sleep(DROP_TIMEOUT * 6);
}

/// Make SIGINT (Ctrl-C) and SIGTERM drop every live scratch of this process,
/// then exit with status 130 or 143. Installed once; later calls do nothing.
/// Meant for programs like the `retort` command; a library embedding retort
/// should keep its own signal handling and call [`drop_all`].
pub fn drop_scratches_on_signal() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("retort-scratch-signals".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    let _ = ready_tx.send(());
                    return;
                };
                rt.block_on(async move {
                    let code = wait_for_signal(ready_tx).await;
                    drop_all().await;
                    std::process::exit(code);
                });
            });
        if spawned.is_ok() {
            let _ = ready_rx.recv_timeout(Duration::from_secs(5));
        }
    });
}

#[cfg(unix)]
async fn wait_for_signal(ready: std::sync::mpsc::Sender<()>) -> i32 {
    use tokio::signal::unix::{SignalKind, signal};
    let int = signal(SignalKind::interrupt());
    let term = signal(SignalKind::terminate());
    let _ = ready.send(());
    match (int, term) {
        (Ok(mut int), Ok(mut term)) => tokio::select! {
            _ = int.recv() => 130,
            _ = term.recv() => 143,
        },
        _ => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn wait_for_signal(ready: std::sync::mpsc::Sender<()>) -> i32 {
    let _ = ready.send(());
    match tokio::signal::ctrl_c().await {
        Ok(()) => 130,
        Err(_) => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/live?sslmode=disable", "s"),
            "postgres://u:p@h:5432/s?sslmode=disable"
        );
        assert_eq!(with_database("mysql://root@h", "s"), "mysql://root@h/s");
        assert_eq!(
            with_query("postgres://h/db", "options", "x"),
            "postgres://h/db?options=x"
        );
        assert_eq!(
            with_query("postgres://h/db?a=b", "options", "x"),
            "postgres://h/db?a=b&options=x"
        );
    }

    #[test]
    fn names_carry_the_pid() {
        let n = unique_name();
        assert_eq!(owner_pid(&n), Some(std::process::id()));
        assert!(!is_orphan(&n), "this process is alive");
        assert_eq!(owner_pid("retort_scratch_x_1"), None);
        assert!(
            is_orphan("retort_scratch_4000000000_deadbeef") || !Path::new("/proc/self").exists()
        );
    }
}
