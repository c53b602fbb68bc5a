//! Table rebuilds keep data and references: every row survives, foreign keys of
//! other tables still point at the rebuilt table and are enforced, and
//! `ON DELETE CASCADE` children are not deleted by the rebuild's `DROP TABLE`.
//! The driver's commit refuses a revision that leaves a broken reference.

mod common;

use common::*;
use retort_dialect::{DbErrorKind, Dialect, Driver};
use retort_schema::{Change, ColumnType as T, FkAction, Schema, Table, TableChange, TableDiff};
use retort_sqlite::{SqliteDialect, SqliteDriver};

fn schema(tables: Vec<Table>) -> Vec<Table> {
    SqliteDialect
        .normalize(&Schema {
            tables,
            enums: vec![],
            sequences: Vec::new(),
        })
        .expect("normalizes")
        .tables
}

fn parent(name_type: T) -> Table {
    let mut t = table(
        "parent",
        vec![id("id", T::Integer), req("name", name_type)],
        &["id"],
    );
    t.indexes = vec![index(&["name"])];
    t
}

fn children() -> Vec<Table> {
    let mut cascade = table(
        "cascade_child",
        vec![id("id", T::Integer), req("parent_id", T::Integer)],
        &["id"],
    );
    cascade.foreign_keys = vec![retort_schema::ForeignKey {
        on_delete: FkAction::Cascade,
        ..fk(&["parent_id"], "parent", &["id"])
    }];
    let mut plain = table(
        "plain_child",
        vec![id("id", T::Integer), col("parent_id", T::Integer)],
        &["id"],
    );
    plain.foreign_keys = vec![fk(&["parent_id"], "parent", &["id"])];
    vec![cascade, plain]
}

async fn count(driver: &mut SqliteDriver, sql: &str) -> i64 {
    let rows = driver.query(sql).await.expect("query");
    rows[0][0]
        .as_deref()
        .and_then(|v| v.parse().ok())
        .expect("a number")
}

async fn seeded() -> (tempfile::TempDir, SqliteDriver, Vec<Table>) {
    let mut tables = vec![parent(T::Varchar { length: 20 })];
    tables.extend(children());
    let tables = schema(tables);
    let (dir, mut driver) = fresh_db().await;
    create_all(
        &mut driver,
        &Schema {
            tables: tables.clone(),
            enums: vec![],
            sequences: Vec::new(),
        },
    )
    .await;
    for sql in [
        "INSERT INTO parent (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'three')",
        "INSERT INTO cascade_child (id, parent_id) VALUES (10, 1), (11, 1), (12, 2)",
        "INSERT INTO plain_child (id, parent_id) VALUES (20, 3), (21, NULL)",
    ] {
        driver.execute(sql).await.expect("seed");
    }
    (dir, driver, tables)
}

#[tokio::test]
async fn rebuild_keeps_rows_and_references() {
    let (_dir, mut driver, tables) = seeded().await;
    // change the parent's column type: a rebuild of "parent"
    let mut to_tables = vec![parent(T::Text)];
    to_tables.extend(children());
    let to_tables = schema(to_tables);
    let (from, to) = (&tables[0], &to_tables[0]);
    let change = Change::AlterTable(TableDiff {
        from: from.clone(),
        to: to.clone(),
        changes: vec![TableChange::AlterColumn {
            from: from.columns[1].clone(),
            to: to.columns[1].clone(),
        }],
    });
    driver
        .execute("CREATE VIEW parent_names AS SELECT name FROM parent")
        .await
        .expect("view");
    let statements = SqliteDialect.render(&[change]);
    assert!(
        statements[0]
            .comment
            .as_deref()
            .is_some_and(|c| c.starts_with("rebuild table \"parent\""))
    );
    apply(&mut driver, &statements).await;

    assert_matches(
        &mut driver,
        &Schema {
            tables: to_tables,
            enums: vec![],
            sequences: Vec::new(),
        },
    )
    .await;
    assert_eq!(count(&mut driver, "SELECT count(*) FROM parent").await, 3);
    assert_eq!(
        driver
            .query("SELECT name FROM parent WHERE id = 2")
            .await
            .expect("query"),
        vec![vec![Some("two".to_string())]]
    );
    assert_eq!(
        count(&mut driver, "SELECT count(*) FROM cascade_child").await,
        3,
        "no cascade during the rebuild"
    );
    assert_eq!(
        count(&mut driver, "SELECT count(*) FROM plain_child").await,
        2
    );
    assert_eq!(
        count(&mut driver, "SELECT count(*) FROM parent_names").await,
        3,
        "views survive"
    );

    // references still work: enforced, and cascading
    let err = driver
        .execute("INSERT INTO plain_child (id, parent_id) VALUES (22, 99)")
        .await
        .expect_err("orphan refused");
    assert!(err.message.contains("FOREIGN KEY"), "{err}");
    driver
        .execute("DELETE FROM parent WHERE id = 1")
        .await
        .expect("delete");
    assert_eq!(
        count(&mut driver, "SELECT count(*) FROM cascade_child").await,
        1,
        "cascade still fires"
    );
    // and the rowid alias keeps counting from the kept ids
    driver
        .execute("INSERT INTO parent (name) VALUES ('four')")
        .await
        .expect("insert");
    assert_eq!(count(&mut driver, "SELECT max(id) FROM parent").await, 4);
}

#[tokio::test]
async fn rebuild_of_a_child_keeps_its_rows() {
    let (_dir, mut driver, tables) = seeded().await;
    let from = tables[1].clone();
    let mut to_model = children().remove(0);
    to_model.foreign_keys[0].on_delete = FkAction::Restrict;
    to_model
        .columns
        .push(with_default(req("note", T::Text), "'none'"));
    let mut to_all = vec![parent(T::Varchar { length: 20 }), to_model];
    to_all.push(children().remove(1));
    let to_all = schema(to_all);
    let to = to_all[1].clone();
    let change = Change::AlterTable(TableDiff {
        from: from.clone(),
        to: to.clone(),
        changes: vec![
            TableChange::DropForeignKey {
                foreign_key: from.foreign_keys[0].clone(),
            },
            TableChange::AddColumn {
                column: to.columns[2].clone(),
            },
            TableChange::AddForeignKey {
                foreign_key: to.foreign_keys[0].clone(),
            },
        ],
    });
    apply(&mut driver, &SqliteDialect.render(&[change])).await;
    assert_matches(
        &mut driver,
        &Schema {
            tables: to_all,
            enums: vec![],
            sequences: Vec::new(),
        },
    )
    .await;
    assert_eq!(
        driver
            .query("SELECT id, parent_id, note FROM cascade_child ORDER BY id")
            .await
            .expect("query"),
        vec![
            vec![Some("10".into()), Some("1".into()), Some("none".into())],
            vec![Some("11".into()), Some("1".into()), Some("none".into())],
            vec![Some("12".into()), Some("2".into()), Some("none".into())],
        ]
    );
    let err = driver
        .execute("DELETE FROM parent WHERE id = 1")
        .await
        .expect_err("restricted now");
    assert!(err.message.contains("FOREIGN KEY"), "{err}");
}

#[tokio::test]
async fn commit_refuses_broken_references_and_rolls_back() {
    let (_dir, mut driver, tables) = seeded().await;
    // dropping the parent table leaves children pointing nowhere
    let statements = SqliteDialect.render(&[Change::DropTable {
        table: tables[0].clone(),
    }]);
    let err = try_apply(&mut driver, &statements)
        .await
        .expect_err("foreign key check fails");
    assert_eq!(err.kind, DbErrorKind::Query);
    assert!(
        err.message
            .contains("\"cascade_child\" reference missing rows of \"parent\""),
        "{}",
        err.message
    );
    assert!(err.message.contains("\"plain_child\""), "{}", err.message);
    // rolled back, and enforcement is back on
    assert_eq!(count(&mut driver, "SELECT count(*) FROM parent").await, 3);
    assert_eq!(count(&mut driver, "PRAGMA foreign_keys").await, 1);
}

#[tokio::test]
async fn query_returns_every_value_as_text() {
    let (_dir, mut driver) = fresh_db().await;
    let rows = driver
        .query("SELECT 1, 2.5, 'x', x'0aff', NULL")
        .await
        .expect("query");
    assert_eq!(
        rows,
        vec![vec![
            Some("1".into()),
            Some("2.5".into()),
            Some("x".into()),
            Some("0aff".into()),
            None
        ]]
    );
}

#[tokio::test]
async fn connect_names_a_missing_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope").join("app.db");
    let err = SqliteDriver::connect(&format!("sqlite://{}", missing.display()))
        .await
        .expect_err("fails");
    assert_eq!(err.kind, DbErrorKind::Connect);
    assert!(
        err.message.contains(&missing.display().to_string()),
        "{}",
        err.message
    );

    // a missing file is created; sqlite: and sqlite::memory: forms work
    let file = dir.path().join("new.db");
    SqliteDriver::connect(&format!("sqlite:{}", file.display()))
        .await
        .expect("creates the file");
    assert!(file.exists());
    let ro = dir.path().join("absent.db");
    let err = SqliteDriver::connect(&format!("sqlite://{}?mode=ro", ro.display()))
        .await
        .expect_err("read-only does not create");
    assert!(err.message.contains("absent.db"), "{}", err.message);
    assert!(!ro.exists());
    let mut mem = SqliteDriver::connect("sqlite::memory:")
        .await
        .expect("memory");
    assert_eq!(
        mem.query("SELECT 1").await.expect("query"),
        vec![vec![Some("1".into())]]
    );
}

#[tokio::test]
async fn concurrent_upgraders_wait_then_time_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("lock.db").display());
    let mut first = SqliteDriver::connect(&url).await.expect("connect");
    let mut second = SqliteDriver::connect(&url).await.expect("connect");
    first.begin().await.expect("first takes the write lock");
    second
        .lock("retort", std::time::Duration::from_millis(200))
        .await
        .expect("lock sets the timeout");
    let started = std::time::Instant::now();
    let err = second
        .begin()
        .await
        .expect_err("second waits, then gives up");
    assert_eq!(err.kind, DbErrorKind::LockTimeout, "{err}");
    assert!(started.elapsed() >= std::time::Duration::from_millis(150));
    assert_eq!(
        second.query("PRAGMA foreign_keys").await.expect("query"),
        vec![vec![Some("1".to_string())]],
        "enforcement is back on after a failed begin"
    );
    first.commit().await.expect("commit");
    second.begin().await.expect("free now");
    second.commit().await.expect("commit");
}

#[tokio::test]
async fn a_second_upgrader_waits_for_the_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("wait.db").display());
    let mut first = SqliteDriver::connect(&url).await.expect("connect");
    let mut second = SqliteDriver::connect(&url).await.expect("connect");
    first.begin().await.expect("first takes the write lock");
    first
        .execute("CREATE TABLE applied (revision TEXT)")
        .await
        .expect("ddl");
    let waiter = tokio::spawn(async move {
        second
            .begin()
            .await
            .expect("second gets the lock once the first commits");
        let rows = second
            .query("SELECT count(*) FROM sqlite_master WHERE name = 'applied'")
            .await
            .expect("query");
        second.commit().await.expect("commit");
        rows
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!waiter.is_finished(), "the second upgrader waits");
    first.commit().await.expect("commit");
    let rows = waiter.await.expect("task");
    assert_eq!(
        rows,
        vec![vec![Some("1".to_string())]],
        "and sees what the first committed"
    );
}
