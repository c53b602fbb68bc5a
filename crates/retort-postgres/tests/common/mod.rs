//! Test support: a uniquely named database per test, dropped at the end (even on panic).
#![allow(dead_code)]

pub mod fixtures;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use retort_dialect::{Dialect, Driver, Scope};
use retort_postgres::{PostgresDialect, PostgresDriver};
use retort_schema::{Change, Schema};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The server tests use; `RETORT_PG_URL` overrides it.
pub fn admin_url() -> String {
    std::env::var("RETORT_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A scratch database, dropped when the guard goes out of scope.
pub struct TestDb {
    /// Database name.
    pub name: String,
    /// URL of the database.
    pub url: String,
}

impl TestDb {
    /// Create `retort_t_<pid>_<time>_<n>`.
    pub async fn create() -> TestDb {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "retort_t_{}_{nanos}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let admin = admin_url();
        let mut conn = PgConnection::connect(&admin)
            .await
            .expect("connect to the test server");
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let _ = conn.close().await;
        let base = admin
            .rsplit_once('/')
            .map(|(b, _)| b.to_string())
            .unwrap_or(admin.clone());
        TestDb {
            url: format!("{base}/{name}"),
            name,
        }
    }

    /// A driver connected to the database.
    pub async fn driver(&self) -> PostgresDriver {
        PostgresDriver::connect(&self.url)
            .await
            .expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop from a separate thread with its own runtime: Drop cannot be async.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect(&admin_url()).await {
                    let _ = sqlx::raw_sql(AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

/// The scope used by tests: the default schema plus `schemas`, version table `retort_version`.
pub fn scope(schemas: &[&str]) -> Scope {
    Scope {
        schemas: schemas.iter().map(|s| s.to_string()).collect(),
        exclude_tables: vec![],
        version_table: "retort_version".into(),
    }
}

/// Render and run changes, statement by statement, in one transaction.
pub async fn apply(driver: &mut PostgresDriver, changes: &[Change]) {
    let statements = PostgresDialect.render(changes);
    driver.execute("BEGIN").await.expect("begin");
    for s in &statements {
        if let Err(e) = driver.execute(&s.sql).await {
            let _ = driver.execute("ROLLBACK").await;
            panic!(
                "statement failed: {e}\n{}\n-- all statements:\n{}",
                s.sql,
                sql_text(&statements)
            );
        }
    }
    driver.execute("COMMIT").await.expect("commit");
}

/// Statements as one script, for messages and snapshots.
pub fn sql_text(statements: &[retort_dialect::Statement]) -> String {
    statements
        .iter()
        .map(|s| {
            let mut out = String::new();
            if let Some(c) = &s.comment {
                out.push_str(&format!("-- {c}\n"));
            }
            if let Some(t) = &s.todo {
                out.push_str(&format!("-- retort:todo {t}\n"));
            }
            out.push_str(&s.sql);
            out.push_str(";\n");
            out
        })
        .collect()
}

/// The changes that create a whole (normalized) schema.
pub fn create_all(schema: &Schema) -> Vec<Change> {
    let mut out: Vec<Change> = schema
        .enums
        .iter()
        .map(|e| Change::CreateEnum {
            enum_type: e.clone(),
        })
        .collect();
    out.extend(
        schema
            .tables
            .iter()
            .map(|t| Change::CreateTable { table: t.clone() }),
    );
    out
}

/// A schema without the model-only hints (renames, backfills, `named`), for comparisons.
pub fn without_hints(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    for t in &mut s.tables {
        t.renamed_from = None;
        // `named` is the model's say; introspection always reports false
        t.uniques.iter_mut().for_each(|x| x.named = false);
        t.indexes.iter_mut().for_each(|x| x.named = false);
        t.foreign_keys.iter_mut().for_each(|x| x.named = false);
        t.checks.iter_mut().for_each(|x| x.named = false);
        for c in &mut t.columns {
            c.renamed_from = None;
            c.backfill = None;
        }
    }
    s
}

/// Assert two schemas are equal, printing a readable difference.
#[track_caller]
pub fn assert_same(live: &Schema, model: &Schema) {
    let live = without_hints(live);
    let model = without_hints(model);
    if live != model {
        let a = format!("{live:#?}");
        let b = format!("{model:#?}");
        let mut diff = String::new();
        for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
            if x != y {
                diff.push_str(&format!("line {i}:\n  live:  {x}\n  model: {y}\n"));
            }
        }
        panic!(
            "introspected schema differs from the normalized model:\n{diff}\nLIVE:\n{a}\nMODEL:\n{b}"
        );
    }
}

/// The schema with every table's columns sorted by name.
pub fn columns_by_name(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    for t in &mut s.tables {
        t.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s
}

/// The schema with constraint and index names blanked: after a table rename,
/// PostgreSQL keeps the names made for the old table name, and the diff (which
/// matches unnamed items by what they do) rightly ignores them.
pub fn without_constraint_names(schema: &Schema) -> Schema {
    let mut s = columns_by_name(schema);
    for t in &mut s.tables {
        t.uniques.iter_mut().for_each(|x| x.name.clear());
        t.indexes.iter_mut().for_each(|x| x.name.clear());
        t.foreign_keys.iter_mut().for_each(|x| x.name.clear());
        t.checks.iter_mut().for_each(|x| x.name.clear());
        t.uniques.sort_by(|a, b| a.columns.cmp(&b.columns));
        t.indexes.sort_by_key(|i| format!("{:?}", i.parts));
        t.foreign_keys.sort_by(|a, b| a.columns.cmp(&b.columns));
        t.checks.sort_by(|a, b| a.expr.cmp(&b.expr));
    }
    s
}
