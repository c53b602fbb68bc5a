//! The normal form of a schema on PostgreSQL: exactly what introspection reports.
//!
//! Rules (applied by [`normalize_schema`] to models, and by introspection to what it reads):
//! * types through [`crate::types::from_sql`]; `serial` spellings become auto-increment;
//! * auto-increment columns are identity columns: NOT NULL, no default; a `serial`
//!   spelling keeps `identity: Serial` so it is rebuilt as a serial, an unstated
//!   style is `ByDefault` (what is rendered); serial and `ByDefault` compare equal;
//! * primary key columns are NOT NULL; a primary key name is kept unless it is the one
//!   PostgreSQL chooses (`<table>_pkey`); it is compared only when the desired schema
//!   names the key (see `retort_schema::diff`);
//! * defaults, checks, index expressions and predicates through [`crate::expr::normalize`];
//! * a column collation is its name as `pg_collation` spells it (`C`, `en_US`,
//!   `und-x-icu`; case kept), without the schema when that is `pg_catalog` or
//!   `public`; a collation of another schema is `"schema"."name"`; `default` is
//!   none. Only text types (`text`, `varchar`, types spelled with `sql_type`) take one;
//!   `DEFAULT NULL` is no default; empty comments are no comment;
//! * an index part whose expression is a bare column becomes a column part; a
//!   part's collation equal to its column's, or (expression) to that of a column
//!   the expression reads, is none;
//!   the `btree` method is the default (`None`);
//! * `named` stays as the model says; introspection always reports `false` (the
//!   catalog does not say who chose a name), so live items are matched by what they
//!   do and items the model names are matched by name too (see `retort_schema::diff`);
//! * the schema `public` is the default schema (`None`); models should not name the
//!   connection's default schema if it is not `public`;
//! * every enum type used by a column is listed in `enums` (once);
//! * tables, constraints, indexes and enum types are sorted by name, so the order of
//!   declarations does not count (column order does).

use std::collections::BTreeMap;

use retort_dialect::NormalizeError;
use retort_schema::{
    Check, Column, ColumnType, EnumType, ForeignKey, Identity, Index, IndexKey, NullsOrder,
    QualifiedName, Schema, Sequence, Table, UniqueConstraint,
};

use crate::{MAX_IDENT_LEN, expr, types};

/// The schema PostgreSQL uses by default; treated as `None` in models.
pub const DEFAULT_SCHEMA: &str = "public";

/// Normalize a model schema (see the module documentation).
pub fn normalize_schema(schema: &Schema) -> Result<Schema, Vec<NormalizeError>> {
    let mut errors = Vec::new();
    let mut enums: BTreeMap<QualifiedName, EnumType> = BTreeMap::new();
    for e in &schema.enums {
        let e = EnumType {
            schema: schema_name(&e.schema),
            name: e.name.clone(),
            values: e.values.clone(),
        };
        check_enum(&mut errors, &e);
        enums.insert(e.qualified_name(), e);
    }
    let mut tables = Vec::new();
    for t in &schema.tables {
        let mut t = t.clone();
        t.schema = schema_name(&t.schema);
        let what = format!("table \"{}\"", t.qualified_name());
        check_len(&mut errors, || what.clone(), &t.name);
        for c in &mut t.columns {
            check_len(
                &mut errors,
                || format!("{what}, column \"{}\"", c.name),
                &c.name,
            );
            match &c.ty {
                ColumnType::Custom { sql } => {
                    let parsed = types::from_sql(sql);
                    c.ty = parsed.ty;
                    c.auto_increment |= parsed.serial;
                    if parsed.serial && c.identity.is_none() {
                        c.identity = Some(Identity::Serial);
                    }
                }
                ColumnType::Enum {
                    name,
                    schema,
                    values,
                } => {
                    let e = EnumType {
                        schema: schema_name(schema),
                        name: name.clone(),
                        values: values.clone(),
                    };
                    c.ty = ColumnType::Enum {
                        name: e.name.clone(),
                        schema: e.schema.clone(),
                        values: e.values.clone(),
                    };
                    match enums.get(&e.qualified_name()) {
                        Some(known) if known.values != e.values => errors.push(NormalizeError {
                            object: format!("{what}, column \"{}\"", c.name),
                            message: format!(
                                "enum type \"{}\" is declared twice with different values: [{}] and [{}]",
                                e.name,
                                known.values.join(", "),
                                e.values.join(", ")
                            ),
                        }),
                        Some(_) => {}
                        None => {
                            check_enum(&mut errors, &e);
                            enums.insert(e.qualified_name(), e);
                        }
                    }
                }
                _ => {}
            }
            if c.auto_increment {
                if !types::is_integer(&c.ty) {
                    errors.push(NormalizeError {
                        object: format!("{what}, column \"{}\"", c.name),
                        message: "auto_increment needs an integer type (smallint, integer or bigint) on PostgreSQL".into(),
                    });
                }
                c.nullable = false;
                c.default = None;
                // what retort renders when the model states no style
                c.identity.get_or_insert(Identity::ByDefault);
            } else {
                c.identity = None;
            }
            c.default = normalize_default(c.default.as_deref());
            c.comment = normalize_comment(c.comment.as_deref());
            c.collation = c.collation.as_deref().and_then(normalize_collation);
            if let Some(co) = &c.collation
                && !matches!(
                    c.ty,
                    ColumnType::Text | ColumnType::Varchar { .. } | ColumnType::Custom { .. }
                )
            {
                errors.push(NormalizeError {
                    object: format!("{what}, column \"{}\"", c.name),
                    message: format!(
                        "collation `{co}` on a column of type {}: PostgreSQL collations apply to text types only",
                        types::to_sql(&c.ty)
                    ),
                });
            }
        }
        // MySQL table options (default collation, engine, row format) mean nothing here.
        t.collation = None;
        t.options.clear();
        normalize_table_parts(&mut t);
        for name in t
            .uniques
            .iter()
            .map(|u| &u.name)
            .chain(t.indexes.iter().map(|i| &i.name))
            .chain(t.foreign_keys.iter().map(|f| &f.name))
            .chain(t.checks.iter().map(|c| &c.name))
        {
            check_len(
                &mut errors,
                || format!("{what}, constraint or index \"{name}\""),
                name,
            );
        }
        tables.push(t);
    }
    tables.sort_by_key(|t| t.qualified_name());
    if errors.is_empty() {
        Ok(Schema {
            tables,
            enums: enums.into_values().collect(),
            sequences: normalize_sequences(&schema.sequences),
        })
    } else {
        Err(errors)
    }
}

/// Sequences sorted by name, `public` as the default schema.
fn normalize_sequences(seqs: &[Sequence]) -> Vec<Sequence> {
    let mut out: Vec<Sequence> = seqs
        .iter()
        .map(|s| Sequence {
            schema: schema_name(&s.schema),
            data_type: s.data_type.trim().to_ascii_lowercase(),
            ..s.clone()
        })
        .collect();
    out.sort_by_key(Sequence::qualified_name);
    out
}

/// Enum type names and values are identifiers to PostgreSQL (63 bytes at most).
fn check_enum(errors: &mut Vec<NormalizeError>, e: &EnumType) {
    check_len(errors, || format!("enum type \"{}\"", e.name), &e.name);
    for v in &e.values {
        check_len(
            errors,
            || format!("enum type \"{}\", value \"{v}\"", e.name),
            v,
        );
    }
}

/// `object` names what is checked; it is spelled out only for an error.
fn check_len(errors: &mut Vec<NormalizeError>, object: impl FnOnce() -> String, name: &str) {
    if name.len() > MAX_IDENT_LEN {
        errors.push(NormalizeError {
            object: object(),
            message: format!(
                "the name \"{name}\" is {} bytes long; PostgreSQL keeps only {MAX_IDENT_LEN} bytes of an identifier: choose a shorter name",
                name.len()
            ),
        });
    }
}

/// `public` is the default schema.
pub fn schema_name(s: &Option<String>) -> Option<String> {
    match s.as_deref() {
        None | Some(DEFAULT_SCHEMA) | Some("") => None,
        Some(s) => Some(s.to_string()),
    }
}

/// A default in normal form; `NULL` is no default.
pub fn normalize_default(d: Option<&str>) -> Option<String> {
    let d = d?.trim();
    if d.is_empty() {
        return None;
    }
    let n = expr::normalize(d);
    if n == "null" { None } else { Some(n) }
}

/// A column collation in normal form (see the module documentation): `C`,
/// `"C"` and `pg_catalog."C"` are `C`; `"s"."x"` stays qualified; `default` and
/// an empty name are no collation. A name without double quotes is taken whole,
/// dots included (`en_US.utf8`).
pub fn normalize_collation(name: &str) -> Option<String> {
    let name = name.trim();
    let parts: Vec<String> = if name.contains('"') {
        split_qualified(name)
    } else {
        vec![name.to_string()]
    };
    let name = match parts.as_slice() {
        [n] => n.clone(),
        [s, n] if s == "pg_catalog" || s == DEFAULT_SCHEMA => n.clone(),
        [s, n] => format!("{}.{}", crate::quote_ident(s), crate::quote_ident(n)),
        _ => name.to_string(),
    };
    (!name.is_empty() && name != "default").then_some(name)
}

/// A collation read from the catalog: its schema and name, in normal form.
pub(crate) fn catalog_collation(schema: &str, name: &str, default_schema: &str) -> Option<String> {
    if schema == "pg_catalog" || schema == DEFAULT_SCHEMA || schema == default_schema {
        (name != "default").then(|| name.to_string())
    } else {
        Some(format!(
            "{}.{}",
            crate::quote_ident(schema),
            crate::quote_ident(name)
        ))
    }
}

/// The parts of a possibly quoted, dotted name: `pg_catalog."C"` is `pg_catalog`, `C`.
fn split_qualified(s: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = s.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                parts.last_mut().expect("one part").push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(String::new()),
            c => parts.last_mut().expect("one part").push(c),
        }
    }
    parts.iter().map(|p| p.trim().to_string()).collect()
}

/// A normal-form collation as SQL: `"C"`, `"s"."x"`.
pub fn collation_sql(normal: &str) -> String {
    if normal.starts_with('"') {
        normal.to_string()
    } else {
        crate::quote_ident(normal)
    }
}

/// An empty comment is no comment.
pub fn normalize_comment(c: Option<&str>) -> Option<String> {
    c.filter(|c| !c.is_empty()).map(str::to_string)
}

/// Normalize and sort the constraints and indexes of a table whose columns are
/// already normal. Shared by model normalization and introspection.
pub fn normalize_table_parts(t: &mut Table) {
    if let Some(pk) = &mut t.primary_key {
        if pk
            .name
            .as_deref()
            .is_some_and(|n| n.is_empty() || n == default_pk_name(&t.name))
        {
            pk.name = None;
        }
        for col in &pk.columns {
            if let Some(c) = t.columns.iter_mut().find(|c| &c.name == col) {
                c.nullable = false;
            }
        }
    }
    for i in &mut t.indexes {
        normalize_index(i, &t.columns);
    }
    for f in &mut t.foreign_keys {
        f.ref_table.schema = schema_name(&f.ref_table.schema);
    }
    for c in &mut t.checks {
        c.expr = expr::normalize(&c.expr);
    }
    t.comment = normalize_comment(t.comment.as_deref());
    t.uniques.sort_by(|a, b| a.name.cmp(&b.name));
    t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    t.checks.sort_by(|a, b| a.name.cmp(&b.name));
}

/// The name PostgreSQL gives a primary key nobody named: `<table>_pkey`, the table
/// name cut so the whole fits in 63 bytes.
pub fn default_pk_name(table: &str) -> String {
    let suffix = "_pkey";
    let mut cut = table.len().min(MAX_IDENT_LEN - suffix.len());
    while !table.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &table[..cut])
}

fn normalize_index(i: &mut Index, columns: &[Column]) {
    for p in &mut i.parts {
        if let IndexKey::Expression(e) = &p.key {
            let n = expr::normalize(e);
            let toks = retort_schema::expr::tokenize(&n);
            p.key = match toks.as_slice() {
                [retort_schema::expr::Token::Word(w)] if !is_value_keyword(w) => {
                    IndexKey::Column(w.clone())
                }
                [retort_schema::expr::Token::Ident(s)] => IndexKey::Column(s.clone()),
                _ => IndexKey::Expression(n),
            };
        }
        // NULLS LAST is the default ascending, NULLS FIRST descending
        let default_nulls = if p.desc {
            NullsOrder::First
        } else {
            NullsOrder::Last
        };
        if p.nulls == Some(default_nulls) {
            p.nulls = None;
        }
        p.opclass = p
            .opclass
            .as_deref()
            .map(|o| o.trim().to_ascii_lowercase())
            .filter(|o| !o.is_empty());
        p.collation = p
            .collation
            .as_deref()
            .map(|c| c.trim().trim_matches('"').to_string())
            .filter(|c| !c.is_empty() && c != "default");
        // a key part's collation is compared with its own: a column's, or the one an
        // expression takes from the columns it reads (the catalog cannot say which)
        if let Some(co) = &p.collation {
            let own = |c: &Column| c.collation.as_ref() == Some(co);
            let redundant = match &p.key {
                IndexKey::Column(name) => columns.iter().any(|c| &c.name == name && own(c)),
                IndexKey::Expression(e) => {
                    let toks = retort_schema::expr::tokenize(e);
                    columns.iter().filter(|c| own(c)).any(|c| {
                        toks.iter().any(|t| match t {
                            retort_schema::expr::Token::Word(w) => *w == c.name,
                            retort_schema::expr::Token::Ident(s) => *s == c.name,
                            _ => false,
                        })
                    })
                }
            };
            if redundant {
                p.collation = None;
            }
        }
    }
    i.predicate = i
        .predicate
        .as_deref()
        .map(expr::normalize)
        .filter(|p| !p.is_empty());
    i.method = i
        .method
        .as_deref()
        .map(str::to_ascii_lowercase)
        .filter(|m| m != "btree" && !m.is_empty());
}

fn is_value_keyword(w: &str) -> bool {
    matches!(
        w,
        "true"
            | "false"
            | "null"
            | "current_timestamp"
            | "current_date"
            | "current_time"
            | "localtimestamp"
    )
}

/// Helpers to build normalized parts from catalog data (used by introspection).
pub(crate) fn unique(name: String, columns: Vec<String>) -> UniqueConstraint {
    UniqueConstraint {
        name,
        named: false,
        columns,
    }
}

/// A check from the catalog: `pg_get_constraintdef` gives `CHECK (...)`.
pub(crate) fn check_from_def(name: String, def: &str) -> Check {
    let mut body = def.trim();
    if let Some(b) = body.strip_suffix("NOT VALID") {
        body = b.trim_end();
    }
    if let Some(b) = body.strip_suffix("NO INHERIT") {
        body = b.trim_end();
    }
    let body = body.strip_prefix("CHECK").map(str::trim).unwrap_or(body);
    Check {
        name,
        named: false,
        expr: body.to_string(),
    }
}

/// A foreign key from the catalog.
#[allow(clippy::too_many_arguments)]
pub(crate) fn foreign_key(
    name: String,
    columns: Vec<String>,
    ref_table: QualifiedName,
    ref_columns: Vec<String>,
    on_delete: &str,
    on_update: &str,
    deferrable: bool,
) -> ForeignKey {
    ForeignKey {
        name,
        named: false,
        columns,
        ref_table,
        ref_columns,
        on_delete: retort_schema::FkAction::parse(on_delete).unwrap_or_default(),
        on_update: retort_schema::FkAction::parse(on_update).unwrap_or_default(),
        deferrable,
    }
}

#[cfg(test)]
mod tests {
    use retort_schema::{Column, ColumnType, Schema, Table};

    use super::{collation_sql, normalize_collation, normalize_schema};

    #[test]
    fn collation_names() {
        let n = |s: &str| normalize_collation(s);
        assert_eq!(n("C").as_deref(), Some("C"));
        assert_eq!(n(" \"C\" ").as_deref(), Some("C"));
        assert_eq!(n("pg_catalog.\"C\"").as_deref(), Some("C"));
        assert_eq!(n("\"public\".\"mine\"").as_deref(), Some("mine"));
        assert_eq!(n("en_US.utf8").as_deref(), Some("en_US.utf8"));
        assert_eq!(n("und-x-icu").as_deref(), Some("und-x-icu"));
        assert_eq!(n("app.\"My\"\"x\"").as_deref(), Some("\"app\".\"My\"\"x\""));
        assert_eq!(n("default"), None);
        assert_eq!(n("\"default\""), None);
        assert_eq!(n(""), None);
        assert_eq!(collation_sql("C"), "\"C\"");
        assert_eq!(collation_sql("\"app\".\"x\""), "\"app\".\"x\"");
    }

    #[test]
    fn names_postgres_would_cut_are_refused() {
        let long = "x".repeat(64);
        let schema = Schema {
            tables: vec![Table {
                name: "t".into(),
                columns: vec![Column::new(
                    "mood",
                    ColumnType::Enum {
                        name: "mood".into(),
                        schema: None,
                        values: vec![long.clone()],
                    },
                )],
                ..Table::default()
            }],
            enums: vec![],
            sequences: Vec::new(),
        };
        let errors = normalize_schema(&schema).expect_err("too long");
        assert!(errors[0].message.contains("63"), "{errors:?}");
        assert!(errors[0].object.contains(&long));
    }

    #[test]
    fn public_is_the_default_schema_and_enums_are_collected() {
        let schema = Schema {
            tables: vec![Table {
                schema: Some("public".into()),
                name: "t".into(),
                columns: vec![Column::new(
                    "mood",
                    ColumnType::Enum {
                        name: "mood".into(),
                        schema: Some("public".into()),
                        values: vec!["a".into()],
                    },
                )],
                ..Table::default()
            }],
            enums: vec![],
            sequences: Vec::new(),
        };
        let n = normalize_schema(&schema).expect("normal");
        assert_eq!(n.tables[0].schema, None);
        assert_eq!(n.enums.len(), 1);
        assert_eq!(n.enums[0].schema, None);
    }
}

#[cfg(test)]
mod pk_name_tests {
    use retort_schema::{Column, ColumnType, PrimaryKey, Schema, Table};

    use super::{default_pk_name, normalize_schema};

    #[test]
    fn the_name_postgres_chooses_is_no_name() {
        assert_eq!(default_pk_name("users"), "users_pkey");
        let long = "t".repeat(70);
        assert_eq!(default_pk_name(&long), format!("{}_pkey", "t".repeat(58)));
        let pk = |name: &str| Schema {
            tables: vec![Table {
                name: "users".into(),
                columns: vec![Column::new("id", ColumnType::Integer)],
                primary_key: Some(PrimaryKey {
                    name: Some(name.into()),
                    columns: vec!["id".into()],
                }),
                ..Table::default()
            }],
            enums: vec![],
            sequences: Vec::new(),
        };
        let n = normalize_schema(&pk("users_pkey")).expect("normal");
        assert_eq!(n.tables[0].primary_key.as_ref().unwrap().name, None);
        let n = normalize_schema(&pk("pk_users")).expect("normal");
        assert_eq!(
            n.tables[0].primary_key.as_ref().unwrap().name.as_deref(),
            Some("pk_users")
        );
    }
}
