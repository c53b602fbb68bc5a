//! Applying revisions: concurrency, failures, edited files, to-dos, data safety.

use std::process::Command;

use retort_dialect::DialectKind;

use crate::harness::{BLOG_V1, Project, blog_v2};

dialect_tests! {
    concurrent_upgraders_apply_each_revision_once => concurrent_upgraders_apply_each_revision_once;
    failing_statement_records_nothing => failing_statement_records_nothing;
    edited_applied_file_is_refused => edited_applied_file_is_refused;
    not_null_column_needs_a_backfill => not_null_column_needs_a_backfill;
    type_and_nullability_changes_keep_rows => type_and_nullability_changes_keep_rows;
    stamp_head_without_revisions_does_nothing => stamp_head_without_revisions_does_nothing;
}

/// With no revision at all, head is base: `stamp head` succeeds and records
/// nothing, and `check` then judges only the schema.
fn stamp_head_without_revisions_does_nothing(kind: DialectKind) {
    let p = Project::new(kind);
    let run = p.retort(&["stamp", "head"]).expect_code(0);
    assert!(
        run.stdout
            .contains("Nothing to stamp: there are no revisions yet"),
        "{run:?}"
    );
    assert_eq!(count(&p, "SELECT COUNT(*) FROM retort_version"), 0);
    p.retort(&["stamp", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    p.write("src/models/blog.rs", BLOG_V1);
    p.retort(&["check"]).expect_code(1);
}

fn count(p: &Project, sql: &str) -> i64 {
    p.db.query(sql)[0][0]
        .as_deref()
        .and_then(|v| v.parse().ok())
        .expect("a count")
}

fn concurrent_upgraders_apply_each_revision_once(kind: DialectKind) {
    let p = Project::new(kind);
    p.write("src/models/blog.rs", BLOG_V1);
    p.autogenerate("init", "aaaaaaaaaaaa");
    p.write_revision(
        "bbbbbbbbbbbb",
        Some("aaaaaaaaaaaa"),
        "CREATE TABLE runs (note VARCHAR(20));",
        "DROP TABLE runs;",
    );
    for (id, parent) in [
        ("cccccccccccc", "bbbbbbbbbbbb"),
        ("dddddddddddd", "cccccccccccc"),
        ("eeeeeeeeeeee", "dddddddddddd"),
    ] {
        p.write_revision(
            id,
            Some(parent),
            &format!("INSERT INTO runs (note) VALUES ('{id}');"),
            &format!("DELETE FROM runs WHERE note = '{id}';"),
        );
    }
    // Start all eight before waiting for any.
    let mut procs: Vec<_> = (0..8)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_retort"))
                .args(["upgrade", "head", "-q"])
                .current_dir(p.path())
                .env_remove("DATABASE_URL")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in procs.drain(..) {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "an upgrader failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(count(&p, "SELECT COUNT(*) FROM runs"), 3);
    assert_eq!(count(&p, "SELECT COUNT(*) FROM retort_version"), 5);
    // `runs` is not a model: check reports it, unless it is excluded.
    let out = p.retort(&["check"]).expect_code(1);
    assert!(out.stdout.contains("drop table runs"), "{out:?}");
    let toml = std::fs::read_to_string(p.path().join("retort.toml")).expect("toml");
    p.write(
        "retort.toml",
        &toml.replace("[models]\n", "[models]\nexclude_tables = [\"ru?s\"]\n"),
    );
    p.retort(&["check"]).expect_code(0);
}

fn failing_statement_records_nothing(kind: DialectKind) {
    let p = Project::blog_at_init(kind);
    p.write_revision(
        "bbbbbbbbbbbb",
        Some("aaaaaaaaaaaa"),
        "CREATE TABLE extra (id INTEGER);\nINSERT INTO users (id, username, email) VALUES (1, 'a', 'a@x');\nINSERT INTO no_such_table VALUES (1);",
        "DROP TABLE extra;",
    );
    let out = p.retort(&["upgrade", "head"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("bbbbbbbbbbbb") && out.stderr.contains("no_such_table"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("_rev.sql:"),
        "names file and line: {out:?}"
    );
    // Nothing recorded for the failed revision.
    assert_eq!(count(&p, "SELECT COUNT(*) FROM retort_version"), 1);
    let cur = p.retort(&["current"]).expect_code(0);
    assert!(
        cur.stdout.contains("aaaaaaaaaaaa") && !cur.stdout.contains("bbbbbbbbbbbb"),
        "{cur:?}"
    );
    let tables: Vec<String> = p.db.schema().tables.into_iter().map(|t| t.name).collect();
    if kind == DialectKind::Mysql {
        // MySQL cannot roll back DDL: the error says what stayed applied.
        assert!(
            out.stderr.to_lowercase().contains("stamp") || out.stderr.contains("stay"),
            "{out:?}"
        );
    } else {
        // The whole revision rolled back: the database is as before it.
        assert!(!tables.contains(&"extra".to_string()), "{tables:?}");
        assert_eq!(count(&p, "SELECT COUNT(*) FROM users"), 0);
    }
}

fn edited_applied_file_is_refused(kind: DialectKind) {
    let p = Project::blog_at_init(kind);
    let file = p.migration_files().remove(0);
    let text = std::fs::read_to_string(&file).expect("read");
    // CRLF line endings and comment edits are not edits.
    let crlf = text
        .replace('\n', "\r\n")
        .replace("-- retort:downgrade", "-- a note\r\n-- retort:downgrade");
    std::fs::write(&file, crlf).expect("write");
    p.retort(&["upgrade"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    // A statement edit is.
    std::fs::write(&file, text.replacen("NOT NULL", "NULL", 1)).expect("write");
    let out = p.retort(&["upgrade"]).expect_code(2);
    assert!(out.stderr.contains("_init.sql"), "{out:?}");
    let out = p.retort(&["check"]).expect_code(1);
    assert!(out.stdout.contains("_init.sql"), "{out:?}");
}

fn not_null_column_needs_a_backfill(kind: DialectKind) {
    let p = Project::new(kind);
    p.write("src/models/blog.rs", BLOG_V1);
    p.retort(&["revision", "--autogenerate", "-m", "init"])
        .expect_code(0);
    p.retort(&["upgrade"]).expect_code(0);
    p.db.exec("INSERT INTO users (id, username, email) VALUES (1, 'ann', 'ann@example.com')");
    let v3 = BLOG_V1.replace(
        "    pub email: String,\n",
        "    pub email: String,\n    #[model(max_length = 10)]\n    pub plan: String,\n",
    );
    p.write("src/models/blog.rs", &v3);
    let out = p.autogenerate("plan", "bbbbbbbbbbbb");
    assert!(
        out.stderr.contains("backfill") || out.stderr.contains("to do"),
        "{out:?}"
    );
    let text = p.migration_text("bbbbbbbbbbbb");
    assert!(text.contains("-- retort:todo"), "{text}");
    let out = p.retort(&["upgrade"]).expect_code(2);
    assert!(
        out.stderr.contains("retort:todo")
            || out.stderr.contains("to-do")
            || out.stderr.contains("todo"),
        "{out:?}"
    );
    assert!(
        !p.db
            .schema()
            .tables
            .iter()
            .any(|t| t.column("plan").is_some()),
        "nothing applied"
    );
    // With a backfill the plan is complete and the row gets the value.
    std::fs::remove_file(
        p.migration_files()
            .into_iter()
            .find(|f| f.to_string_lossy().contains("_plan"))
            .expect("file"),
    )
    .expect("rm");
    p.retort(&[
        "revision",
        "--autogenerate",
        "-m",
        "plan",
        "--rev-id",
        "cccccccccccc",
        "--backfill",
        "users.plan='free'",
    ])
    .expect_code(0);
    assert!(!p.migration_text("cccccccccccc").contains("retort:todo"));
    p.retort(&["upgrade"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    assert_eq!(
        p.db.query("SELECT plan FROM users"),
        vec![vec![Some("free".to_string())]]
    );
}

fn type_and_nullability_changes_keep_rows(kind: DialectKind) {
    let p = Project::new(kind);
    p.write("src/models/blog.rs", &blog_v2());
    p.autogenerate("init", "aaaaaaaaaaaa");
    p.retort(&["upgrade"]).expect_code(0);
    p.db.exec("INSERT INTO users (id, username, email, phone) VALUES (1, 'ann', 'ann@example.com', '555')");
    p.db.exec("INSERT INTO users (id, username, email) VALUES (2, 'bob', 'bob@example.com')");
    p.db.exec("INSERT INTO posts (id, user_id, title, body) VALUES (10, 1, 't1', 'b1')");
    p.db.exec("INSERT INTO posts (id, user_id, title, body) VALUES (11, 2, 't2', 'b2')");
    let changed = blog_v2()
        .replace(
            "#[model(unique, max_length = 50)]",
            "#[model(unique, max_length = 80)]",
        )
        .replace(
            "    #[model(max_length = 200)]\n    pub title: String,",
            "    #[model(max_length = 200)]\n    pub title: Option<String>,",
        )
        .replace(
            "    #[model(max_length = 20)]\n    pub phone: Option<String>,",
            "    #[model(max_length = 40)]\n    pub phone: Option<String>,",
        );
    p.write("src/models/blog.rs", &changed);
    p.autogenerate("widen", "bbbbbbbbbbbb");
    insta::with_settings!({ snapshot_suffix => kind.name(), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("widen_and_nullable", p.migration_text("bbbbbbbbbbbb"));
    });
    p.retort(&["upgrade"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    assert_eq!(count(&p, "SELECT COUNT(*) FROM users"), 2);
    assert_eq!(count(&p, "SELECT COUNT(*) FROM posts"), 2);
    assert_eq!(
        p.db.query("SELECT phone FROM users WHERE id = 1"),
        vec![vec![Some("555".to_string())]]
    );
    // The foreign key still points at users.id and still cascades.
    let posts =
        p.db.schema()
            .tables
            .into_iter()
            .find(|t| t.name == "posts")
            .expect("posts");
    assert!(
        posts
            .foreign_keys
            .iter()
            .any(|fk| fk.ref_table.name == "users" && fk.ref_columns == ["id"])
    );
    p.db.exec("DELETE FROM users WHERE id = 2");
    assert_eq!(count(&p, "SELECT COUNT(*) FROM posts"), 1);
    // And back.
    p.retort(&["downgrade", "-1"]).expect_code(0);
    assert_eq!(count(&p, "SELECT COUNT(*) FROM users"), 1);
    assert_eq!(count(&p, "SELECT COUNT(*) FROM posts"), 1);
}
