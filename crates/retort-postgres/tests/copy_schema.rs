//! Copy a real schema: introspect a database someone else made, create it again
//! from `render(create(schema))` in an empty database, and read back the same
//! schema. Ignored by default; point it at a loaded database with
//! `RETORT_PG_SOURCE_URL=postgres://postgres@127.0.0.1/rw_zabbix_a cargo test -p retort-postgres --test copy_schema -- --ignored`.

mod common;

use retort_dialect::{Dialect, Driver};
use retort_postgres::{PostgresDialect, PostgresDriver};
use retort_schema::{DiffOptions, diff};

#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn recreate_a_foreign_schema() {
    let Ok(url) = std::env::var("RETORT_PG_SOURCE_URL") else {
        eprintln!("RETORT_PG_SOURCE_URL is not set");
        return;
    };
    let mut source = PostgresDriver::connect(&url).await.expect("source");
    let scope = common::scope(&[]);
    let schema = source.introspect(&scope).await.expect("introspect source");
    assert_eq!(
        PostgresDialect.normalize(&schema).expect("normalize"),
        schema,
        "introspection is normal"
    );
    let db = common::TestDb::create().await;
    let mut d = db.driver().await;
    common::apply(&mut d, &common::create_all(&schema)).await;
    let copy = d.introspect(&scope).await.expect("introspect copy");
    let plan = diff(&copy, &schema, &DiffOptions::default());
    assert!(
        plan.is_empty(),
        "{:#?}",
        plan.changes
            .iter()
            .map(|c| c.describe())
            .collect::<Vec<_>>()
    );
    common::assert_same(&copy, &schema);
    println!(
        "copied {} tables, {} enum types",
        schema.tables.len(),
        schema.enums.len()
    );
}
