//! Create model schemas on MariaDB with the rendered DDL, read them back, and
//! require exactly the normalized model.

mod common;

use common::fixtures::*;
use common::*;
use retort_dialect::Dialect;
use retort_mysql::MysqlDialect;
use retort_schema::{Change, Schema};

async fn round_trip(model: Schema) {
    let (_db, mut driver) = TestDb::create().await;
    let want = norm(&model);
    let creates: Vec<Change> = want
        .tables
        .iter()
        .map(|t| Change::CreateTable { table: t.clone() })
        .collect();
    apply_changes(&mut driver, &creates).await;
    let got = live(&mut driver).await;
    assert_eq!(got.tables.len(), model.tables.len());
    if std::env::var("RETORT_DEBUG").is_ok() {
        eprintln!("{got:#?}");
    }
    assert_eq!(
        strip(&got),
        strip(&want),
        "introspected schema differs from the normalized model"
    );
    // Normalizing what introspection reports changes nothing.
    assert_eq!(strip(&norm(&got)), strip(&got));
    // And the diff finds nothing.
    let plan = retort_schema::diff(&got, &want, &Default::default());
    assert!(plan.is_empty(), "diff after create: {:#?}", plan.changes);
    // Dropping everything leaves an empty database.
    let drops: Vec<Change> = want
        .tables
        .iter()
        .map(|t| Change::DropTable { table: t.clone() })
        .collect();
    apply(&mut driver, &MysqlDialect.render(&drops)).await;
    assert_eq!(live(&mut driver).await, Schema::default());
}

#[tokio::test]
async fn seed_example() {
    round_trip(schema(vec![users(), posts()])).await;
}

#[tokio::test]
async fn every_type_and_default() {
    round_trip(schema(vec![everything()])).await;
}

#[tokio::test]
async fn awkward_identifiers_and_composite_keys() {
    round_trip(schema(vec![users(), posts(), awkward()])).await;
}

#[tokio::test]
async fn reference_cycles_and_prefix_indexes() {
    round_trip(schema(cycle())).await;
}
