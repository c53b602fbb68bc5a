//! Helpers shared by the integration tests: schema builders, a fresh database,
//! applying rendered statements through the driver's transaction, and comparing
//! schemas.
#![allow(dead_code)]

use retort_dialect::{Dialect, Driver, Scope, Statement};
use retort_schema::{
    Change, Check, Column, ColumnType, FkAction, ForeignKey, Index, IndexPart, PrimaryKey,
    QualifiedName, Schema, Table, UniqueConstraint,
};
use retort_sqlite::{SqliteDialect, SqliteDriver};

/// A nullable column.
pub fn col(name: &str, ty: ColumnType) -> Column {
    Column::new(name, ty)
}

/// A NOT NULL column.
pub fn req(name: &str, ty: ColumnType) -> Column {
    Column {
        nullable: false,
        ..Column::new(name, ty)
    }
}

/// A column with a default.
pub fn with_default(mut c: Column, default: &str) -> Column {
    c.default = Some(default.to_string());
    c
}

/// An auto-increment NOT NULL integer key column.
pub fn id(name: &str, ty: ColumnType) -> Column {
    Column {
        nullable: false,
        auto_increment: true,
        identity: None,
        ..Column::new(name, ty)
    }
}

/// A table.
pub fn table(name: &str, columns: Vec<Column>, pk: &[&str]) -> Table {
    Table {
        name: name.to_string(),
        columns,
        primary_key: (!pk.is_empty()).then(|| PrimaryKey {
            name: None,
            columns: pk.iter().map(|s| s.to_string()).collect(),
        }),
        ..Table::default()
    }
}

/// Strings.
pub fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// An unnamed unique constraint (the convention name is filled by normalize).
pub fn unique(cols: &[&str]) -> UniqueConstraint {
    UniqueConstraint {
        name: String::new(),
        named: false,
        columns: s(cols),
    }
}

/// A named unique constraint.
pub fn named_unique(name: &str, cols: &[&str]) -> UniqueConstraint {
    UniqueConstraint {
        name: name.into(),
        named: true,
        columns: s(cols),
    }
}

/// An unnamed index over columns.
pub fn index(cols: &[&str]) -> Index {
    Index {
        name: String::new(),
        named: false,
        parts: cols
            .iter()
            .map(|c| IndexPart::column(c.to_string()))
            .collect(),
        unique: false,
        predicate: None,
        method: None,
    }
}

/// An unnamed foreign key.
pub fn fk(cols: &[&str], ref_table: &str, ref_cols: &[&str]) -> ForeignKey {
    ForeignKey {
        name: String::new(),
        named: false,
        columns: s(cols),
        ref_table: QualifiedName::new(ref_table),
        ref_columns: s(ref_cols),
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
        deferrable: false,
    }
}

/// An unnamed check.
pub fn check(expr: &str) -> Check {
    Check {
        name: String::new(),
        named: false,
        expr: expr.into(),
    }
}

/// The scope the tests introspect.
pub fn scope() -> Scope {
    Scope {
        schemas: vec![],
        exclude_tables: vec![],
        version_table: "retort_version".into(),
    }
}

/// A fresh database file in a temporary directory (kept alive by the returned guard).
pub async fn fresh_db() -> (tempfile::TempDir, SqliteDriver) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let driver = SqliteDriver::connect(&url).await.expect("connect");
    (dir, driver)
}

/// Run statements in one revision transaction (begin, each statement, commit).
/// Panics on a to-do marker: tests must not apply those.
pub async fn apply(driver: &mut SqliteDriver, statements: &[Statement]) {
    try_apply(driver, statements)
        .await
        .expect("statements apply");
}

/// Like [`apply`], returning the error (after rolling back) instead of panicking.
pub async fn try_apply(
    driver: &mut SqliteDriver,
    statements: &[Statement],
) -> Result<(), retort_dialect::DbError> {
    driver.begin().await?;
    for st in statements {
        assert!(
            st.todo.is_none(),
            "test applies a statement with a to-do: {st:?}"
        );
        if st.sql.is_empty() {
            continue;
        }
        if let Err(e) = driver.execute(&st.sql).await {
            driver.rollback().await.expect("rollback");
            return Err(e);
        }
    }
    if let Err(e) = driver.commit().await {
        driver.rollback().await.expect("rollback");
        return Err(e);
    }
    Ok(())
}

/// Create every table of a normalized schema.
pub async fn create_all(driver: &mut SqliteDriver, schema: &Schema) {
    let changes: Vec<Change> = schema
        .tables
        .iter()
        .map(|t| Change::CreateTable { table: t.clone() })
        .collect();
    apply(driver, &SqliteDialect.render(&changes)).await;
}

/// The schema with tables sorted by name and model-only facts removed, for
/// comparing: the hints `renamed_from` and `backfill`, and `named` (which
/// introspection never reports: the diff matches by name only what the model names).
pub fn comparable(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    s.tables.sort_by(|a, b| a.name.cmp(&b.name));
    for t in &mut s.tables {
        t.renamed_from = None;
        for c in &mut t.columns {
            c.renamed_from = None;
            c.backfill = None;
        }
        t.uniques.iter_mut().for_each(|x| x.named = false);
        t.indexes.iter_mut().for_each(|x| x.named = false);
        t.foreign_keys.iter_mut().for_each(|x| x.named = false);
        t.checks.iter_mut().for_each(|x| x.named = false);
    }
    s
}

/// Introspect and compare with the normalized model, with a readable failure.
pub async fn assert_matches(driver: &mut SqliteDriver, normalized: &Schema) {
    let live = driver.introspect(&scope()).await.expect("introspect");
    let (live, want) = (comparable(&live), comparable(normalized));
    if live != want {
        for (l, w) in live.tables.iter().zip(&want.tables) {
            if l != w {
                panic!("table {} differs\nlive:  {l:#?}\nmodel: {w:#?}", w.name);
            }
        }
        panic!("schemas differ\nlive:  {live:#?}\nmodel: {want:#?}");
    }
}

/// Statements as the SQL text a migration file would hold.
pub fn as_sql(statements: &[Statement]) -> String {
    let mut out = String::new();
    for st in statements {
        if let Some(c) = &st.comment {
            out.push_str(&format!("-- {c}\n"));
        }
        if let Some(t) = &st.todo {
            out.push_str(&format!("-- retort:todo {t}\n"));
        }
        if !st.sql.is_empty() {
            out.push_str(&st.sql);
            out.push_str(";\n");
        }
    }
    out
}
