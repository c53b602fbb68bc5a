//! Model constructs MySQL cannot express fail at normalization, naming the object.

mod common;

use common::fixtures::*;
use retort_dialect::Dialect;
use retort_mysql::MysqlDialect;
use retort_schema::{ColumnType as T, FkAction, Index, IndexPart, Table};

fn errors(t: Table) -> Vec<String> {
    match MysqlDialect.normalize(&schema(vec![t])) {
        Ok(_) => Vec::new(),
        Err(e) => e.iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn identifiers_longer_than_64_characters() {
    let long = "c".repeat(65);
    let t = Table {
        name: "t".into(),
        columns: vec![col(&long, T::Integer)],
        ..Default::default()
    };
    let e = errors(t);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains(&long) && e[0].contains("at most 64"), "{e:?}");
    // 64 characters of unicode are fine (the limit counts characters, not bytes).
    let ok = Table {
        name: "ï".repeat(64),
        columns: vec![col("c", T::Integer)],
        ..Default::default()
    };
    assert!(errors(ok).is_empty());
}

#[test]
fn text_in_a_key_needs_a_length() {
    let t = Table {
        name: "t".into(),
        columns: vec![not_null(col("body", T::Text))],
        uniques: vec![unique("t", &["body"])],
        ..Default::default()
    };
    let e = errors(t);
    assert!(
        e.iter()
            .any(|m| m.contains("\"body\"") && m.contains("max_length")),
        "{e:?}"
    );
}

#[test]
fn partial_indexes_set_default_and_unkeyed_auto_increment() {
    let mut t = Table {
        name: "t".into(),
        columns: vec![id(T::Integer), col("x", T::Integer)],
        foreign_keys: vec![fk("t", &["x"], "t", &["id"], FkAction::SetDefault)],
        ..Default::default()
    };
    t.indexes.push(Index {
        name: "ix_t_x".into(),
        named: false,
        parts: vec![IndexPart::column("x")],
        unique: false,
        predicate: Some("x > 0".into()),
        method: None,
    });
    let e = errors(t).join("\n");
    assert!(e.contains("partial"), "{e}");
    assert!(e.contains("SET DEFAULT"), "{e}");
    assert!(e.contains("AUTO_INCREMENT"), "{e}");
}

#[test]
fn constraint_names_unique_per_database_and_actions_beside_checks() {
    let mut a = Table {
        name: "a".into(),
        columns: vec![id(T::Integer), col("x", T::Integer)],
        primary_key: pk(&["id"]),
        ..Default::default()
    };
    let mut b = a.clone();
    b.name = "b".into();
    a.foreign_keys
        .push(fk("a", &["x"], "a", &["id"], FkAction::Cascade));
    a.checks.push(check("a", "x > 0"));
    b.foreign_keys.push(a.foreign_keys[0].clone());
    let e = match MysqlDialect.normalize(&schema(vec![a, b])) {
        Ok(_) => String::new(),
        Err(e) => e
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    };
    assert!(e.contains("unique within a database"), "{e}");
    assert!(e.contains("is used by check"), "{e}");
}

#[test]
fn collations_and_table_options_that_mean_nothing() {
    let mut n = col("n", T::Integer);
    n.collation = Some("utf8mb4_bin".into());
    let mut t = Table {
        name: "t".into(),
        columns: vec![n],
        ..Default::default()
    };
    t.options.insert("charset".into(), "klingon".into());
    t.options.insert("tablespace".into(), "x".into());
    let e = errors(t);
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(e.iter().any(|e| e.contains("holds no text")), "{e:?}");
    assert!(
        e.iter()
            .any(|e| e.contains("unknown character set `klingon`")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|e| e.contains("table option `tablespace`")),
        "{e:?}"
    );
}
