//! The derive and the scanner see the same schema (SPEC §4): the blog example's
//! models, compiled here through `#[derive(Model)]`, against the same files read
//! by `retort_model_syntax::scan_files`; and this file's own models (which use a
//! DbEnum) compiled and scanned alike.

#[path = "../../../examples/blog/src/models/mod.rs"]
#[allow(dead_code)]
mod models;

use std::path::PathBuf;

use retort::schema::ColumnType;
use retort::{DbEnum, DbType, Metadata, Model};
use retort_model_syntax::scan_files;

/// A task's state: a DbEnum with a renamed variant.
#[derive(DbEnum)]
#[allow(dead_code)]
enum Status {
    Open,
    InProgress,
    #[model(rename = "closed")]
    Done,
}

/// A model of this file: an enum column, a composite index, expression and
/// partial indexes, a check, MySQL table options and a column collation.
#[derive(Model)]
#[model(table = "tasks", index(columns = ["owner_id", "status"]), check(expr = "id > 0"))]
#[model(
    charset = "utf8mb4",
    collation = "utf8mb4_unicode_ci",
    engine = "InnoDB",
    row_format = "dynamic"
)]
#[model(index(expr = "lower(lang)", unique), index(exprs = ["lower(lang) desc", "status"]))]
#[model(index(columns = ["owner_id"], where = "owner_id IS NOT NULL", method = "hash"))]
#[allow(dead_code)]
struct Task {
    #[model(primary_key)]
    id: i64,
    #[model(references = "users.id", on_delete = "set null")]
    owner_id: Option<i32>,
    status: Status,
    #[model(sql_type = "CHAR(2)", column = "lang", collation = "latin1_general_ci")]
    language: String,
}

fn blog_models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/blog/src/models")
}

fn this_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/derive_scanner.rs")
}

#[track_caller]
fn scanned(paths: &[PathBuf]) -> retort::schema::Schema {
    match scan_files(paths) {
        Ok(schema) => schema,
        Err(diags) => panic!(
            "scan failed:\n{}",
            diags
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

#[test]
fn blog_models_derive_and_scan_identically() {
    let derived = Metadata::of::<(models::User, models::Post)>();
    let scanned = scanned(&[blog_models()]);
    assert_eq!(derived.schema(), &scanned);
    assert!(derived.validate().is_ok());
    insta::assert_json_snapshot!("blog_schema", scanned);
}

#[test]
fn models_with_db_enums_derive_and_scan_identically() {
    let derived = Metadata::of::<(Task, models::Post, models::User)>();
    let scanned = scanned(&[blog_models(), this_file()]);
    assert_eq!(derived.schema(), &scanned);
    assert_eq!(derived.schema().enums.len(), 1);
    let tasks = &derived.schema().tables[1];
    assert_eq!(tasks.collation.as_deref(), Some("utf8mb4_unicode_ci"));
    assert_eq!(
        tasks.options.iter().collect::<Vec<_>>(),
        [
            (&"charset".to_string(), &"utf8mb4".to_string()),
            (&"engine".to_string(), &"InnoDB".to_string()),
            (&"row_format".to_string(), &"dynamic".to_string())
        ]
    );
    assert_eq!(
        tasks.column("lang").and_then(|c| c.collation.as_deref()),
        Some("latin1_general_ci")
    );
    let partial = tasks
        .indexes
        .iter()
        .find(|i| i.predicate.is_some())
        .expect("partial index");
    assert_eq!(partial.predicate.as_deref(), Some("owner_id IS NOT NULL"));
    assert_eq!(partial.method.as_deref(), Some("hash"));
    assert!(
        tasks
            .indexes
            .iter()
            .any(|i| i.unique && i.parts[0].expression_sql() == Some("lower(lang)"))
    );
    assert_eq!(
        Status::column_type(),
        ColumnType::Enum {
            name: "status".into(),
            schema: None,
            values: vec!["open".into(), "in_progress".into(), "closed".into()],
        }
    );
}

#[test]
fn all_registered_models_equal_the_explicit_set() {
    let all = Metadata::all();
    let of = Metadata::of::<(models::User, models::Post, Task)>();
    assert_eq!(all, of);
    let names: Vec<&str> = all
        .schema()
        .tables
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, ["posts", "tasks", "users"]);
}

#[test]
fn metadata_validation_reports_schema_problems() {
    // Task references users, which this set lacks.
    let problems = Metadata::of::<(Task,)>()
        .validate()
        .expect_err("dangling reference");
    insta::assert_snapshot!(
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        @"`tasks.owner_id` references table `users`, which no model declares (help: declared tables: tasks)"
    );
    let twice = Metadata::of::<(models::User, models::User)>()
        .validate()
        .expect_err("duplicate");
    assert!(twice[0].message.contains("declared by more than one model"));
    assert!(
        Metadata::from_schema(Metadata::all().into_schema())
            .validate()
            .is_ok()
    );
}

#[test]
fn the_derived_table_is_the_model_table() {
    let user = models::User::table();
    assert_eq!(user.name, "users");
    assert!(user.columns[0].auto_increment);
}

#[test]
fn scanner_errors_name_file_and_line() {
    let dir = std::env::temp_dir().join(format!("retort-derive-scanner-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("bad.rs"),
        r#"use retort::Model;

#[derive(Model)]
#[model(table = "users")]
pub struct User {
    #[model(primary_key, max_lenght = 5)]
    pub id: i32,
    pub home: Address,
}

#[derive(Model)]
#[model(table = "posts")]
pub struct Again {
    #[model(primary_key)]
    pub id: i32,
}

#[derive(Model)]
#[model(table = "posts")]
pub struct Post {
    #[model(primary_key)]
    pub id: i32,
    #[model(references = "authors.id")]
    pub author_id: i32,
}
"#,
    )
    .expect("write");
    let diags = scan_files(std::slice::from_ref(&dir)).expect_err("errors");
    let text = diags
        .iter()
        .map(|d| format!("{}:{}:{}: {}", "bad.rs", d.line, d.column, d.message))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::remove_dir_all(&dir).expect("cleanup");
    insta::assert_snapshot!(text);
}
