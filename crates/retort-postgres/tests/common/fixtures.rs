//! Model schemas used by the round-trip tests, written as a model parser would produce them.
#![allow(dead_code)]

use retort_schema::{
    Check, Column, ColumnType, EnumType, FkAction, ForeignKey, Index, IndexPart, NullsOrder,
    PrimaryKey, QualifiedName, Schema, Table, UniqueConstraint, naming,
};

pub fn col(name: &str, ty: ColumnType) -> Column {
    Column::new(name, ty)
}

pub fn not_null(mut c: Column) -> Column {
    c.nullable = false;
    c
}

pub fn default(mut c: Column, d: &str) -> Column {
    c.default = Some(d.to_string());
    c
}

pub fn auto(mut c: Column) -> Column {
    c.auto_increment = true;
    c.nullable = false;
    c
}

pub fn custom(sql: &str) -> ColumnType {
    ColumnType::Custom { sql: sql.into() }
}

pub fn table(schema: Option<&str>, name: &str, columns: Vec<Column>, pk: &[&str]) -> Table {
    Table {
        schema: schema.map(str::to_string),
        name: name.into(),
        columns,
        primary_key: if pk.is_empty() {
            None
        } else {
            Some(PrimaryKey {
                name: Some(naming::primary_key(name)),
                columns: pk.iter().map(|s| s.to_string()).collect(),
            })
        },
        ..Table::default()
    }
}

pub fn unique(t: &mut Table, cols: &[&str], name: Option<&str>) {
    let columns: Vec<String> = cols.iter().map(|s| s.to_string()).collect();
    t.uniques.push(UniqueConstraint {
        name: name
            .map(str::to_string)
            .unwrap_or_else(|| naming::unique(&t.name, &columns)),
        named: name.is_some(),
        columns,
    });
}

pub fn index(
    t: &mut Table,
    parts: Vec<IndexPart>,
    unique: bool,
    predicate: Option<&str>,
    method: Option<&str>,
) {
    t.indexes.push(Index {
        name: naming::index(&t.name, &parts),
        named: false,
        parts,
        unique,
        predicate: predicate.map(str::to_string),
        method: method.map(str::to_string),
    });
}

pub fn fk(
    t: &mut Table,
    cols: &[&str],
    ref_table: QualifiedName,
    ref_cols: &[&str],
    on_delete: FkAction,
    deferrable: bool,
) {
    let columns: Vec<String> = cols.iter().map(|s| s.to_string()).collect();
    t.foreign_keys.push(ForeignKey {
        name: naming::foreign_key(&t.name, &columns, &ref_table.name),
        named: false,
        columns,
        ref_table,
        ref_columns: ref_cols.iter().map(|s| s.to_string()).collect(),
        on_delete,
        on_update: FkAction::NoAction,
        deferrable,
    });
}

pub fn check(t: &mut Table, expr: &str, name: Option<&str>) {
    t.checks.push(Check {
        name: name
            .map(str::to_string)
            .unwrap_or_else(|| naming::check(&t.name, expr)),
        named: name.is_some(),
        expr: expr.into(),
    });
}

pub fn qn(schema: Option<&str>, name: &str) -> QualifiedName {
    QualifiedName {
        schema: schema.map(str::to_string),
        name: name.into(),
    }
}

pub fn mood() -> EnumType {
    EnumType {
        schema: None,
        name: "mood".into(),
        values: vec!["happy".into(), "sad".into(), "it's ok".into()],
    }
}

pub fn mood_type(e: &EnumType) -> ColumnType {
    ColumnType::Enum {
        name: e.name.clone(),
        schema: e.schema.clone(),
        values: e.values.clone(),
    }
}

/// Every type, defaults of every kind, all constraint and index kinds, comments.
pub fn users() -> Table {
    let mut t = table(
        None,
        "users",
        vec![
            auto(col("id", ColumnType::Integer)),
            not_null(col("email", ColumnType::Varchar { length: 100 })),
            default(col("name", ColumnType::Text), "'anon'"),
            default(not_null(col("age", ColumnType::SmallInt)), "0"),
            default(col("score", ColumnType::Double), "1.5"),
            default(
                col(
                    "balance",
                    ColumnType::Decimal {
                        precision: 10,
                        scale: 2,
                    },
                ),
                "0.00",
            ),
            default(not_null(col("active", ColumnType::Boolean)), "TRUE"),
            default(
                col("created_at", ColumnType::Timestamp),
                "CURRENT_TIMESTAMP",
            ),
            default(col("updated_at", ColumnType::TimestampTz), "now()"),
            col("birthday", ColumnType::Date),
            col("wake", ColumnType::Time),
            col("avatar", ColumnType::Blob),
            default(col("uid", ColumnType::Uuid), "gen_random_uuid()"),
            default(col("prefs", ColumnType::Json), "'{}'"),
            col("raw_json", custom("JSON")),
            default(col("tags", custom("text[]")), "'{}'"),
            col("ratio", ColumnType::Real),
            default(col("big", ColumnType::BigInt), "-1"),
            default(col("mood", mood_type(&mood())), "'happy'"),
            col("addr", custom("INET")),
            col("code", custom("character varying(10)")),
            col("ts3", custom("timestamptz(3)")),
            // identity styles: a serial, and an identity that refuses explicit values
            col("serial_no", custom("bigserial")),
            Column {
                identity: Some(retort_schema::Identity::Always),
                ..auto(col("always_no", ColumnType::Integer))
            },
            default(
                col("label", ColumnType::Varchar { length: 20 }),
                "'x'::character varying",
            ),
        ],
        &["id"],
    );
    t.comment = Some("people who log in".into());
    t.columns[1].comment = Some("where we write, it's unique".into());
    unique(&mut t, &["email"], None);
    unique(&mut t, &["name", "age"], Some("users_name_age_key"));
    index(
        &mut t,
        vec![IndexPart::column("created_at")],
        false,
        None,
        None,
    );
    index(
        &mut t,
        vec![IndexPart::expression("lower(email)")],
        true,
        None,
        None,
    );
    index(
        &mut t,
        vec![IndexPart::column("age"), IndexPart::column("name")],
        false,
        Some("active = TRUE AND age > 17"),
        None,
    );
    index(
        &mut t,
        vec![IndexPart::column("tags")],
        false,
        None,
        Some("GIN"),
    );
    index(
        &mut t,
        vec![IndexPart::column("uid")],
        false,
        None,
        Some("hash"),
    );
    // key part options: order, NULL placement, operator class, collation; the
    // defaults spelled out (ASC NULLS LAST, DESC NULLS FIRST) read back as plain
    index(
        &mut t,
        vec![
            IndexPart::column("big").descending(),
            IndexPart {
                nulls: Some(NullsOrder::Last),
                ..IndexPart::column("score").descending()
            },
            IndexPart {
                nulls: Some(NullsOrder::First),
                ..IndexPart::column("active")
            },
            IndexPart {
                nulls: Some(NullsOrder::Last),
                ..IndexPart::column("age")
            },
        ],
        false,
        None,
        None,
    );
    index(
        &mut t,
        vec![
            IndexPart {
                opclass: Some("text_pattern_ops".into()),
                ..IndexPart::column("email")
            },
            IndexPart {
                collation: Some("C".into()),
                ..IndexPart::column("name").descending()
            },
            IndexPart {
                opclass: Some("VARCHAR_PATTERN_OPS".into()),
                ..IndexPart::expression("lower(name)").descending()
            },
        ],
        false,
        None,
        None,
    );
    check(&mut t, "age >= 0", None);
    check(&mut t, "score BETWEEN 0 AND 100", Some("score_range"));
    check(&mut t, "code IN ('a', 'b')", Some("code_in"));
    check(
        &mut t,
        "(char_length(email) > 3) AND (email LIKE '%@%')",
        None,
    );
    t
}

pub fn posts() -> Table {
    let mut t = table(
        None,
        "posts",
        vec![
            col("id", custom("bigserial")),
            not_null(col("user_id", ColumnType::Integer)),
            not_null(col("title", ColumnType::Varchar { length: 200 })),
            col("body", ColumnType::Text),
        ],
        &["id"],
    );
    fk(
        &mut t,
        &["user_id"],
        qn(None, "users"),
        &["id"],
        FkAction::Cascade,
        true,
    );
    unique(&mut t, &["user_id", "title"], None);
    check(&mut t, "length(title) > 0", None);
    t
}

/// A non-default schema, composite primary key, awkward identifiers, enum in that schema.
pub fn orders() -> Table {
    let status = EnumType {
        schema: Some("app".into()),
        name: "status".into(),
        values: vec!["active".into(), "gone".into()],
    };
    let mut t = table(
        Some("app"),
        "Orders",
        vec![
            not_null(col("select", ColumnType::Integer)),
            not_null(col("we\"ird", ColumnType::Text)),
            col("naïve col", ColumnType::Varchar { length: 5 }),
            default(col("status", mood_type(&status)), "'active'"),
            col("owner", ColumnType::Integer),
        ],
        &["select", "we\"ird"],
    );
    fk(
        &mut t,
        &["owner"],
        qn(None, "users"),
        &["id"],
        FkAction::SetNull,
        false,
    );
    index(
        &mut t,
        vec![IndexPart::column("naïve col")],
        false,
        Some("\"naïve col\" IS NOT NULL"),
        None,
    );
    check(&mut t, "\"select\" > 0", Some("Select Positive"));
    t.columns[2].comment = Some("ünïcödé".into());
    t
}

/// Two tables referencing each other and a self reference.
pub fn cycle() -> Vec<Table> {
    let mut a = table(
        None,
        "a",
        vec![
            auto(col("id", ColumnType::Integer)),
            col("b_id", ColumnType::Integer),
            col("parent", ColumnType::Integer),
        ],
        &["id"],
    );
    let mut b = table(
        None,
        "b",
        vec![
            auto(col("id", ColumnType::Integer)),
            col("a_id", ColumnType::Integer),
        ],
        &["id"],
    );
    fk(
        &mut a,
        &["b_id"],
        qn(None, "b"),
        &["id"],
        FkAction::NoAction,
        false,
    );
    fk(
        &mut a,
        &["parent"],
        qn(None, "a"),
        &["id"],
        FkAction::SetNull,
        false,
    );
    fk(
        &mut b,
        &["a_id"],
        qn(None, "a"),
        &["id"],
        FkAction::Restrict,
        false,
    );
    vec![a, b]
}

/// The whole rich model.
pub fn rich() -> Schema {
    let mut tables = vec![orders(), posts(), users()];
    tables.extend(cycle());
    Schema {
        tables,
        enums: vec![mood()],
        sequences: Vec::new(),
    }
}
