//! Test helpers: a uniquely named MariaDB database per test, dropped by a guard
//! (also when the test fails), and schema comparison helpers.
#![allow(dead_code)]

pub mod fixtures;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use retort_dialect::{Dialect, Driver, Scope, Statement};
use retort_mysql::{MysqlDialect, MysqlDriver};
use retort_schema::{Change, Schema};

/// The server the tests use (`RETORT_MYSQL_URL` overrides; it must name a database).
pub fn admin_url() -> String {
    std::env::var("RETORT_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_string())
}

fn url_for(db: &str) -> String {
    let admin = admin_url();
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(admin);
    format!("{base}/{db}")
}

/// A scratch database, dropped when the guard goes out of scope.
pub struct TestDb {
    /// Database name (`retort_t_<unique>`).
    pub name: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    /// Create a fresh database and connect a driver to it.
    pub async fn create() -> (TestDb, MysqlDriver) {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "retort_t_{}_{}_{:x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            nanos
        );
        let mut admin = MysqlDriver::connect(&admin_url())
            .await
            .expect("connect to the test server");
        admin
            .execute(&format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
            .await
            .expect("create database");
        let guard = TestDb { name: name.clone() };
        let driver = MysqlDriver::connect(&url_for(&name))
            .await
            .expect("connect to the scratch database");
        (guard, driver)
    }

    /// The connection URL of the scratch database.
    pub fn url(&self) -> String {
        url_for(&self.name)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let handle = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(mut admin) = MysqlDriver::connect(&admin_url()).await {
                    let _ = admin
                        .execute(&format!("DROP DATABASE IF EXISTS `{name}`"))
                        .await;
                }
            });
        });
        let _ = handle.join();
    }
}

/// The scope tests read: everything but the version table.
pub fn scope() -> Scope {
    Scope {
        schemas: vec![],
        exclude_tables: vec![],
        version_table: "retort_version".into(),
    }
}

/// Normalize a model schema, panicking with the errors.
pub fn norm(s: &Schema) -> Schema {
    MysqlDialect
        .normalize(s)
        .unwrap_or_else(|e| panic!("normalize failed: {e:?}"))
}

/// Forget what only models carry (names chosen by the user, rename and backfill hints).
pub fn strip(s: &Schema) -> Schema {
    let mut s = s.clone();
    for t in &mut s.tables {
        t.renamed_from = None;
        for c in &mut t.columns {
            c.renamed_from = None;
            c.backfill = None;
        }
        for u in &mut t.uniques {
            u.named = false;
        }
        for i in &mut t.indexes {
            i.named = false;
        }
        for f in &mut t.foreign_keys {
            f.named = false;
        }
        for c in &mut t.checks {
            c.named = false;
        }
    }
    s
}

/// Execute rendered statements in order; a to-do marker fails the test.
pub async fn apply(driver: &mut MysqlDriver, stmts: &[Statement]) {
    for st in stmts {
        assert!(st.todo.is_none(), "unexpected to-do: {:?}", st.todo);
    }
    apply_skipping_todos(driver, stmts).await;
}

/// Execute rendered statements in order, passing over to-do markers (for tables
/// without rows, where there is nothing to fill).
pub async fn apply_skipping_todos(driver: &mut MysqlDriver, stmts: &[Statement]) {
    for st in stmts {
        if st.sql.is_empty() {
            continue;
        }
        if let Err(e) = driver.execute(&st.sql).await {
            panic!("statement failed: {}\n{}", e.message, st.sql);
        }
    }
}

/// Render and apply changes.
pub async fn apply_changes(driver: &mut MysqlDriver, changes: &[Change]) {
    let stmts = MysqlDialect.render(changes);
    apply(driver, &stmts).await;
}

/// Introspect the scratch database.
pub async fn live(driver: &mut MysqlDriver) -> Schema {
    driver.introspect(&scope()).await.expect("introspect")
}

/// Statements as a reviewer reads them in a migration file.
pub fn sql_text(stmts: &[Statement]) -> String {
    let mut out = String::new();
    for s in stmts {
        if let Some(c) = &s.comment {
            out.push_str(&format!("-- {c}\n"));
        }
        if let Some(t) = &s.todo {
            out.push_str(&format!("-- retort:todo {t}\n"));
        }
        if !s.sql.is_empty() {
            out.push_str(&s.sql);
            out.push_str(";\n");
        }
    }
    out
}
