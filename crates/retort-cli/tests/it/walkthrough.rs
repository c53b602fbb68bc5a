//! The seed walkthrough (SPEC 1): autogenerate, upgrade, change a model,
//! autogenerate again, check, downgrade — on every dialect.

use retort_dialect::DialectKind;

use crate::harness::{BLOG_V1, Project, blog_v2};

dialect_tests! {
    seed_walkthrough => seed_walkthrough;
    drift_is_reported => drift_is_reported;
    no_change_writes_nothing => no_change_writes_nothing;
    downgrade_restores_schemas => downgrade_restores_schemas;
}

fn snap(kind: DialectKind, name: &str, text: &str) {
    insta::with_settings!({ snapshot_suffix => kind.name(), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

fn seed_walkthrough(kind: DialectKind) {
    let p = Project::new(kind);
    p.write("src/models/blog.rs", BLOG_V1);
    p.autogenerate("init", "aaaaaaaaaaaa");
    snap(kind, "walkthrough_init", &p.migration_text("aaaaaaaaaaaa"));
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);

    let schema = p.db.schema();
    let users = schema
        .tables
        .iter()
        .find(|t| t.name == "users")
        .expect("users table");
    let posts = schema
        .tables
        .iter()
        .find(|t| t.name == "posts")
        .expect("posts table");
    let unique_cols = |t: &retort_schema::Table| -> Vec<Vec<String>> {
        let mut v: Vec<Vec<String>> = t.uniques.iter().map(|u| u.columns.clone()).collect();
        v.extend(t.indexes.iter().filter(|i| i.unique).filter_map(|i| {
            i.column_names()
                .map(|c| c.into_iter().map(String::from).collect())
        }));
        v.sort();
        v
    };
    assert_eq!(
        unique_cols(users),
        vec![vec!["email".to_string()], vec!["username".to_string()]]
    );
    assert!(posts.foreign_keys.iter().any(|fk| fk.columns == ["user_id"]
        && fk.ref_table.name == "users"
        && fk.ref_columns == ["id"]
        && fk.on_delete == retort_schema::FkAction::Cascade));
    assert!(
        posts
            .indexes
            .iter()
            .any(|i| i.column_names() == Some(vec!["user_id", "created_at"]))
    );

    p.write("src/models/blog.rs", &blog_v2());
    let out = p.autogenerate("Add phone to users", "bbbbbbbbbbbb");
    assert!(
        out.stdout.contains("add_phone_to_users.sql")
            || out.stderr.contains("add_phone_to_users.sql"),
        "{out:?}"
    );
    snap(
        kind,
        "walkthrough_add_phone",
        &p.migration_text("bbbbbbbbbbbb"),
    );
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    let cur = p.retort(&["current"]).expect_code(0);
    assert!(cur.stdout.contains("bbbbbbbbbbbb"), "{cur:?}");
}

fn drift_is_reported(kind: DialectKind) {
    let p = Project::blog_at_init(kind);
    p.write("src/models/blog.rs", &blog_v2());
    let out = p.retort(&["check"]).expect_code(1);
    assert!(
        out.stdout.contains("users") && out.stdout.contains("phone"),
        "{out:?}"
    );
    snap(kind, "drift_text", &out.stdout);
    let json = p.retort(&["check", "--format", "json"]).expect_code(1);
    let v: serde_json::Value =
        serde_json::from_str(&json.stdout).expect("check --format json prints JSON");
    assert_eq!(v["clean"], false);
    let changes = v["changes"].as_array().expect("changes array");
    assert!(
        changes.iter().any(|c| c.to_string().contains("phone")),
        "{v}"
    );
}

fn no_change_writes_nothing(kind: DialectKind) {
    let p = Project::new(kind);
    p.write("src/models/blog.rs", BLOG_V1);
    p.retort(&["revision", "--autogenerate", "-m", "init"])
        .expect_code(0);
    p.retort(&["upgrade", "head"]).expect_code(0);
    let before = p.migration_files();
    let out = p
        .retort(&["revision", "--autogenerate", "-m", "nothing"])
        .expect_code(0);
    assert!(out.stdout.contains("No changes detected"), "{out:?}");
    assert_eq!(p.migration_files(), before);
}

fn downgrade_restores_schemas(kind: DialectKind) {
    let p = Project::new(kind);
    p.write("src/models/blog.rs", BLOG_V1);
    p.retort(&["revision", "--autogenerate", "-m", "init"])
        .expect_code(0);
    p.retort(&["upgrade", "head"]).expect_code(0);
    let v1 = p.db.schema();
    p.db.exec("INSERT INTO users (id, username, email) VALUES (1, 'ann', 'ann@example.com')");
    p.write("src/models/blog.rs", &blog_v2());
    p.retort(&["revision", "--autogenerate", "-m", "phone"])
        .expect_code(0);
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["downgrade", "-1"]).expect_code(0);
    assert_eq!(p.db.schema(), v1);
    assert_eq!(
        p.db.query("SELECT username FROM users"),
        vec![vec![Some("ann".to_string())]]
    );
    p.retort(&["downgrade", "base"]).expect_code(0);
    assert!(p.db.schema().tables.is_empty());
    let cur = p.retort(&["current"]).expect_code(0);
    assert!(!cur.stdout.contains("head"), "{cur:?}");
}
