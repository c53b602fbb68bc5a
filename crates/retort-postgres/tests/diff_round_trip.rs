//! A -> B -> A on a real server: create A, apply `render(diff(A, B))`, read back
//! exactly B; apply the reverse plan, read back exactly A. Each case changes one
//! kind of thing; the last changes many at once.

mod common;

use common::fixtures::{self, *};
use retort_dialect::{Dialect, Driver};
use retort_postgres::PostgresDialect;
use retort_schema::{ColumnType, DiffOptions, EnumType, FkAction, IndexPart, Schema, diff};

async fn a_b_a(label: &str, a: &Schema, b: &Schema, seed: &[&str]) {
    let a = PostgresDialect
        .normalize(a)
        .unwrap_or_else(|e| panic!("{label}: normalize A: {e:?}"));
    let b = PostgresDialect
        .normalize(b)
        .unwrap_or_else(|e| panic!("{label}: normalize B: {e:?}"));
    let db = common::TestDb::create().await;
    let mut driver = db.driver().await;
    driver
        .execute("CREATE SCHEMA app")
        .await
        .expect("create schema");
    let scope = common::scope(&["app"]);
    common::apply(&mut driver, &common::create_all(&a)).await;
    for sql in seed {
        driver
            .execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{label}: seed: {e}"));
    }
    let live_a = driver.introspect(&scope).await.expect("introspect A");
    common::assert_same(&live_a, &a);

    let plan = diff(&live_a, &b, &DiffOptions::default());
    assert!(!plan.is_empty(), "{label}: the diff finds the change");
    common::apply(&mut driver, &plan.changes).await;
    let live_b = driver.introspect(&scope).await.expect("introspect B");
    common::assert_same(&live_b, &b);
    assert!(
        diff(&live_b, &b, &DiffOptions::default()).is_empty(),
        "{label}: clean after upgrade"
    );

    common::apply(&mut driver, &plan.reverse()).await;
    let live_a2 = driver.introspect(&scope).await.expect("introspect A again");
    // PostgreSQL adds columns at the end: a column dropped and re-added by the
    // downgrade comes back last. Everything else is exactly A.
    common::assert_same(
        &common::columns_by_name(&live_a2),
        &common::columns_by_name(&a),
    );
    assert!(
        diff(&live_a2, &a, &DiffOptions::default()).is_empty(),
        "{label}: clean after downgrade"
    );
}

fn base() -> Schema {
    fixtures::rich()
}

fn with_table(s: &Schema, name: &str, f: impl FnOnce(&mut retort_schema::Table)) -> Schema {
    let mut s = s.clone();
    let t = s.tables.iter_mut().find(|t| t.name == name).expect("table");
    f(t);
    s
}

const SEED: &[&str] = &[
    "INSERT INTO users (email, age, code) VALUES ('ann@example.org', 30, 'a'), ('bob@example.org', 40, NULL)",
    "INSERT INTO posts (user_id, title) SELECT id, 'hello' FROM users",
];

#[tokio::test(flavor = "multi_thread")]
async fn columns_added_dropped_and_altered() {
    let a = base();
    let b = with_table(&a, "users", |t| {
        t.columns.push(default(
            col("nickname", ColumnType::Varchar { length: 30 }),
            "'none'",
        ));
        let mut score = not_null(col("rank", ColumnType::Integer));
        score.backfill = Some("1".into());
        t.columns.push(score);
        t.columns.retain(|c| c.name != "ratio");
        let email = t
            .columns
            .iter_mut()
            .find(|c| c.name == "email")
            .expect("email");
        email.ty = ColumnType::Varchar { length: 200 };
        email.comment = None;
        let name = t
            .columns
            .iter_mut()
            .find(|c| c.name == "name")
            .expect("name");
        name.default = Some("'someone'".into());
        name.nullable = false;
        name.backfill = Some("'someone'".into());
        let big = t.columns.iter_mut().find(|c| c.name == "big").expect("big");
        big.ty = ColumnType::Decimal {
            precision: 20,
            scale: 0,
        };
        big.default = None;
        let age = t.columns.iter_mut().find(|c| c.name == "age").expect("age");
        age.ty = ColumnType::Integer;
        age.nullable = true;
        t.comment = Some("changed".into());
    });
    a_b_a("columns", &a, &b, SEED).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn constraints_and_indexes() {
    let a = base();
    let b = with_table(&a, "users", |t| {
        t.uniques.retain(|u| u.name != "uq_users_email");
        unique(t, &["uid"], None);
        t.indexes.retain(|i| i.name != "ix_users_created_at");
        index(
            t,
            vec![IndexPart::expression("(lower(name) || '-' || email)")],
            false,
            Some("score > 50 OR age < 18"),
            None,
        );
        // two expression indexes would both be called ix_users_expr: name this one
        let last = t.indexes.last_mut().expect("index");
        last.name = "users_name_email".into();
        last.named = true;
        index(
            t,
            vec![IndexPart::column("mood"), IndexPart::column("age")],
            true,
            None,
            None,
        );
        t.checks.retain(|c| c.name != "score_range");
        check(t, "CASE WHEN active THEN age > 0 ELSE true END", None);
        check(t, "balance >= 0.00 OR balance IS NULL", Some("balance_min"));
    });
    let b = {
        let mut b = b;
        let posts = b
            .tables
            .iter_mut()
            .find(|t| t.name == "posts")
            .expect("posts");
        posts.foreign_keys.clear();
        fk(
            posts,
            &["user_id"],
            qn(None, "users"),
            &["id"],
            FkAction::Restrict,
            false,
        );
        let orders = b
            .tables
            .iter_mut()
            .find(|t| t.schema.as_deref() == Some("app"))
            .expect("orders");
        orders.primary_key = Some(retort_schema::PrimaryKey {
            name: None,
            columns: vec!["select".into()],
        });
        b
    };
    a_b_a("constraints", &a, &b, SEED).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tables_and_enums() {
    let a = base();
    let mut b = a.clone();
    // a new table referencing an existing one and a new enum
    let colour = EnumType {
        schema: Some("app".into()),
        name: "colour".into(),
        values: vec!["red".into(), "green".into()],
    };
    let mut tags = table(
        Some("app"),
        "tags",
        vec![
            auto(col("id", ColumnType::BigInt)),
            col("colour", mood_type(&colour)),
            not_null(col("user_id", ColumnType::Integer)),
        ],
        &["id"],
    );
    fk(
        &mut tags,
        &["user_id"],
        qn(None, "users"),
        &["id"],
        FkAction::Cascade,
        false,
    );
    b.tables.push(tags);
    b.enums.push(colour);
    // drop the cycle
    b.tables.retain(|t| t.name != "a" && t.name != "b");
    // enum: remove a value (type swap) in mood, keeping the default
    let sad_gone = EnumType {
        values: vec!["happy".into(), "it's ok".into(), "meh".into()],
        ..mood()
    };
    b.enums.retain(|e| e.name != "mood");
    b.enums.push(sad_gone.clone());
    for t in &mut b.tables {
        for c in &mut t.columns {
            if let ColumnType::Enum { name, .. } = &c.ty
                && name == "mood"
            {
                c.ty = mood_type(&sad_gone);
            }
        }
    }
    a_b_a("tables and enums", &a, &b, SEED).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn enum_value_added_in_place_and_identity_toggled() {
    let a = base();
    let mut b = a.clone();
    let more = EnumType {
        values: vec![
            "ecstatic".into(),
            "happy".into(),
            "sad".into(),
            "it's ok".into(),
            "zen".into(),
        ],
        ..mood()
    };
    b.enums = vec![more.clone()];
    for t in &mut b.tables {
        for c in &mut t.columns {
            if matches!(&c.ty, ColumnType::Enum { name, .. } if name == "mood") {
                c.ty = mood_type(&more);
            }
        }
    }
    let b = with_table(&b, "b", |t| {
        t.columns[0].auto_increment = false;
    });
    let plan = diff(
        &PostgresDialect.normalize(&a).expect("a"),
        &PostgresDialect.normalize(&b).expect("b"),
        &DiffOptions::default(),
    );
    let sql = common::sql_text(&PostgresDialect.render(&plan.changes));
    assert!(
        sql.contains("ADD VALUE 'ecstatic' BEFORE 'happy'") && sql.contains("ADD VALUE 'zen'"),
        "{sql}"
    );
    let seed: Vec<&str> = SEED
        .iter()
        .copied()
        .chain(["INSERT INTO b (a_id) VALUES (NULL), (NULL)"])
        .collect();
    a_b_a("enum add", &a, &b, &seed).await;
}

/// A new value used in the same revision: ADD VALUE could not be used before
/// commit, so the type is swapped, and the whole plan runs in one transaction.
#[tokio::test(flavor = "multi_thread")]
async fn enum_value_added_and_used_at_once() {
    let a = base();
    let mut b = a.clone();
    let more = EnumType {
        values: vec!["happy".into(), "sad".into(), "it's ok".into(), "zen".into()],
        ..mood()
    };
    b.enums = vec![more.clone()];
    for t in &mut b.tables {
        for c in &mut t.columns {
            if matches!(&c.ty, ColumnType::Enum { name, .. } if name == "mood") {
                c.ty = mood_type(&more);
            }
        }
    }
    let b = with_table(&b, "users", |t| {
        t.columns
            .push(default(col("vibe", mood_type(&more)), "'zen'"));
    });
    let plan = diff(
        &PostgresDialect.normalize(&a).expect("a"),
        &PostgresDialect.normalize(&b).expect("b"),
        &DiffOptions::default(),
    );
    let sql = common::sql_text(&PostgresDialect.render(&plan.changes));
    assert!(
        !sql.contains("ADD VALUE") && sql.contains("mood__new"),
        "{sql}"
    );
    a_b_a("enum add and use", &a, &b, SEED).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_styles_change_where_they_behave_differently() {
    use retort_schema::Identity;
    let a = PostgresDialect.normalize(&base()).expect("normalize");
    let b = with_table(&a, "users", |t| {
        for c in &mut t.columns {
            match c.name.as_str() {
                "serial_no" => c.identity = Some(Identity::Always),
                "always_no" => c.identity = Some(Identity::ByDefault),
                _ => {}
            }
        }
    });
    // the downgrade makes the serial an identity BY DEFAULT, which behaves alike:
    // compared by the diff, not field by field
    let db = common::TestDb::create().await;
    let mut driver = db.driver().await;
    driver.execute("CREATE SCHEMA app").await.expect("schema");
    let scope = common::scope(&["app"]);
    common::apply(&mut driver, &common::create_all(&a)).await;
    for sql in SEED {
        driver.execute(sql).await.expect("seed");
    }
    let live_a = driver.introspect(&scope).await.expect("introspect A");
    let plan = diff(&live_a, &b, &DiffOptions::default());
    assert_eq!(plan.changes.len(), 1, "{:#?}", plan.changes);
    common::apply(&mut driver, &plan.changes).await;
    let live_b = driver.introspect(&scope).await.expect("introspect B");
    common::assert_same(&live_b, &b);
    driver
        .execute(
            "INSERT INTO users (email, age, code, always_no) VALUES ('c@example.org', 1, 'a', 7)",
        )
        .await
        .expect("BY DEFAULT takes explicit values");
    common::apply(&mut driver, &plan.reverse()).await;
    let live_a2 = driver.introspect(&scope).await.expect("introspect A again");
    assert!(diff(&live_a2, &a, &DiffOptions::default()).is_empty());
    assert!(
        driver
            .execute("INSERT INTO users (email, age, code, always_no) VALUES ('d@example.org', 1, 'a', 8)")
            .await
            .is_err(),
        "ALWAYS refuses explicit values"
    );
    // a serial and an identity by default behave alike: no change
    let c = with_table(&a, "users", |t| {
        for c in &mut t.columns {
            if c.name == "serial_no" {
                c.identity = Some(Identity::ByDefault);
            }
        }
    });
    assert!(diff(&a, &c, &DiffOptions::default()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn column_collations() {
    let set = |t: &mut retort_schema::Table, name: &str, co: Option<&str>| {
        let c = t
            .columns
            .iter_mut()
            .find(|c| c.name == name)
            .expect("column");
        c.collation = co.map(str::to_string);
    };
    let a = with_table(&base(), "users", |t| {
        set(t, "name", Some("C"));
        set(t, "label", Some("\"POSIX\""));
    });
    let b = with_table(&a, "users", |t| {
        // a collation changes; one goes away; a type changes and keeps one
        set(t, "name", Some("POSIX"));
        set(t, "label", None);
        set(t, "code", Some("pg_catalog.\"C\""));
        let email = t
            .columns
            .iter_mut()
            .find(|c| c.name == "email")
            .expect("email");
        email.ty = ColumnType::Varchar { length: 200 };
        email.collation = Some("und-x-icu".into());
        let mut nick = col("nick", ColumnType::Text);
        nick.collation = Some("C".into());
        t.columns.push(nick);
        let mut slug = col(
            "slug",
            custom("text GENERATED ALWAYS AS (lower(nick)) STORED"),
        );
        slug.collation = Some("C".into());
        t.columns.push(slug);
    });
    let nb = PostgresDialect.normalize(&b).expect("normalize");
    let users = nb.tables.iter().find(|t| t.name == "users").expect("users");
    let code = users.column("code").expect("code");
    assert_eq!(
        code.collation.as_deref(),
        Some("C"),
        "pg_catalog.\"C\" is C"
    );
    let sql = common::sql_text(
        &PostgresDialect.render(
            &diff(
                &PostgresDialect.normalize(&a).expect("normalize"),
                &nb,
                &DiffOptions::default(),
            )
            .changes,
        ),
    );
    assert!(
        sql.contains(r#"ALTER COLUMN "name" TYPE text COLLATE "POSIX""#),
        "{sql}"
    );
    assert!(
        sql.contains(r#"TYPE varchar(200) COLLATE "und-x-icu" USING"#),
        "{sql}"
    );
    assert!(sql.contains(r#""nick" text COLLATE "C""#), "{sql}");
    a_b_a("collations", &a, &b, SEED).await;
}

#[test]
fn collations_only_on_text_types() {
    let s = with_table(&base(), "users", |t| {
        let age = t.columns.iter_mut().find(|c| c.name == "age").expect("age");
        age.collation = Some("C".into());
    });
    let errors = PostgresDialect
        .normalize(&s)
        .expect_err("integer with a collation");
    assert!(
        errors.iter().any(|e| e.message.contains("text types only")),
        "{errors:?}"
    );
}
