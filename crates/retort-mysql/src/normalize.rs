//! The normal form both sides of a MySQL/MariaDB diff are brought into.
//!
//! [`normalize_schema`] turns a model schema into exactly what introspection
//! reports after the schema is created, and introspection ends with the same
//! table-level pass ([`finish_table`]), so normalizing an introspected schema
//! changes nothing. The rules:
//!
//! * types: see [`crate::types`]; enums are inline column types named after their
//!   column, `Schema::enums` stays empty;
//! * primary key columns are NOT NULL and the key has no name (MySQL calls them all
//!   `PRIMARY`);
//! * unique indexes over plain columns are unique constraints (MySQL has no
//!   separate unique constraint: `UNIQUE KEY` and `CREATE UNIQUE INDEX` are the
//!   same object); unique indexes with prefix or expression parts stay indexes;
//! * the index InnoDB creates for a foreign key (named after the constraint, over
//!   exactly its columns) is not part of the schema on either side; the renderer
//!   drops it with its foreign key and recreates it when the key's covering index
//!   goes away;
//! * `RESTRICT` is `NO ACTION` (InnoDB treats them alike; MariaDB reports
//!   `RESTRICT`, MySQL 8 `NO ACTION` for the default);
//! * defaults and CHECK bodies: [`crate::sqlexpr`]; `DEFAULT NULL` is no default;
//!   a quoted number on a numeric column is the number; `ON UPDATE
//!   CURRENT_TIMESTAMP` is written after the default: `current_timestamp on update
//!   current_timestamp`;
//! * generated columns are `Custom` types spelled `<type> generated always as
//!   (<expr>) stored|virtual`, nullable and without default;
//! * index method `btree` and `hash` are the default (InnoDB builds B-trees for
//!   both); `fulltext` and `spatial` are kept;
//! * empty comments are no comment; uniques, indexes, foreign keys and checks are
//!   sorted by name, tables by schema and name.
//!
//! Model constructs MySQL cannot express are reported as [`NormalizeError`]s:
//! identifiers longer than 64 characters, TEXT/BLOB/JSON columns in keys,
//! partial indexes, `SET DEFAULT` and deferrable foreign keys, AUTO_INCREMENT on
//! a non-integer or un-keyed column.

use retort_dialect::NormalizeError;
use retort_schema::expr::{Token, tokenize};
use retort_schema::{
    Check, Column, ColumnType, FkAction, Index, IndexKey, IndexPart, Schema, Table,
    UniqueConstraint,
};

use crate::charset::{ServerDefaults, normalize_table_charset};
use crate::sqlexpr::{as_prefix_part, normalize_expr, prefix_part};
use crate::types::{is_integer, is_lob, is_numeric, parse_type};

/// The longest MySQL identifier, in characters.
pub const MAX_IDENT: usize = 64;

/// Normalize a model schema without knowing the server; see the module documentation.
pub fn normalize_schema(schema: &Schema) -> Result<Schema, Vec<NormalizeError>> {
    normalize_schema_with(schema, &ServerDefaults::offline())
}

/// Normalize a model schema against the defaults of a server (collations, engine).
pub fn normalize_schema_with(
    schema: &Schema,
    defaults: &ServerDefaults,
) -> Result<Schema, Vec<NormalizeError>> {
    let mut errors = Vec::new();
    let mut tables = Vec::with_capacity(schema.tables.len());
    for t in &schema.tables {
        tables.push(normalize_table_with(t, defaults, &mut errors));
    }
    tables.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    // Foreign key names are unique per database in InnoDB (check names too, on MySQL 8).
    let mut seen: std::collections::HashMap<(Option<String>, String), String> = Default::default();
    for t in &tables {
        for name in t
            .foreign_keys
            .iter()
            .map(|f| &f.name)
            .chain(t.checks.iter().map(|c| &c.name))
        {
            if let Some(other) =
                seen.insert((t.schema.clone(), name.to_lowercase()), t.name.clone())
                && other != t.name
            {
                err(
                    &mut errors,
                    format!("table \"{}\", constraint \"{name}\"", t.name),
                    format!(
                        "table \"{other}\" has a constraint of the same name; MySQL needs foreign key and check names unique within a database"
                    ),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(Schema {
            tables,
            enums: Vec::new(),
            sequences: Vec::new(),
        })
    } else {
        Err(errors)
    }
}

fn err(errors: &mut Vec<NormalizeError>, object: String, message: impl Into<String>) {
    errors.push(NormalizeError {
        object,
        message: message.into(),
    });
}

fn check_len(errors: &mut Vec<NormalizeError>, what: &str, name: &str, table: &str) {
    let n = name.chars().count();
    if n > MAX_IDENT {
        err(
            errors,
            format!("table \"{table}\", {what} \"{name}\""),
            format!(
                "identifier is {n} characters long; MySQL and MariaDB accept at most {MAX_IDENT}: choose a shorter name"
            ),
        );
    }
}

/// Normalize one type.
pub fn normalize_type(ty: &ColumnType, column: &str) -> ColumnType {
    match ty {
        ColumnType::Custom { sql } => parse_type(sql, column),
        ColumnType::Enum { values, .. } => ColumnType::Enum {
            name: column.to_string(),
            schema: None,
            values: values.clone(),
        },
        other => other.clone(),
    }
}

/// Normalize a default expression for a column of type `ty`.
pub fn normalize_default(default: &str, ty: &ColumnType) -> Option<String> {
    let trimmed = default.trim();
    if trimmed.is_empty() {
        return None;
    }
    // Split off `ON UPDATE ...`.
    let toks = tokenize(&crate::sqlexpr::double_quotes_as_strings(trimmed));
    let split = toks.windows(2).position(|w| {
        matches!((&w[0], &w[1]), (Token::Word(a), Token::Word(b)) if a == "on" && b == "update")
    });
    let (value, on_update) = match split {
        Some(k) => (&toks[..k], Some(&toks[k + 2..])),
        None => (&toks[..], None),
    };
    let mut value_text = normalize_expr(&crate::sqlexpr::render_tokens(value));
    if is_numeric(ty)
        && let [Token::Str(s)] = tokenize(&value_text).as_slice()
    {
        let s = s.trim();
        if !s.is_empty() && s.parse::<f64>().is_ok() {
            value_text = normalize_expr(s);
        }
    }
    // On a fractional-seconds column the server keeps the precision of
    // CURRENT_TIMESTAMP: `datetime(6)` reads back `current_timestamp(6)`.
    let precise = |t: String| {
        if t == "current_timestamp" && matches!(ty, ColumnType::TimestampTz) {
            "current_timestamp(6)".to_string()
        } else {
            t
        }
    };
    value_text = precise(value_text);
    match on_update {
        Some(rest) => {
            let upd = precise(normalize_expr(&crate::sqlexpr::render_tokens(rest)));
            Some(format!("{value_text} on update {upd}"))
        }
        None if value_text == "null" => None,
        None => Some(value_text),
    }
}

fn normalize_column(c: &Column, table: &str, errors: &mut Vec<NormalizeError>) -> Column {
    check_len(errors, "column", &c.name, table);
    let ty = normalize_type(&c.ty, &c.name);
    let generated = crate::types::is_generated(&ty);
    let default = c
        .default
        .as_deref()
        .and_then(|d| normalize_default(d, &ty))
        .filter(|_| !generated);
    Column {
        name: c.name.clone(),
        ty,
        // Generated columns are written without NULL/NOT NULL (MariaDB refuses them).
        nullable: c.nullable || generated,
        default,
        auto_increment: c.auto_increment,
        identity: None,
        comment: c.comment.clone().filter(|s| !s.is_empty()),
        collation: c
            .collation
            .clone()
            .or_else(|| crate::charset::type_collation(&c.ty)),
        spelling: c.spelling.clone(),
        renamed_from: c.renamed_from.clone(),
        backfill: c.backfill.clone(),
    }
}

/// A key part in normal form; only the order (`DESC`) is kept of its options
/// (MySQL has no NULL placement, operator classes or per-part collations).
fn normalize_part(part: &IndexPart) -> IndexPart {
    let mut out = match &part.key {
        IndexKey::Column(c) => IndexPart::column(c.clone()),
        IndexKey::Expression(e) => match as_prefix_part(e) {
            Some((col, len)) => IndexPart::expression(prefix_part(&col, len)),
            None => IndexPart::expression(normalize_expr(e)),
        },
    };
    out.desc = part.desc;
    out
}

/// Normalize one table without knowing the server; see [`normalize_table_with`].
pub fn normalize_table(t: &Table, errors: &mut Vec<NormalizeError>) -> Table {
    normalize_table_with(t, &ServerDefaults::offline(), errors)
}

/// Normalize one table, collecting what MySQL cannot express into `errors`.
/// Introspection uses it too (and ignores the errors), so both sides share every rule.
pub fn normalize_table_with(
    t: &Table,
    defaults: &ServerDefaults,
    errors: &mut Vec<NormalizeError>,
) -> Table {
    let tn = t.name.as_str();
    check_len(errors, "table", tn, tn);
    let mut out = Table {
        schema: t.schema.clone(),
        name: t.name.clone(),
        columns: t
            .columns
            .iter()
            .map(|c| normalize_column(c, tn, errors))
            .collect(),
        primary_key: t.primary_key.clone().map(|mut pk| {
            pk.name = None;
            pk
        }),
        uniques: Vec::new(),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        checks: Vec::new(),
        comment: t.comment.clone().filter(|s| !s.is_empty()),
        collation: t.collation.clone(),
        options: t.options.clone(),
        renamed_from: t.renamed_from.clone(),
    };
    let mut uniques = t.uniques.clone();
    for ix in &t.indexes {
        check_len(errors, "index", &ix.name, tn);
        if ix.predicate.is_some() {
            err(
                errors,
                format!("table \"{tn}\", index \"{}\"", ix.name),
                "MySQL and MariaDB have no partial indexes (WHERE); drop the predicate",
            );
        }
        // InnoDB builds B-trees for `USING HASH` too, and reports BTREE.
        let method = ix
            .method
            .as_deref()
            .map(str::to_ascii_lowercase)
            .filter(|m| m != "btree" && m != "hash");
        if let Some(m) = &method
            && !matches!(m.as_str(), "fulltext" | "spatial" | "hash")
        {
            err(
                errors,
                format!("table \"{tn}\", index \"{}\"", ix.name),
                format!(
                    "index method `{m}` does not exist on MySQL; use btree, hash, fulltext or spatial"
                ),
            );
        }
        let parts: Vec<IndexPart> = ix.parts.iter().map(normalize_part).collect();
        if !defaults.functional_key_parts
            && let Some(e) = parts
                .iter()
                .find_map(|p| p.expression_sql().filter(|e| as_prefix_part(e).is_none()))
        {
            err(
                errors,
                format!("table \"{tn}\", index \"{}\"", ix.name),
                format!(
                    "MariaDB has no expression key parts (`{e}`): index a generated column instead (MySQL 8.0.13+ takes them)"
                ),
            );
        }
        let plain = parts
            .iter()
            .all(|p| p.column_name().is_some() && p.is_plain());
        if ix.unique && plain && method.is_none() {
            uniques.push(UniqueConstraint {
                name: ix.name.clone(),
                named: ix.named,
                columns: parts
                    .iter()
                    .filter_map(|p| p.column_name().map(str::to_string))
                    .collect(),
            });
        } else {
            out.indexes.push(Index {
                name: ix.name.clone(),
                named: ix.named,
                parts,
                unique: ix.unique,
                predicate: None,
                method,
            });
        }
    }
    for u in &uniques {
        check_len(errors, "unique constraint", &u.name, tn);
    }
    out.uniques = uniques;
    for fk in &t.foreign_keys {
        check_len(errors, "foreign key", &fk.name, tn);
        let mut fk = fk.clone();
        for action in [&mut fk.on_delete, &mut fk.on_update] {
            if *action == FkAction::Restrict {
                *action = FkAction::NoAction;
            }
            if *action == FkAction::SetDefault {
                err(
                    errors,
                    format!("table \"{tn}\", foreign key \"{}\"", fk.name),
                    "InnoDB does not support SET DEFAULT actions; use SET NULL, CASCADE or NO ACTION",
                );
            }
        }
        if fk.deferrable {
            err(
                errors,
                format!("table \"{tn}\", foreign key \"{}\"", fk.name),
                "MySQL and MariaDB have no deferrable foreign keys",
            );
            fk.deferrable = false;
        }
        out.foreign_keys.push(fk);
    }
    for ck in &t.checks {
        check_len(errors, "check constraint", &ck.name, tn);
        out.checks.push(Check {
            name: ck.name.clone(),
            named: ck.named,
            expr: normalize_expr(&ck.expr),
        });
    }
    // Primary key columns are NOT NULL.
    if let Some(pk) = &out.primary_key {
        for c in out.columns.iter_mut() {
            if pk.columns.contains(&c.name) {
                c.nullable = false;
            }
        }
    }
    validate_keys(&out, errors);
    finish_table(&mut out);
    normalize_table_charset(&mut out, defaults, errors);
    out
}

fn validate_keys(t: &Table, errors: &mut Vec<NormalizeError>) {
    let tn = &t.name;
    // InnoDB refuses referential actions on columns a CHECK uses.
    for fk in &t.foreign_keys {
        if fk.on_delete == FkAction::NoAction && fk.on_update == FkAction::NoAction {
            continue;
        }
        for ck in &t.checks {
            let used: Vec<String> = tokenize(&ck.expr)
                .into_iter()
                .filter_map(|tok| match tok {
                    Token::Word(w) | Token::Ident(w) => Some(w.to_lowercase()),
                    _ => None,
                })
                .collect();
            if let Some(c) = fk.columns.iter().find(|c| used.contains(&c.to_lowercase())) {
                err(
                    errors,
                    format!("table \"{tn}\", foreign key \"{}\"", fk.name),
                    format!(
                        "column \"{c}\" is used by check \"{}\", and MySQL/MariaDB refuse ON DELETE/ON UPDATE actions on such columns; use NO ACTION or move the check",
                        ck.name
                    ),
                );
            }
        }
    }
    let mut keyed: Vec<(&str, Vec<&str>)> = Vec::new();
    if let Some(pk) = &t.primary_key {
        keyed.push((
            "primary key",
            pk.columns.iter().map(String::as_str).collect(),
        ));
    }
    for u in &t.uniques {
        keyed.push((
            "unique constraint",
            u.columns.iter().map(String::as_str).collect(),
        ));
    }
    for ix in &t.indexes {
        if ix.method.as_deref() == Some("fulltext") {
            continue;
        }
        keyed.push((
            "index",
            ix.parts.iter().filter_map(IndexPart::column_name).collect(),
        ));
    }
    for (what, cols) in &keyed {
        for c in cols {
            match t.column(c) {
                Some(col) if is_lob(&col.ty) => err(
                    errors,
                    format!("table \"{tn}\", column \"{c}\""),
                    format!(
                        "a {} column cannot be in a {what} without a prefix length on MySQL/MariaDB; give the field a `max_length` (VARCHAR) or index a prefix such as `{c}(191)`",
                        crate::types::type_sql(&col.ty)
                    ),
                ),
                _ => {}
            }
        }
    }
    for c in &t.columns {
        if !c.auto_increment {
            continue;
        }
        if !is_integer(&c.ty) {
            err(
                errors,
                format!("table \"{tn}\", column \"{}\"", c.name),
                "AUTO_INCREMENT needs an integer column",
            );
        }
        if !keyed
            .iter()
            .any(|(_, cols)| cols.first() == Some(&c.name.as_str()))
        {
            err(
                errors,
                format!("table \"{tn}\", column \"{}\"", c.name),
                "an AUTO_INCREMENT column must be the first column of the primary key or of an index",
            );
        }
    }
}

/// Whether `cols` is covered by an index, unique or primary key of `t` whose
/// leading columns are exactly `cols` in order (InnoDB can then enforce a foreign
/// key over `cols` without an index of its own). The index named `skip` is ignored.
pub fn covered(t: &Table, cols: &[String], skip: Option<&str>) -> bool {
    let leads = |key: &[String]| key.len() >= cols.len() && key[..cols.len()] == *cols;
    if t.primary_key.as_ref().is_some_and(|pk| leads(&pk.columns)) {
        return true;
    }
    if t.uniques
        .iter()
        .any(|u| Some(u.name.as_str()) != skip && leads(&u.columns))
    {
        return true;
    }
    t.indexes.iter().any(|ix| {
        Some(ix.name.as_str()) != skip
            && ix.method.is_none()
            && ix
                .parts
                .iter()
                .take(cols.len())
                .map(|p| p.column_name().map(str::to_string))
                .collect::<Option<Vec<String>>>()
                .is_some_and(|v| v == cols)
    })
}

/// The table-level pass shared by normalization and introspection: hide the
/// implicit foreign-key indexes, fold MariaDB's JSON checks, sort.
pub fn finish_table(t: &mut Table) {
    // MariaDB JSON: longtext + CHECK (json_valid(col)).
    let mut json_cols = Vec::new();
    t.checks.retain(|ck| {
        let toks = tokenize(&ck.expr);
        if let [
            Token::Word(f),
            Token::Punct(o),
            Token::Word(c) | Token::Ident(c),
            Token::Punct(cl),
        ] = toks.as_slice()
            && f == "json_valid"
            && o == "("
            && cl == ")"
            && let Some(col) = t
                .columns
                .iter()
                .find(|col| col.name.to_lowercase() == c.to_lowercase())
            && (col.ty
                == (ColumnType::Custom {
                    sql: "longtext".into(),
                })
                || col.ty == ColumnType::Json)
        {
            json_cols.push(col.name.clone());
            return false;
        }
        true
    });
    for c in t.columns.iter_mut() {
        if json_cols.contains(&c.name) {
            c.ty = ColumnType::Json;
        }
    }
    // Implicit foreign-key indexes.
    let fks: Vec<(String, Vec<String>)> = t
        .foreign_keys
        .iter()
        .map(|f| (f.name.clone(), f.columns.clone()))
        .collect();
    t.indexes.retain(|ix| {
        !(!ix.unique
            && ix.method.is_none()
            && fks.iter().any(|(name, cols)| {
                *name == ix.name
                    && ix
                        .parts
                        .iter()
                        .map(|p| p.column_name().map(str::to_string))
                        .collect::<Option<Vec<String>>>()
                        .as_ref()
                        == Some(cols)
            }))
    });
    t.uniques.sort_by(|a, b| a.name.cmp(&b.name));
    t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    t.checks.sort_by(|a, b| a.name.cmp(&b.name));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        assert_eq!(normalize_default("NULL", &ColumnType::Text), None);
        assert_eq!(
            normalize_default("'5'", &ColumnType::Integer).as_deref(),
            Some("5")
        );
        assert_eq!(
            normalize_default("'5'", &ColumnType::Varchar { length: 3 }).as_deref(),
            Some("'5'")
        );
        assert_eq!(
            normalize_default("true", &ColumnType::Boolean).as_deref(),
            Some("1")
        );
        assert_eq!(
            normalize_default(
                "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP",
                &ColumnType::Timestamp
            )
            .as_deref(),
            Some("current_timestamp on update current_timestamp")
        );
        assert_eq!(
            normalize_default("current_timestamp()", &ColumnType::Timestamp).as_deref(),
            Some("current_timestamp")
        );
    }

    #[test]
    fn long_names_are_refused() {
        let mut t = Table {
            name: "t".repeat(65),
            ..Default::default()
        };
        t.columns.push(Column::new("id", ColumnType::Integer));
        let errs = normalize_schema(&Schema {
            tables: vec![t],
            enums: vec![],
            sequences: Vec::new(),
        })
        .unwrap_err();
        assert!(errs[0].message.contains("at most 64"), "{errs:?}");
    }

    #[test]
    fn expression_key_parts_are_refused_on_mariadb_only() {
        let mut t = Table {
            name: "users".into(),
            columns: vec![Column::new("email", ColumnType::Varchar { length: 100 })],
            ..Default::default()
        };
        t.indexes.push(Index {
            name: "ix_users_expr".into(),
            named: false,
            parts: vec![
                IndexPart::expression("lower(email)"),
                IndexPart::expression("email(10)"),
            ],
            unique: true,
            predicate: None,
            method: None,
        });
        let schema = Schema {
            tables: vec![t],
            ..Default::default()
        };
        assert!(normalize_schema_with(&schema, &ServerDefaults::offline()).is_ok());
        let mariadb = ServerDefaults {
            functional_key_parts: false,
            ..ServerDefaults::offline()
        };
        let errs = normalize_schema_with(&schema, &mariadb).unwrap_err();
        assert_eq!(errs.len(), 1, "a prefix part is no expression: {errs:?}");
        assert_eq!(errs[0].object, "table \"users\", index \"ix_users_expr\"");
        assert!(
            errs[0]
                .message
                .contains("MariaDB has no expression key parts (`lower(email)`)"),
            "{errs:?}"
        );
    }
}
