//! A connection that the server drops in the middle of a revision: the upgrade stops
//! with a clear error, nothing is recorded for that revision, and what was applied
//! before it stays recorded.

use std::time::{Duration, Instant};

use retort_dialect::DialectKind;

use crate::harness::Project;

#[test]
fn postgres() {
    dropped_mid_revision(DialectKind::Postgres);
}

#[test]
fn mysql() {
    dropped_mid_revision(DialectKind::Mysql);
}

/// The database name at the end of a test database URL.
fn database_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or_default()
}

/// The server's id for the session of this database that runs a sleep, once it shows up.
fn sleeping_session(p: &Project, kind: DialectKind) -> Option<String> {
    let db = database_name(&p.db.url);
    let sql = match kind {
        DialectKind::Postgres => format!(
            "SELECT pid::text FROM pg_stat_activity WHERE datname = '{db}' \
             AND query LIKE '%pg_sleep(%' AND pid <> pg_backend_pid()"
        ),
        _ => format!(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '{db}' \
             AND INFO LIKE 'SELECT SLEEP(%'"
        ),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(id) =
            p.db.query(&sql)
                .into_iter()
                .next()
                .and_then(|row| row.into_iter().next().flatten())
        {
            return Some(id);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

fn dropped_mid_revision(kind: DialectKind) {
    let p = Project::new(kind);
    let sleep = match kind {
        DialectKind::Postgres => "SELECT pg_sleep(60);",
        _ => "SELECT SLEEP(60);",
    };
    p.write_revision(
        "aaaaaaaaaaaa",
        None,
        "CREATE TABLE first_one (id INTEGER PRIMARY KEY);",
        "DROP TABLE first_one;",
    );
    p.write_revision(
        "bbbbbbbbbbbb",
        Some("aaaaaaaaaaaa"),
        &format!(
            "CREATE TABLE second_one (id INTEGER PRIMARY KEY);\n{sleep}\nCREATE TABLE third_one (id INTEGER PRIMARY KEY);"
        ),
        "DROP TABLE third_one;\nDROP TABLE second_one;",
    );
    let child = p.spawn(&["upgrade", "head"]);
    let victim = sleeping_session(&p, kind).expect("the upgrade reaches its sleep");
    match kind {
        DialectKind::Postgres => {
            p.db.query(&format!("SELECT pg_terminate_backend({victim})"));
        }
        _ => p.db.exec(&format!("KILL {victim}")),
    }
    let out = child.wait_with_output().expect("wait for retort");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("bbbbbbbbbbbb"),
        "names the revision: {stderr}"
    );
    let lower = stderr.to_lowercase();
    assert!(
        lower.contains("connection") || lower.contains("terminat"),
        "says the connection went away: {stderr}"
    );

    // The first revision stays recorded; the interrupted one is not.
    let cur = p.retort(&["current"]).expect_code(0);
    assert!(
        cur.stdout.contains("aaaaaaaaaaaa") && !cur.stdout.contains("bbbbbbbbbbbb"),
        "{cur:?}"
    );
    let tables: Vec<String> = p.db.schema().tables.into_iter().map(|t| t.name).collect();
    assert!(tables.contains(&"first_one".to_string()), "{tables:?}");
    assert!(!tables.contains(&"third_one".to_string()), "{tables:?}");
    match kind {
        // The revision's transaction died with the connection: nothing of it stays.
        DialectKind::Postgres => {
            assert!(!tables.contains(&"second_one".to_string()), "{tables:?}");
            // And a second run finishes the job.
            p.write_revision(
                "bbbbbbbbbbbb",
                Some("aaaaaaaaaaaa"),
                "CREATE TABLE second_one (id INTEGER PRIMARY KEY);\nCREATE TABLE third_one (id INTEGER PRIMARY KEY);",
                "DROP TABLE third_one;\nDROP TABLE second_one;",
            );
            p.retort(&["upgrade", "head"]).expect_code(0);
        }
        // MySQL cannot roll DDL back: what ran stays, and the error says how to recover.
        _ => {
            assert!(tables.contains(&"second_one".to_string()), "{tables:?}");
            assert!(
                lower.contains("stamp") || lower.contains("re-run"),
                "says how to recover: {stderr}"
            );
        }
    }
}
