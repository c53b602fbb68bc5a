//! The application-facing API (SPEC §9) against real SQLite, PostgreSQL and
//! MariaDB, through the sqlx pools an application has: `create_all` then
//! `check_schema_drift` is clean; a hand-made change is reported with its table,
//! column and SQL; `embed_migrations!` upgrades a fresh database, idempotently,
//! and leaves it matching the models; errors say what failed.

use retort::{Metadata, Model};

/// An author (the parent table).
#[derive(Model)]
#[model(table = "authors")]
#[allow(dead_code)]
struct Author {
    #[model(primary_key)]
    id: i32,
    #[model(max_length = 80)]
    name: String,
    #[model(unique, max_length = 120)]
    email: String,
}

/// A book by an author.
#[derive(Model)]
#[model(table = "books", index(columns = ["author_id", "title"]))]
#[allow(dead_code)]
struct Book {
    #[model(primary_key)]
    id: i64,
    #[model(references = "authors.id", on_delete = "cascade")]
    author_id: i32,
    #[model(max_length = 200)]
    title: String,
    pages: Option<i32>,
}

fn models() -> Metadata {
    Metadata::of::<(Author, Book)>()
}

mod db {
    //! Fresh, uniquely named databases (dropped at the end) and pools on them.

    use std::sync::atomic::{AtomicU32, Ordering};

    static NEXT: AtomicU32 = AtomicU32::new(0);

    fn unique(prefix: &str) -> String {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        format!("retort_lib_{prefix}_{}_{n}_{nanos}", std::process::id())
    }

    /// The dialect of a test database.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Kind {
        Sqlite,
        Postgres,
        Mysql,
    }

    pub const POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";
    pub const MYSQL: &str = "mysql://root@127.0.0.1:3306/test";

    /// One fresh database.
    pub struct TestDb {
        pub kind: Kind,
        pub url: String,
        name: String,
        _dir: Option<tempfile::TempDir>,
    }

    impl TestDb {
        pub async fn create(kind: Kind) -> TestDb {
            let name = unique(match kind {
                Kind::Sqlite => "sqlite",
                Kind::Postgres => "pg",
                Kind::Mysql => "my",
            });
            match kind {
                Kind::Sqlite => {
                    let dir = tempfile::tempdir().expect("temp dir");
                    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
                    TestDb {
                        kind,
                        url,
                        name,
                        _dir: Some(dir),
                    }
                }
                Kind::Postgres | Kind::Mysql => {
                    let admin = if kind == Kind::Postgres {
                        POSTGRES
                    } else {
                        MYSQL
                    };
                    let mut d = retort::connect(admin).await.expect("admin connection");
                    let q = d.dialect().quote_ident(&name);
                    d.execute(&format!("CREATE DATABASE {q}"))
                        .await
                        .expect("create database");
                    let url = admin.replace("/test", &format!("/{name}"));
                    TestDb {
                        kind,
                        url,
                        name,
                        _dir: None,
                    }
                }
            }
        }

        /// Run SQL by hand, as a person altering the database would.
        pub async fn execute(&self, sql: &str) {
            let mut d = retort::connect(&self.url).await.expect("connect");
            d.execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }

        /// Quote an identifier the dialect's way.
        pub fn q(&self, ident: &str) -> String {
            match self.kind {
                Kind::Mysql => format!("`{ident}`"),
                _ => format!("\"{ident}\""),
            }
        }

        pub async fn drop(self) {
            let admin = match self.kind {
                Kind::Sqlite => return,
                Kind::Postgres => POSTGRES,
                Kind::Mysql => MYSQL,
            };
            let mut d = retort::connect(admin).await.expect("admin connection");
            let q = d.dialect().quote_ident(&self.name);
            let force = if self.kind == Kind::Postgres {
                " WITH (FORCE)"
            } else {
                ""
            };
            d.execute(&format!("DROP DATABASE {q}{force}"))
                .await
                .expect("drop database");
        }
    }
}

use db::{Kind, TestDb};
use retort::{Connectable, Difference, EmbeddedMigrations, Error};

static SQLITE_MIGRATIONS: EmbeddedMigrations =
    retort::embed_migrations!("tests/fixtures/migrations_sqlite");
static POSTGRES_MIGRATIONS: EmbeddedMigrations =
    retort::embed_migrations!("tests/fixtures/migrations_postgres");
static MYSQL_MIGRATIONS: EmbeddedMigrations =
    retort::embed_migrations!("tests/fixtures/migrations_mysql");
static NO_MIGRATIONS: EmbeddedMigrations =
    retort::embed_migrations!("tests/fixtures/migrations_empty");

fn ops(report: &retort::DriftReport) -> Vec<(&str, Option<&str>, Option<&str>)> {
    report
        .differences
        .iter()
        .map(|d: &Difference| (d.op, d.table.as_deref(), d.column.as_deref()))
        .collect()
}

/// `create_all` creates both tables; afterwards the drift check is clean and a
/// second `create_all` has nothing to do.
async fn create_all_then_clean<P: Connectable + ?Sized>(pool: &P) {
    let created = retort::create_all(pool, &models())
        .await
        .expect("create_all");
    assert_eq!(
        ops(&created),
        vec![
            ("create_table", Some("authors"), None),
            ("create_table", Some("books"), None)
        ],
        "{created}"
    );
    assert!(
        created.upgrade_sql().contains("books"),
        "{}",
        created.upgrade_sql()
    );
    let report = retort::check_schema_drift(pool, &models())
        .await
        .expect("check_schema_drift");
    assert!(report.is_clean(), "{report}");
    assert!(report.upgrade.is_empty());
    assert_eq!(
        report.to_string(),
        format!("the {} database matches the models", report.dialect)
    );
    let again = retort::create_all(pool, &models())
        .await
        .expect("create_all again");
    assert!(again.is_clean(), "{again}");
}

/// Changes made by hand show up with their table, column, description and SQL;
/// `create_all` refuses to drop the extra column and applies nothing.
async fn hand_changes_are_reported<P: Connectable + ?Sized>(pool: &P, db: &TestDb) {
    retort::create_all(pool, &models())
        .await
        .expect("create_all");
    let (authors, books) = (db.q("authors"), db.q("books"));
    db.execute(&format!(
        "ALTER TABLE {authors} ADD COLUMN {} VARCHAR(30)",
        db.q("nickname")
    ))
    .await;
    db.execute(&format!(
        "ALTER TABLE {books} DROP COLUMN {}",
        db.q("pages")
    ))
    .await;
    let report = retort::check_schema_drift(pool, &models())
        .await
        .expect("check_schema_drift");
    assert!(!report.is_clean());
    assert_eq!(
        ops(&report),
        vec![
            ("drop_column", Some("authors"), Some("nickname")),
            ("add_column", Some("books"), Some("pages")),
        ],
        "{report}"
    );
    assert_eq!(
        report.summary(),
        vec!["drop column authors.nickname", "add column books.pages"]
    );
    let sql = report.upgrade_sql();
    assert!(sql.contains("nickname") && sql.contains("pages"), "{sql}");
    assert!(
        report.downgrade_sql().contains("nickname"),
        "{}",
        report.downgrade_sql()
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.kind == "destructive" && f.message.contains("authors.nickname")),
        "{:?}",
        report.findings
    );
    let json = serde_json::to_value(&report).expect("a report serializes");
    assert_eq!(json["differences"][0]["op"], "drop_column", "{json}");
    assert_eq!(json["differences"][0]["column"], "nickname", "{json}");
    let text = report.to_string();
    insta::assert_snapshot!(format!("hand_changes_{}", report.dialect), text);
    assert!(text.contains("2 difference(s)"), "{text}");
    assert!(text.contains("  - drop column authors.nickname"), "{text}");

    let err = retort::create_all(pool, &models())
        .await
        .expect_err("create_all must refuse to drop a column");
    assert!(matches!(err, Error::Refused { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("drop column authors.nickname"),
        "{message}"
    );
    assert!(message.contains("nothing was applied"), "{message}");
    let still = retort::check_schema_drift(pool, &models())
        .await
        .expect("check");
    assert_eq!(still.differences.len(), 2, "{still}");

    // The options: excluding a table hides its differences.
    let options = retort::DriftOptions::default().exclude_tables(["auth*"]);
    let report = retort::check_schema_drift_with(pool, &models(), &options)
        .await
        .expect("check_schema_drift_with");
    assert_eq!(
        ops(&report),
        vec![("add_column", Some("books"), Some("pages"))],
        "{report}"
    );
}

/// The embedded revisions bring a fresh database to the models, once; `current`
/// follows; downgrades undo them.
async fn embedded_upgrade<P: Connectable + ?Sized>(pool: &P, migrations: &EmbeddedMigrations) {
    assert_eq!(migrations.files().len(), 2);
    assert!(migrations.current(pool).await.expect("current").is_empty());
    assert_eq!(
        migrations.pending(pool).await.expect("pending"),
        vec!["a1b2c3d4e5f6", "b2c3d4e5f6a7"]
    );
    let report = migrations.upgrade(pool, "head").await.expect("upgrade");
    assert!(migrations.pending(pool).await.expect("pending").is_empty());
    let ran: Vec<&str> = report.ran.iter().map(|r| r.revision.as_str()).collect();
    assert_eq!(ran, vec!["a1b2c3d4e5f6", "b2c3d4e5f6a7"]);
    let again = migrations
        .upgrade(pool, "head")
        .await
        .expect("upgrade again");
    assert!(
        again.ran.is_empty() && again.skipped.is_empty(),
        "{again:?}"
    );
    let current = migrations.current(pool).await.expect("current");
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].revision, "b2c3d4e5f6a7");

    let drift = retort::check_schema_drift(pool, &models())
        .await
        .expect("check");
    assert!(drift.is_clean(), "{drift}");

    let down = migrations.downgrade(pool, "-1").await.expect("downgrade");
    let undone: Vec<&str> = down.ran.iter().map(|r| r.revision.as_str()).collect();
    assert_eq!(undone, vec!["b2c3d4e5f6a7"]);
    assert_eq!(
        migrations.pending(pool).await.expect("pending"),
        vec!["b2c3d4e5f6a7"]
    );
    let drift = retort::check_schema_drift(pool, &models())
        .await
        .expect("check");
    assert_eq!(
        ops(&drift),
        vec![("create_table", Some("books"), None)],
        "{drift}"
    );
    migrations
        .downgrade(pool, "base")
        .await
        .expect("downgrade base");
    assert!(migrations.current(pool).await.expect("current").is_empty());
}

/// Several upgraders at once, on one pool: each revision runs exactly once.
async fn concurrent_upgrades<P: Connectable + ?Sized>(pool: &P, migrations: &EmbeddedMigrations) {
    let (a, b, c) = tokio::join!(
        migrations.upgrade(pool, "head"),
        migrations.upgrade(pool, "head"),
        migrations.upgrade(pool, "head"),
    );
    let mut ran: Vec<String> = [a, b, c]
        .into_iter()
        .flat_map(|r| r.expect("upgrade").ran)
        .map(|r| r.revision)
        .collect();
    ran.sort();
    assert_eq!(ran, vec!["a1b2c3d4e5f6", "b2c3d4e5f6a7"]);
    let drift = retort::check_schema_drift(pool, &models())
        .await
        .expect("check");
    assert!(drift.is_clean(), "{drift}");
}

async fn sqlite_pool(db: &TestDb) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&db.url)
        .await
        .expect("sqlite pool")
}

async fn postgres_pool(db: &TestDb) -> sqlx::PgPool {
    sqlx::PgPool::connect(&db.url).await.expect("postgres pool")
}

async fn mysql_pool(db: &TestDb) -> sqlx::MySqlPool {
    sqlx::MySqlPool::connect(&db.url).await.expect("mysql pool")
}

#[tokio::test]
async fn sqlite_create_all_then_clean() {
    let db = TestDb::create(Kind::Sqlite).await;
    create_all_then_clean(&sqlite_pool(&db).await).await;
    db.drop().await;
}

#[tokio::test]
async fn postgres_create_all_then_clean() {
    let db = TestDb::create(Kind::Postgres).await;
    let pool = postgres_pool(&db).await;
    create_all_then_clean(&pool).await;
    pool.close().await;
    db.drop().await;
}

#[tokio::test]
async fn mysql_create_all_then_clean() {
    let db = TestDb::create(Kind::Mysql).await;
    let pool = mysql_pool(&db).await;
    create_all_then_clean(&pool).await;
    pool.close().await;
    db.drop().await;
}

#[tokio::test]
async fn sqlite_hand_changes_are_reported() {
    let db = TestDb::create(Kind::Sqlite).await;
    hand_changes_are_reported(&sqlite_pool(&db).await, &db).await;
    db.drop().await;
}

#[tokio::test]
async fn postgres_hand_changes_are_reported() {
    let db = TestDb::create(Kind::Postgres).await;
    let pool = postgres_pool(&db).await;
    hand_changes_are_reported(&pool, &db).await;
    pool.close().await;
    db.drop().await;
}

#[tokio::test]
async fn mysql_hand_changes_are_reported() {
    let db = TestDb::create(Kind::Mysql).await;
    let pool = mysql_pool(&db).await;
    hand_changes_are_reported(&pool, &db).await;
    pool.close().await;
    db.drop().await;
}

#[tokio::test]
async fn sqlite_embedded_upgrade() {
    let db = TestDb::create(Kind::Sqlite).await;
    embedded_upgrade(&sqlite_pool(&db).await, &SQLITE_MIGRATIONS).await;
    db.drop().await;
}

#[tokio::test]
async fn postgres_embedded_upgrade() {
    let db = TestDb::create(Kind::Postgres).await;
    let pool = postgres_pool(&db).await;
    embedded_upgrade(&pool, &POSTGRES_MIGRATIONS).await;
    pool.close().await;
    db.drop().await;
}

#[tokio::test]
async fn mysql_embedded_upgrade() {
    let db = TestDb::create(Kind::Mysql).await;
    let pool = mysql_pool(&db).await;
    embedded_upgrade(&pool, &MYSQL_MIGRATIONS).await;
    pool.close().await;
    db.drop().await;
}

#[tokio::test]
async fn sqlite_concurrent_upgrades() {
    let db = TestDb::create(Kind::Sqlite).await;
    concurrent_upgrades(&sqlite_pool(&db).await, &SQLITE_MIGRATIONS).await;
    db.drop().await;
}

#[tokio::test]
async fn postgres_concurrent_upgrades() {
    let db = TestDb::create(Kind::Postgres).await;
    let pool = postgres_pool(&db).await;
    concurrent_upgrades(&pool, &POSTGRES_MIGRATIONS).await;
    pool.close().await;
    db.drop().await;
}

#[tokio::test]
async fn mysql_concurrent_upgrades() {
    let db = TestDb::create(Kind::Mysql).await;
    let pool = mysql_pool(&db).await;
    concurrent_upgrades(&pool, &MYSQL_MIGRATIONS).await;
    pool.close().await;
    db.drop().await;
}

/// Another version table, in the runner and in the drift check.
#[tokio::test]
async fn custom_version_table() {
    let db = TestDb::create(Kind::Sqlite).await;
    let pool = sqlite_pool(&db).await;
    let options = retort::MigrateOptions {
        version_table: "schema_versions".to_string(),
        ..Default::default()
    };
    let report = SQLITE_MIGRATIONS
        .upgrade_with(&pool, "head", &options)
        .await
        .expect("upgrade");
    assert_eq!(report.ran.len(), 2);
    let current = SQLITE_MIGRATIONS
        .current_with(&pool, &options)
        .await
        .expect("current");
    assert_eq!(current[0].revision, "b2c3d4e5f6a7");
    // The default name does not know that table: it is drift.
    let drift = retort::check_schema_drift(&pool, &models())
        .await
        .expect("check");
    assert_eq!(
        ops(&drift),
        vec![("drop_table", Some("schema_versions"), None)],
        "{drift}"
    );
    let drift = retort::check_schema_drift_with(
        &pool,
        &models(),
        &retort::DriftOptions::default().version_table("schema_versions"),
    )
    .await
    .expect("check");
    assert!(drift.is_clean(), "{drift}");
    db.drop().await;
}

/// `create_all` leaves tables the models do not have alone (the drift check
/// still reports them, unless excluded).
#[tokio::test]
async fn create_all_keeps_other_tables() {
    let db = TestDb::create(Kind::Postgres).await;
    let pool = postgres_pool(&db).await;
    db.execute("CREATE TABLE \"legacy\" (\"id\" integer PRIMARY KEY)")
        .await;
    db.execute("INSERT INTO \"legacy\" VALUES (1)").await;
    let created = retort::create_all(&pool, &models())
        .await
        .expect("create_all");
    assert_eq!(created.differences.len(), 2, "{created}");
    assert!(created.findings.is_empty(), "{:?}", created.findings);
    let drift = retort::check_schema_drift(&pool, &models())
        .await
        .expect("check");
    assert_eq!(
        ops(&drift),
        vec![("drop_table", Some("legacy"), None)],
        "{drift}"
    );
    assert!(
        drift
            .to_string()
            .contains("drop table legacy: its 1 row(s) would be lost"),
        "{drift}"
    );
    let options = retort::DriftOptions::default().exclude_tables(["legacy"]);
    let drift = retort::check_schema_drift_with(&pool, &models(), &options)
        .await
        .expect("check");
    assert!(drift.is_clean(), "{drift}");
    pool.close().await;
    db.drop().await;
}

/// A URL works where a pool does.
#[tokio::test]
async fn a_url_works_like_a_pool() {
    let db = TestDb::create(Kind::Postgres).await;
    create_all_then_clean(db.url.as_str()).await;
    db.drop().await;
}

/// Without revisions, `upgrade head` changes nothing; a database that ran
/// revisions the binary lacks is refused.
#[tokio::test]
async fn no_revisions_is_a_no_op() {
    let db = TestDb::create(Kind::Sqlite).await;
    let pool = sqlite_pool(&db).await;
    assert!(NO_MIGRATIONS.files().is_empty());
    let report = NO_MIGRATIONS.upgrade(&pool, "head").await.expect("upgrade");
    assert!(report.ran.is_empty());
    assert!(
        NO_MIGRATIONS
            .current(&pool)
            .await
            .expect("current")
            .is_empty()
    );
    let drift = retort::check_schema_drift(&pool, &Metadata::of::<()>())
        .await
        .expect("check");
    assert!(
        drift.is_clean(),
        "no table, not even a version table: {drift}"
    );

    SQLITE_MIGRATIONS
        .upgrade(&pool, "+1")
        .await
        .expect("upgrade +1");
    let err = NO_MIGRATIONS
        .upgrade(&pool, "head")
        .await
        .expect_err("an applied revision no file declares");
    let message = err.to_string();
    assert!(message.contains("a1b2c3d4e5f6"), "{message}");
    assert!(
        message.contains("tests/fixtures/migrations_empty"),
        "{message}"
    );
    db.drop().await;
}

/// Errors say what retort was doing and what failed.
#[tokio::test]
async fn errors_are_clear() {
    // Nothing listens on port 1.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect_lazy("postgres://postgres@127.0.0.1:1/nowhere")
        .expect("lazy pool");
    let err = retort::check_schema_drift(&pool, &models())
        .await
        .expect_err("unreachable");
    assert!(
        matches!(
            err,
            Error::Pool {
                dialect: "postgres",
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with(
            "checking the database schema against the models: cannot get a connection to the postgres database postgres@127.0.0.1:1/nowhere from the pool"
        ),
        "{message}"
    );
    assert!(message.contains("help: "), "{message}");

    let err = retort::check_schema_drift("mysql://root@127.0.0.1:1/nowhere", &models())
        .await
        .expect_err("unreachable");
    let message = err.to_string();
    assert!(matches!(err, Error::Database { .. }), "{err:?}");
    assert!(message.contains("127.0.0.1:1"), "{message}");

    // Invalid models are reported before any connection is made.
    let err = retort::check_schema_drift(
        "postgres://postgres@127.0.0.1:1/x",
        &Metadata::of::<(Book,)>(),
    )
    .await
    .expect_err("books references a table the models lack");
    assert!(matches!(err, Error::InvalidModels { .. }), "{err:?}");
    assert!(err.to_string().contains("authors"), "{err}");

    let db = TestDb::create(Kind::Sqlite).await;
    let pool = sqlite_pool(&db).await;
    let err = SQLITE_MIGRATIONS
        .upgrade(&pool, "sideways")
        .await
        .expect_err("bad target");
    assert!(err.to_string().contains("sideways"), "{err}");
    // PostgreSQL revisions on SQLite: the failing file and statement are named,
    // and nothing is left applied.
    let err = POSTGRES_MIGRATIONS
        .upgrade(&pool, "head")
        .await
        .expect_err("wrong dialect");
    let message = err.to_string();
    assert!(
        message.contains("20261125120000_create_authors.sql"),
        "{message}"
    );
    assert!(
        message.contains("GENERATED BY DEFAULT AS IDENTITY"),
        "{message}"
    );
    assert!(
        POSTGRES_MIGRATIONS
            .current(&pool)
            .await
            .expect("current")
            .is_empty()
    );
    db.drop().await;
}
