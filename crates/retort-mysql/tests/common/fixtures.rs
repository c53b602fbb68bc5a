//! Model schemas used by several tests.

use retort_schema::{
    Check, Column, ColumnType as T, FkAction, ForeignKey, Index, IndexPart, PrimaryKey,
    QualifiedName, Schema, Table, UniqueConstraint,
};

pub fn col(name: &str, ty: T) -> Column {
    Column::new(name, ty)
}

pub fn not_null(mut c: Column) -> Column {
    c.nullable = false;
    c
}

pub fn with_default(mut c: Column, d: &str) -> Column {
    c.default = Some(d.to_string());
    c
}

pub fn pk(cols: &[&str]) -> Option<PrimaryKey> {
    Some(PrimaryKey {
        name: None,
        columns: cols.iter().map(|c| c.to_string()).collect(),
    })
}

pub fn id(ty: T) -> Column {
    let mut c = not_null(col("id", ty));
    c.auto_increment = true;
    c
}

pub fn unique(table: &str, cols: &[&str]) -> UniqueConstraint {
    let columns: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
    UniqueConstraint {
        name: retort_schema::naming::unique(table, &columns),
        named: false,
        columns,
    }
}

pub fn index(table: &str, cols: &[&str]) -> Index {
    let parts: Vec<IndexPart> = cols
        .iter()
        .map(|c| IndexPart::column(c.to_string()))
        .collect();
    Index {
        name: retort_schema::naming::index(table, &parts),
        named: false,
        parts,
        unique: false,
        predicate: None,
        method: None,
    }
}

pub fn fk(
    table: &str,
    cols: &[&str],
    ref_table: &str,
    ref_cols: &[&str],
    on_delete: FkAction,
) -> ForeignKey {
    let columns: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
    ForeignKey {
        name: retort_schema::naming::foreign_key(table, &columns, ref_table),
        named: false,
        columns,
        ref_table: QualifiedName::new(ref_table),
        ref_columns: ref_cols.iter().map(|c| c.to_string()).collect(),
        on_delete,
        on_update: FkAction::NoAction,
        deferrable: false,
    }
}

pub fn check(table: &str, expr: &str) -> Check {
    Check {
        name: retort_schema::naming::check(table, expr),
        named: false,
        expr: expr.to_string(),
    }
}

/// The seed example: users and posts.
pub fn users() -> Table {
    Table {
        name: "users".into(),
        columns: vec![
            id(T::Integer),
            not_null(col("username", T::Varchar { length: 50 })),
            not_null(col("email", T::Varchar { length: 100 })),
            with_default(col("created_at", T::Timestamp), "CURRENT_TIMESTAMP"),
        ],
        primary_key: pk(&["id"]),
        uniques: vec![unique("users", &["username"]), unique("users", &["email"])],
        ..Default::default()
    }
}

pub fn posts() -> Table {
    Table {
        name: "posts".into(),
        columns: vec![
            id(T::Integer),
            not_null(col("user_id", T::Integer)),
            not_null(col("title", T::Varchar { length: 200 })),
            not_null(col("body", T::Text)),
            col("created_at", T::Timestamp),
        ],
        primary_key: pk(&["id"]),
        indexes: vec![index("posts", &["user_id", "created_at"])],
        foreign_keys: vec![fk(
            "posts",
            &["user_id"],
            "users",
            &["id"],
            FkAction::Cascade,
        )],
        ..Default::default()
    }
}

/// A table with every mapped type and many kinds of defaults.
pub fn everything() -> Table {
    let mut bio = col("bio", T::Text);
    bio.comment = Some("it's a \"bio\" \\ with a backslash".into());
    let mut updated = with_default(
        col("updated_at", T::Timestamp),
        "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP",
    );
    updated.nullable = false;
    Table {
        name: "everything".into(),
        columns: vec![
            id(T::BigInt),
            with_default(col("small", T::SmallInt), "-1"),
            with_default(not_null(col("int_col", T::Integer)), "'42'"),
            col("big", T::BigInt),
            with_default(not_null(col("flag", T::Boolean)), "TRUE"),
            with_default(col("off", T::Boolean), "false"),
            col("ratio", T::Real),
            with_default(col("precise", T::Double), "2.5"),
            with_default(col("bio_default", T::Text), "'hello ''world'''"),
            bio,
            with_default(col("name", T::Varchar { length: 30 }), "'it''s'"),
            with_default(col("null_default", T::Varchar { length: 30 }), "NULL"),
            col("data", T::Blob),
            with_default(col("day", T::Date), "'2020-01-02'"),
            col("at", T::Time),
            with_default(col("created_at", T::Timestamp), "current_timestamp()"),
            updated,
            with_default(col("instant", T::TimestampTz), "now(6)"),
            col("uid", T::Uuid),
            col("doc", T::Json),
            with_default(
                col(
                    "price",
                    T::Decimal {
                        precision: 10,
                        scale: 2,
                    },
                ),
                "1.50",
            ),
            with_default(
                col(
                    "mood",
                    T::Enum {
                        name: "Mood".into(),
                        schema: None,
                        values: vec!["happy".into(), "it's ok".into()],
                    },
                ),
                "'happy'",
            ),
            col(
                "long_text",
                T::Custom {
                    sql: "MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin".into(),
                },
            ),
            with_default(
                col(
                    "unsigned_int",
                    T::Custom {
                        sql: "INT(10) UNSIGNED".into(),
                    },
                ),
                "7",
            ),
            col(
                "legacy_int",
                T::Custom {
                    sql: "int(11)".into(),
                },
            ),
            with_default(
                col(
                    "bits",
                    T::Custom {
                        sql: "bit(1)".into(),
                    },
                ),
                "b'1'",
            ),
            col(
                "doubled",
                T::Custom {
                    sql: "INT AS (int_col * 2) PERSISTENT".into(),
                },
            ),
            not_null(col(
                "greeting",
                T::Custom {
                    sql: "varchar(40) GENERATED ALWAYS AS (CONCAT('hi ', `name`))".into(),
                },
            )),
        ],
        primary_key: pk(&["id"]),
        checks: vec![check(
            "everything",
            "small >= -10 AND (price > 0 OR price IS NULL)",
        )],
        comment: Some("every type 'quoted'".into()),
        ..Default::default()
    }
}

/// Reserved words, unicode, quotes and a composite key.
pub fn awkward() -> Table {
    Table {
        name: "select".into(),
        columns: vec![
            not_null(col("we`ird", T::Integer)),
            not_null(col("naïve col", T::Varchar { length: 20 })),
            col("order", T::Integer),
            col("post_id", T::Integer),
        ],
        primary_key: pk(&["we`ird", "naïve col"]),
        uniques: vec![unique("select", &["order"])],
        indexes: vec![Index {
            name: "ix_select_naïve".into(),
            named: true,
            parts: vec![IndexPart::column("naïve col"), IndexPart::column("order")],
            unique: false,
            predicate: None,
            method: None,
        }],
        foreign_keys: vec![ForeignKey {
            on_update: FkAction::Cascade,
            ..fk("select", &["post_id"], "posts", &["id"], FkAction::SetNull)
        }],
        checks: vec![Check {
            name: "ck_select_order".into(),
            named: true,
            expr: "`order` >= 0 AND `we``ird` <> 3".into(),
        }],
        comment: Some("naïve `table`".into()),
        ..Default::default()
    }
}

/// Two tables that reference each other, and a self reference.
pub fn cycle() -> Vec<Table> {
    let a = Table {
        name: "cyc_a".into(),
        columns: vec![
            id(T::Integer),
            col("b_id", T::Integer),
            col("parent_id", T::Integer),
        ],
        primary_key: pk(&["id"]),
        foreign_keys: vec![
            fk("cyc_a", &["b_id"], "cyc_b", &["id"], FkAction::NoAction),
            fk(
                "cyc_a",
                &["parent_id"],
                "cyc_a",
                &["id"],
                FkAction::Restrict,
            ),
        ],
        ..Default::default()
    };
    let b = Table {
        name: "cyc_b".into(),
        columns: vec![
            id(T::Integer),
            col("a_id", T::Integer),
            not_null(col("body", T::Text)),
        ],
        primary_key: pk(&["id"]),
        indexes: vec![
            Index {
                name: "ix_cyc_b_body_ft".into(),
                named: true,
                parts: vec![IndexPart::column("body")],
                unique: false,
                predicate: None,
                method: Some("FULLTEXT".into()),
            },
            Index {
                name: "ix_cyc_b_body".into(),
                named: false,
                parts: vec![IndexPart::expression("body(10)")],
                unique: false,
                predicate: None,
                method: None,
            },
        ],
        foreign_keys: vec![fk("cyc_b", &["a_id"], "cyc_a", &["id"], FkAction::Cascade)],
        ..Default::default()
    };
    vec![a, b]
}

pub fn schema(tables: Vec<Table>) -> Schema {
    Schema {
        tables,
        enums: vec![],
        sequences: Vec::new(),
    }
}
