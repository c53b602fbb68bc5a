//! `retort verify` and the self-verification of autogenerate.

use retort_dialect::DialectKind;

use crate::harness::{BLOG_V1, Project, blog_v2};

dialect_tests! {
    verify_names_a_downgrade_that_forgets_a_column => verify_names_a_downgrade_that_forgets_a_column;
    verify_reports_drift_and_heads => verify_reports_drift_and_heads;
    verify_names_a_revision_that_fails => verify_names_a_revision_that_fails;
}

/// Drop everything after `-- retort:downgrade` in the revision file with this id.
fn empty_downgrade(p: &Project, id: &str) {
    for f in p.migration_files() {
        let text = std::fs::read_to_string(&f).expect("read");
        if text.contains(&format!("-- revision: {id}")) {
            let (head, _) = text
                .split_once("-- retort:downgrade")
                .expect("downgrade section");
            std::fs::write(&f, format!("{head}-- retort:downgrade\n")).expect("write");
            return;
        }
    }
    panic!("no revision {id}");
}

fn verify_names_a_downgrade_that_forgets_a_column(kind: DialectKind) {
    let p = Project::blog_at_init(kind);
    p.write("src/models/blog.rs", &blog_v2());
    p.autogenerate("phone", "bbbbbbbbbbbb");
    let ok = p.retort(&["verify"]).expect_code(0);
    assert!(
        ok.stdout
            .contains("revision bbbbbbbbbbbb: upgrade, downgrade, upgrade round-trips"),
        "{}",
        ok.stdout
    );

    // The hand edit: the downgrade forgets to drop users.phone.
    empty_downgrade(&p, "bbbbbbbbbbbb");
    let r = p.retort(&["verify"]).expect_code(1);
    assert!(
        r.stdout.contains(
            "FAIL stairway       revision bbbbbbbbbbbb: downgrade does not return the schema before it: it leaves column users.phone that was not there before"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("verify found 1 problem(s)"),
        "{}",
        r.stderr
    );

    let j = p.retort(&["verify", "--format", "json"]).expect_code(1);
    let v: serde_json::Value = serde_json::from_str(&j.stdout).expect("json");
    assert_eq!(v["ok"], false);
    let checks = v["checks"].as_array().expect("checks");
    let names: Vec<&str> = checks.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "single_head",
            "upgrade",
            "matches_models",
            "stairway",
            "stairway"
        ]
    );
    let failed: Vec<&serde_json::Value> = checks.iter().filter(|c| c["ok"] == false).collect();
    assert_eq!(failed.len(), 1, "{checks:?}");
    assert_eq!(failed[0]["revision"], "bbbbbbbbbbbb");
    assert!(
        failed[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("users.phone"))
    );
}

fn verify_reports_drift_and_heads(kind: DialectKind) {
    let p = Project::new(kind);
    p.write("src/models/blog.rs", BLOG_V1);
    p.autogenerate("init", "aaaaaaaaaaaa");
    // Models changed without a revision: the head does not match them.
    p.write("src/models/blog.rs", &blog_v2());
    let r = p.retort(&["verify"]).expect_code(1);
    assert!(
        r.stdout.contains("FAIL matches_models") && r.stdout.contains("add column users.phone"),
        "{}",
        r.stdout
    );
    // A second head.
    p.write_revision("cccccccccccc", None, "", "");
    let r = p.retort(&["verify"]).expect_code(1);
    assert!(r.stdout.contains("FAIL single_head"), "{}", r.stdout);
}

/// A construct retort knowingly cannot express: a PostgreSQL domain. The SQL
/// models declare it (it is executed but not managed), the column's type reads
/// back as `posint`, and the revision creates the table without the domain, so
/// its upgrade fails. Without self-verification the file would be written and
/// fail at `upgrade`; with it, nothing is written and the failure is shown.
/// (This test used a generated column until retort learnt to render those.)
#[test]
fn autogenerate_refuses_a_revision_that_does_not_round_trip() {
    let p = Project::new_sql(
        DialectKind::Postgres,
        "CREATE DOMAIN posint AS integer CHECK (VALUE > 0);\nCREATE TABLE t (a posint);\n",
    );
    let r = p
        .retort(&["revision", "--autogenerate", "-m", "generated"])
        .expect_code(2);
    assert!(
        r.stderr
            .contains("the new revision does not round-trip on a scratch copy of the database, so no file was written"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("the upgrade fails on a copy of the database"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("type \"posint\" does not exist"),
        "{}",
        r.stderr
    );
    assert!(p.migration_files().is_empty());
    p.retort(&[
        "revision",
        "--autogenerate",
        "-m",
        "generated",
        "--no-verify",
    ])
    .expect_code(0);
    assert_eq!(p.migration_files().len(), 1);
}

/// A revision with a to-do cannot be verified: autogenerate says so and writes it.
#[test]
fn autogenerate_skips_verification_with_todos() {
    let p = Project::new(DialectKind::Sqlite);
    p.write("src/models/blog.rs", BLOG_V1);
    p.retort(&["revision", "--autogenerate", "-m", "init"])
        .expect_code(0);
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.write(
        "src/models/blog.rs",
        &BLOG_V1.replace(
            "    pub body: String,\n",
            "    pub body: String,\n    pub rating: i32,\n",
        ),
    );
    let r = p
        .retort(&["revision", "--autogenerate", "-m", "rating"])
        .expect_code(0);
    assert!(
        r.stderr
            .contains("it was not verified on a scratch database"),
        "{}",
        r.stderr
    );
}

fn verify_names_a_revision_that_fails(kind: DialectKind) {
    let p = Project::new(kind);
    p.write("src/models/blog.rs", BLOG_V1);
    p.write_revision(
        "dddddddddddd",
        None,
        "CREATE TABLE x (id INTEGER);\nCREATE TABLE x (id INTEGER);",
        "DROP TABLE x;",
    );
    let j = p.retort(&["verify", "--format", "json"]).expect_code(1);
    let v: serde_json::Value = serde_json::from_str(&j.stdout).expect("json");
    let upgrade = &v["checks"][1];
    assert_eq!(upgrade["name"], "upgrade");
    assert_eq!(upgrade["ok"], false);
    assert_eq!(upgrade["revision"], "dddddddddddd");
    let stairway = &v["checks"][2];
    assert_eq!(stairway["name"], "stairway", "{v}");
    assert_eq!(stairway["ok"], false);
    assert!(
        stairway["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("revision dddddddddddd: upgrade fails")),
        "{v}"
    );
}
