//! Upgrade and downgrade through the real diff: create schema A, apply
//! `render(diff(A, B))`, and the database reads back as B with nothing left to
//! diff; apply `render(plan.reverse())`, and it reads back as A again.

mod common;

use common::*;
use retort_dialect::{Dialect, Driver};
use retort_schema::{
    Check, Column, ColumnType as T, DiffOptions, FkAction, Index, IndexPart, QualifiedName, Schema,
    Table, diff,
};
use retort_sqlite::{SqliteDialect, SqliteDriver};

fn norm(tables: Vec<Table>) -> Schema {
    SqliteDialect
        .normalize(&Schema {
            tables,
            enums: vec![],
            sequences: Vec::new(),
        })
        .expect("normalizes")
}

/// Names of items the model does not name do not take part in matching (and go
/// stale in SQLite after renames); blank all names to compare structure. The
/// empty diff below checks the names the model gives.
fn without_unnamed_names(s: &Schema) -> Schema {
    let mut s = comparable(s);
    for t in &mut s.tables {
        t.uniques
            .iter_mut()
            .filter(|x| !x.named)
            .for_each(|x| x.name.clear());
        t.indexes
            .iter_mut()
            .filter(|x| !x.named)
            .for_each(|x| x.name.clear());
        t.foreign_keys
            .iter_mut()
            .filter(|x| !x.named)
            .for_each(|x| x.name.clear());
        t.checks
            .iter_mut()
            .filter(|x| !x.named)
            .for_each(|x| x.name.clear());
    }
    s
}

async fn assert_reads_as(driver: &mut SqliteDriver, want: &Schema, step: &str) {
    let live = driver.introspect(&scope()).await.expect("introspect");
    assert_eq!(
        without_unnamed_names(&live),
        without_unnamed_names(want),
        "{step}: schema differs"
    );
    let rest = diff(&live, want, &DiffOptions::default());
    assert!(
        rest.is_empty(),
        "{step}: check would report {:#?}",
        rest.changes
    );
}

/// Create A (and seed it), upgrade to B, check, downgrade to A, check.
async fn up_and_down(a: Vec<Table>, b: Vec<Table>, opts: DiffOptions, seed: &[&str]) -> String {
    let (a, b) = (norm(a), norm(b));
    let (_dir, mut driver) = fresh_db().await;
    create_all(&mut driver, &a).await;
    for sql in seed {
        driver
            .execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let live_a = driver.introspect(&scope()).await.expect("introspect");
    let plan = diff(&live_a, &b, &opts);
    assert!(!plan.is_empty(), "the test changes something");
    let up = SqliteDialect.render(&plan.changes);
    apply(&mut driver, &up).await;
    assert_reads_as(&mut driver, &b, "upgrade").await;
    let down = SqliteDialect.render(&plan.reverse());
    apply(&mut driver, &down).await;
    assert_reads_as(&mut driver, &a, "downgrade").await;
    for sql in seed.iter().filter(|s| s.starts_with("INSERT INTO")) {
        let table = sql.split_whitespace().nth(2).unwrap_or_default();
        let rows = driver
            .query(&format!("SELECT count(*) FROM {table}"))
            .await
            .expect("count");
        assert_ne!(
            rows[0][0].as_deref(),
            Some("0"),
            "rows of {table} survived up and down"
        );
    }
    as_sql(&up)
}

fn users() -> Table {
    let mut t = table(
        "users",
        vec![
            id("id", T::Integer),
            req("username", T::Varchar { length: 50 }),
            req("email", T::Varchar { length: 100 }),
            with_default(col("created_at", T::Timestamp), "CURRENT_TIMESTAMP"),
        ],
        &["id"],
    );
    t.uniques = vec![unique(&["username"]), unique(&["email"])];
    t
}

fn posts() -> Table {
    let mut t = table(
        "posts",
        vec![
            id("id", T::Integer),
            req("user_id", T::Integer),
            req("title", T::Varchar { length: 200 }),
            req("body", T::Text),
            col("created_at", T::Timestamp),
        ],
        &["id"],
    );
    t.foreign_keys = vec![retort_schema::ForeignKey {
        on_delete: FkAction::Cascade,
        ..fk(&["user_id"], "users", &["id"])
    }];
    t.indexes = vec![index(&["user_id", "created_at"])];
    t
}

const SEED: &[&str] = &[
    "INSERT INTO users (id, username, email) VALUES (1, 'ann', 'ann@example.com'), (2, 'bob', 'bob@example.com')",
    "INSERT INTO posts (id, user_id, title, body) VALUES (1, 1, 'hi', 'first'), (2, 2, 'yo', 'second')",
];

#[tokio::test]
async fn seed_example_adds_a_phone() {
    let mut u = users();
    u.columns.push(col("phone", T::Varchar { length: 20 }));
    let up = up_and_down(
        vec![users(), posts()],
        vec![u, posts()],
        DiffOptions::default(),
        SEED,
    )
    .await;
    assert_eq!(
        up,
        "ALTER TABLE \"users\" ADD COLUMN \"phone\" VARCHAR(20);\n"
    );
}

#[tokio::test]
async fn column_changes_with_backfill() {
    let mut u = users();
    u.columns[1].ty = T::Varchar { length: 80 }; // widen
    u.columns[3] = with_default(req("created_at", T::Timestamp), "'2000-01-01 00:00:00'"); // default and NOT NULL
    u.columns.push(Column {
        backfill: Some("'user-' || id".into()),
        ..req("slug", T::Text)
    });
    let mut p = posts();
    p.columns[4].nullable = false;
    p.columns[4].backfill = Some("CURRENT_TIMESTAMP".into());
    let opts = DiffOptions {
        backfills: vec![(
            QualifiedName::new("users"),
            "created_at".into(),
            "'1999-12-31 00:00:00'".into(),
        )],
        ..DiffOptions::default()
    };
    let up = up_and_down(vec![users(), posts()], vec![u, p], opts, SEED).await;
    assert!(
        up.contains("UPDATE \"users\" SET \"slug\" = 'user-' || id;"),
        "{up}"
    );
    assert!(up.contains("WHERE \"created_at\" IS NULL"), "{up}");
}

#[tokio::test]
async fn constraints_and_indexes_change() {
    let mut u = users();
    u.uniques = vec![
        unique(&["email"]),
        named_unique("uq_login", &["username", "email"]),
    ];
    u.checks = vec![check("length(username) > 1")];
    u.indexes = vec![
        Index {
            parts: vec![IndexPart::expression("lower(email)")],
            unique: true,
            ..index(&[])
        },
        Index {
            predicate: Some("created_at IS NOT NULL".into()),
            ..index(&["created_at"])
        },
    ];
    let mut p = posts();
    p.foreign_keys[0].on_delete = FkAction::Restrict;
    p.foreign_keys.push(retort_schema::ForeignKey {
        name: "fk_post_editor".into(),
        named: true,
        ..fk(&["editor_id"], "users", &["id"])
    });
    p.columns.push(col("editor_id", T::Integer));
    p.indexes = vec![index(&["title"])];
    up_and_down(
        vec![users(), posts()],
        vec![u, p],
        DiffOptions::default(),
        SEED,
    )
    .await;
}

#[tokio::test]
async fn renames_from_the_models() {
    let mut u = users();
    u.name = "accounts".into();
    u.renamed_from = Some("users".into());
    u.columns[1].name = "login".into();
    u.columns[1].renamed_from = Some("username".into());
    u.uniques[0].columns = vec!["login".into()];
    let mut p = posts();
    p.foreign_keys[0].ref_table = QualifiedName::new("accounts");
    up_and_down(
        vec![users(), posts()],
        vec![u, p],
        DiffOptions::default(),
        SEED,
    )
    .await;
}

#[tokio::test]
async fn tables_come_and_go_and_enums_change() {
    let mood = |values: &[&str]| T::Enum {
        name: "mood".into(),
        schema: None,
        values: s(values),
    };
    let mut u = users();
    u.columns
        .push(with_default(req("mood", mood(&["ok", "meh"])), "'ok'"));
    let mut u2 = users();
    u2.columns.push(with_default(
        req("mood", mood(&["ok", "meh", "great"])),
        "'ok'",
    ));
    let mut tags = table(
        "tags",
        vec![req("post_id", T::Integer), req("tag", T::Text)],
        &["post_id", "tag"],
    );
    tags.foreign_keys = vec![fk(&["post_id"], "posts", &["id"])];
    tags.checks = vec![Check {
        name: "tag_not_empty".into(),
        named: true,
        expr: "tag <> ''".into(),
    }];
    up_and_down(
        vec![u, posts(), table("legacy", vec![col("x", T::Integer)], &[])],
        vec![u2, posts(), tags],
        DiffOptions::default(),
        SEED,
    )
    .await;
}

#[tokio::test]
async fn primary_key_and_type_changes() {
    let a = table(
        "pairs",
        vec![req("a", T::Integer), req("b", T::Text), col("n", T::Real)],
        &["a"],
    );
    let b = table(
        "pairs",
        vec![req("a", T::Integer), req("b", T::Text), col("n", T::Double)],
        &["a", "b"],
    );
    up_and_down(
        vec![a],
        vec![b],
        DiffOptions::default(),
        &["INSERT INTO pairs (a, b, n) VALUES (1, 'x', 1.5)"],
    )
    .await;
}

#[tokio::test]
async fn dropping_a_not_null_column_has_a_downgrade_that_asks_for_a_backfill() {
    let a = norm(vec![users()]);
    let mut u = users();
    u.columns.remove(2);
    u.uniques.remove(1);
    let b = norm(vec![u]);
    let plan = diff(&a, &b, &DiffOptions::default());
    let down = SqliteDialect.render(&plan.reverse());
    assert!(
        down.iter().any(|s| s
            .todo
            .as_deref()
            .is_some_and(|t| t.starts_with("backfill users.email"))),
        "{down:#?}"
    );
}

#[tokio::test]
async fn a_database_made_by_another_tool_checks_clean() {
    let (_dir, mut driver) = fresh_db().await;
    for sql in [
        "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, \
         username VARCHAR(50) NOT NULL CONSTRAINT users_username_key UNIQUE, \
         email varchar(100) NOT NULL UNIQUE, created_at DATETIME DEFAULT (CURRENT_TIMESTAMP))",
        "CREATE TABLE posts (id INTEGER NOT NULL PRIMARY KEY, \
         user_id INT NOT NULL CONSTRAINT posts_user REFERENCES users ON DELETE CASCADE, \
         title VARCHAR(200) NOT NULL, body TEXT NOT NULL, created_at TIMESTAMP)",
        "CREATE INDEX posts_by_user ON posts (user_id, created_at)",
    ] {
        driver
            .execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let live = driver.introspect(&scope()).await.expect("introspect");
    let model = norm(vec![users(), posts()]);
    let plan = diff(&live, &model, &DiffOptions::default());
    assert!(
        plan.is_empty(),
        "other names, spellings and forms still match: {:#?}",
        plan.changes
    );

    // a name the model chooses is matched too
    let mut p = posts();
    p.indexes[0].name = "ix_posts_recent".into();
    p.indexes[0].named = true;
    let plan = diff(&live, &norm(vec![users(), p]), &DiffOptions::default());
    assert_eq!(plan.changes.len(), 1, "{:#?}", plan.changes);
}

#[tokio::test]
async fn column_collations_change_by_rebuild_and_are_kept_by_rebuilds() {
    let with = |name: &str, co: Option<&str>| {
        let mut u = users();
        for c in &mut u.columns {
            if c.name == name {
                c.collation = co.map(str::to_string);
            }
        }
        u
    };
    // A: username NOCASE. B: username BINARY (none), email RTRIM, a new NOCASE
    // column added in place, and a NOT NULL change that rebuilds the table,
    // which must keep every collation.
    let a = with("username", Some("nocase"));
    let mut b = with("email", Some("\"RTRIM\""));
    b.columns.push(Column {
        collation: Some("NOCASE".into()),
        ..col("nick", T::Text)
    });
    let up = up_and_down(
        vec![a.clone(), posts()],
        vec![b, posts()],
        DiffOptions::default(),
        SEED,
    )
    .await;
    assert!(up.contains("\"nick\" TEXT COLLATE NOCASE"), "{up}");
    assert!(
        up.contains("\"email\" VARCHAR(100) COLLATE RTRIM NOT NULL"),
        "{up}"
    );
    // a rebuild for another reason keeps the collation
    let mut c = a.clone();
    c.columns[3].nullable = false;
    c.columns[3].backfill = Some("CURRENT_TIMESTAMP".into());
    let up = up_and_down(
        vec![a, posts()],
        vec![c, posts()],
        DiffOptions::default(),
        SEED,
    )
    .await;
    assert!(
        up.contains("\"username\" VARCHAR(50) COLLATE NOCASE NOT NULL"),
        "{up}"
    );
}

#[tokio::test]
async fn unknown_collations_are_refused() {
    let mut u = users();
    u.columns[1].collation = Some("utf8mb4_bin".into());
    let errs = SqliteDialect
        .normalize(&Schema {
            tables: vec![u],
            enums: vec![],
            sequences: Vec::new(),
        })
        .expect_err("refused");
    assert!(errs[0].message.contains("NOCASE"), "{errs:?}");
    assert_eq!(errs[0].object, "table \"users\", column \"username\"");
}
