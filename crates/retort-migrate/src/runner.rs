//! The runner: applies, undoes and stamps revisions on a live [`Driver`].
//!
//! The version table holds one row per applied revision: `revision`,
//! `checksum`, `applied_at` (UTC `YYYY-MM-DD HH:MM:SS`) and `duration_ms`.
//!
//! Concurrency: the runner takes the driver's migration lock (an advisory lock
//! on PostgreSQL and MySQL; nothing on SQLite, where each revision's
//! `BEGIN IMMEDIATE` serializes writers) and, inside each revision's
//! transaction, reads the version table again and skips a revision another
//! process applied meanwhile. So any number of processes may run `upgrade`
//! together and each revision runs exactly once. (On SQLite a `no-transaction`
//! section has no exclusive transaction around it, so that guarantee does not
//! extend to it; SQLite hardly needs such sections.)
//!
//! Failures: on a transactional dialect a failing statement rolls its revision
//! back whole; on MySQL (no transactional DDL) and in `no-transaction` sections
//! the statements before it stay applied, nothing is recorded, and the error
//! lists what ran and how to recover.
//!
//! [`sql_script`] renders the same work as a script, with no connection.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use retort_dialect::{DbError, Dialect, DialectKind, Driver};

use crate::dir::{Direction, Migrations, Plan};
use crate::error::MigrateError;
use crate::file::{Revision, SectionKind};
use crate::graph::Target;
use crate::time::now_utc;

/// Settings of the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Name of the version table (`[migrations] version_table`).
    pub version_table: String,
    /// How long to wait for another upgrader's lock.
    pub lock_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            version_table: "retort_version".to_string(),
            lock_timeout: Duration::from_secs(60),
        }
    }
}

/// One row of the version table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedRevision {
    /// The revision id.
    pub revision: String,
    /// Its checksum when it was applied.
    pub checksum: String,
    /// When it was applied, UTC `YYYY-MM-DD HH:MM:SS`.
    pub applied_at: String,
    /// How long it took.
    pub duration_ms: i64,
}

/// One revision the runner ran.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RanRevision {
    /// The revision id.
    pub revision: String,
    /// How long its statements took.
    pub duration_ms: i64,
}

/// What an `upgrade` or `downgrade` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunReport {
    /// Revisions run, in order.
    pub ran: Vec<RanRevision>,
    /// Revisions of the plan another process ran (or undid) first.
    pub skipped: Vec<String>,
}

/// What a `stamp` changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StampReport {
    /// Revisions now recorded as applied.
    pub added: Vec<String>,
    /// Revisions no longer recorded.
    pub removed: Vec<String>,
    /// Revisions whose checksum was re-recorded from the current file.
    pub updated: Vec<String>,
}

fn q(driver: &dyn Driver, ident: &str) -> String {
    driver.dialect().quote_ident(ident)
}

fn lit(dialect: &dyn Dialect, value: &str) -> String {
    dialect.quote_literal(value)
}

/// The version table rows, oldest first; none when the table does not exist yet.
pub async fn applied(
    driver: &mut dyn Driver,
    opts: &Options,
) -> Result<Vec<AppliedRevision>, MigrateError> {
    let sql = format!(
        "SELECT {}, {}, {}, {} FROM {} ORDER BY {}, {}",
        q(driver, "revision"),
        q(driver, "checksum"),
        q(driver, "applied_at"),
        q(driver, "duration_ms"),
        q(driver, &opts.version_table),
        q(driver, "applied_at"),
        q(driver, "revision"),
    );
    let rows = match driver.query(&sql).await {
        Ok(rows) => rows,
        Err(e) if is_missing_table(&e) => return Ok(Vec::new()),
        Err(e) => {
            return Err(MigrateError::db(
                format!("reading the version table {}", opts.version_table),
                e,
            ));
        }
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut cells = row.into_iter();
            let mut next = || cells.next().flatten().unwrap_or_default();
            AppliedRevision {
                revision: next(),
                checksum: next(),
                applied_at: next(),
                duration_ms: next().trim().parse().unwrap_or(0),
            }
        })
        .collect())
}

fn is_missing_table(e: &DbError) -> bool {
    let m = e.message.to_ascii_lowercase();
    m.contains("no such table") || m.contains("does not exist") || m.contains("doesn't exist")
}

/// Where the database is: the applied revisions no applied revision descends from.
pub async fn current(
    driver: &mut dyn Driver,
    migrations: &Migrations,
    opts: &Options,
) -> Result<Vec<AppliedRevision>, MigrateError> {
    let rows = applied(driver, opts).await?;
    let ids: BTreeSet<String> = rows.iter().map(|r| r.revision.clone()).collect();
    let tips = migrations.graph.current(&ids);
    Ok(tips
        .into_iter()
        .filter_map(|id| rows.iter().find(|r| r.revision == id).cloned())
        .collect())
}

/// Every problem of the applied revisions against the files: an applied id no
/// file declares, or a file edited after it was applied. Empty when all is well.
pub fn applied_problems(migrations: &Migrations, applied: &[AppliedRevision]) -> Vec<MigrateError> {
    let mut out = Vec::new();
    for row in applied {
        match migrations.get(&row.revision) {
            None => out.push(MigrateError::AppliedRevisionMissing {
                revision: row.revision.clone(),
            }),
            Some(rev) if rev.checksum != row.checksum => out.push(MigrateError::ChecksumMismatch {
                revision: rev.id.clone(),
                path: rev.path.clone(),
                recorded: row.checksum.clone(),
                actual: rev.checksum.clone(),
            }),
            Some(_) => {}
        }
    }
    out
}

/// Run `work` holding the migration lock (and with the version table created),
/// releasing the lock whatever happens.
async fn locked<T>(
    driver: &mut dyn Driver,
    opts: &Options,
    work: impl AsyncFnOnce(&mut dyn Driver) -> Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    let key = opts.version_table.clone();
    driver.lock(&key, opts.lock_timeout).await.map_err(|e| {
        let context = if e.kind == retort_dialect::DbErrorKind::LockTimeout {
            "another retort run is migrating this database"
        } else {
            "could not take the migration lock"
        };
        MigrateError::db(context, e)
    })?;
    let result = async {
        let ddl = driver.dialect().version_table_ddl(&opts.version_table);
        driver.execute(&ddl).await.map_err(|e| {
            MigrateError::db(
                format!("creating the version table {}", opts.version_table),
                e,
            )
        })?;
        work(&mut *driver).await
    }
    .await;
    let unlocked = driver.unlock(&key).await;
    match (result, unlocked) {
        (Ok(v), Ok(())) => Ok(v),
        (Ok(_), Err(e)) => Err(MigrateError::db("could not release the migration lock", e)),
        (Err(e), _) => Err(e),
    }
}

/// Whether the version table has a row for `id` (read on the driver's connection,
/// so inside the current transaction).
async fn is_recorded(
    driver: &mut dyn Driver,
    opts: &Options,
    id: &str,
) -> Result<bool, MigrateError> {
    let sql = format!(
        "SELECT {} FROM {} WHERE {} = {}",
        q(driver, "revision"),
        q(driver, &opts.version_table),
        q(driver, "revision"),
        lit(driver.dialect(), id)
    );
    let rows = driver
        .query(&sql)
        .await
        .map_err(|e| MigrateError::db("reading the version table", e))?;
    Ok(!rows.is_empty())
}

fn insert_sql(
    dialect: &dyn Dialect,
    table: &str,
    rev: &Revision,
    applied_at: &str,
    duration_ms: i64,
) -> String {
    format!(
        "INSERT INTO {} ({}, {}, {}, {}) VALUES ({}, {}, {}, {duration_ms})",
        dialect.quote_ident(table),
        dialect.quote_ident("revision"),
        dialect.quote_ident("checksum"),
        dialect.quote_ident("applied_at"),
        dialect.quote_ident("duration_ms"),
        lit(dialect, &rev.id),
        lit(dialect, &rev.checksum),
        applied_at,
    )
}

fn delete_sql(dialect: &dyn Dialect, table: &str, id: &str) -> String {
    format!(
        "DELETE FROM {} WHERE {} = {}",
        dialect.quote_ident(table),
        dialect.quote_ident("revision"),
        lit(dialect, id)
    )
}

/// Apply the revisions that bring the database to `target`.
///
/// Before running anything it refuses: a revision to apply with a
/// `-- retort:todo` line, an applied revision whose file was edited, and an
/// applied revision no file declares.
pub async fn upgrade(
    driver: &mut dyn Driver,
    migrations: &Migrations,
    target: &Target,
    opts: &Options,
) -> Result<RunReport, MigrateError> {
    locked(driver, opts, async |driver: &mut dyn Driver| {
        let rows = applied(driver, opts).await?;
        if let Some(problem) = applied_problems(migrations, &rows).into_iter().next() {
            return Err(problem);
        }
        let ids: BTreeSet<String> = rows.into_iter().map(|r| r.revision).collect();
        let plan = migrations.graph.upgrade_plan(&ids, target)?;
        run_plan(driver, migrations, &plan, SectionKind::Upgrade, opts).await
    })
    .await
}

/// Undo the revisions above `target` (`-N`, an id, or `base`), newest first.
pub async fn downgrade(
    driver: &mut dyn Driver,
    migrations: &Migrations,
    target: &Target,
    opts: &Options,
) -> Result<RunReport, MigrateError> {
    locked(driver, opts, async |driver: &mut dyn Driver| {
        let rows = applied(driver, opts).await?;
        if let Some(row) = rows.iter().find(|r| migrations.get(&r.revision).is_none()) {
            return Err(MigrateError::AppliedRevisionMissing {
                revision: row.revision.clone(),
            });
        }
        let ids: BTreeSet<String> = rows.into_iter().map(|r| r.revision).collect();
        let plan = migrations.graph.downgrade_plan(&ids, target)?;
        run_plan(driver, migrations, &plan, SectionKind::Downgrade, opts).await
    })
    .await
}

async fn run_plan(
    driver: &mut dyn Driver,
    migrations: &Migrations,
    plan: &[String],
    kind: SectionKind,
    opts: &Options,
) -> Result<RunReport, MigrateError> {
    let revisions = refuse_todos(migrations, plan, kind)?;
    let mut report = RunReport::default();
    for rev in revisions {
        match run_revision(driver, rev, kind, opts).await? {
            Some(duration_ms) => report.ran.push(RanRevision {
                revision: rev.id.clone(),
                duration_ms,
            }),
            None => report.skipped.push(rev.id.clone()),
        }
    }
    Ok(report)
}

/// The revisions of a plan, or the first `-- retort:todo` that forbids running it
/// (any to-do of a revision to upgrade; one in the downgrade section of a
/// revision to downgrade). `upgrade --sql` should call it too.
pub fn refuse_todos<'m>(
    migrations: &'m Migrations,
    plan: &[String],
    kind: SectionKind,
) -> Result<Vec<&'m Revision>, MigrateError> {
    let mut revisions = Vec::with_capacity(plan.len());
    for id in plan {
        let rev = migrations
            .get(id)
            .ok_or_else(|| MigrateError::UnknownRevision { prefix: id.clone() })?;
        if let Some(todo) = rev.blocking_todo(kind) {
            return Err(MigrateError::Todo {
                revision: rev.id.clone(),
                path: rev.path.clone(),
                line: todo.line,
                text: todo.text.clone(),
            });
        }
        revisions.push(rev);
    }
    Ok(revisions)
}

/// Run one revision's section; `None` when another process got there first.
async fn run_revision(
    driver: &mut dyn Driver,
    rev: &Revision,
    kind: SectionKind,
    opts: &Options,
) -> Result<Option<i64>, MigrateError> {
    let section = rev.section(kind);
    let transactional = driver.dialect().transactional_ddl() && !section.no_transaction;
    let context = |what: &str| format!("{}: revision {}: {what}", rev.path.display(), rev.id);
    if transactional {
        driver
            .begin()
            .await
            .map_err(|e| MigrateError::db(context("starting its transaction"), e))?;
    }
    let outcome = async {
        // Exactly once: decide again now that this connection holds the lock or
        // the exclusive transaction.
        let recorded = is_recorded(driver, opts, &rev.id).await?;
        if recorded != (kind == SectionKind::Downgrade) {
            return Ok(None);
        }
        let start = Instant::now();
        for (i, st) in section.statements.iter().enumerate() {
            if let Err(e) = driver.execute(&st.sql).await {
                return Err(if transactional {
                    MigrateError::StatementFailed {
                        revision: rev.id.clone(),
                        path: rev.path.clone(),
                        line: st.line,
                        sql: st.sql.clone(),
                        source: Box::new(e),
                    }
                } else {
                    MigrateError::PartiallyApplied {
                        revision: rev.id.clone(),
                        section: kind,
                        path: rev.path.clone(),
                        line: st.line,
                        sql: st.sql.clone(),
                        ran_lines: section.statements[..i].iter().map(|s| s.line).collect(),
                        source: Box::new(e),
                    }
                });
            }
        }
        let duration_ms = i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX);
        let dialect = driver.dialect();
        let record = match kind {
            SectionKind::Upgrade => insert_sql(
                dialect,
                &opts.version_table,
                rev,
                &lit(dialect, &now_utc()),
                duration_ms,
            ),
            SectionKind::Downgrade => delete_sql(dialect, &opts.version_table, &rev.id),
        };
        driver.execute(&record).await.map_err(|e| {
            if transactional {
                MigrateError::db(context("recording it in the version table"), e)
            } else {
                MigrateError::NotRecorded {
                    revision: rev.id.clone(),
                    section: kind,
                    path: rev.path.clone(),
                    source: Box::new(e),
                }
            }
        })?;
        Ok(Some(duration_ms))
    }
    .await;
    if !transactional {
        return outcome;
    }
    match outcome {
        Ok(Some(ms)) => match driver.commit().await {
            Ok(()) => Ok(Some(ms)),
            Err(e) => {
                let _ = driver.rollback().await;
                Err(MigrateError::db(
                    context("its commit failed and it was rolled back"),
                    e,
                ))
            }
        },
        Ok(None) => {
            driver
                .rollback()
                .await
                .map_err(|e| MigrateError::db(context("ending its transaction"), e))?;
            Ok(None)
        }
        Err(err) => {
            // The original error matters more than a failed rollback.
            let _ = driver.rollback().await;
            Err(err)
        }
    }
}

/// Set the version table to exactly `target` (a revision and its ancestors;
/// `base` is none; `+N`/`-N` move from where it is) without running any SQL.
/// Rows of revisions no file declares are removed unless the target is relative,
/// and rows whose checksum differs from their file are re-recorded.
pub async fn stamp(
    driver: &mut dyn Driver,
    migrations: &Migrations,
    target: &Target,
    opts: &Options,
) -> Result<StampReport, MigrateError> {
    locked(driver, opts, async |driver: &mut dyn Driver| {
        let rows = applied(driver, opts).await?;
        let ids: BTreeSet<String> = rows.iter().map(|r| r.revision.clone()).collect();
        let wanted = migrations.graph.stamp_set(&ids, target)?;
        let mut report = StampReport::default();
        let mut sql = Vec::new();
        let dialect = driver.dialect();
        let now = lit(dialect, &now_utc());
        for row in &rows {
            if !wanted.contains(&row.revision) {
                sql.push(delete_sql(dialect, &opts.version_table, &row.revision));
                report.removed.push(row.revision.clone());
            } else if let Some(rev) = migrations
                .get(&row.revision)
                .filter(|r| r.checksum != row.checksum)
            {
                sql.push(format!(
                    "UPDATE {} SET {} = {} WHERE {} = {}",
                    dialect.quote_ident(&opts.version_table),
                    dialect.quote_ident("checksum"),
                    lit(dialect, &rev.checksum),
                    dialect.quote_ident("revision"),
                    lit(dialect, &rev.id)
                ));
                report.updated.push(rev.id.clone());
            }
        }
        for id in migrations.graph.topological() {
            if wanted.contains(id)
                && !ids.contains(id)
                && let Some(rev) = migrations.get(id)
            {
                sql.push(insert_sql(dialect, &opts.version_table, rev, &now, 0));
                report.added.push(id.to_string());
            }
        }
        if sql.is_empty() {
            return Ok(report);
        }
        let transactional = driver.dialect().transactional_ddl();
        if transactional {
            driver
                .begin()
                .await
                .map_err(|e| MigrateError::db("stamp: starting the transaction", e))?;
        }
        for s in &sql {
            if let Err(e) = driver.execute(s).await {
                if transactional {
                    let _ = driver.rollback().await;
                }
                return Err(MigrateError::db("stamp: writing the version table", e));
            }
        }
        if transactional && let Err(e) = driver.commit().await {
            let _ = driver.rollback().await;
            return Err(MigrateError::db("stamp: committing", e));
        }
        Ok(report)
    })
    .await
}

/// The SQL of `plan` as a script, for `upgrade --sql` / `downgrade --sql`: per
/// revision a comment with its id, message and file, the transaction statements
/// (unless the dialect has no transactional DDL or the section is
/// `no-transaction`), its statements and the version-table write. Needs no connection.
pub fn sql_script(
    migrations: &Migrations,
    dialect: &dyn Dialect,
    plan: &Plan,
    version_table: &str,
) -> String {
    let kind = match plan.direction {
        Direction::Upgrade => SectionKind::Upgrade,
        Direction::Downgrade => SectionKind::Downgrade,
    };
    let mut out = format!(
        "-- retort {}: {} revision(s), {}\n\n{};\n",
        kind.name(),
        plan.revisions.len(),
        dialect.kind().name(),
        dialect.version_table_ddl(version_table)
    );
    let now = now_expr(dialect.kind());
    for id in &plan.revisions {
        let Some(rev) = migrations.get(id) else {
            out.push_str(&format!(
                "\n-- revision {id}: not found in the migrations directory\n"
            ));
            continue;
        };
        out.push_str(&format!(
            "\n-- revision {}: {} ({})\n",
            rev.id,
            rev.message,
            file_name(&rev.path)
        ));
        for todo in &rev.todos {
            out.push_str(&format!(
                "-- retort:todo (line {}) {}\n",
                todo.line, todo.text
            ));
        }
        let section = rev.section(kind);
        let transactional = dialect.transactional_ddl() && !section.no_transaction;
        if transactional {
            for s in dialect.begin_statements() {
                out.push_str(&format!("{s};\n"));
            }
        }
        for st in &section.statements {
            out.push_str(&format!("{};\n", st.sql));
        }
        let record = match kind {
            SectionKind::Upgrade => insert_sql(dialect, version_table, rev, now, 0),
            SectionKind::Downgrade => delete_sql(dialect, version_table, &rev.id),
        };
        out.push_str(&format!("{record};\n"));
        if transactional {
            for s in dialect.commit_statements() {
                out.push_str(&format!("{s};\n"));
            }
        }
    }
    out
}

/// The current UTC time as `YYYY-MM-DD HH:MM:SS`, in SQL, for scripts run later.
fn now_expr(kind: DialectKind) -> &'static str {
    match kind {
        DialectKind::Sqlite => "strftime('%Y-%m-%d %H:%M:%S', 'now')",
        DialectKind::Postgres => "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')",
        DialectKind::Mysql => "DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:%s')",
    }
}

/// The file name of a path, for scripts.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    )
}
