//! The runner on real PostgreSQL and MariaDB/MySQL servers.
//!
//! Each test creates a uniquely named database and drops it at the end. The
//! servers are `postgres://postgres@127.0.0.1:5432/test` and
//! `mysql://root@127.0.0.1:3306/test`, or `RETORT_TEST_POSTGRES_URL` /
//! `RETORT_TEST_MYSQL_URL`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use retort_dialect::Driver;
use retort_migrate::{
    MigrateError, Migrations, Options, Target, applied, downgrade, stamp, upgrade,
};
use retort_mysql::MysqlDriver;
use retort_postgres::PostgresDriver;

const R1: &str = "a1a1a1a1a1a1";
const R2: &str = "b2b2b2b2b2b2";
const R3: &str = "c3c3c3c3c3c3";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Server {
    Postgres,
    Mysql,
}

impl Server {
    fn admin_url(self) -> String {
        match self {
            Server::Postgres => std::env::var("RETORT_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
            Server::Mysql => std::env::var("RETORT_TEST_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
        }
    }

    async fn connect(self, url: &str) -> Box<dyn Driver> {
        match self {
            Server::Postgres => Box::new(
                PostgresDriver::connect(url)
                    .await
                    .unwrap_or_else(|e| panic!("{e}")),
            ),
            Server::Mysql => Box::new(
                MysqlDriver::connect(url)
                    .await
                    .unwrap_or_else(|e| panic!("{e}")),
            ),
        }
    }
}

/// A scratch database, dropped by [`Scratch::drop_db`].
struct Scratch {
    server: Server,
    name: String,
    url: String,
}

impl Scratch {
    async fn new(server: Server) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "retort_migrate_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let admin_url = server.admin_url();
        let mut admin = server.connect(&admin_url).await;
        let quoted = admin.dialect().quote_ident(&name);
        admin
            .execute(&format!("CREATE DATABASE {quoted}"))
            .await
            .unwrap();
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        Scratch {
            server,
            url: format!("{base}/{name}"),
            name,
        }
    }

    async fn connect(&self) -> Box<dyn Driver> {
        self.server.connect(&self.url).await
    }

    async fn drop_db(self) {
        let mut admin = self.server.connect(&self.server.admin_url()).await;
        let quoted = admin.dialect().quote_ident(&self.name);
        let sql = match self.server {
            Server::Postgres => format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"),
            Server::Mysql => format!("DROP DATABASE IF EXISTS {quoted}"),
        };
        admin.execute(&sql).await.unwrap();
    }
}

fn revision(id: &str, revises: &str, up: &str, down: &str) -> String {
    format!(
        "-- revision {id}\n--\n-- revision: {id}\n-- revises: {revises}\n-- created: 2026-11-25 19:42:11 UTC\n\n\
         -- retort:upgrade\n{up}\n\n-- retort:downgrade\n{down}\n"
    )
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Three portable revisions; each upgrade inserts a row into `runs`.
fn project(r2_up: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("migrations");
    std::fs::create_dir(&m).unwrap();
    write(
        &m,
        "1_users.sql",
        &revision(
            R1,
            "",
            "CREATE TABLE runs (rev VARCHAR(8) NOT NULL);\nCREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\nINSERT INTO runs VALUES ('r1');",
            "DROP TABLE users;\nDROP TABLE runs;",
        ),
    );
    write(
        &m,
        "2_phone.sql",
        &revision(
            R2,
            R1,
            r2_up,
            "ALTER TABLE users DROP COLUMN phone;\nDELETE FROM runs WHERE rev = 'r2';",
        ),
    );
    write(
        &m,
        "3_posts.sql",
        &revision(
            R3,
            R2,
            "CREATE TABLE posts (id INTEGER PRIMARY KEY, body VARCHAR(20) DEFAULT 'a;b');\nINSERT INTO runs VALUES ('r3');",
            "DROP TABLE posts;\nDELETE FROM runs WHERE rev = 'r3';",
        ),
    );
    (dir, m)
}

const R2_UP: &str =
    "ALTER TABLE users ADD COLUMN phone VARCHAR(20);\nINSERT INTO runs VALUES ('r2');";
/// The second statement fails: line 9 of the file.
const R2_FAILING: &str =
    "ALTER TABLE users ADD COLUMN phone VARCHAR(20);\nINSERT INTO nope VALUES (1);";

async fn applied_ids(d: &mut dyn Driver) -> Vec<String> {
    applied(d, &Options::default())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.revision)
        .collect()
}

async fn count(d: &mut dyn Driver, sql: &str) -> usize {
    d.query(sql).await.unwrap()[0][0]
        .as_deref()
        .unwrap_or("0")
        .parse()
        .unwrap()
}

async fn round_trip(server: Server) {
    let db = Scratch::new(server).await;
    let (_dir, m) = project(R2_UP);
    let migrations = Migrations::load(&m).unwrap();
    let mut d = db.connect().await;
    let opts = Options::default();
    assert!(applied_ids(d.as_mut()).await.is_empty());
    let report = upgrade(d.as_mut(), &migrations, &Target::Head, &opts)
        .await
        .unwrap();
    assert_eq!(report.ran.len(), 3);
    assert_eq!(applied_ids(d.as_mut()).await, vec![R1, R2, R3]);
    assert_eq!(count(d.as_mut(), "SELECT count(*) FROM runs").await, 3);
    downgrade(d.as_mut(), &migrations, &Target::Relative(-2), &opts)
        .await
        .unwrap();
    assert_eq!(applied_ids(d.as_mut()).await, vec![R1]);
    assert_eq!(count(d.as_mut(), "SELECT count(*) FROM runs").await, 1);
    downgrade(d.as_mut(), &migrations, &Target::Base, &opts)
        .await
        .unwrap();
    assert!(applied_ids(d.as_mut()).await.is_empty());
    // Stamp moves the version table only.
    let report = stamp(d.as_mut(), &migrations, &Target::Head, &opts)
        .await
        .unwrap();
    assert_eq!(report.added, vec![R1, R2, R3]);
    assert_eq!(applied_ids(d.as_mut()).await, vec![R1, R2, R3]);
    let report = stamp(d.as_mut(), &migrations, &Target::Relative(-1), &opts)
        .await
        .unwrap();
    assert_eq!(report.removed, vec![R3]);
    assert_eq!(applied_ids(d.as_mut()).await, vec![R1, R2]);
    stamp(d.as_mut(), &migrations, &Target::Base, &opts)
        .await
        .unwrap();
    assert!(applied_ids(d.as_mut()).await.is_empty());
    drop(d);
    db.drop_db().await;
}

async fn failure(server: Server) {
    let db = Scratch::new(server).await;
    let (_dir, m) = project(R2_FAILING);
    let migrations = Migrations::load(&m).unwrap();
    let mut d = db.connect().await;
    let err = upgrade(d.as_mut(), &migrations, &Target::Head, &Options::default())
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "{}:9: revision {R2} failed",
            m.join("2_phone.sql").display()
        )),
        "{msg}"
    );
    assert_eq!(
        applied_ids(d.as_mut()).await,
        vec![R1],
        "the failed revision is not recorded"
    );
    let phone = "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'phone'";
    let schema = if server == Server::Postgres {
        "current_schema()"
    } else {
        "DATABASE()"
    };
    let phone_cols = count(d.as_mut(), &format!("{phone} AND table_schema = {schema}")).await;
    match server {
        Server::Postgres => {
            assert!(
                matches!(err, MigrateError::StatementFailed { line: 9, .. }),
                "{err}"
            );
            assert_eq!(phone_cols, 0, "rolled back whole");
        }
        Server::Mysql => {
            match &err {
                MigrateError::PartiallyApplied {
                    line: 9, ran_lines, ..
                } => assert_eq!(ran_lines, &vec![8]),
                other => panic!("{other}"),
            }
            assert!(
                msg.contains("1 statement(s) before it ran and stay in effect (lines 8)"),
                "{msg}"
            );
            assert!(msg.contains("retort stamp"), "{msg}");
            assert_eq!(phone_cols, 1, "MySQL cannot roll back DDL");
        }
    }
    drop(d);
    db.drop_db().await;
}

fn concurrent(server: Server) {
    let rt = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let db = rt().block_on(Scratch::new(server));
    let (_dir, m) = project(R2_UP);
    let migrations = Arc::new(Migrations::load(&m).unwrap());
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (migrations, barrier, url) = (migrations.clone(), barrier.clone(), db.url.clone());
            std::thread::spawn(move || {
                rt().block_on(async {
                    let mut d = server.connect(&url).await;
                    barrier.wait();
                    upgrade(d.as_mut(), &migrations, &Target::Head, &Options::default()).await
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
        let mut d = db.connect().await;
        assert_eq!(applied_ids(d.as_mut()).await, vec![R1, R2, R3]);
        assert_eq!(count(d.as_mut(), "SELECT count(*) FROM runs").await, 3);
        drop(d);
        db.drop_db().await;
    });
}

#[tokio::test]
async fn postgres_round_trip() {
    round_trip(Server::Postgres).await;
}

#[tokio::test]
async fn mysql_round_trip() {
    round_trip(Server::Mysql).await;
}

#[tokio::test]
async fn postgres_failure_rolls_back() {
    failure(Server::Postgres).await;
}

#[tokio::test]
async fn mysql_failure_names_what_ran() {
    failure(Server::Mysql).await;
}

#[test]
fn postgres_concurrent_upgraders() {
    concurrent(Server::Postgres);
}

#[test]
fn mysql_concurrent_upgraders() {
    concurrent(Server::Mysql);
}

#[tokio::test]
async fn postgres_no_transaction_section() {
    let db = Scratch::new(Server::Postgres).await;
    let (_dir, m) = project(R2_UP);
    write(
        &m,
        "4_index.sql",
        "-- concurrent index\n-- revision: d4d4d4d4d4d4\n-- revises: c3c3c3c3c3c3\n\n-- retort:no-transaction\n-- retort:upgrade\n\
         CREATE INDEX CONCURRENTLY users_name ON users (name);\n\n-- retort:no-transaction\n-- retort:downgrade\n\
         DROP INDEX CONCURRENTLY users_name;\n",
    );
    let migrations = Migrations::load(&m).unwrap();
    let mut d = db.connect().await;
    upgrade(d.as_mut(), &migrations, &Target::Head, &Options::default())
        .await
        .unwrap();
    assert_eq!(
        count(
            d.as_mut(),
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'users_name'"
        )
        .await,
        1
    );
    downgrade(
        d.as_mut(),
        &migrations,
        &Target::Relative(-1),
        &Options::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        count(
            d.as_mut(),
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'users_name'"
        )
        .await,
        0
    );
    drop(d);
    db.drop_db().await;
}

async fn lock_timeout(server: Server) {
    let db = Scratch::new(server).await;
    let (_dir, m) = project(R2_UP);
    let migrations = Migrations::load(&m).unwrap();
    let mut holder = db.connect().await;
    holder
        .lock("retort_version", std::time::Duration::from_secs(5))
        .await
        .unwrap();
    let mut d = db.connect().await;
    let opts = Options {
        lock_timeout: std::time::Duration::from_secs(1),
        ..Options::default()
    };
    let start = std::time::Instant::now();
    let err = upgrade(d.as_mut(), &migrations, &Target::Head, &opts)
        .await
        .unwrap_err();
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    match &err {
        MigrateError::Database { source, .. } => {
            assert_eq!(
                source.kind,
                retort_dialect::DbErrorKind::LockTimeout,
                "{err}"
            )
        }
        other => panic!("{other}"),
    }
    assert!(err.is_user_error());
    assert!(
        err.to_string()
            .starts_with("another retort run is migrating this database: "),
        "{err}"
    );
    holder.unlock("retort_version").await.unwrap();
    // Once released, the waiter gets through.
    upgrade(d.as_mut(), &migrations, &Target::Head, &opts)
        .await
        .unwrap();
    drop((d, holder));
    db.drop_db().await;
}

#[tokio::test]
async fn postgres_lock_timeout() {
    lock_timeout(Server::Postgres).await;
}

#[tokio::test]
async fn mysql_lock_timeout() {
    lock_timeout(Server::Mysql).await;
}
