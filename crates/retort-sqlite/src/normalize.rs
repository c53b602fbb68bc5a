//! The SQLite normal form of a schema: exactly what introspection reports after
//! the schema has been created by retort.
//!
//! - Types: see [`crate::types`]. `Decimal` is refused (SQLite has no exact
//!   decimal type; use `sql_type`). An `Enum` column becomes `TEXT` plus a check
//!   `"col" IN ('a', 'b', ...)` with the convention name of any unnamed check
//!   (`ck_<table>_<hash of the expression>`); the schema's enum types disappear.
//! - A single-column integer primary key that is auto-increment (the default for
//!   integer keys) is SQLite's rowid alias: `INTEGER`, auto-increment. One that is
//!   not auto-increment keeps its type (`Integer` is written `INT`). No other
//!   column can be auto-increment in SQLite: the flag is cleared.
//! - Primary key columns are NOT NULL; primary keys have no name.
//! - Defaults and expressions are in the normal form of [`crate::expr`];
//!   `DEFAULT NULL` is no default.
//! - Comments are dropped (SQLite has none).
//! - Column collations are `NOCASE` or `RTRIM`; `BINARY` (the default) is none;
//!   other names are refused.
//! - Names: an item without a name gets the convention name (for checks, over
//!   the normalized expression); names round-trip exactly. `named` stays as the
//!   model says: it decides whether the diff also matches the name. Introspection
//!   always reports `named: false` (SQLite does not know who chose a name), so
//!   items of databases made by other tools, and convention names gone stale
//!   after a rename (SQLite renames neither constraints nor indexes), are
//!   matched by definition.
//! - Index parts that are a bare column become [`IndexPart::Column`] with the
//!   column's spelling, and lose a collation that is their column's own; index
//!   access methods are refused.
//! - Only the default schema exists (`main` is accepted as its name).

use retort_dialect::NormalizeError;
use retort_schema::naming;
use retort_schema::{
    Check, Column, ColumnType, Index, IndexKey, IndexPart, PrimaryKey, QualifiedName, Schema, Table,
};

use crate::expr::{normalize as normalize_expr, normalize_default};
use crate::lex::{Tok, tokenize};

/// Normalize a whole model schema.
pub fn normalize_schema(schema: &Schema) -> Result<Schema, Vec<NormalizeError>> {
    let mut errors = Vec::new();
    let mut tables = Vec::with_capacity(schema.tables.len());
    for t in &schema.tables {
        tables.push(normalize_table(t, schema, &mut errors));
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

fn default_schema(schema: &Option<String>) -> bool {
    schema.as_deref().is_none_or(|s| s == "main")
}

fn normalize_table(t: &Table, schema: &Schema, errors: &mut Vec<NormalizeError>) -> Table {
    let tname = t.name.clone();
    let obj = |what: &str| format!("table \"{tname}\"{what}");
    if !default_schema(&t.schema) {
        err(
            errors,
            obj(""),
            format!(
                "SQLite has no schema {:?}: remove `schema` from the model (SQLite keeps every table in `main`)",
                t.schema.as_deref().unwrap_or_default()
            ),
        );
    }
    let pk_columns: Vec<String> = t
        .primary_key
        .as_ref()
        .map(|p| canonical_columns(&p.columns, &t.columns))
        .unwrap_or_default();
    let single_pk = (pk_columns.len() == 1).then(|| pk_columns[0].clone());
    let mut checks: Vec<Check> = Vec::new();
    let mut enum_checks: Vec<Check> = Vec::new();
    let mut columns = Vec::with_capacity(t.columns.len());
    for c in &t.columns {
        let mut col = Column {
            name: c.name.clone(),
            ty: c.ty.clone(),
            nullable: c.nullable,
            default: c.default.as_deref().and_then(normalize_default),
            auto_increment: false,
            identity: None,
            comment: None,
            collation: None,
            spelling: Default::default(),
            renamed_from: c.renamed_from.clone(),
            backfill: c.backfill.clone(),
        };
        let cobj = obj(&format!(", column \"{}\"", c.name));
        col.ty = match &c.ty {
            ColumnType::Decimal { precision, scale } => {
                err(
                    errors,
                    cobj.clone(),
                    format!(
                        "SQLite has no exact decimal type for decimal({precision},{scale}): choose a storage with \
                         `sql_type` (e.g. `sql_type = \"TEXT\"` to keep every digit, or `sql_type = \"NUMERIC\"`, \
                         which SQLite stores as a float)"
                    ),
                );
                c.ty.clone()
            }
            ColumnType::Enum { values, .. } => {
                let list = values
                    .iter()
                    .map(|v| format!("'{}'", v.replace('\'', "''")))
                    .collect::<Vec<_>>();
                let expr = normalize_expr(&format!("{} IN ({})", quote(&c.name), list.join(", ")));
                let name = naming::check(&t.name, &expr);
                enum_checks.push(Check {
                    name,
                    named: false,
                    expr,
                });
                ColumnType::Text
            }
            ColumnType::Custom { sql } => crate::types::parse_declared_type(sql),
            other => other.clone(),
        };
        match c.collation.as_deref().map(normalize_collation) {
            Some(Ok(co)) => col.collation = co,
            Some(Err(name)) => err(
                errors,
                cobj.clone(),
                format!(
                    "SQLite has no collation {name:?}: its collations are BINARY (the default), NOCASE and RTRIM"
                ),
            ),
            None => {}
        }
        let in_pk = pk_columns.iter().any(|p| p == &c.name);
        if in_pk {
            col.nullable = false;
        }
        if single_pk.as_deref() == Some(c.name.as_str())
            && matches!(
                col.ty,
                ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
            )
            && c.auto_increment
        {
            col.ty = ColumnType::Integer;
            col.auto_increment = true;
        }
        columns.push(col);
    }
    for pk in &pk_columns {
        if t.column(pk).is_none() {
            err(
                errors,
                obj(""),
                format!("primary key column \"{pk}\" is not a column of the table"),
            );
        }
    }
    for ch in &t.checks {
        let expr = normalize_expr(&ch.expr);
        let convention = naming::check(&t.name, &expr);
        checks.push(Check {
            name: pick(&ch.name, &convention),
            named: ch.named,
            expr,
        });
    }
    checks.extend(enum_checks);

    let uniques = t
        .uniques
        .iter()
        .map(|u| {
            let columns = canonical_columns(&u.columns, &t.columns);
            let convention = naming::unique(&t.name, &columns);
            retort_schema::UniqueConstraint {
                name: pick(&u.name, &convention),
                named: u.named,
                columns,
            }
        })
        .collect();

    let mut indexes = Vec::with_capacity(t.indexes.len());
    for ix in &t.indexes {
        if let Some(method) = &ix.method {
            err(
                errors,
                obj(&format!(", index \"{}\"", ix.name)),
                format!("SQLite has no index access method {method:?}: remove `method`"),
            );
        }
        if ix
            .parts
            .iter()
            .any(|p| p.nulls.is_some() || p.opclass.is_some())
        {
            err(
                errors,
                obj(&format!(", index \"{}\"", ix.name)),
                "SQLite indexes have no NULLS FIRST/LAST or operator classes: remove them",
            );
        }
        let mut parts: Vec<IndexPart> = ix
            .parts
            .iter()
            .map(|p| normalize_index_part(p, &t.columns))
            .collect();
        without_own_collations(&mut parts, &columns);
        let predicate = ix.predicate.as_deref().map(normalize_expr);
        let convention = naming::index_where(&t.name, &parts, predicate.as_deref());
        indexes.push(Index {
            name: pick(&ix.name, &convention),
            named: ix.named,
            parts,
            unique: ix.unique,
            predicate,
            method: None,
        });
    }

    let mut foreign_keys = Vec::with_capacity(t.foreign_keys.len());
    for fk in &t.foreign_keys {
        let fobj = obj(&format!(", foreign key \"{}\"", fk.name));
        if !default_schema(&fk.ref_table.schema) {
            err(
                errors,
                fobj.clone(),
                format!(
                    "SQLite cannot reference a table in another schema ({})",
                    fk.ref_table
                ),
            );
        }
        let parent = schema
            .tables
            .iter()
            .filter(|x| default_schema(&x.schema))
            .find(|x| x.name.eq_ignore_ascii_case(&fk.ref_table.name));
        let ref_table = parent.map_or_else(|| fk.ref_table.name.clone(), |p| p.name.clone());
        let mut ref_columns = match parent {
            Some(p) => canonical_columns(&fk.ref_columns, &p.columns),
            None => fk.ref_columns.clone(),
        };
        if ref_columns.is_empty() {
            match parent.and_then(|x| x.primary_key.as_ref()) {
                Some(pk) => ref_columns = pk.columns.clone(),
                None => err(
                    errors,
                    fobj.clone(),
                    "name the referenced columns: the referenced table has no known primary key",
                ),
            }
        }
        let columns = canonical_columns(&fk.columns, &t.columns);
        let convention = naming::foreign_key(&t.name, &columns, &ref_table);
        foreign_keys.push(retort_schema::ForeignKey {
            name: pick(&fk.name, &convention),
            named: fk.named,
            columns,
            ref_table: QualifiedName::new(ref_table),
            ref_columns,
            on_delete: fk.on_delete,
            on_update: fk.on_update,
            deferrable: fk.deferrable,
        });
    }

    Table {
        schema: None,
        name: t.name.clone(),
        columns,
        primary_key: t.primary_key.as_ref().map(|_| PrimaryKey {
            name: None,
            columns: pk_columns.clone(),
        }),
        uniques,
        indexes,
        foreign_keys,
        checks,
        comment: None,
        collation: None,
        options: Default::default(),
        renamed_from: t.renamed_from.clone(),
    }
}

/// A column collation in normal form: `NOCASE` or `RTRIM` (upper case); `BINARY`,
/// SQLite's default, is none. Any other name is refused (`Err`): SQLite knows no
/// other collation unless the application registers one, which retort cannot.
pub(crate) fn normalize_collation(name: &str) -> Result<Option<String>, String> {
    let bare = name.trim().trim_matches(['"', '`', '\'']).trim();
    match bare.to_ascii_uppercase().as_str() {
        "" | "BINARY" => Ok(None),
        co @ ("NOCASE" | "RTRIM") => Ok(Some(co.to_string())),
        _ => Err(name.to_string()),
    }
}

/// The item's name, or the convention name when it has none.
fn pick(name: &str, convention: &str) -> String {
    if name.is_empty() {
        convention.to_string()
    } else {
        name.to_string()
    }
}

/// An index part in normal form: a bare (possibly quoted) column name is a column,
/// spelled as the column is; anything else is a normalized expression.
pub(crate) fn normalize_index_part(part: &IndexPart, columns: &[Column]) -> IndexPart {
    let mut out = match &part.key {
        IndexKey::Column(c) => IndexPart::column(canonical_column(c, columns)),
        IndexKey::Expression(e) => expression_part(&tokenize(e), columns),
    };
    out.desc |= part.desc;
    if out.collation.is_none() {
        out.collation = part.collation.as_deref().map(str::to_ascii_lowercase);
    }
    out
}

/// Clear the collation of column parts that is their column's own (an index
/// key takes its column's collation unless it names another).
pub(crate) fn without_own_collations(parts: &mut [IndexPart], columns: &[Column]) {
    for p in parts {
        if let (IndexKey::Column(name), Some(co)) = (&p.key, &p.collation)
            && columns.iter().any(|c| {
                c.name.eq_ignore_ascii_case(name)
                    && c.collation
                        .as_ref()
                        .is_some_and(|own| own.eq_ignore_ascii_case(co))
            })
        {
            p.collation = None;
        }
    }
}

/// Classify the tokens of one index key part: a trailing `ASC`/`DESC` and
/// `COLLATE name` become the part's options, the rest is a column or an expression.
pub(crate) fn expression_part(toks: &[Tok], columns: &[Column]) -> IndexPart {
    let mut toks = toks;
    let mut desc = false;
    if let Some(last) = toks.last()
        && (last.is_word("asc") || last.is_word("desc"))
    {
        desc = last.is_word("desc");
        toks = &toks[..toks.len() - 1];
    }
    let mut collation = None;
    if toks.len() > 2 && toks[toks.len() - 2].is_word("collate") {
        collation = toks[toks.len() - 1].as_name().map(str::to_ascii_lowercase);
        toks = &toks[..toks.len() - 2];
    }
    let mut part = key_part(toks, columns);
    part.desc = desc;
    part.collation = collation;
    part
}

fn key_part(toks: &[Tok], columns: &[Column]) -> IndexPart {
    let inner: &[Tok] = if toks.len() == 3 && toks[0].is_punct("(") && toks[2].is_punct(")") {
        &toks[1..2]
    } else {
        toks
    };
    match inner {
        [Tok::Word(name)] | [Tok::Ident(name)]
            if columns.iter().any(|c| c.name.eq_ignore_ascii_case(name)) =>
        {
            IndexPart::column(canonical_column(name, columns))
        }
        _ => IndexPart::expression(crate::expr::normalize_tokens(toks)),
    }
}

/// The table's spelling of each column name.
fn canonical_columns(names: &[String], columns: &[Column]) -> Vec<String> {
    names.iter().map(|n| canonical_column(n, columns)).collect()
}

/// The table's spelling of a column name (SQLite matches names case-insensitively).
pub(crate) fn canonical_column(name: &str, columns: &[Column]) -> String {
    columns
        .iter()
        .find(|c| c.name == name)
        .or_else(|| columns.iter().find(|c| c.name.eq_ignore_ascii_case(name)))
        .map_or_else(|| name.to_string(), |c| c.name.clone())
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let mut id = Column::new("id", ColumnType::BigInt);
        id.nullable = false;
        id.auto_increment = true;
        let mut mood = Column::new(
            "mood",
            ColumnType::Enum {
                name: "mood".into(),
                schema: None,
                values: vec!["happy".into(), "it's".into()],
            },
        );
        mood.default = Some("'happy'".into());
        let mut flag = Column::new("flag", ColumnType::Boolean);
        flag.default = Some("FALSE".into());
        flag.comment = Some("gone".into());
        Table {
            name: "t".into(),
            columns: vec![id, mood, flag],
            primary_key: Some(PrimaryKey {
                name: Some("pk_t".into()),
                columns: vec!["id".into()],
            }),
            checks: vec![Check {
                name: "whatever".into(),
                named: false,
                expr: "(\"flag\" IN (TRUE, FALSE))".into(),
            }],
            indexes: vec![Index {
                name: "x".into(),
                named: false,
                parts: vec![IndexPart::expression("\"MOOD\"")],
                unique: false,
                predicate: None,
                method: None,
            }],
            ..Table::default()
        }
    }

    #[test]
    fn normal_form() {
        let s = normalize_schema(&Schema {
            tables: vec![table()],
            enums: vec![],
            sequences: Vec::new(),
        })
        .expect("normalizes");
        let t = &s.tables[0];
        assert_eq!(t.columns[0].ty, ColumnType::Integer);
        assert!(t.columns[0].auto_increment);
        assert_eq!(t.columns[1].ty, ColumnType::Text);
        assert_eq!(t.columns[2].default.as_deref(), Some("0"));
        assert_eq!(t.columns[2].comment, None);
        assert_eq!(t.primary_key.as_ref().and_then(|p| p.name.clone()), None);
        assert_eq!(t.checks[0].expr, "flag in (1, 0)");
        assert_eq!(t.checks[0].name, "whatever", "a given name is kept");
        assert_eq!(t.checks[1].expr, "mood in ('happy', 'it''s')");
        assert_eq!(
            t.checks[1].name,
            naming::check("t", "mood in ('happy', 'it''s')")
        );
        assert_eq!(t.indexes[0].parts, vec![IndexPart::column("mood")]);
        assert_eq!(t.indexes[0].name, "x");
        let again = normalize_schema(&s).expect("normalizes");
        assert_eq!(again, s, "normalizing twice changes nothing");
    }

    #[test]
    fn decimal_is_refused_with_advice() {
        let mut t = table();
        t.columns.push(Column::new(
            "price",
            ColumnType::Decimal {
                precision: 10,
                scale: 2,
            },
        ));
        let errs = normalize_schema(&Schema {
            tables: vec![t],
            enums: vec![],
            sequences: Vec::new(),
        })
        .expect_err("refused");
        assert!(errs[0].to_string().contains("sql_type"), "{}", errs[0]);
    }
}
