//! Diff behaviour on plain schemas: what is detected, how it is matched and ordered.

use retort_schema::*;

fn col(name: &str, ty: ColumnType, nullable: bool) -> Column {
    Column {
        nullable,
        ..Column::new(name, ty)
    }
}

fn users() -> Table {
    Table {
        name: "users".into(),
        columns: vec![
            Column {
                auto_increment: true,
                identity: None,
                ..col("id", ColumnType::Integer, false)
            },
            col("email", ColumnType::Varchar { length: 100 }, false),
        ],
        primary_key: Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        }),
        uniques: vec![UniqueConstraint {
            name: "uq_users_email".into(),
            named: false,
            columns: vec!["email".into()],
        }],
        ..Default::default()
    }
}

fn posts() -> Table {
    Table {
        name: "posts".into(),
        columns: vec![
            Column {
                auto_increment: true,
                identity: None,
                ..col("id", ColumnType::Integer, false)
            },
            col("user_id", ColumnType::Integer, false),
            col("title", ColumnType::Text, false),
        ],
        primary_key: Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        }),
        foreign_keys: vec![ForeignKey {
            name: "fk_posts_user_id_users".into(),
            named: false,
            columns: vec!["user_id".into()],
            ref_table: QualifiedName::new("users"),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
            deferrable: false,
        }],
        indexes: vec![Index {
            name: "ix_posts_user_id".into(),
            named: false,
            parts: vec![IndexPart::column("user_id")],
            unique: false,
            predicate: None,
            method: None,
        }],
        ..Default::default()
    }
}

fn describe(plan: &Plan) -> String {
    plan.changes
        .iter()
        .map(Change::describe)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn identical_schemas_have_an_empty_plan() {
    let s = Schema {
        tables: vec![users(), posts()],
        enums: vec![],
        sequences: Vec::new(),
    };
    assert!(diff(&s, &s, &DiffOptions::default()).is_empty());
}

#[test]
fn referenced_tables_are_created_first_and_dropped_last() {
    let empty = Schema::default();
    let s = Schema {
        tables: vec![posts(), users()],
        enums: vec![],
        sequences: Vec::new(),
    };
    let up = diff(&empty, &s, &DiffOptions::default());
    assert_eq!(describe(&up), "create table users\ncreate table posts");
    let down = diff(&s, &empty, &DiffOptions::default());
    assert_eq!(describe(&down), "drop table posts\ndrop table users");
    assert_eq!(up.reverse(), down.changes);
}

#[test]
fn unnamed_items_match_by_definition_not_name() {
    let a = Schema {
        tables: vec![users(), posts()],
        enums: vec![],
        sequences: Vec::new(),
    };
    let mut b = a.clone();
    b.tables[1].indexes[0].name = "some_other_tool_name".into();
    b.tables[1].foreign_keys[0].name = "posts_user_id_fkey".into();
    b.tables[0].uniques[0].name = "users_email_key".into();
    assert!(diff(&b, &a, &DiffOptions::default()).is_empty());
    // A name the model chose must match too.
    a.clone_into(&mut b);
    b.tables[1].indexes[0].named = true;
    b.tables[1].indexes[0].name = "ix_mine".into();
    assert_eq!(
        describe(&diff(&a, &b, &DiffOptions::default())),
        "drop index ix_posts_user_id on posts\nadd index ix_mine on posts"
    );
}

#[test]
fn column_changes_and_renames() {
    let a = Schema {
        tables: vec![users()],
        enums: vec![],
        sequences: Vec::new(),
    };
    let mut b = a.clone();
    b.tables[0]
        .columns
        .push(col("phone", ColumnType::Varchar { length: 20 }, true));
    b.tables[0].columns[1].ty = ColumnType::Varchar { length: 200 };
    let plan = diff(&a, &b, &DiffOptions::default());
    insta::assert_snapshot!(describe(&plan), @r"
    add column users.phone
    alter column users.email: type varchar(100) -> varchar(200)
    ");

    // A rename the model declares keeps the unique constraint in place.
    let mut c = a.clone();
    c.tables[0].columns[1].name = "mail".into();
    c.tables[0].columns[1].renamed_from = Some("email".into());
    c.tables[0].uniques[0].columns = vec!["mail".into()];
    let plan = diff(&a, &c, &DiffOptions::default());
    assert_eq!(describe(&plan), "rename column users.email to mail");
    assert!(plan.notes.is_empty());

    // Without the hint it is a drop and an add, with a note.
    c.tables[0].columns[1].renamed_from = None;
    let plan = diff(&a, &c, &DiffOptions::default());
    assert_eq!(plan.notes.len(), 1);
    assert!(plan.notes[0].message().contains("probably a rename"));
}

#[test]
fn table_rename_from_options_rewrites_references() {
    let a = Schema {
        tables: vec![users(), posts()],
        enums: vec![],
        sequences: Vec::new(),
    };
    let mut b = a.clone();
    b.tables[0].name = "accounts".into();
    b.tables[1].foreign_keys[0].ref_table = QualifiedName::new("accounts");
    let opts = DiffOptions {
        table_renames: vec![(QualifiedName::new("users"), QualifiedName::new("accounts"))],
        ..Default::default()
    };
    let plan = diff(&a, &b, &opts);
    assert_eq!(describe(&plan), "rename table users to accounts");
    let plain = diff(&a, &b, &DiffOptions::default());
    assert!(matches!(plain.notes[0], Note::ProbableTableRename { .. }));
}

#[test]
fn reverse_undoes_every_change() {
    let a = Schema {
        tables: vec![users(), posts()],
        enums: vec![],
        sequences: Vec::new(),
    };
    let mut b = a.clone();
    b.tables[1].columns[2].nullable = true;
    b.tables[1].foreign_keys[0].on_delete = FkAction::SetNull;
    b.tables[1].checks.push(Check {
        name: "ck_posts_x".into(),
        named: true,
        expr: "length(title) > 0".into(),
    });
    b.tables[0].comment = Some("people".into());
    let up = diff(&a, &b, &DiffOptions::default());
    let down = diff(&b, &a, &DiffOptions::default());
    assert_eq!(up.changes.len(), down.changes.len());
    let down = down.clone();
    let mut rev = up.reverse();
    let mut down = down.changes;
    let key = |c: &Change| c.describe();
    rev.sort_by_key(key);
    down.sort_by_key(key);
    for (r, d) in rev.iter().zip(&down) {
        let (Change::AlterTable(r), Change::AlterTable(d)) = (r, d) else {
            panic!("alter expected")
        };
        assert_eq!(r.from, d.from);
        assert_eq!(r.to, d.to);
        let mut rc: Vec<String> = r
            .changes
            .iter()
            .map(|c| c.describe(&QualifiedName::new("t")))
            .collect();
        let mut dc: Vec<String> = d
            .changes
            .iter()
            .map(|c| c.describe(&QualifiedName::new("t")))
            .collect();
        rc.sort();
        dc.sort();
        assert_eq!(rc, dc);
    }
}

#[test]
fn a_new_item_taking_the_name_of_a_kept_one_recreates_the_kept_one() {
    // The database has a unique key named like the model's new plain index; the
    // model's unique constraint on the same column matches that key by what it does.
    let mut live = users();
    live.uniques[0].name = "ix_users_email".into();
    let mut model = users();
    model.indexes.push(Index {
        name: "ix_users_email".into(),
        named: false,
        parts: vec![IndexPart::column("email")],
        unique: false,
        predicate: None,
        method: None,
    });
    let from = Schema {
        tables: vec![live],
        enums: vec![],
        sequences: Vec::new(),
    };
    let to = Schema {
        tables: vec![model],
        enums: vec![],
        sequences: Vec::new(),
    };
    let plan = diff(&from, &to, &DiffOptions::default());
    assert_eq!(
        describe(&plan),
        "drop unique ix_users_email on users (email)\nadd unique uq_users_email on users (email)\nadd index ix_users_email on users"
    );
    assert!(diff(&to, &to, &DiffOptions::default()).is_empty());
}
