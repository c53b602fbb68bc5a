//! A -> B -> A on MariaDB: create A, apply the rendered diff A -> B, require B
//! (exactly, and a clean diff), apply the reversed plan, require A again. Rows
//! inserted into A survive where their table and columns do.

mod common;

use common::fixtures::*;
use common::*;
use retort_dialect::{Dialect, Driver};
use retort_mysql::MysqlDialect;
use retort_schema::{ColumnType as T, FkAction, Index, IndexPart, PrimaryKey, Schema, Table};

async fn a_b_a(a: Schema, b: Schema, seed: &[&str]) {
    a_b_a_with(a, b, seed, strip).await
}

/// `cmp` prepares both sides of the exact comparisons.
async fn a_b_a_with(a: Schema, b: Schema, seed: &[&str], cmp: fn(&Schema) -> Schema) {
    let (_db, mut driver) = TestDb::create().await;
    let (na, nb) = (norm(&a), norm(&b));
    let create = retort_schema::diff(&Schema::default(), &na, &Default::default());
    apply_changes(&mut driver, &create.changes).await;
    let live_a = live(&mut driver).await;
    assert_eq!(strip(&live_a), strip(&na), "A as created");
    for sql in seed {
        driver
            .execute(sql)
            .await
            .unwrap_or_else(|e| panic!("seed failed: {e}: {sql}"));
    }

    let plan = retort_schema::diff(&live_a, &nb, &Default::default());
    assert!(!plan.is_empty(), "A and B should differ");
    let up = MysqlDialect.render(&plan.changes);
    apply(&mut driver, &up).await;
    let live_b = live(&mut driver).await;
    assert_eq!(cmp(&live_b), cmp(&nb), "after upgrade:\n{}", sql_text(&up));
    let again = retort_schema::diff(&live_b, &nb, &Default::default());
    assert!(
        again.is_empty(),
        "check after upgrade is not clean: {:#?}",
        again.changes
    );

    let down = MysqlDialect.render(&plan.reverse());
    apply(&mut driver, &down).await;
    let live_a2 = live(&mut driver).await;
    assert_eq!(
        cmp(&live_a2),
        cmp(&na),
        "after downgrade:\n{}",
        sql_text(&down)
    );
    let again = retort_schema::diff(&live_a2, &na, &Default::default());
    assert!(
        again.is_empty(),
        "check after downgrade is not clean: {:#?}",
        again.changes
    );
}

fn seed_rows() -> Vec<&'static str> {
    vec![
        "INSERT INTO users (username, email) VALUES ('ann', 'ann@example.com'), ('bob', 'bob@example.com')",
        "INSERT INTO posts (user_id, title, body) VALUES (1, 'hello', 'first post')",
    ]
}

#[tokio::test]
async fn add_nullable_column() {
    let a = schema(vec![users(), posts()]);
    let mut b = a.clone();
    b.tables[0]
        .columns
        .push(col("phone", T::Varchar { length: 20 }));
    a_b_a(a, b, &seed_rows()).await;
}

#[tokio::test]
async fn add_not_null_column_with_backfill() {
    let a = schema(vec![users(), posts()]);
    let mut b = a.clone();
    let mut c = not_null(col("nick", T::Varchar { length: 20 }));
    c.backfill = Some("username".into());
    b.tables[0].columns.push(c);
    a_b_a(a, b, &seed_rows()).await;
}

#[tokio::test]
async fn alter_type_nullability_default_comment() {
    let a = schema(vec![users(), posts()]);
    let mut b = a.clone();
    let u = &mut b.tables[0];
    u.columns[1].ty = T::Varchar { length: 80 };
    u.columns[1].comment = Some("login name".into());
    u.columns[2].default = Some("'nobody@example.com'".into());
    u.columns[3].nullable = false;
    u.columns[3].backfill = Some("CURRENT_TIMESTAMP".into());
    u.comment = Some("people".into());
    let p = &mut b.tables[1];
    p.columns[3].ty = T::Custom {
        sql: "mediumtext".into(),
    };
    p.columns[4].default = Some("CURRENT_TIMESTAMP".into());
    a_b_a(a, b, &seed_rows()).await;
}

#[tokio::test]
async fn constraints_come_and_go() {
    let a = schema(vec![users(), posts()]);
    let mut b = a.clone();
    {
        let u = &mut b.tables[0];
        u.uniques.remove(1);
        u.indexes.push(index("users", &["email", "created_at"]));
        u.checks.push(check("users", "CHAR_LENGTH(username) > 2"));
    }
    {
        let p = &mut b.tables[1];
        p.foreign_keys[0].on_delete = FkAction::SetNull;
        p.columns[1].nullable = true;
        p.uniques.push(unique("posts", &["title"]));
        p.indexes.push(Index {
            name: "ix_posts_body".into(),
            named: true,
            parts: vec![IndexPart::expression("`body`(20)")],
            unique: false,
            predicate: None,
            method: None,
        });
    }
    a_b_a(a, b, &seed_rows()).await;
}

#[tokio::test]
async fn dropping_the_index_that_serves_a_foreign_key() {
    // posts(user_id, created_at) serves fk_posts_user_id_users; B drops it.
    let a = schema(vec![users(), posts()]);
    let mut b = a.clone();
    b.tables[1].indexes.clear();
    a_b_a(a, b, &seed_rows()).await;
}

#[tokio::test]
async fn foreign_key_dropped_with_its_implicit_index() {
    let mut a = schema(vec![users(), posts()]);
    a.tables[1].indexes.clear();
    let mut b = a.clone();
    b.tables[1].foreign_keys.clear();
    a_b_a(a, b, &seed_rows()).await;
}

#[tokio::test]
async fn primary_key_and_auto_increment_change() {
    let t = Table {
        name: "kv".into(),
        columns: vec![
            not_null(col("k", T::Varchar { length: 10 })),
            not_null(col("n", T::Integer)),
            col("v", T::Text),
        ],
        primary_key: pk(&["k"]),
        ..Default::default()
    };
    let a = schema(vec![t.clone()]);
    let mut t2 = t;
    t2.columns[1].auto_increment = true;
    t2.primary_key = Some(PrimaryKey {
        name: None,
        columns: vec!["n".into()],
    });
    let b = schema(vec![t2]);
    a_b_a(
        a,
        b,
        &["INSERT INTO kv (k, n, v) VALUES ('a', 1, 'x'), ('b', 2, 'y')"],
    )
    .await;
}

#[tokio::test]
async fn enum_values_and_new_tables_in_a_cycle() {
    let mood = |vals: &[&str]| T::Enum {
        name: "mood".into(),
        schema: None,
        values: vals.iter().map(|v| v.to_string()).collect(),
    };
    let mut u = users();
    u.columns
        .push(with_default(col("mood", mood(&["ok", "sad"])), "'ok'"));
    let a = schema(vec![u.clone()]);
    let mut u2 = u;
    u2.columns[4].ty = mood(&["ok", "sad", "it's great"]);
    let mut tables = vec![u2];
    tables.extend(cycle());
    tables.push(awkward());
    tables.push(posts());
    let b = schema(tables);
    a_b_a(
        a,
        b,
        &["INSERT INTO users (username, email, mood) VALUES ('ann', 'a@x', 'sad')"],
    )
    .await;
}

#[tokio::test]
async fn renamed_column() {
    let a = schema(vec![users(), posts()]);
    let mut b = a.clone();
    b.tables[0].columns[2].name = "mail".into();
    b.tables[0].columns[2].renamed_from = Some("email".into());
    b.tables[0].uniques[1] = unique("users", &["mail"]);
    // The unnamed unique constraint keeps its old name: it is matched by its columns.
    a_b_a_with(a, b, &seed_rows(), |s| {
        let mut s = strip(s);
        for t in &mut s.tables {
            for u in &mut t.uniques {
                u.name.clear();
            }
            t.uniques.sort_by(|x, y| x.columns.cmp(&y.columns));
        }
        s
    })
    .await;
}

#[tokio::test]
async fn add_not_null_column_without_backfill_is_a_todo() {
    let a = schema(vec![users()]);
    let mut b = a.clone();
    b.tables[0]
        .columns
        .push(not_null(col("nick", T::Varchar { length: 20 })));
    let plan = retort_schema::diff(&norm(&a), &norm(&b), &Default::default());
    let stmts = MysqlDialect.render(&plan.changes);
    assert!(
        stmts.iter().any(|s| s.todo.is_some()),
        "{}",
        sql_text(&stmts)
    );
}

#[tokio::test]
async fn key_columns_change_type_together() {
    let a = schema(vec![users(), posts()]);
    let mut b = a.clone();
    b.tables[0].columns[0].ty = T::BigInt;
    b.tables[1].columns[1].ty = T::BigInt;
    a_b_a(a, b, &seed_rows()).await;
}
