//! The SQL a reviewer reads: rendered statements for representative changes.

mod common;

use common::fixtures::{self, *};
use retort_dialect::Dialect;
use retort_postgres::PostgresDialect;
use retort_schema::{Change, ColumnType, EnumType, PrimaryKey, TableChange, TableDiff};

fn render(changes: &[Change]) -> String {
    common::sql_text(&PostgresDialect.render(changes))
}

fn alter(table: &retort_schema::Table, changes: Vec<TableChange>) -> Change {
    Change::AlterTable(TableDiff {
        from: table.clone(),
        to: table.clone(),
        changes,
    })
}

#[test]
fn create_everything() {
    let model = PostgresDialect
        .normalize(&fixtures::rich())
        .expect("normalize");
    insta::assert_snapshot!(render(&common::create_all(&model)));
}

#[test]
fn add_not_null_columns() {
    let users = fixtures::users();
    let mut with_backfill = not_null(col("rank", ColumnType::Integer));
    with_backfill.backfill = Some("0".into());
    let without = not_null(col("nick", ColumnType::Text));
    let with_default = default(not_null(col("flag", ColumnType::Boolean)), "false");
    insta::assert_snapshot!(render(&[alter(
        &users,
        vec![
            TableChange::AddColumn {
                column: with_backfill
            },
            TableChange::AddColumn { column: without },
            TableChange::AddColumn {
                column: with_default
            },
        ]
    )]));
}

#[test]
fn alter_columns() {
    let users = fixtures::users();
    let from = default(col("age", ColumnType::SmallInt), "0");
    let mut to = default(not_null(col("age", ColumnType::BigInt)), "18");
    to.backfill = Some("18".into());
    to.comment = Some("years".into());
    let id_from = auto(col("id", ColumnType::Integer));
    let id_to = not_null(col("id", ColumnType::Integer));
    let m = mood();
    let text_to_enum = (col("name", ColumnType::Text), col("name", mood_type(&m)));
    insta::assert_snapshot!(render(&[alter(
        &users,
        vec![
            TableChange::AlterColumn { from, to },
            TableChange::AlterColumn {
                from: id_from,
                to: id_to
            },
            TableChange::AlterColumn {
                from: text_to_enum.0,
                to: text_to_enum.1
            },
            TableChange::RenameColumn {
                from: "email".into(),
                to: "mail".into()
            },
            TableChange::SetPrimaryKey {
                from: Some(PrimaryKey {
                    name: None,
                    columns: vec!["id".into()]
                }),
                to: Some(PrimaryKey {
                    name: None,
                    columns: vec!["id".into(), "email".into()]
                })
            },
            TableChange::SetComment {
                from: Some("x".into()),
                to: None
            },
        ]
    )]));
}

#[test]
fn enum_changes() {
    let from = mood();
    let added = EnumType {
        values: vec![
            "ecstatic".into(),
            "happy".into(),
            "sad".into(),
            "it's ok".into(),
            "zen".into(),
        ],
        ..mood()
    };
    let removed = EnumType {
        values: vec!["happy".into(), "it's ok".into()],
        ..mood()
    };
    let users_mood = vec![(qn(None, "users"), "mood".to_string())];
    insta::assert_snapshot!(render(&[
        Change::AlterEnum {
            from: from.clone(),
            to: added,
            columns: users_mood.clone()
        },
        Change::AlterEnum {
            from,
            to: removed,
            columns: users_mood
        },
    ]));
}

#[test]
fn statements_are_ordered_so_they_apply() {
    // listed in the worst order: drops first, creates last
    let model = PostgresDialect
        .normalize(&fixtures::rich())
        .expect("normalize");
    let table = |name: &str| {
        model
            .tables
            .iter()
            .find(|t| t.name == name)
            .cloned()
            .expect("table")
    };
    let (users, posts) = (table("users"), table("posts"));
    let cycle = [table("a"), table("b")];
    let status = EnumType {
        schema: Some("app".into()),
        name: "status".into(),
        values: vec!["a".into()],
    };
    insta::assert_snapshot!(render(&[
        Change::DropEnum { enum_type: mood() },
        Change::DropTable {
            table: cycle[0].clone()
        },
        Change::DropTable {
            table: cycle[1].clone()
        },
        alter(
            &users,
            vec![TableChange::DropForeignKey {
                foreign_key: posts.foreign_keys[0].clone()
            }]
        ),
        Change::CreateTable {
            table: posts.clone()
        },
        Change::RenameTable {
            from: qn(None, "old"),
            to: qn(Some("app"), "new")
        },
        Change::CreateEnum { enum_type: status },
    ]));
}
