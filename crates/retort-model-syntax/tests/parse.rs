//! The model parser through its public entry points: every attribute, the type
//! mapping, and every error with its message, line and column.

use std::path::PathBuf;

use retort_model_syntax::scan_sources;
use retort_schema::{Schema, Table};

fn scan(src: &str) -> Result<Schema, String> {
    scan_sources(&[(PathBuf::from("models.rs"), src.to_string())]).map_err(|diags| {
        diags
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })
}

#[track_caller]
fn table(src: &str) -> Table {
    match scan(src) {
        Ok(schema) => {
            assert_eq!(schema.tables.len(), 1, "one model expected");
            schema.tables.into_iter().next().expect("one table")
        }
        Err(e) => panic!("unexpected errors:\n{e}"),
    }
}

#[track_caller]
fn errors(src: &str) -> String {
    match scan(src) {
        Ok(schema) => panic!("expected errors, got {schema:?}"),
        Err(e) => e,
    }
}

#[test]
fn every_field_attribute() {
    let t = table(
        r#"
#[derive(Model)]
#[model(table = "accounts", schema = "app", renamed_from = "users", comment = "people")]
struct Account {
    #[model(primary_key, auto_increment = false)]
    id: i64,
    #[model(unique, index, max_length = 50, comment = "login")]
    name: String,
    #[model(precision = 12, scale = 2, server_default = "0")]
    balance: rust_decimal::Decimal,
    #[model(sql_type = "INET")]
    ip: std::net::IpAddr,
    #[model(nullable)]
    nick: String,
    #[model(not_null, backfill = "'{}'")]
    prefs: Option<serde_json::Value>,
    #[model(references = "app.accounts.id", on_delete = "set null", on_update = "cascade")]
    team_id: Option<i32>,
    #[model(column = "kind_code", renamed_from = "kind")]
    kind: i16,
    #[model(skip)]
    cache: Vec<String>,
}
"#,
    );
    insta::assert_json_snapshot!(t);
}

#[test]
fn struct_attributes_and_named_constraints() {
    let t = table(
        r#"
#[derive(Debug, retort::Model)]
#[model(
    primary_key(columns = ["tenant", "id"]),
    index(name = "by_email", columns = ["email"], unique),
    index(columns = ["tenant", "email"]),
    unique(columns = ["tenant", "login"]),
    unique(name = "one_login", columns = ["login"]),
    check(expr = "id > 0"),
    check(name = "tenant_positive", expr = "tenant > 0"),
)]
struct TenantUser {
    tenant: i32,
    id: i32,
    email: String,
    login: String,
}
"#,
    );
    insta::assert_json_snapshot!(t);
}

#[test]
fn type_mapping() {
    let t = table(
        r#"
#[derive(Model)]
struct Everything {
    #[model(primary_key)]
    a: i16,
    b: i32,
    c: i64,
    d: bool,
    e: f32,
    f: f64,
    g: String,
    h: Vec<u8>,
    i: chrono::NaiveDate,
    j: chrono::NaiveTime,
    k: chrono::NaiveDateTime,
    l: chrono::DateTime<chrono::Utc>,
    m: time::Date,
    n: time::Time,
    o: time::PrimitiveDateTime,
    p: time::OffsetDateTime,
    q: uuid::Uuid,
    r: serde_json::Value,
    s: sqlx::types::Json<Vec<String>>,
    t: Option<Json<Prefs>>,
    u: Option<Vec<u8>>,
}
"#,
    );
    insta::assert_json_snapshot!(t);
}

#[test]
fn defaults_table_name_and_auto_increment() {
    let t =
        table("#[derive(Model)] struct BlogPost { #[model(primary_key)] id: i32, title: String }");
    assert_eq!(t.name, "blog_post");
    assert!(t.columns[0].auto_increment);
    assert!(!t.columns[0].nullable);
    let pk = t.primary_key.expect("primary key");
    // the database names a primary key the model does not name
    assert_eq!(pk.name, None);
    // A text primary key is not auto-increment.
    let t = table("#[derive(Model)] struct Tag { #[model(primary_key)] name: String }");
    assert!(!t.columns[0].auto_increment);
}

#[test]
fn db_enums_resolve_by_name() {
    let schema = scan(
        r#"
#[derive(DbEnum)]
enum Status { Draft, InReview, #[model(rename = "live")] Published }

#[derive(retort::DbEnum)]
#[model(name = "prio", schema = "app")]
enum Priority { Low, High }

#[derive(Model)]
struct Task {
    #[model(primary_key)] id: i32,
    status: Status,
    priority: Option<crate::Priority>,
}
"#,
    )
    .expect("valid");
    insta::assert_json_snapshot!(schema);
}

#[test]
fn models_in_inline_modules_are_found() {
    let schema = scan(
        "mod inner { #[derive(Model)] #[model(table = \"t\")] struct T { #[model(primary_key)] id: i32 } }",
    )
    .expect("valid");
    assert_eq!(schema.tables[0].name, "t");
    let schema = scan(
        "#[cfg(test)] mod tests { #[derive(Model)] struct T { #[model(primary_key)] id: i32 } }",
    )
    .expect("valid");
    assert!(schema.tables.is_empty());
}

#[test]
fn unknown_attributes_suggest_the_near_name() {
    insta::assert_snapshot!(errors(
        r#"
#[derive(Model)]
#[model(tabel = "users", max_length = 3)]
struct User {
    #[model(primary_key, max_lenght = 50)]
    id: i32,
    #[model(colour = "red")]
    name: String,
}
"#
    ));
}

#[test]
fn malformed_values() {
    insta::assert_snapshot!(errors(
        r#"
#[derive(Model)]
#[model(table = 5, index(columns = "a"), check(name = "x"))]
struct User {
    #[model(primary_key = "yes")]
    id: i32,
    #[model(max_length = "x")]
    a: String,
    #[model(max_length = 0, comment)]
    b: String,
    #[model(on_delete = "explode", references = "users")]
    c: i32,
    #[model(on_update = "cascade")]
    d: i32,
    #[model(server_default = "")]
    e: i32,
}
"#
    ));
}

#[test]
fn conflicting_attributes() {
    insta::assert_snapshot!(errors(
        r#"
#[derive(Model)]
#[model(primary_key(columns = ["id"]))]
struct User {
    #[model(primary_key)]
    id: Option<i32>,
    #[model(nullable, not_null)]
    a: String,
    #[model(skip, unique)]
    b: String,
    #[model(sql_type = "text", max_length = 5)]
    c: String,
    #[model(max_length = 5)]
    d: i32,
    #[model(precision = 5)]
    e: rust_decimal::Decimal,
    #[model(auto_increment)]
    f: i32,
    #[model(unique, unique)]
    g: i32,
    #[model(column = "a")]
    h: i32,
}
"#
    ));
}

#[test]
fn unmappable_types_suggest_sql_type_or_skip() {
    insta::assert_snapshot!(errors(
        r#"
#[derive(Model)]
struct User {
    #[model(primary_key)]
    id: i32,
    tags: Vec<String>,
    address: Address,
    pair: (i32, i32),
}
"#
    ));
}

#[test]
fn struct_lists_name_existing_columns() {
    insta::assert_snapshot!(errors(
        r#"
#[derive(Model)]
#[model(index(columns = ["user_id", "creatd_at"]), unique(columns = ["author"]))]
struct Post {
    #[model(primary_key)]
    id: i32,
    #[model(column = "author_id")]
    author: i32,
    user_id: i32,
    created_at: i64,
}
"#
    ));
}

#[test]
fn schema_wide_problems_name_file_and_line() {
    insta::assert_snapshot!(errors(
        r#"
#[derive(Model)]
#[model(table = "users")]
struct User {
    #[model(primary_key)]
    id: i32,
}

#[derive(Model)]
#[model(table = "users")]
struct Account {
    #[model(primary_key)]
    id: i32,
}

#[derive(Model)]
#[model(table = "posts")]
struct Post {
    #[model(primary_key)]
    id: i32,
    #[model(references = "authors.id")]
    author_id: i32,
    #[model(references = "users.uid")]
    user_id: i32,
}
"#
    ));
}

#[test]
fn db_enum_errors() {
    insta::assert_snapshot!(errors(
        r#"
#[derive(DbEnum)]
#[model(nmae = "x")]
enum Status { A(i32), #[model(rename = "b")] B, #[model(renam = "c")] C }
"#
    ));
}

#[test]
fn syntax_errors_are_reported_with_their_place() {
    insta::assert_snapshot!(errors(
        "#[derive(Model)]\nstruct User {\n    id: i32,,\n}\n"
    ));
    insta::assert_snapshot!(errors(
        "#[derive(Model)]\nstruct User {\n    #[model(primary_key,, unique)]\n    id: i32,\n}\n"
    ));
}

#[test]
fn scan_files_walks_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("models/deep");
    std::fs::create_dir_all(&sub).expect("mkdir");
    std::fs::write(
        sub.join("user.rs"),
        "#[derive(Model)] #[model(table = \"users\")] struct User { #[model(primary_key)] id: i32 }",
    )
    .expect("write");
    std::fs::write(dir.path().join("models/notes.txt"), "not rust").expect("write");
    let schema = retort_model_syntax::scan_files(&[dir.path().join("models")]).expect("scan");
    assert_eq!(schema.tables.len(), 1);
    let missing = retort_model_syntax::scan_files(&[dir.path().join("nope")]).expect_err("missing");
    assert!(missing[0].message.contains("no such file or folder"));
}

#[test]
fn table_json_is_deterministic() {
    let src = r#"
#[derive(Model)]
#[model(table = "users", index(columns = ["email"]))]
struct User { #[model(primary_key)] id: i32, #[model(unique)] email: String }
"#;
    let a = serde_json::to_string(&table(src)).expect("json");
    let b = serde_json::to_string(&table(src)).expect("json");
    assert_eq!(a, b);
}

#[test]
fn differing_db_enums_of_one_name_are_ambiguous() {
    let sources = [
        (
            PathBuf::from("a.rs"),
            "#[derive(DbEnum)] enum Status { A }".to_string(),
        ),
        (
            PathBuf::from("b.rs"),
            "#[derive(DbEnum)]\nenum Status { B }".to_string(),
        ),
    ];
    let diags = scan_sources(&sources).expect_err("ambiguous");
    assert_eq!((diags[0].file.to_str(), diags[0].line), (Some("b.rs"), 2));
    assert!(
        diags[0]
            .message
            .contains("a different DbEnum named `Status`")
    );
}

#[test]
fn named_primary_key_and_index_column_order() {
    let t = table(
        r#"#[derive(Model)]
        #[model(primary_key(columns = ["a", "b"], name = "pk_custom"))]
        #[model(index(columns = ["a", "created_at DESC", "b asc nulls first"]))]
        struct Pair { a: i32, b: i32, created_at: i64 }"#,
    );
    assert_eq!(
        t.primary_key.expect("primary key").name.as_deref(),
        Some("pk_custom")
    );
    let ix = &t.indexes[0];
    assert_eq!(ix.name, "ix_pair_a_created_at_b");
    assert_eq!(ix.parts[0], retort_schema::IndexPart::column("a"));
    assert_eq!(
        ix.parts[1],
        retort_schema::IndexPart::column("created_at").descending()
    );
    assert_eq!(ix.parts[2].column_name(), Some("b"));
    assert!(!ix.parts[2].desc);
    assert_eq!(ix.parts[2].nulls, Some(retort_schema::NullsOrder::First));
}

#[test]
fn index_column_options_are_checked() {
    let e = errors(
        r#"#[derive(Model)]
        #[model(index(columns = ["a sideways"]))]
        struct Pair { a: i32 }"#,
    );
    assert!(e.contains("cannot read index column `a sideways`"), "{e}");
    let e = errors(
        r#"#[derive(Model)]
        #[model(index(columns = ["nope desc"]))]
        struct Pair { a: i32 }"#,
    );
    assert!(e.contains("has no column `nope`"), "{e}");
}

#[test]
fn expression_partial_and_method_indexes() {
    let t = table(
        r#"#[derive(Model)]
        #[model(index(expr = "lower(email)", unique))]
        #[model(index(columns = ["created_at"], where = "deleted_at IS NULL"))]
        #[model(index(name = "ix_mixed", exprs = ["lower(email) desc", "created_at", "id + 1 DESC NULLS LAST"]))]
        #[model(index(columns = ["tags"], method = "gin"))]
        struct Account { id: i64, email: String, tags: String, created_at: i64, deleted_at: Option<i64> }"#,
    );
    let ix = &t.indexes;
    assert_eq!(
        ix[0].parts,
        vec![retort_schema::IndexPart::expression("lower(email)")]
    );
    assert!(ix[0].unique);
    assert_eq!(
        ix[1].parts,
        vec![retort_schema::IndexPart::column("created_at")]
    );
    assert_eq!(ix[1].predicate.as_deref(), Some("deleted_at IS NULL"));
    assert_eq!(ix[2].name, "ix_mixed");
    assert_eq!(
        ix[2].parts,
        vec![
            retort_schema::IndexPart::expression("lower(email)").descending(),
            retort_schema::IndexPart::column("created_at"),
            retort_schema::IndexPart {
                nulls: Some(retort_schema::NullsOrder::Last),
                ..retort_schema::IndexPart::expression("id + 1").descending()
            },
        ]
    );
    assert_eq!(ix[3].method.as_deref(), Some("gin"));
}

#[test]
fn index_keys_are_columns_or_expressions() {
    let e = errors(
        r#"#[derive(Model)]
        #[model(index(columns = ["a"], expr = "lower(a)"))]
        struct Pair { a: String }"#,
    );
    assert!(
        e.contains("takes `columns` or expressions, not both"),
        "{e}"
    );
    let e = errors(
        r#"#[derive(Model)]
        #[model(index(expr = "lower(a)", exprs = ["a"]))]
        struct Pair { a: String }"#,
    );
    assert!(e.contains("`expr` or `exprs`, not both"), "{e}");
    let e = errors(
        r#"#[derive(Model)]
        #[model(index(where = "a > 0"))]
        struct Pair { a: i32 }"#,
    );
    assert!(e.contains("needs `columns`, `expr` or `exprs`"), "{e}");
    let e = errors(
        r#"#[derive(Model)]
        #[model(index(expr = " "))]
        struct Pair { a: i32 }"#,
    );
    assert!(e.contains("must not be empty"), "{e}");
}
