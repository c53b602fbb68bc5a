//! The runner on real SQLite database files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use retort_dialect::Driver;
use retort_migrate::{
    MigrateError, Migrations, Options, Target, applied, current, downgrade, sql_script, stamp,
    upgrade,
};
use retort_sqlite::{SqliteDialect, SqliteDriver};

const R1: &str = "a1a1a1a1a1a1";
const R2: &str = "b2b2b2b2b2b2";
const R3: &str = "c3c3c3c3c3c3";

fn revision(id: &str, revises: &str, up: &str, down: &str) -> String {
    format!(
        "-- revision {id}\n--\n-- revision: {id}\n-- revises: {revises}\n-- created: 2026-11-25 19:42:11 UTC\n\n\
         -- retort:upgrade\n{up}\n\n-- retort:downgrade\n{down}\n"
    )
}

/// Three revisions in a line: users, a phone column (with a trigger), posts.
/// Every upgrade also inserts a row into `runs`, to count how often it ran.
fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("migrations");
    std::fs::create_dir(&m).unwrap();
    write(
        &m,
        "20260101000000_users.sql",
        &revision(
            R1,
            "",
            "CREATE TABLE \"runs\" (\"rev\" TEXT NOT NULL);\nCREATE TABLE \"users\" (\"id\" INTEGER PRIMARY KEY, \"name\" TEXT);\n\
             INSERT INTO \"runs\" VALUES ('r1');",
            "DROP TABLE \"users\";\nDROP TABLE \"runs\";",
        ),
    );
    write(
        &m,
        "20260102000000_phone.sql",
        &revision(
            R2,
            R1,
            "ALTER TABLE \"users\" ADD COLUMN \"phone\" TEXT;\n\
             CREATE TRIGGER \"users_name\" AFTER INSERT ON \"users\" BEGIN\n  UPDATE \"users\" SET \"name\" = 'x;y' WHERE \"id\" = NEW.\"id\";\nEND;\n\
             INSERT INTO \"runs\" VALUES ('r2');",
            "DROP TRIGGER \"users_name\";\nALTER TABLE \"users\" DROP COLUMN \"phone\";\nDELETE FROM \"runs\" WHERE \"rev\" = 'r2';",
        ),
    );
    write(
        &m,
        "20260103000000_posts.sql",
        &revision(
            R3,
            R2,
            "CREATE TABLE \"posts\" (\"id\" INTEGER PRIMARY KEY, \"user_id\" INTEGER REFERENCES \"users\" (\"id\"));\n\
             INSERT INTO \"runs\" VALUES ('r3');",
            "DROP TABLE \"posts\";\nDELETE FROM \"runs\" WHERE \"rev\" = 'r3';",
        ),
    );
    (dir, m)
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("app.db").display())
}

async fn connect(dir: &tempfile::TempDir) -> SqliteDriver {
    SqliteDriver::connect(&url(dir)).await.unwrap()
}

async fn rows(driver: &mut dyn Driver, sql: &str) -> Vec<Vec<Option<String>>> {
    driver.query(sql).await.unwrap()
}

async fn tables(driver: &mut dyn Driver) -> Vec<String> {
    rows(
        driver,
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    )
    .await
    .into_iter()
    .filter_map(|r| r.into_iter().next().flatten())
    .collect()
}

async fn applied_ids(driver: &mut dyn Driver) -> Vec<String> {
    applied(driver, &Options::default())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.revision)
        .collect()
}

fn t(s: &str) -> Target {
    Target::parse(s).unwrap()
}

#[tokio::test]
async fn upgrade_downgrade_round_trip() {
    let (dir, m) = project();
    let migrations = Migrations::load(&m).unwrap();
    let mut d = connect(&dir).await;
    let opts = Options::default();
    assert!(
        current(&mut d, &migrations, &opts)
            .await
            .unwrap()
            .is_empty()
    );

    let report = upgrade(&mut d, &migrations, &Target::Head, &opts)
        .await
        .unwrap();
    let ran: Vec<&str> = report.ran.iter().map(|r| r.revision.as_str()).collect();
    assert_eq!(ran, vec![R1, R2, R3]);
    assert_eq!(
        tables(&mut d).await,
        vec!["posts", "retort_version", "runs", "users"]
    );
    assert_eq!(applied_ids(&mut d).await, vec![R1, R2, R3]);
    let cur = current(&mut d, &migrations, &opts).await.unwrap();
    assert_eq!(cur.len(), 1);
    assert_eq!(cur[0].revision, R3);
    assert_eq!(cur[0].checksum, migrations.get(R3).unwrap().checksum);
    let at = &cur[0].applied_at;
    assert!(
        at.len() == 19 && at.as_bytes()[4] == b'-' && at.as_bytes()[10] == b' ',
        "{at}"
    );
    // The trigger body with its semicolons arrived whole.
    rows(&mut d, "INSERT INTO \"users\" (\"name\") VALUES ('a')").await;
    assert_eq!(
        rows(&mut d, "SELECT \"name\" FROM \"users\"").await,
        vec![vec![Some("x;y".to_string())]]
    );

    // Nothing left to do.
    assert!(
        upgrade(&mut d, &migrations, &Target::Head, &opts)
            .await
            .unwrap()
            .ran
            .is_empty()
    );

    let report = downgrade(&mut d, &migrations, &t("-1"), &opts)
        .await
        .unwrap();
    assert_eq!(report.ran[0].revision, R3);
    assert_eq!(applied_ids(&mut d).await, vec![R1, R2]);
    assert!(!tables(&mut d).await.contains(&"posts".to_string()));

    downgrade(&mut d, &migrations, &Target::Base, &opts)
        .await
        .unwrap();
    assert!(applied_ids(&mut d).await.is_empty());
    assert_eq!(tables(&mut d).await, vec!["retort_version"]);

    upgrade(&mut d, &migrations, &t("+1"), &opts).await.unwrap();
    assert_eq!(applied_ids(&mut d).await, vec![R1]);
    upgrade(&mut d, &migrations, &t("b2"), &opts).await.unwrap();
    assert_eq!(applied_ids(&mut d).await, vec![R1, R2]);
    downgrade(&mut d, &migrations, &t("a1"), &opts)
        .await
        .unwrap();
    assert_eq!(applied_ids(&mut d).await, vec![R1]);
    assert!(matches!(
        downgrade(&mut d, &migrations, &t("c3"), &opts).await,
        Err(MigrateError::NotApplied { .. })
    ));
}

#[tokio::test]
async fn custom_version_table() {
    let (dir, m) = project();
    let migrations = Migrations::load(&m).unwrap();
    let mut d = connect(&dir).await;
    let opts = Options {
        version_table: "my versions".into(),
        ..Options::default()
    };
    upgrade(&mut d, &migrations, &t("+1"), &opts).await.unwrap();
    assert!(tables(&mut d).await.contains(&"my versions".to_string()));
    assert_eq!(applied(&mut d, &opts).await.unwrap().len(), 1);
    assert!(
        applied(&mut d, &Options::default())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn todo_refuses_before_running_anything() {
    let (dir, m) = project();
    let text = std::fs::read_to_string(m.join("20260103000000_posts.sql")).unwrap();
    let text = text.replace(
        "-- retort:upgrade\n",
        "-- retort:upgrade\n-- retort:todo backfill \"posts\".\"user_id\"\n",
    );
    write(&m, "20260103000000_posts.sql", &text);
    let migrations = Migrations::load(&m).unwrap();
    let mut d = connect(&dir).await;
    let err = upgrade(&mut d, &migrations, &Target::Head, &Options::default())
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("20260103000000_posts.sql:8: revision c3c3c3c3c3c3 has an open to-do"),
        "{msg}"
    );
    assert!(err.is_user_error());
    assert!(applied_ids(&mut d).await.is_empty());
    assert_eq!(tables(&mut d).await, vec!["retort_version"]);
    // Revisions before it are fine.
    upgrade(&mut d, &migrations, &t("b2"), &Options::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn edited_applied_file_is_refused() {
    let (dir, m) = project();
    let mut d = connect(&dir).await;
    let opts = Options::default();
    upgrade(&mut d, &Migrations::load(&m).unwrap(), &t("b2"), &opts)
        .await
        .unwrap();

    // CRLF and comment edits are no change.
    let path = m.join("20260101000000_users.sql");
    let original = std::fs::read_to_string(&path).unwrap();
    let cosmetic = original
        .replace("\n", "\r\n")
        .replace("-- retort:downgrade", "-- a note\r\n-- retort:downgrade");
    std::fs::write(&path, cosmetic).unwrap();
    upgrade(&mut d, &Migrations::load(&m).unwrap(), &Target::Head, &opts)
        .await
        .unwrap();
    downgrade(&mut d, &Migrations::load(&m).unwrap(), &t("b2"), &opts)
        .await
        .unwrap();

    // A statement edit is.
    std::fs::write(
        &path,
        original.replace("\"name\" TEXT", "\"name\" TEXT NOT NULL"),
    )
    .unwrap();
    let migrations = Migrations::load(&m).unwrap();
    let err = upgrade(&mut d, &migrations, &Target::Head, &opts)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MigrateError::ChecksumMismatch { revision, .. } if revision == R1),
        "{err}"
    );
    assert!(err.to_string().contains(
        "20260101000000_users.sql: revision a1a1a1a1a1a1 was edited after it was applied"
    ));
    assert_eq!(applied_ids(&mut d).await, vec![R1, R2]);

    // `stamp` records the edit.
    let report = stamp(&mut d, &migrations, &t("b2"), &opts).await.unwrap();
    assert_eq!(report.updated, vec![R1]);
    upgrade(&mut d, &migrations, &Target::Head, &opts)
        .await
        .unwrap();

    // An applied revision whose file is gone.
    std::fs::remove_file(m.join("20260103000000_posts.sql")).unwrap();
    let err = upgrade(&mut d, &Migrations::load(&m).unwrap(), &Target::Head, &opts)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MigrateError::AppliedRevisionMissing { revision } if revision == R3),
        "{err}"
    );
}

#[tokio::test]
async fn failing_statement_rolls_back_the_revision() {
    let (dir, m) = project();
    write(
        &m,
        "20260102000000_phone.sql",
        &revision(
            R2,
            R1,
            "ALTER TABLE \"users\" ADD COLUMN \"phone\" TEXT;\nINSERT INTO \"runs\" VALUES ('r2');\n\nINSERT INTO \"nope\" VALUES (1);",
            "",
        ),
    );
    let migrations = Migrations::load(&m).unwrap();
    let mut d = connect(&dir).await;
    let err = upgrade(&mut d, &migrations, &Target::Head, &Options::default())
        .await
        .unwrap_err();
    match &err {
        MigrateError::StatementFailed {
            revision,
            line,
            sql,
            ..
        } => {
            assert_eq!(revision, R2);
            assert_eq!(*line, 11);
            assert_eq!(sql, "INSERT INTO \"nope\" VALUES (1)");
        }
        other => panic!("{other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains(
            "20260102000000_phone.sql:11: revision b2b2b2b2b2b2 failed and was rolled back"
        ),
        "{msg}"
    );
    assert!(!err.is_user_error());
    assert_eq!(applied_ids(&mut d).await, vec![R1]);
    let cols = rows(&mut d, "SELECT name FROM pragma_table_info('users')").await;
    assert_eq!(cols.len(), 2, "the phone column was rolled back: {cols:?}");
    assert_eq!(
        rows(&mut d, "SELECT count(*) FROM \"runs\"").await,
        vec![vec![Some("1".to_string())]]
    );
}

#[tokio::test]
async fn stamp_moves_the_version_table_only() {
    let (dir, m) = project();
    let migrations = Migrations::load(&m).unwrap();
    let mut d = connect(&dir).await;
    let opts = Options::default();
    let report = stamp(&mut d, &migrations, &Target::Head, &opts)
        .await
        .unwrap();
    assert_eq!(report.added, vec![R1, R2, R3]);
    assert_eq!(tables(&mut d).await, vec!["retort_version"]);
    assert_eq!(applied_ids(&mut d).await, vec![R1, R2, R3]);
    let report = stamp(&mut d, &migrations, &t("a1"), &opts).await.unwrap();
    assert_eq!(report.removed, vec![R2, R3]);
    assert_eq!(applied_ids(&mut d).await, vec![R1]);
    stamp(&mut d, &migrations, &t("+1"), &opts).await.unwrap();
    assert_eq!(applied_ids(&mut d).await, vec![R1, R2]);
    stamp(&mut d, &migrations, &Target::Base, &opts)
        .await
        .unwrap();
    assert!(applied_ids(&mut d).await.is_empty());
    // Unknown ids in the table are dropped by an exact stamp.
    rows(
        &mut d,
        "INSERT INTO retort_version VALUES ('dddddddddddd', 'x', '2026-01-01 00:00:00', 0)",
    )
    .await;
    assert!(matches!(
        upgrade(&mut d, &migrations, &Target::Head, &opts).await,
        Err(MigrateError::AppliedRevisionMissing { .. })
    ));
    let report = stamp(&mut d, &migrations, &Target::Base, &opts)
        .await
        .unwrap();
    assert_eq!(report.removed, vec!["dddddddddddd"]);
}

#[test]
fn concurrent_upgraders_apply_each_revision_once() {
    let (dir, m) = project();
    let migrations = std::sync::Arc::new(Migrations::load(&m).unwrap());
    let url = url(&dir);
    // Create the file first so that every connection opens the same database.
    let rt = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    rt().block_on(async { drop(SqliteDriver::connect(&url).await.unwrap()) });
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let migrations = migrations.clone();
            let url = url.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                rt().block_on(async {
                    let mut d = SqliteDriver::connect(&url).await.unwrap();
                    // All connected: start together.
                    barrier.wait();
                    upgrade(&mut d, &migrations, &Target::Head, &Options::default()).await
                })
            })
        })
        .collect();
    let mut ran = Vec::new();
    for h in handles {
        let report = h
            .join()
            .unwrap()
            .unwrap_or_else(|e| panic!("an upgrader failed: {e}"));
        ran.extend(report.ran.into_iter().map(|r| r.revision));
    }
    ran.sort();
    assert_eq!(ran, vec![R1, R2, R3], "each revision ran exactly once");
    rt().block_on(async {
        let mut d = SqliteDriver::connect(&url).await.unwrap();
        assert_eq!(applied_ids(&mut d).await, vec![R1, R2, R3]);
        let runs = rows(&mut d, "SELECT \"rev\" FROM \"runs\" ORDER BY \"rev\"").await;
        assert_eq!(runs.len(), 3, "{runs:?}");
    });
}

#[test]
fn offline_script() {
    let (_dir, m) = project();
    let migrations = Migrations::load(&m).unwrap();
    let plan = migrations
        .plan_upgrade(&BTreeSet::new(), &Target::Head)
        .unwrap();
    insta::assert_snapshot!(
        "sqlite_upgrade_script",
        sql_script(&migrations, &SqliteDialect, &plan, "retort_version")
    );
    let all: BTreeSet<String> = [R1, R2, R3].iter().map(|s| s.to_string()).collect();
    let plan = migrations.plan_downgrade(&all, &t("a1")).unwrap();
    insta::assert_snapshot!(
        "sqlite_downgrade_script",
        sql_script(&migrations, &SqliteDialect, &plan, "retort_version")
    );
}
