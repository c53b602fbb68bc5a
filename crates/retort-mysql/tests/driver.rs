//! The driver's own behaviour: the migration lock, errors, text queries, scope.

mod common;

use std::time::Duration;

use common::fixtures::*;
use common::*;
use retort_dialect::{DbErrorKind, Dialect, Driver, Scope};
use retort_mysql::{MysqlDialect, MysqlDriver};
use retort_schema::{Change, ColumnType as T, Schema};

#[tokio::test]
async fn lock_waits_then_names_the_holder() {
    let (db, mut first) = TestDb::create().await;
    let mut second = MysqlDriver::connect(&db.url())
        .await
        .expect("second connection");
    first
        .lock("test-lock", Duration::from_secs(1))
        .await
        .expect("first takes the lock");
    let err = second
        .lock("test-lock", Duration::from_millis(1))
        .await
        .expect_err("second must time out");
    assert_eq!(err.kind, DbErrorKind::LockTimeout);
    assert!(
        err.message.contains("held by connection"),
        "{}",
        err.message
    );
    assert!(err.message.contains("root@"), "{}", err.message);
    first.unlock("test-lock").await.expect("unlock");
    second
        .lock("test-lock", Duration::from_secs(1))
        .await
        .expect("second takes the lock after release");
    second.unlock("test-lock").await.expect("unlock");
}

#[tokio::test]
async fn connection_errors_hide_the_password() {
    let err = MysqlDriver::connect("mysql://root:sup3rs3cret@127.0.0.1:3306/test")
        .await
        .err();
    // MariaDB's root may or may not accept a password here; if it refuses, the message must not leak it.
    if let Some(err) = err {
        assert_eq!(err.kind, DbErrorKind::Connect);
        assert!(!err.message.contains("sup3rs3cret"), "{}", err.message);
        assert!(err.message.contains("***"), "{}", err.message);
    }
    let err = MysqlDriver::connect("mysql://u:sup3rs3cret@127.0.0.1:1/test")
        .await
        .err()
        .expect("port 1 is closed");
    assert_eq!(err.kind, DbErrorKind::Connect);
    assert!(!err.message.contains("sup3rs3cret"), "{}", err.message);
}

#[tokio::test]
async fn query_returns_text_and_execute_counts_rows() {
    let (_db, mut driver) = TestDb::create().await;
    apply_changes(
        &mut driver,
        &[Change::CreateTable {
            table: norm(&schema(vec![users()])).tables[0].clone(),
        }],
    )
    .await;
    let n = driver
        .execute("INSERT INTO users (username, email, created_at) VALUES ('a', 'a@x', '2021-02-03 04:05:06'), ('b', 'b@x', NULL)")
        .await
        .expect("insert");
    assert_eq!(n, 2);
    let rows = driver
        .query("SELECT id, username, created_at, 1.5, NULL FROM users ORDER BY id")
        .await
        .expect("query");
    assert_eq!(
        rows[0],
        vec![
            Some("1".into()),
            Some("a".into()),
            Some("2021-02-03 04:05:06".into()),
            Some("1.5".into()),
            None
        ]
    );
    assert_eq!(rows[1][2], None);
    let err = driver
        .query("SELECT nope FROM users")
        .await
        .expect_err("unknown column");
    assert_eq!(err.kind, DbErrorKind::Query);
    assert_eq!(err.sql.as_deref(), Some("SELECT nope FROM users"));
}

#[tokio::test]
async fn version_table_and_excluded_tables_are_not_reported() {
    let (_db, mut driver) = TestDb::create().await;
    driver
        .execute(&MysqlDialect.version_table_ddl("retort_version"))
        .await
        .expect("version table");
    driver
        .execute(&MysqlDialect.version_table_ddl("retort_version"))
        .await
        .expect("idempotent");
    driver
        .execute("CREATE TABLE tmp_cache (id INT)")
        .await
        .expect("excluded table");
    apply_changes(
        &mut driver,
        &[Change::CreateTable {
            table: norm(&schema(vec![users()])).tables[0].clone(),
        }],
    )
    .await;
    let scope = Scope {
        schemas: vec![],
        exclude_tables: vec!["tmp_*".into()],
        version_table: "retort_version".into(),
    };
    let got = driver.introspect(&scope).await.expect("introspect");
    let names: Vec<&str> = got.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["users"]);
}

#[tokio::test]
async fn tables_made_by_hand_read_back_in_normal_form() {
    let (_db, mut driver) = TestDb::create().await;
    let ddl = "CREATE TABLE `Hand` (
        id INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY,
        flag BOOL NOT NULL DEFAULT TRUE,
        name VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci DEFAULT 'x' COMMENT 'c',
        doc JSON,
        parent INT,
        CONSTRAINT parent_fk FOREIGN KEY (parent) REFERENCES `Hand` (id) ON DELETE RESTRICT,
        CONSTRAINT positive CHECK ((parent > 0) AND (NOT flag = 2))
    ) ENGINE=InnoDB DEFAULT CHARSET=latin1";
    driver.execute(ddl).await.expect("create by hand");
    let got = live(&mut driver).await;
    let t = &got.tables[0];
    assert_eq!(t.columns[0].ty, T::Integer);
    assert_eq!(t.columns[1].ty, T::Boolean);
    assert_eq!(t.columns[1].default.as_deref(), Some("1"));
    assert_eq!(t.columns[2].ty, T::Varchar { length: 10 });
    assert_eq!(t.columns[2].default.as_deref(), Some("'x'"));
    assert_eq!(t.columns[3].ty, T::Json);
    assert!(
        t.checks.iter().all(|c| !c.expr.contains("json_valid")),
        "{:?}",
        t.checks
    );
    assert!(
        t.indexes.is_empty(),
        "the implicit FK index is hidden: {:?}",
        t.indexes
    );
    assert_eq!(
        t.foreign_keys[0].on_delete,
        retort_schema::FkAction::NoAction
    );
    // Normalizing the introspected schema changes nothing.
    assert_eq!(norm(&got), got);
    // And the same schema rebuilt from retort's own DDL reads back identically.
    let (_db2, mut other) = TestDb::create().await;
    let creates: Vec<Change> = got
        .tables
        .iter()
        .map(|t| Change::CreateTable { table: t.clone() })
        .collect();
    apply_changes(&mut other, &creates).await;
    assert_eq!(live(&mut other).await, got);
    let plan = retort_schema::diff(&got, &Schema::default(), &Default::default());
    apply_changes(&mut driver, &plan.changes).await;
    assert_eq!(live(&mut driver).await, Schema::default());
}

#[tokio::test]
async fn tables_in_other_databases_of_the_scope() {
    let (main_db, mut driver) = TestDb::create().await;
    let (other_db, _other) = TestDb::create().await;
    let _ = &main_db;
    let mut remote = users();
    remote.schema = Some(other_db.name.clone());
    let mut local = posts();
    local.foreign_keys[0].ref_table.schema = Some(other_db.name.clone());
    let model = schema(vec![remote, local]);
    let want = norm(&model);
    let plan = retort_schema::diff(&Schema::default(), &want, &Default::default());
    apply_changes(&mut driver, &plan.changes).await;
    let scope = Scope {
        schemas: vec![other_db.name.clone()],
        exclude_tables: vec![],
        version_table: "retort_version".into(),
    };
    let got = driver.introspect(&scope).await.expect("introspect");
    assert_eq!(strip(&got), strip(&want));
    // Without the other database in scope only the local table is read.
    let got = live(&mut driver).await;
    assert_eq!(got.tables.len(), 1);
    assert_eq!(
        got.tables[0].foreign_keys[0].ref_table.schema.as_deref(),
        Some(other_db.name.as_str())
    );
    let back = retort_schema::diff(&want, &Schema::default(), &Default::default());
    apply_changes(&mut driver, &back.changes).await;
    assert!(
        driver
            .introspect(&scope)
            .await
            .expect("introspect")
            .tables
            .is_empty()
    );
}

#[tokio::test]
async fn eight_connections_take_turns_under_the_lock() {
    let (db, mut setup) = TestDb::create().await;
    setup
        .execute("CREATE TABLE counter (n INT NOT NULL)")
        .await
        .expect("table");
    setup
        .execute("INSERT INTO counter VALUES (0)")
        .await
        .expect("row");
    let url = db.url().replacen("mysql://", "mariadb://", 1);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut d = MysqlDriver::connect(&url).await.expect("connect");
            d.lock("turns", Duration::from_secs(30))
                .await
                .expect("lock");
            let n = d.query("SELECT n FROM counter").await.expect("read")[0][0]
                .clone()
                .expect("n");
            tokio::time::sleep(Duration::from_millis(20)).await;
            let next = n.parse::<i64>().expect("number") + 1;
            d.execute(&format!("UPDATE counter SET n = {next}"))
                .await
                .expect("write");
            d.unlock("turns").await.expect("unlock");
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let n = setup.query("SELECT n FROM counter").await.expect("read");
    assert_eq!(
        n[0][0].as_deref(),
        Some("8"),
        "a lost update means two holders at once"
    );
}

#[tokio::test]
async fn a_killed_connection_is_reported_as_lost() {
    let (db, mut victim) = TestDb::create().await;
    let id = victim.query("SELECT CONNECTION_ID()").await.expect("id")[0][0]
        .clone()
        .expect("id value");
    let mut admin = MysqlDriver::connect(&db.url()).await.expect("admin");
    admin.execute(&format!("KILL {id}")).await.expect("kill");
    let err = victim
        .execute("CREATE TABLE t (id INT)")
        .await
        .expect_err("the connection is gone");
    assert_eq!(err.kind, DbErrorKind::Connect, "{err:?}");
    assert!(
        err.message.contains("lost the connection"),
        "{}",
        err.message
    );
    assert_eq!(err.sql.as_deref(), Some("CREATE TABLE t (id INT)"));
}
