//! Rendered SQL for representative plans, reviewed as snapshots (no database).

mod common;

use common::fixtures::*;
use common::*;
use retort_dialect::Dialect;
use retort_mysql::MysqlDialect;
use retort_schema::{ColumnType as T, FkAction, Schema};

/// Upgrade and downgrade of the diff A -> B, as a reviewer reads them.
fn up_down(a: Schema, b: Schema) -> String {
    let plan = retort_schema::diff(&norm(&a), &norm(&b), &Default::default());
    format!(
        "-- upgrade\n{}\n-- downgrade\n{}",
        sql_text(&MysqlDialect.render(&plan.changes)),
        sql_text(&MysqlDialect.render(&plan.reverse()))
    )
}

#[test]
fn seed_create() {
    insta::assert_snapshot!(up_down(Schema::default(), schema(vec![users(), posts()])));
}

#[test]
fn seed_add_phone() {
    let a = schema(vec![users(), posts()]);
    let mut b = a.clone();
    b.tables[0]
        .columns
        .push(col("phone", T::Varchar { length: 20 }));
    insta::assert_snapshot!(up_down(a, b));
}

#[test]
fn every_type() {
    insta::assert_snapshot!(up_down(Schema::default(), schema(vec![everything()])));
}

#[test]
fn awkward_identifiers() {
    insta::assert_snapshot!(up_down(
        schema(vec![users(), posts()]),
        schema(vec![users(), posts(), awkward()])
    ));
}

#[test]
fn cycle_create_and_drop() {
    insta::assert_snapshot!(up_down(Schema::default(), schema(cycle())));
}

#[test]
fn not_null_column_with_and_without_backfill() {
    let a = schema(vec![users()]);
    let mut b = a.clone();
    let mut nick = not_null(col("nick", T::Varchar { length: 20 }));
    nick.backfill = Some("username".into());
    b.tables[0].columns.push(nick);
    b.tables[0].columns.push(not_null(col("age", T::Integer)));
    b.tables[0].columns[3].nullable = false;
    b.tables[0].columns[3].backfill = Some("CURRENT_TIMESTAMP".into());
    insta::assert_snapshot!(up_down(a, b));
}

#[test]
fn modify_keeps_the_whole_definition() {
    let a = schema(vec![users()]);
    let mut b = a.clone();
    b.tables[0].columns[1].comment = Some("login name".into());
    b.tables[0].columns[1].default = Some("'anon'".into());
    b.tables[0].columns[2].ty = T::Varchar { length: 200 };
    b.tables[0].comment = Some("people's accounts".into());
    insta::assert_snapshot!(up_down(a, b));
}

#[test]
fn constraints_and_foreign_key_indexes() {
    let a = schema(vec![users(), posts()]);
    let mut b = a.clone();
    b.tables[1].indexes.clear();
    b.tables[1].foreign_keys[0].on_delete = FkAction::SetNull;
    b.tables[1].columns[1].nullable = true;
    b.tables[0]
        .checks
        .push(check("users", "CHAR_LENGTH(username) > 2"));
    insta::assert_snapshot!(up_down(a, b));
}

#[test]
fn primary_key_and_auto_increment() {
    let t = retort_schema::Table {
        name: "kv".into(),
        columns: vec![
            not_null(col("k", T::Varchar { length: 10 })),
            not_null(col("n", T::Integer)),
        ],
        primary_key: pk(&["k"]),
        ..Default::default()
    };
    let mut t2 = t.clone();
    t2.columns[1].auto_increment = true;
    t2.primary_key = pk(&["n"]);
    t2.columns.push(col("extra", T::Json));
    insta::assert_snapshot!(up_down(schema(vec![t]), schema(vec![t2])));
}

#[test]
fn version_table() {
    insta::assert_snapshot!(MysqlDialect.version_table_ddl("retort_version"));
}

#[test]
fn dropping_the_index_that_serves_a_foreign_key() {
    let a = schema(vec![users(), posts()]);
    let mut b = a.clone();
    b.tables[1].indexes.clear();
    insta::assert_snapshot!(up_down(a, b));
}

#[test]
fn key_columns_change_type_together() {
    let a = schema(vec![users(), posts()]);
    let mut b = a.clone();
    b.tables[0].columns[0].ty = T::BigInt;
    b.tables[1].columns[1].ty = T::BigInt;
    insta::assert_snapshot!(up_down(a, b));
}
