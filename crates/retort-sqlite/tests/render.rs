//! Rendered SQL for hand-made changes, as snapshots a reviewer can read. Every
//! case that has no to-do marker is also applied to a real database holding the
//! old table (with a row), and the result must read back as the new table.

mod common;

use common::*;
use retort_dialect::{Dialect, Driver};
use retort_schema::{
    Change, Column, ColumnType as T, EnumType, FkAction, Index, IndexPart, QualifiedName, Schema,
    Table, TableChange, TableDiff,
};
use retort_sqlite::SqliteDialect;

fn norm(tables: Vec<Table>) -> Vec<Table> {
    SqliteDialect
        .normalize(&Schema {
            tables,
            enums: vec![],
            sequences: Vec::new(),
        })
        .expect("normalizes")
        .tables
}

fn users() -> Table {
    let mut t = table(
        "users",
        vec![
            id("id", T::Integer),
            req("email", T::Varchar { length: 100 }),
            col("name", T::Text),
            with_default(req("active", T::Boolean), "true"),
            col("age", T::Integer),
        ],
        &["id"],
    );
    t.uniques = vec![unique(&["email"])];
    t.indexes = vec![index(&["name"])];
    t.checks = vec![check("age >= 0")];
    t
}

fn posts() -> Table {
    let mut t = table(
        "posts",
        vec![
            id("id", T::Integer),
            req("user_id", T::Integer),
            req("title", T::Varchar { length: 200 }),
        ],
        &["id"],
    );
    t.foreign_keys = vec![retort_schema::ForeignKey {
        on_delete: FkAction::Cascade,
        ..fk(&["user_id"], "users", &["id"])
    }];
    t.indexes = vec![index(&["user_id", "title"])];
    t
}

fn alter(from: &Table, to: &Table, changes: Vec<TableChange>) -> Change {
    Change::AlterTable(TableDiff {
        from: from.clone(),
        to: to.clone(),
        changes,
    })
}

/// Render `changes`; when they hold no to-do, apply them to a database holding
/// `before` (plus one row in `users` if it exists) and check the result is `after`.
async fn render_and_apply(before: &[Table], after: &[Table], changes: &[Change]) -> String {
    let statements = SqliteDialect.render(changes);
    if statements.iter().all(|s| s.todo.is_none()) {
        let (_dir, mut driver) = fresh_db().await;
        create_all(
            &mut driver,
            &Schema {
                tables: before.to_vec(),
                enums: vec![],
                sequences: Vec::new(),
            },
        )
        .await;
        if before.iter().any(|t| t.name == "users") {
            driver
                .execute("INSERT INTO users (id, email, name, age) VALUES (1, 'a@example.com', 'Ann', 30)")
                .await
                .expect("insert");
        }
        apply(&mut driver, &statements).await;
        assert_matches(
            &mut driver,
            &Schema {
                tables: after.to_vec(),
                enums: vec![],
                sequences: Vec::new(),
            },
        )
        .await;
    }
    as_sql(&statements)
}

#[tokio::test]
async fn create_table_with_everything() {
    let mut t = users();
    t.columns.push(with_default(
        col("created_at", T::Timestamp),
        "CURRENT_TIMESTAMP",
    ));
    t.columns
        .push(with_default(col("slug", T::Text), "lower('X')"));
    t.columns.push(col(
        "mood",
        T::Enum {
            name: "mood".into(),
            schema: None,
            values: vec!["ok".into(), "meh".into()],
        },
    ));
    t.indexes.push(Index {
        parts: vec![IndexPart::expression("lower(email)")],
        unique: true,
        predicate: Some("active".into()),
        ..index(&[])
    });
    let mut weird = table(
        "select",
        vec![
            req("we\"ird", T::Integer),
            req("naïve col", T::Text),
            col("uid", T::Uuid),
        ],
        &["we\"ird", "naïve col"],
    );
    weird.foreign_keys = vec![retort_schema::ForeignKey {
        deferrable: true,
        on_update: FkAction::SetNull,
        ..fk(&["we\"ird"], "users", &["id"])
    }];
    let tables = norm(vec![t, posts(), weird]);
    let changes: Vec<Change> = tables
        .iter()
        .map(|t| Change::CreateTable { table: t.clone() })
        .collect();
    insta::assert_snapshot!(render_and_apply(&[], &tables, &changes).await);
}

#[tokio::test]
async fn add_columns_in_place() {
    let from = norm(vec![users()]).remove(0);
    let mut to_model = users();
    to_model
        .columns
        .push(col("phone", T::Varchar { length: 20 }));
    to_model
        .columns
        .push(with_default(req("score", T::Double), "0.5"));
    let to = norm(vec![to_model]).remove(0);
    let changes = vec![alter(
        &from,
        &to,
        vec![
            TableChange::AddColumn {
                column: to.columns[5].clone(),
            },
            TableChange::AddColumn {
                column: to.columns[6].clone(),
            },
        ],
    )];
    insta::assert_snapshot!(render_and_apply(&[from], &[to], &changes).await);
}

#[tokio::test]
async fn add_not_null_column_with_backfill() {
    let from = norm(vec![users()]).remove(0);
    let mut to_model = users();
    to_model.columns.push(Column {
        backfill: Some("lower(email)".into()),
        ..req("login", T::Text)
    });
    let to = norm(vec![to_model]).remove(0);
    let changes = vec![alter(
        &from,
        &to,
        vec![TableChange::AddColumn {
            column: to.columns[5].clone(),
        }],
    )];
    let sql = render_and_apply(&[from], &[to], &changes).await;
    insta::assert_snapshot!(sql);
}

#[tokio::test]
async fn add_not_null_column_without_backfill_asks_for_one() {
    let from = norm(vec![users()]).remove(0);
    let mut to_model = users();
    to_model.columns.push(req("login", T::Text));
    let to = norm(vec![to_model]).remove(0);
    let changes = vec![alter(
        &from,
        &to,
        vec![TableChange::AddColumn {
            column: to.columns[5].clone(),
        }],
    )];
    let statements = SqliteDialect.render(&changes);
    assert!(statements.iter().any(|s| {
        s.todo
            .as_deref()
            .is_some_and(|t| t.starts_with("backfill users.login"))
    }));
    insta::assert_snapshot!(render_and_apply(&[from], &[to], &changes).await);
}

#[tokio::test]
async fn add_column_with_non_constant_default_rebuilds() {
    let from = norm(vec![users()]).remove(0);
    let mut to_model = users();
    to_model.columns.push(with_default(
        req("created_at", T::Timestamp),
        "CURRENT_TIMESTAMP",
    ));
    let to = norm(vec![to_model]).remove(0);
    let changes = vec![alter(
        &from,
        &to,
        vec![TableChange::AddColumn {
            column: to.columns[5].clone(),
        }],
    )];
    insta::assert_snapshot!(render_and_apply(&[from], &[to], &changes).await);
}

#[tokio::test]
async fn type_and_nullability_change_rebuilds() {
    let from = norm(vec![users(), posts()]);
    let mut to_model = users();
    to_model.columns[2] = Column {
        backfill: Some("'(unknown)'".into()),
        ..req("name", T::Varchar { length: 80 })
    };
    to_model.columns[4] = col("age", T::SmallInt);
    let to_users = norm(vec![to_model]).remove(0);
    let changes = vec![alter(
        &from[0],
        &to_users,
        vec![
            TableChange::AlterColumn {
                from: from[0].columns[2].clone(),
                to: to_users.columns[2].clone(),
            },
            TableChange::AlterColumn {
                from: from[0].columns[4].clone(),
                to: to_users.columns[4].clone(),
            },
        ],
    )];
    insta::assert_snapshot!(render_and_apply(&from, &[to_users, from[1].clone()], &changes).await);
}

#[tokio::test]
async fn foreign_key_and_check_changes_rebuild() {
    let from = norm(vec![users(), posts()]);
    let mut to_model = posts();
    to_model.foreign_keys[0].on_delete = FkAction::Restrict;
    to_model.checks = vec![check("length(title) > 0")];
    let to_posts = norm(vec![users(), to_model]).remove(1);
    let changes = vec![alter(
        &from[1],
        &to_posts,
        vec![
            TableChange::DropForeignKey {
                foreign_key: from[1].foreign_keys[0].clone(),
            },
            TableChange::AddCheck {
                check: to_posts.checks[0].clone(),
            },
            TableChange::AddForeignKey {
                foreign_key: to_posts.foreign_keys[0].clone(),
            },
        ],
    )];
    insta::assert_snapshot!(render_and_apply(&from, &[from[0].clone(), to_posts], &changes).await);
}

#[tokio::test]
async fn drop_columns() {
    let from = norm(vec![users()]).remove(0);
    let mut to_model = users();
    to_model
        .columns
        .retain(|c| c.name != "name" && c.name != "email" && c.name != "active");
    to_model.uniques.clear();
    to_model.indexes.clear();
    let to = norm(vec![to_model]).remove(0);
    // "name" only has an index (dropped in place first); "email" is in a unique
    // constraint, which needs a rebuild.
    let changes = vec![alter(
        &from,
        &to,
        vec![
            TableChange::DropIndex {
                index: from.indexes[0].clone(),
            },
            TableChange::DropUnique {
                unique: from.uniques[0].clone(),
            },
            TableChange::DropColumn {
                column: from.columns[1].clone(),
            },
            TableChange::DropColumn {
                column: from.columns[2].clone(),
            },
            TableChange::DropColumn {
                column: from.columns[3].clone(),
            },
        ],
    )];
    let sql = render_and_apply(
        std::slice::from_ref(&from),
        std::slice::from_ref(&to),
        &changes,
    )
    .await;
    // without the unique constraint, everything happens in place
    let mut from2 = from.clone();
    from2.uniques.clear();
    let changes2 = vec![alter(
        &from2,
        &to,
        vec![
            TableChange::DropIndex {
                index: from.indexes[0].clone(),
            },
            TableChange::DropColumn {
                column: from.columns[2].clone(),
            },
            TableChange::DropColumn {
                column: from.columns[3].clone(),
            },
            TableChange::DropColumn {
                column: from.columns[1].clone(),
            },
        ],
    )];
    let sql2 = render_and_apply(&[from2], &[to], &changes2).await;
    insta::assert_snapshot!(format!(
        "-- with a unique constraint on email\n{sql}\n-- without\n{sql2}"
    ));
}

#[tokio::test]
async fn renames() {
    let from = norm(vec![users()]).remove(0);
    let mut to_model = users();
    to_model.name = "members".into();
    to_model.columns[2].name = "full_name".into();
    to_model.indexes = vec![index(&["full_name"])];
    let to = norm(vec![to_model]).remove(0);
    let mut from_renamed = from.clone();
    from_renamed.name = "members".into();
    let changes = vec![
        Change::RenameTable {
            from: QualifiedName::new("users"),
            to: QualifiedName::new("members"),
        },
        alter(
            &from_renamed,
            &to,
            vec![
                TableChange::DropIndex {
                    index: from.indexes[0].clone(),
                },
                TableChange::RenameColumn {
                    from: "name".into(),
                    to: "full_name".into(),
                },
                TableChange::AddIndex {
                    index: to.indexes[0].clone(),
                },
            ],
        ),
    ];
    // SQLite renames neither constraints nor indexes with their table: they keep
    // their convention names for "users", and still count as unnamed.
    let mut live = to.clone();
    live.uniques[0].name = from.uniques[0].name.clone();
    live.checks[0].name = from.checks[0].name.clone();
    assert!(!live.uniques[0].named && !live.checks[0].named);
    insta::assert_snapshot!(render_and_apply(&[from], &[live], &changes).await);
}

#[tokio::test]
async fn indexes_and_drops_and_enums() {
    let from = norm(vec![users(), posts()]);
    let mut to_model = users();
    to_model.indexes = vec![
        Index {
            unique: true,
            name: "ix_users_name_age".into(),
            named: true,
            ..index(&["name", "age"])
        },
        Index {
            predicate: Some("active = FALSE".into()),
            ..index(&["age"])
        },
    ];
    let to = norm(vec![to_model]).remove(0);
    let mood = EnumType {
        schema: None,
        name: "mood".into(),
        values: vec!["a".into()],
    };
    let changes = vec![
        Change::CreateEnum {
            enum_type: mood.clone(),
        },
        Change::AlterEnum {
            from: mood.clone(),
            to: mood.clone(),
            columns: vec![],
        },
        alter(
            &from[0],
            &to,
            vec![
                TableChange::DropIndex {
                    index: from[0].indexes[0].clone(),
                },
                TableChange::AddIndex {
                    index: to.indexes[0].clone(),
                },
                TableChange::AddIndex {
                    index: to.indexes[1].clone(),
                },
                TableChange::SetComment {
                    from: None,
                    to: Some("ignored".into()),
                },
            ],
        ),
        Change::DropTable {
            table: from[1].clone(),
        },
        Change::DropEnum { enum_type: mood },
    ];
    insta::assert_snapshot!(render_and_apply(&from, &[to], &changes).await);
}

#[test]
fn transaction_and_version_table() {
    let d = SqliteDialect;
    insta::assert_snapshot!(format!(
        "{}\n-- ...\n{}\n\n{}",
        d.begin_statements().join(";\n"),
        d.commit_statements().join(";\n"),
        d.version_table_ddl("retort_version")
    ));
    assert_eq!(d.quote_ident("we\"ird"), "\"we\"\"ird\"");
    assert!(d.transactional_ddl());
}
