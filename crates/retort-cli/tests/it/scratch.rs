//! Scratch databases are never left behind: not after a normal run, not after
//! a run interrupted by SIGINT or SIGTERM (the signal handler drops them), and
//! not after a run killed outright (the next run drops the leftovers of dead
//! processes). SQLite scratches are in-memory databases of the process.

use std::time::{Duration, Instant};

use retort_dialect::DialectKind;

use crate::harness::{BLOG_V1, Project, scratches_of};

/// The signal tests, on the servers (an SQLite scratch lives in the process's
/// memory and ends with it).
macro_rules! server_tests {
    ($($name:ident => $signal:literal, $code:expr;)*) => {
        $(
            mod $name {
                #[test]
                fn postgres() {
                    super::interrupted(retort_dialect::DialectKind::Postgres, $signal, $code)
                }
                #[test]
                fn mysql() {
                    super::interrupted(retort_dialect::DialectKind::Mysql, $signal, $code)
                }
            }
        )*
    };
}

server_tests! {
    sigint_drops_scratches => "INT", Some(130);
    sigterm_drops_scratches => "TERM", Some(143);
    sigkill_leftovers_are_dropped_by_the_next_run => "KILL", None;
}

/// A project whose `verify` takes a while: a chain of hand-written revisions.
fn busy_project(kind: DialectKind) -> Project {
    let p = Project::new(kind);
    p.write("src/models/blog.rs", BLOG_V1);
    let mut parent: Option<String> = None;
    for i in 1..=12 {
        let id = format!("{i:012x}");
        p.write_revision(
            &id,
            parent.as_deref(),
            &format!("CREATE TABLE t{i} (id INTEGER NOT NULL PRIMARY KEY, v INTEGER);"),
            &format!("DROP TABLE t{i};"),
        );
        parent = Some(id);
    }
    p
}

fn interrupted(kind: DialectKind, signal: &str, exit_code: Option<i32>) {
    let p = busy_project(kind);
    let mut child = p.spawn(&["verify"]);
    let pid = child.id();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll retort") {
            panic!(
                "verify ended ({status}) before it could be interrupted; make the project busier"
            );
        }
        if !scratches_of(kind, pid).is_empty() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no scratch database appeared"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let killed = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    if let Some(code) = exit_code {
        assert_eq!(status.code(), Some(code), "{status}");
        assert_eq!(
            scratches_of(kind, pid),
            Vec::<String>::new(),
            "the signal handler left a scratch"
        );
    }
    if exit_code.is_none() {
        // A `CREATE DATABASE` the killed process had sent still completes on the
        // server; give it a moment, so that the next run can see what it leaves.
        std::thread::sleep(Duration::from_millis(500));
    }
    // The next run cleans up what a killed run left (and its own scratches); a
    // project without revisions keeps it short.
    for f in p.migration_files() {
        std::fs::remove_file(f).expect("remove revision");
    }
    let (_, next) = p.retort_pid(&["verify"]);
    assert_eq!(scratches_of(kind, pid), Vec::<String>::new());
    assert_eq!(scratches_of(kind, next), Vec::<String>::new());
}

/// A PostgreSQL role that may not create databases gets a scratch schema in
/// its own database instead; the whole SQL-model workflow works and the schema
/// is gone afterwards.
#[test]
fn postgres_without_createdb_uses_a_scratch_schema() {
    let role = "retort_it_nocreatedb";
    let p = Project::new_sql(
        DialectKind::Postgres,
        "CREATE TABLE users (id integer PRIMARY KEY, name varchar(40) NOT NULL);\n\
         CREATE INDEX ix_users_name ON users (name);\n",
    );
    let setup =
        p.db.query(&format!("SELECT 1 FROM pg_roles WHERE rolname = '{role}'"));
    if setup.is_empty() {
        // Another test run may create it at the same moment: tolerate that.
        let _ =
            std::panic::catch_unwind(|| p.db.exec(&format!("CREATE ROLE {role} LOGIN NOCREATEDB")));
    }
    let db_name = p.db.url.rsplit('/').next().expect("db name").to_string();
    p.db.exec(&format!("ALTER DATABASE \"{db_name}\" OWNER TO {role}"));
    p.db.exec(&format!("ALTER SCHEMA public OWNER TO {role}"));
    let url =
        p.db.url
            .replacen("postgres://postgres@", &format!("postgres://{role}@"), 1);
    assert_ne!(
        url, p.db.url,
        "the test database URL names the postgres user"
    );
    p.write(
        "retort.toml",
        &format!("[database]\nurl = \"{url}\"\n\n[models]\nsql = [\"schema.sql\"]\n"),
    );
    p.retort(&["revision", "--autogenerate", "-m", "init"])
        .expect_code(0);
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    p.retort(&["verify"]).expect_code(0);

    // Models in another schema cannot be verified in a scratch schema: that would
    // run DDL in the live database's own schema.
    p.write(
        "schema.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, name varchar(40) NOT NULL);\n\
         CREATE INDEX ix_users_name ON users (name);\n\
         CREATE SCHEMA audit;\nCREATE TABLE audit.events (id integer PRIMARY KEY);\n",
    );
    let r = p
        .retort(&["revision", "--autogenerate", "-m", "audit"])
        .expect_code(0);
    assert!(
        r.stderr
            .contains("warning: the revision was not verified: the models use the schema(s) audit"),
        "{}",
        r.stderr
    );
    let r = p.retort(&["verify"]).expect_code(2);
    assert!(r.stderr.contains("set [database] dev_url"), "{}", r.stderr);
    let left = p.db.query(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'retort_scratch%' OR nspname = 'audit'",
    );
    assert!(left.is_empty(), "schemas left: {left:?}");
}

/// `[database] dev_url` is where scratch databases are made.
#[test]
fn dev_url_is_where_scratches_are_made() {
    let p = Project::new_sql(
        DialectKind::Postgres,
        "CREATE TABLE users (id integer PRIMARY KEY);\n",
    );
    let toml = format!(
        "[database]\nurl = \"{}\"\ndev_url = \"postgres://postgres@127.0.0.1:1/nowhere\"\n\n[models]\nsql = [\"schema.sql\"]\n",
        p.db.url
    );
    p.write("retort.toml", &toml);
    let r = p.retort(&["check"]).expect_code(2);
    assert!(r.stderr.contains("127.0.0.1:1"), "{}", r.stderr);
    p.write(
        "retort.toml",
        &toml.replace("postgres://postgres@127.0.0.1:1/nowhere", "sqlite://dev.db"),
    );
    let r = p.retort(&["check"]).expect_code(2);
    assert!(
        r.stderr.contains("is not of the same dialect"),
        "{}",
        r.stderr
    );
    p.write(
        "retort.toml",
        &toml.replace(
            "postgres://postgres@127.0.0.1:1/nowhere",
            &crate::harness::server_url(DialectKind::Postgres),
        ),
    );
    p.retort(&["check"]).expect_code(1);
}

/// Without a usable scratch database, autogenerate still writes the revision,
/// with a warning that it was not verified.
#[test]
fn autogenerate_without_a_scratch_database_warns() {
    let p = Project::new(DialectKind::Postgres);
    p.write("src/models/blog.rs", BLOG_V1);
    p.write(
        "retort.toml",
        &format!(
            "[database]\nurl = \"{}\"\ndev_url = \"postgres://postgres@127.0.0.1:1/nowhere\"\n\n[models]\nrust = [\"src/models\"]\n",
            p.db.url
        ),
    );
    let r = p
        .retort(&["revision", "--autogenerate", "-m", "init"])
        .expect_code(0);
    assert!(
        r.stderr
            .contains("warning: the revision was not verified: no scratch database could be used"),
        "{}",
        r.stderr
    );
    assert_eq!(p.migration_files().len(), 1);
}
