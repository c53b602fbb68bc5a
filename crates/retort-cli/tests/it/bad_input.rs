//! Bad input gets a clear error (with file:line where there is one), exit code 2,
//! and changes nothing: no file written, nothing applied.

use retort_dialect::DialectKind;

use crate::harness::{BLOG_V1, Project, Run};

/// Autogenerate must fail with exit 2, mention every `needles`, and write nothing.
#[track_caller]
fn refused(p: &Project, needles: &[&str]) -> Run {
    let before = p.migration_files();
    let out = p
        .retort(&["revision", "--autogenerate", "-m", "x"])
        .expect_code(2);
    for n in needles {
        assert!(
            out.stderr.contains(n),
            "stderr lacks {n:?}:\n{}",
            out.stderr
        );
    }
    assert_eq!(p.migration_files(), before, "a file was written");
    out
}

fn sqlite_project(models: &str) -> Project {
    let p = Project::new(DialectKind::Sqlite);
    p.write("src/models/m.rs", models);
    p
}

#[test]
fn malformed_attribute_value() {
    let p = sqlite_project(
        "#[derive(Model)]\n#[model(table = \"t\")]\npub struct T {\n    #[model(primary_key)]\n    pub id: i32,\n    #[model(max_length = \"x\")]\n    pub name: String,\n}\n",
    );
    let out = refused(&p, &["m.rs:6", "max_length"]);
    insta::assert_snapshot!("bad_malformed_attribute", out.stderr);
}

#[test]
fn unknown_attribute_suggests_the_right_one() {
    let p = sqlite_project(
        "#[derive(Model)]\n#[model(table = \"t\")]\npub struct T {\n    #[model(primary_key)]\n    pub id: i32,\n    #[model(uniqe)]\n    pub name: String,\n}\n",
    );
    let out = refused(&p, &["m.rs:6", "uniqe", "unique"]);
    insta::assert_snapshot!("bad_unknown_attribute", out.stderr);
}

#[test]
fn unmappable_type_suggests_sql_type_or_skip() {
    let p = sqlite_project(
        "#[derive(Model)]\n#[model(table = \"t\")]\npub struct T {\n    #[model(primary_key)]\n    pub id: i32,\n    pub home: Address,\n}\n",
    );
    let out = refused(&p, &["m.rs:6", "Address", "sql_type", "skip"]);
    insta::assert_snapshot!("bad_unmappable_type", out.stderr);
}

#[test]
fn reference_to_missing_table_or_column() {
    let p = sqlite_project(
        "#[derive(Model)]\n#[model(table = \"t\")]\npub struct T {\n    #[model(primary_key)]\n    pub id: i32,\n    #[model(references = \"nope.id\")]\n    pub a: i32,\n    #[model(references = \"t.missing\")]\n    pub b: i32,\n}\n",
    );
    let out = refused(&p, &["nope", "missing"]);
    insta::assert_snapshot!("bad_references", out.stderr);
}

#[test]
fn duplicate_table_names() {
    let p = sqlite_project(
        "#[derive(Model)]\n#[model(table = \"t\")]\npub struct A {\n    #[model(primary_key)]\n    pub id: i32,\n}\n\n#[derive(Model)]\n#[model(table = \"t\")]\npub struct B {\n    #[model(primary_key)]\n    pub id: i32,\n}\n",
    );
    let out = refused(&p, &["m.rs:", "t"]);
    insta::assert_snapshot!("bad_duplicate_table", out.stderr);
}

/// A project with the blog models and one applied revision, plus a broken file.
fn project_with(file: &str, text: &str) -> Project {
    let p = Project::new(DialectKind::Sqlite);
    p.write("src/models/blog.rs", BLOG_V1);
    p.retort(&[
        "revision",
        "--autogenerate",
        "-m",
        "init",
        "--rev-id",
        "aaaaaaaaaaaa",
    ])
    .expect_code(0);
    p.write(&format!("migrations/{file}"), text);
    p
}

/// Every command that reads the migrations refuses, naming the file; nothing is applied.
#[track_caller]
fn broken_dir(p: &Project, needles: &[&str]) -> String {
    for args in [
        &["history"][..],
        &["heads"],
        &["upgrade", "head"],
        &["upgrade", "head", "--sql"],
    ] {
        let out = p.retort(args).expect_code(2);
        for n in needles {
            assert!(
                out.stderr.contains(n),
                "{args:?}: stderr lacks {n:?}:\n{}",
                out.stderr
            );
        }
    }
    let tables = p.db.schema().tables;
    assert!(tables.is_empty(), "something was applied: {tables:?}");
    p.retort(&["history"]).stderr
}

#[test]
fn revision_file_without_header() {
    let p = project_with("_x.sql", "CREATE TABLE x (id INTEGER);\n");
    insta::assert_snapshot!("bad_no_header", broken_dir(&p, &["_x.sql"]));
}

#[test]
fn revision_file_without_sections() {
    let p = project_with(
        "_x.sql",
        "-- x\n--\n-- revision: bbbbbbbbbbbb\n-- revises: aaaaaaaaaaaa\n\nCREATE TABLE x (id INTEGER);\n",
    );
    insta::assert_snapshot!("bad_no_sections", broken_dir(&p, &["_x.sql"]));
}

#[test]
fn revises_a_missing_id() {
    let p = project_with(
        "_x.sql",
        "-- x\n--\n-- revision: bbbbbbbbbbbb\n-- revises: 0123456789ab\n\n-- retort:upgrade\n\n-- retort:downgrade\n",
    );
    insta::assert_snapshot!(
        "bad_missing_parent",
        broken_dir(&p, &["0123456789ab", "_x.sql"])
    );
}

#[test]
fn a_cycle() {
    let p = project_with(
        "_x.sql",
        "-- x\n--\n-- revision: bbbbbbbbbbbb\n-- revises: cccccccccccc\n\n-- retort:upgrade\n\n-- retort:downgrade\n",
    );
    p.write(
        "migrations/20990101000001_y.sql",
        "-- y\n--\n-- revision: cccccccccccc\n-- revises: bbbbbbbbbbbb\n\n-- retort:upgrade\n\n-- retort:downgrade\n",
    );
    insta::assert_snapshot!(
        "bad_cycle",
        broken_dir(&p, &["bbbbbbbbbbbb", "cccccccccccc", "cycle"])
    );
}

#[test]
fn two_files_with_the_same_id() {
    let p = project_with(
        "_x.sql",
        "-- x\n--\n-- revision: aaaaaaaaaaaa\n-- revises:\n\n-- retort:upgrade\n\n-- retort:downgrade\n",
    );
    insta::assert_snapshot!(
        "bad_duplicate_id",
        broken_dir(&p, &["aaaaaaaaaaaa", "_x.sql"])
    );
}

#[test]
fn ambiguous_and_unknown_prefixes() {
    let p = Project::new(DialectKind::Sqlite);
    p.write("src/models/blog.rs", BLOG_V1);
    p.retort(&["revision", "-m", "one", "--rev-id", "ab0000000001"])
        .expect_code(0);
    p.retort(&["revision", "-m", "two", "--rev-id", "ab0000000002"])
        .expect_code(0);
    let out = p.retort(&["show", "ab"]).expect_code(2);
    assert!(
        out.stderr.contains("ab0000000001") && out.stderr.contains("ab0000000002"),
        "{out:?}"
    );
    insta::assert_snapshot!("bad_ambiguous_prefix", out.stderr);
    let out = p.retort(&["upgrade", "ff"]).expect_code(2);
    assert!(out.stderr.contains("ff"), "{out:?}");
    p.retort(&["show", "ab0000000002"]).expect_code(0);
    p.retort(&["upgrade", "ab00000000"]).expect_code(2);
    p.retort(&["revision", "-m", "bad", "--rev-id", "XYZ"])
        .expect_code(2);
}

#[test]
fn unreachable_database_never_shows_the_password() {
    let p = Project::new(DialectKind::Sqlite);
    p.write("src/models/blog.rs", BLOG_V1);
    for url in [
        "postgres://postgres:hunter2secret@127.0.0.1:1/test",
        "mysql://root:hunter2secret@127.0.0.1:1/test",
        "postgres://postgres:hunter2secret@127.0.0.1:5432/retort_no_such_database",
        "mysql://root:hunter2secret@127.0.0.1:3306/retort_no_such_database",
    ] {
        let out = p.retort(&["check", "--database-url", url]).expect_code(2);
        assert!(
            !out.stderr.contains("hunter2secret") && !out.stdout.contains("hunter2secret"),
            "{out:?}"
        );
        assert!(out.stderr.contains("error"), "{out:?}");
    }
    let out = p
        .retort(&["check", "--database-url", "sqlite:///no/such/dir/x.db"])
        .expect_code(2);
    assert!(out.stderr.contains("/no/such/dir"), "{out:?}");
    let out = p
        .retort(&["check", "--database-url", "oracle://x"])
        .expect_code(2);
    assert!(out.stderr.contains("oracle"), "{out:?}");
}

const WEIRD: &str = r#"
use retort::Model;

#[derive(Model)]
#[model(table = "we\"ird tablé", index(columns = ["select", "naïve col"]))]
pub struct Weird {
    #[model(primary_key)]
    pub id: i32,
    #[model(column = "select", max_length = 30, unique)]
    pub select_: String,
    #[model(column = "naïve col", max_length = 40, server_default = "'l''été'")]
    pub naive: Option<String>,
    #[model(column = "Order", references = "user.id")]
    pub order: Option<i32>,
}

#[derive(Model)]
#[model(table = "user")]
pub struct User {
    #[model(primary_key)]
    pub id: i32,
    #[model(column = "group", max_length = 10)]
    pub group: Option<String>,
}
"#;

dialect_tests! {
    odd_identifiers_round_trip => odd_identifiers_round_trip;
}

fn odd_identifiers_round_trip(kind: DialectKind) {
    let p = Project::new(kind);
    p.write("src/models/m.rs", WEIRD);
    p.retort(&["revision", "--autogenerate", "-m", "init"])
        .expect_code(0);
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    let names: Vec<String> =
        p.db.schema()
            .tables
            .iter()
            .map(|t| t.name.clone())
            .collect();
    assert!(
        names.contains(&"we\"ird tablé".to_string()) && names.contains(&"user".to_string()),
        "{names:?}"
    );
    p.retort(&["downgrade", "base"]).expect_code(0);
    assert!(p.db.schema().tables.is_empty());
}

dialect_tests! {
    identifiers_at_and_over_the_length_limit => identifiers_at_and_over_the_length_limit;
}

/// A column name exactly as long as the dialect allows (MySQL: 64 characters,
/// here two bytes each; PostgreSQL: 63 bytes) round-trips; one character more is
/// refused by autogenerate, naming the limit, before any file is written.
fn identifiers_at_and_over_the_length_limit(kind: DialectKind) {
    let model = |column: &str| {
        format!(
            "use retort::Model;\n\n#[derive(Model)]\n#[model(table = \"t\")]\npub struct T {{\n    #[model(primary_key)]\n    pub id: i32,\n    #[model(column = \"{column}\", max_length = 10, unique)]\n    pub long: Option<String>,\n}}\n"
        )
    };
    let at_limit = match kind {
        DialectKind::Mysql => "é".repeat(64),
        DialectKind::Postgres => "a".repeat(63),
        DialectKind::Sqlite => "é".repeat(100),
    };
    let p = Project::new(kind);
    p.write("src/models/m.rs", &model(&at_limit));
    p.retort(&["revision", "--autogenerate", "-m", "init"])
        .expect_code(0);
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    let schema = p.db.schema();
    assert!(schema.tables[0].column(&at_limit).is_some(), "{schema:?}");
    if kind == DialectKind::Sqlite {
        return;
    }
    let over = format!("{at_limit}x");
    p.write("src/models/m.rs", &model(&over));
    let limit = match kind {
        DialectKind::Mysql => "at most 64",
        _ => "63",
    };
    refused(&p, &[limit, &over]);
}

/// MariaDB has neither expression key parts nor partial indexes: autogenerate
/// refuses the models, naming the table and index, before a file is written.
#[test]
fn expression_and_partial_indexes_on_mariadb() {
    let p = Project::new(DialectKind::Mysql);
    p.write("src/models/m.rs", crate::model_indexes::MODELS);
    let out = refused(
        &p,
        &[
            "table \"accounts\", index \"ix_accounts_expr",
            "MariaDB has no expression key parts (`lower(email)`)",
            "table \"accounts\", index \"ix_accounts_created_at",
            "no partial indexes",
        ],
    );
    insta::assert_snapshot!("bad_mariadb_model_indexes", out.stderr);
}
