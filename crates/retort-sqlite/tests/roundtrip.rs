//! Round trip on real SQLite files: creating the normalized model and reading
//! the database back gives the normalized model again, names included.

mod common;

use common::*;
use retort_dialect::{Dialect, Driver};
use retort_schema::{Check, ColumnType as T, FkAction, Index, IndexPart, Schema};
use retort_sqlite::SqliteDialect;

fn every_type() -> retort_schema::Table {
    let mut t = table(
        "every_type",
        vec![
            id("id", T::BigInt),
            req("small", T::SmallInt),
            col("int", T::Integer),
            col("big", T::BigInt),
            with_default(req("flag", T::Boolean), "TRUE"),
            with_default(col("off", T::Boolean), "(false)"),
            col("r", T::Real),
            with_default(col("d", T::Double), "1.5"),
            with_default(col("body", T::Text), "'it''s'"),
            with_default(req("name", T::Varchar { length: 50 }), "''"),
            with_default(col("bytes", T::Blob), "x'00FF'"),
            with_default(col("day", T::Date), "CURRENT_DATE"),
            col("at", T::Time),
            with_default(req("created_at", T::Timestamp), "CURRENT_TIMESTAMP"),
            with_default(col("seen_at", T::TimestampTz), "(datetime('now'))"),
            col("uid", T::Uuid),
            with_default(col("doc", T::Json), "'{}'"),
            with_default(col("neg", T::Integer), "-1"),
            with_default(col("nothing", T::Text), "NULL"),
            col(
                "price",
                T::Custom {
                    sql: "NUMERIC(10, 2)".into(),
                },
            ),
            col(
                "legacy",
                T::Custom {
                    sql: "datetime".into(),
                },
            ),
            with_default(
                req(
                    "mood",
                    T::Enum {
                        name: "mood".into(),
                        schema: None,
                        values: vec!["happy".into(), "sad".into()],
                    },
                ),
                "'happy'",
            ),
        ],
        &["id"],
    );
    t.uniques = vec![
        unique(&["name"]),
        named_unique("uq_every_type_small_int", &["small", "int"]),
        named_unique("my_uq", &["uid"]),
    ];
    t.indexes = vec![
        index(&["created_at"]),
        index(&["small", "big"]),
        Index {
            unique: true,
            ..index(&["body"])
        },
        Index {
            parts: vec![
                IndexPart::expression("lower(\"name\")"),
                IndexPart::column("day"),
            ],
            ..index(&[])
        },
        Index {
            predicate: Some("flag = TRUE AND big IS NOT NULL".into()),
            name: "ix_partial".into(),
            named: true,
            ..index(&["big"])
        },
        Index {
            parts: vec![IndexPart::expression("\"d\" DESC")],
            name: "ix_d_desc".into(),
            named: true,
            ..index(&[])
        },
    ];
    t.checks = vec![
        check("small >= 0"),
        Check {
            name: "ck_named".into(),
            named: true,
            expr: "(length(name) < 40)".into(),
        },
    ];
    t.comment = Some("SQLite drops comments".into());
    t
}

fn relations() -> Vec<retort_schema::Table> {
    let parent = table(
        "parent",
        vec![id("id", T::Integer), req("code", T::Text)],
        &["id"],
    );
    let mut composite = table(
        "composite",
        vec![
            req("a", T::Integer),
            req("b", T::Text),
            col("parent_id", T::Integer),
            col("other", T::Integer),
        ],
        &["a", "b"],
    );
    composite.foreign_keys = vec![
        retort_schema::ForeignKey {
            on_delete: FkAction::Cascade,
            on_update: FkAction::SetNull,
            ..fk(&["parent_id"], "parent", &["id"])
        },
        retort_schema::ForeignKey {
            name: "fk_deferred".into(),
            named: true,
            deferrable: true,
            on_delete: FkAction::Restrict,
            ..fk(&["other"], "parent", &["id"])
        },
    ];
    let mut child = table(
        "child",
        vec![
            id("id", T::Integer),
            req("a", T::Integer),
            req("b", T::Text),
            col("up", T::Integer),
        ],
        &["id"],
    );
    child.foreign_keys = vec![
        retort_schema::ForeignKey {
            on_delete: FkAction::SetDefault,
            ..fk(&["a", "b"], "composite", &["a", "b"])
        },
        fk(&["up"], "child", &["id"]), // self reference
    ];
    // keys that are not rowid aliases
    let plain_int = table("plain_int_key", vec![req("id", T::Integer)], &["id"]);
    let plain_big = table("plain_big_key", vec![req("id", T::BigInt)], &["id"]);
    let small_auto = table("small_auto", vec![id("id", T::SmallInt)], &["id"]);
    let text_key = table(
        "text_key",
        vec![req("code", T::Varchar { length: 3 }), col("label", T::Text)],
        &["code"],
    );
    let no_key = table("no_key", vec![col("x", T::Integer), col("y", T::Text)], &[]);
    vec![
        parent, composite, child, plain_int, plain_big, small_auto, text_key, no_key,
    ]
}

fn odd_names() -> Vec<retort_schema::Table> {
    let mut select = table(
        "select",
        vec![
            id("order", T::Integer),
            req("we\"ird", T::Text),
            col("naïve col", T::Text),
            col("Group", T::Integer),
            col("from", T::Integer),
        ],
        &["order"],
    );
    select.uniques = vec![unique(&["we\"ird", "naïve col"])];
    select.indexes = vec![
        index(&["naïve col"]),
        Index {
            parts: vec![IndexPart::expression("lower(\"we\"\"ird\")")],
            ..index(&[])
        },
        Index {
            predicate: Some("\"from\" > 0".into()),
            ..index(&["Group"])
        },
    ];
    select.checks = vec![check("\"from\" <> \"Group\""), check("\"naïve col\" <> ''")];
    select.foreign_keys = vec![fk(&["from"], "select", &["order"])];
    let mut refs = table(
        "table with spaces",
        vec![id("id", T::Integer), col("sel", T::Integer)],
        &["id"],
    );
    refs.foreign_keys = vec![fk(&["sel"], "select", &["order"])];
    let mut quoted = table(
        "we\"ird table",
        vec![
            id("Id", T::Integer),
            col("sel", T::Integer),
            col("spaces", T::Integer),
        ],
        &["Id"],
    );
    quoted.foreign_keys = vec![
        retort_schema::ForeignKey {
            on_delete: FkAction::Cascade,
            ..fk(&["sel"], "select", &["order"])
        },
        fk(&["spaces"], "table with spaces", &["id"]),
    ];
    quoted.indexes = vec![index(&["sel", "spaces"])];
    quoted.uniques = vec![unique(&["spaces"])];
    vec![select, refs, quoted]
}

async fn round_trip(tables: Vec<retort_schema::Table>) -> Schema {
    let model = Schema {
        tables,
        enums: vec![],
        sequences: Vec::new(),
    };
    let normalized = SqliteDialect.normalize(&model).expect("model normalizes");
    assert_eq!(
        SqliteDialect.normalize(&normalized).as_ref(),
        Ok(&normalized),
        "normalize is idempotent"
    );
    let (_dir, mut driver) = fresh_db().await;
    create_all(&mut driver, &normalized).await;
    assert_matches(&mut driver, &normalized).await;
    // the live schema is its own normal form
    let live = driver.introspect(&scope()).await.expect("introspect");
    assert_eq!(SqliteDialect.normalize(&live).as_ref(), Ok(&live));
    normalized
}

#[tokio::test]
async fn every_type_default_index_and_check_round_trips() {
    let n = round_trip(vec![every_type()]).await;
    let t = &n.tables[0];
    // spot checks of the normal form itself
    assert_eq!(
        t.column("id").map(|c| (&c.ty, c.auto_increment)),
        Some((&T::Integer, true))
    );
    assert_eq!(
        t.column("flag").and_then(|c| c.default.as_deref()),
        Some("1")
    );
    assert_eq!(
        t.column("seen_at").and_then(|c| c.default.as_deref()),
        Some("datetime('now')")
    );
    assert_eq!(t.column("nothing").and_then(|c| c.default.as_deref()), None);
    assert_eq!(
        t.column("price").map(|c| &c.ty),
        Some(&T::Custom {
            sql: "numeric(10,2)".into()
        })
    );
    assert_eq!(t.column("legacy").map(|c| &c.ty), Some(&T::Timestamp));
    assert_eq!(t.column("mood").map(|c| &c.ty), Some(&T::Text));
    assert!(
        t.checks
            .iter()
            .any(|c| c.expr == "mood in ('happy', 'sad')")
    );
    assert_eq!(
        t.indexes[3].parts,
        vec![
            IndexPart::expression("lower(name)"),
            IndexPart::column("day")
        ]
    );
    assert_eq!(
        t.indexes[5].parts,
        vec![IndexPart::column("d").descending()]
    );
    assert_eq!(
        t.indexes[4].predicate.as_deref(),
        Some("flag = 1 and big is not null")
    );
    assert!(t.uniques[1].named, "named stays as the model says");
    assert!(t.uniques[2].named);
    assert_eq!(t.comment, None);
}

#[tokio::test]
async fn keys_and_references_round_trip() {
    let n = round_trip(relations()).await;
    let by_name = |name: &str| n.tables.iter().find(|t| t.name == name).expect("table");
    assert_eq!(by_name("plain_int_key").columns[0].ty, T::Integer);
    assert!(!by_name("plain_int_key").columns[0].auto_increment);
    assert_eq!(by_name("plain_big_key").columns[0].ty, T::BigInt);
    assert_eq!(by_name("small_auto").columns[0].ty, T::Integer);
    assert!(by_name("small_auto").columns[0].auto_increment);
    assert!(!by_name("text_key").columns[0].nullable);
}

#[tokio::test]
async fn quoted_unicode_and_reserved_identifiers_round_trip() {
    round_trip(odd_names()).await;
}

#[tokio::test]
async fn everything_together_round_trips() {
    let mut all = vec![every_type()];
    all.extend(relations());
    all.extend(odd_names());
    round_trip(all).await;
}

#[tokio::test]
async fn decimal_and_foreign_schemas_are_refused() {
    let mut t = table(
        "money",
        vec![col(
            "amount",
            T::Decimal {
                precision: 12,
                scale: 2,
            },
        )],
        &[],
    );
    t.schema = Some("billing".into());
    let errs = SqliteDialect
        .normalize(&Schema {
            tables: vec![t],
            enums: vec![],
            sequences: Vec::new(),
        })
        .expect_err("refused");
    assert_eq!(errs.len(), 2, "{errs:?}");
}

/// A database made by another tool: column constraints, other type spellings,
/// unnamed items. Introspection maps them sensibly and is its own normal form.
#[tokio::test]
async fn database_made_by_others_reads_sensibly() {
    let (_dir, mut driver) = fresh_db().await;
    for sql in [
        "CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, email varchar(100) UNIQUE NOT NULL, \
         joined DATETIME DEFAULT (CURRENT_TIMESTAMP), score INT CHECK (score >= 0), active BOOL DEFAULT TRUE)",
        "CREATE TABLE [Books] ([Id] INTEGER NOT NULL PRIMARY KEY, `author` INT CONSTRAINT book_author REFERENCES authors ON DELETE CASCADE, \
         price DECIMAL(8,2), title TEXT COLLATE NOCASE, kind, CONSTRAINT pos CHECK (price > 0))",
        "CREATE INDEX books_title ON Books (title COLLATE NOCASE)",
        "CREATE UNIQUE INDEX ix_Books_author ON books (AUTHOR)",
        "CREATE VIRTUAL TABLE search USING fts5(body)",
        "CREATE VIEW v AS SELECT 1",
        "CREATE TABLE retort_version (revision TEXT PRIMARY KEY)",
    ] {
        driver
            .execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let live = driver.introspect(&scope()).await.expect("introspect");
    let names: Vec<&str> = live.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["Books", "authors"],
        "no virtual/shadow tables, views or version table"
    );
    let books = &live.tables[0];
    assert_eq!(books.columns[0].ty, T::Integer);
    assert!(books.columns[0].auto_increment);
    assert_eq!(
        books.columns[2].ty,
        T::Custom {
            sql: "decimal(8,2)".into()
        }
    );
    assert_eq!(books.columns[4].ty, T::Custom { sql: "".into() });
    assert_eq!(books.foreign_keys[0].name, "book_author");
    assert!(
        !books.foreign_keys[0].named,
        "introspection matches by definition"
    );
    assert_eq!(
        books.foreign_keys[0].ref_columns,
        vec!["id".to_string()],
        "implicit parent key resolved"
    );
    assert_eq!(books.foreign_keys[0].on_delete, FkAction::Cascade);
    assert_eq!(books.checks[0].name, "pos");
    assert_eq!(books.columns[3].collation.as_deref(), Some("NOCASE"));
    assert_eq!(
        books.indexes[0].parts,
        vec![IndexPart::column("title")],
        "the index key's collation is its column's own"
    );
    assert_eq!(books.indexes[1].parts, vec![IndexPart::column("author")]);
    assert!(
        books.indexes[1].unique && !books.indexes[1].named,
        "convention name, matched by definition"
    );
    let authors = &live.tables[1];
    assert_eq!(authors.columns[1].ty, T::Varchar { length: 100 });
    assert_eq!(authors.uniques[0].name, "uq_authors_email");
    assert!(!authors.uniques[0].named);
    assert_eq!(authors.columns[2].ty, T::Timestamp);
    assert_eq!(
        authors.columns[2].default.as_deref(),
        Some("current_timestamp")
    );
    assert_eq!(authors.columns[4].default.as_deref(), Some("1"));
    assert_eq!(authors.checks[0].expr, "score >= 0");
    assert!(!authors.checks[0].named);
    assert_eq!(SqliteDialect.normalize(&live).as_ref(), Ok(&live));

    // excluded tables are not read
    let mut sc = scope();
    sc.exclude_tables = vec!["auth*".into()];
    let live = driver.introspect(&sc).await.expect("introspect");
    assert_eq!(live.tables.len(), 1);
}

#[tokio::test]
async fn column_collations_round_trip() {
    let mut t = table(
        "people",
        vec![
            id("id", T::Integer),
            retort_schema::Column {
                collation: Some("nocase".into()),
                ..col("name", T::Text)
            },
            retort_schema::Column {
                collation: Some("RTRIM".into()),
                ..req("code", T::Varchar { length: 10 })
            },
            retort_schema::Column {
                collation: Some("binary".into()),
                ..col("raw", T::Text)
            },
        ],
        &["id"],
    );
    t.indexes = vec![Index {
        parts: vec![IndexPart {
            collation: Some("NOCASE".into()),
            ..IndexPart::column("name")
        }],
        ..index(&[])
    }];
    let n = round_trip(vec![t]).await;
    let t = &n.tables[0];
    let co = |c: &str| t.column(c).and_then(|c| c.collation.as_deref());
    assert_eq!(co("name"), Some("NOCASE"));
    assert_eq!(co("code"), Some("RTRIM"));
    assert_eq!(co("raw"), None, "BINARY is the default");
    assert_eq!(t.indexes[0].parts, vec![IndexPart::column("name")]);
}
