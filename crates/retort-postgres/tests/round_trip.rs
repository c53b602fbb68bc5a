//! Creating a model schema on a real server and reading it back gives exactly the
//! normalized model; normalizing twice changes nothing.

mod common;

use common::fixtures;
use retort_dialect::{Dialect, Driver};
use retort_postgres::PostgresDialect;

#[tokio::test(flavor = "multi_thread")]
async fn create_then_introspect_equals_normalized_model() {
    let db = common::TestDb::create().await;
    let mut driver = db.driver().await;
    driver
        .execute("CREATE SCHEMA app")
        .await
        .expect("create schema");
    let model = PostgresDialect
        .normalize(&fixtures::rich())
        .expect("normalize");
    assert_eq!(
        PostgresDialect.normalize(&model).expect("normalize again"),
        model,
        "normal form is stable"
    );
    common::apply(&mut driver, &common::create_all(&model)).await;
    let live = driver
        .introspect(&common::scope(&["app"]))
        .await
        .expect("introspect");
    common::assert_same(&live, &model);
    assert_eq!(
        PostgresDialect.normalize(&live).expect("normalize live"),
        live,
        "introspection is already normal"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tables_made_by_hand_read_as_expected() {
    let db = common::TestDb::create().await;
    let mut driver = db.driver().await;
    driver
        .execute(
            "CREATE TABLE t (id serial PRIMARY KEY, n int4 DEFAULT (1), s character varying(10) DEFAULT 'x'::character varying NOT NULL, \
             at timestamp without time zone DEFAULT now(), j json, CONSTRAINT c CHECK ((n > 0) AND (n < 10)));\
             CREATE TABLE retort_version (revision text);\
             CREATE TABLE skipped_tmp (x int)",
        )
        .await
        .expect("create");
    let mut scope = common::scope(&[]);
    scope.exclude_tables.push("skipped_*".into());
    let live = driver.introspect(&scope).await.expect("introspect");
    assert_eq!(
        live.tables.len(),
        1,
        "version table and excluded tables are skipped: {live:#?}"
    );
    let t = &live.tables[0];
    let id = &t.columns[0];
    assert!(
        id.auto_increment && id.default.is_none() && !id.nullable,
        "serial reads as auto increment: {id:?}"
    );
    assert_eq!(t.columns[1].default.as_deref(), Some("1"));
    assert_eq!(
        t.columns[2].ty,
        retort_schema::ColumnType::Varchar { length: 10 }
    );
    assert_eq!(t.columns[2].default.as_deref(), Some("'x'"));
    assert_eq!(t.columns[3].default.as_deref(), Some("current_timestamp"));
    assert_eq!(
        t.columns[4].ty,
        retort_schema::ColumnType::Custom { sql: "json".into() }
    );
    assert_eq!(t.checks[0].expr, "n > 0 and n < 10");
    assert!(
        !t.checks[0].named,
        "the catalog does not say who chose a name"
    );
}
