//! Read a live SQLite schema into retort's [`Schema`], in three catalog queries.
//!
//! 1. tables and columns: `pragma_table_list` joined with `sqlite_master` (for the
//!    `CREATE TABLE` text) and `pragma_table_xinfo`;
//! 2. indexes: `pragma_index_list` joined with `pragma_index_xinfo` and
//!    `sqlite_master` (for the `CREATE INDEX` text);
//! 3. foreign keys: `pragma_foreign_key_list`.
//!
//! What the pragmas do not tell (constraint names, CHECK constraints,
//! `DEFERRABLE`, expression index parts, partial index predicates) is read from
//! the stored DDL by a small forgiving parser. Only ordinary tables of `main` are
//! read: `sqlite_*` tables, virtual tables and their shadow tables, views, the
//! version table and excluded tables are skipped.
//!
//! Mapping:
//! - an inline `UNIQUE` or `CONSTRAINT .. UNIQUE` (an `sqlite_autoindex_*`, origin
//!   `u`) is a [`UniqueConstraint`]; `CREATE UNIQUE INDEX` is an [`Index`] with `unique`;
//! - a column declared exactly `INTEGER` that alone makes up the primary key of a
//!   rowid table is auto-increment and NOT NULL (it is the rowid);
//! - names that the DDL does not give are convention names ([`retort_schema::naming`]);
//!   `named` is always false: the catalog does not say who chose a name, and the
//!   diff must match a database's items by definition unless the model names them.

use std::collections::HashMap;

use retort_dialect::{DbError, Scope};
use retort_schema::{
    Check, Column, FkAction, ForeignKey, Index, IndexPart, PrimaryKey, QualifiedName, Schema,
    Table, UniqueConstraint, naming,
};
use sqlx::{Row, SqliteConnection};

use crate::ddl_parse::{ConstraintKind, TableDdl, parse_create_index, parse_create_table};
use crate::expr::normalize_default;
use crate::normalize::{
    canonical_column, expression_part, normalize_collation, without_own_collations,
};
use crate::types::{is_rowid_alias_type, parse_declared_type};

const TABLES_FILTER: &str =
    "t.schema = 'main' AND t.type = 'table' AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

fn columns_query() -> String {
    format!(
        "SELECT t.name, m.sql, c.name, c.type, c.\"notnull\", c.dflt_value, c.pk, c.hidden \
         FROM pragma_table_list AS t \
         JOIN sqlite_master AS m ON m.type = 'table' AND m.name = t.name \
         JOIN pragma_table_xinfo(t.name, 'main') AS c \
         WHERE {TABLES_FILTER} ORDER BY t.name, c.cid"
    )
}

fn indexes_query() -> String {
    format!(
        "SELECT t.name, il.name, il.\"unique\", il.origin, ix.name, im.sql \
         FROM pragma_table_list AS t \
         JOIN pragma_index_list(t.name, 'main') AS il \
         JOIN pragma_index_xinfo(il.name, 'main') AS ix \
         LEFT JOIN sqlite_master AS im ON im.type = 'index' AND im.name = il.name \
         WHERE {TABLES_FILTER} AND ix.key = 1 ORDER BY t.name, im.rowid, il.name, ix.seqno"
    )
}

fn foreign_keys_query() -> String {
    format!(
        "SELECT t.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete \
         FROM pragma_table_list AS t \
         JOIN pragma_foreign_key_list(t.name, 'main') AS f \
         WHERE {TABLES_FILTER} ORDER BY t.name, f.id DESC, f.seq"
    )
}

struct RawColumn {
    name: String,
    declared: String,
    notnull: bool,
    default: Option<String>,
    pk: i64,
    hidden: i64,
}

struct RawTable {
    name: String,
    sql: String,
    columns: Vec<RawColumn>,
}

struct RawIndex {
    name: String,
    unique: bool,
    origin: String,
    columns: Vec<Option<String>>,
    sql: Option<String>,
}

struct RawForeignKey {
    ref_table: String,
    from: Vec<String>,
    to: Vec<Option<String>>,
    on_update: String,
    on_delete: String,
}

fn query_error(e: sqlx::Error, sql: &str) -> DbError {
    DbError::query(format!("reading the SQLite schema failed: {e}"), sql)
}

/// Read every table in scope.
pub async fn introspect(conn: &mut SqliteConnection, scope: &Scope) -> Result<Schema, DbError> {
    let sql = columns_query();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| query_error(e, &sql))?;
    let mut raw: Vec<RawTable> = Vec::new();
    for row in rows {
        let get = |e: sqlx::Error| query_error(e, &sql);
        let table: String = row.try_get(0).map_err(get)?;
        if raw.last().is_none_or(|t| t.name != table) {
            let ddl: Option<String> = row.try_get(1).map_err(get)?;
            raw.push(RawTable {
                name: table,
                sql: ddl.unwrap_or_default(),
                columns: Vec::new(),
            });
        }
        let column = RawColumn {
            name: row.try_get(2).map_err(get)?,
            declared: row
                .try_get::<Option<String>, _>(3)
                .map_err(get)?
                .unwrap_or_default(),
            notnull: row.try_get::<i64, _>(4).map_err(get)? != 0,
            default: row.try_get(5).map_err(get)?,
            pk: row.try_get(6).map_err(get)?,
            hidden: row.try_get(7).map_err(get)?,
        };
        if let Some(t) = raw.last_mut() {
            t.columns.push(column);
        }
    }

    let sql = indexes_query();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| query_error(e, &sql))?;
    let mut indexes: HashMap<String, Vec<RawIndex>> = HashMap::new();
    for row in rows {
        let get = |e: sqlx::Error| query_error(e, &sql);
        let table: String = row.try_get(0).map_err(get)?;
        let name: String = row.try_get(1).map_err(get)?;
        let list = indexes.entry(table).or_default();
        if list.last().is_none_or(|ix| ix.name != name) {
            list.push(RawIndex {
                name,
                unique: row.try_get::<i64, _>(2).map_err(get)? != 0,
                origin: row.try_get(3).map_err(get)?,
                columns: Vec::new(),
                sql: row.try_get(5).map_err(get)?,
            });
        }
        let column: Option<String> = row.try_get(4).map_err(get)?;
        if let Some(ix) = list.last_mut() {
            ix.columns.push(column);
        }
    }

    let sql = foreign_keys_query();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| query_error(e, &sql))?;
    let mut fks: HashMap<String, Vec<(i64, RawForeignKey)>> = HashMap::new();
    for row in rows {
        let get = |e: sqlx::Error| query_error(e, &sql);
        let table: String = row.try_get(0).map_err(get)?;
        let id: i64 = row.try_get(1).map_err(get)?;
        let list = fks.entry(table).or_default();
        if list.last().is_none_or(|(last, _)| *last != id) {
            list.push((
                id,
                RawForeignKey {
                    ref_table: row.try_get(2).map_err(get)?,
                    from: Vec::new(),
                    to: Vec::new(),
                    on_update: row.try_get(5).map_err(get)?,
                    on_delete: row.try_get(6).map_err(get)?,
                },
            ));
        }
        if let Some((_, fk)) = list.last_mut() {
            fk.from.push(row.try_get(3).map_err(get)?);
            fk.to.push(row.try_get(4).map_err(get)?);
        }
    }

    let tables = raw
        .iter()
        .filter(|t| !scope.is_excluded(&t.name))
        .map(|t| {
            assemble(
                t,
                indexes.get(&t.name).map_or(&[][..], Vec::as_slice),
                fks.get(&t.name).map_or(&[][..], Vec::as_slice),
                &raw,
            )
        })
        .collect();
    Ok(Schema {
        tables,
        enums: Vec::new(),
        sequences: Vec::new(),
    })
}

fn primary_key_columns(t: &RawTable) -> Vec<String> {
    let mut pk: Vec<(i64, &str)> = t
        .columns
        .iter()
        .filter(|c| c.pk > 0)
        .map(|c| (c.pk, c.name.as_str()))
        .collect();
    pk.sort_by_key(|(n, _)| *n);
    pk.into_iter().map(|(_, n)| n.to_string()).collect()
}

fn same_columns(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

fn assemble(
    raw: &RawTable,
    raw_indexes: &[RawIndex],
    raw_fks: &[(i64, RawForeignKey)],
    all: &[RawTable],
) -> Table {
    let ddl: TableDdl = parse_create_table(&raw.sql);
    let mut used = vec![false; ddl.constraints.len()];
    let pk_columns = primary_key_columns(raw);
    let pk_desc = ddl
        .constraints
        .iter()
        .any(|c| matches!(&c.kind, ConstraintKind::PrimaryKey { desc: true, .. }));
    let rowid_alias = match pk_columns.as_slice() {
        [only] => {
            !ddl.without_rowid
                && !pk_desc
                && raw
                    .columns
                    .iter()
                    .any(|c| &c.name == only && is_rowid_alias_type(&c.declared))
        }
        _ => false,
    };

    let columns: Vec<Column> = raw
        .columns
        .iter()
        .filter(|c| c.hidden != 1)
        .map(|c| {
            let alias = rowid_alias && c.pk > 0;
            Column {
                name: c.name.clone(),
                ty: parse_declared_type(&c.declared),
                nullable: !(c.notnull || alias),
                default: c.default.as_deref().and_then(normalize_default),
                auto_increment: alias,
                identity: None,
                comment: None,
                collation: ddl
                    .constraints
                    .iter()
                    .rev()
                    .find_map(|k| match &k.kind {
                        ConstraintKind::Collate { column, collation }
                            if column.eq_ignore_ascii_case(&c.name) =>
                        {
                            Some(collation)
                        }
                        _ => None,
                    })
                    .and_then(|co| normalize_collation(co).ok().flatten()),
                spelling: Default::default(),
                renamed_from: None,
                backfill: None,
            }
        })
        .collect();

    let mut uniques = Vec::new();
    let mut indexes = Vec::new();
    for ix in raw_indexes {
        match ix.origin.as_str() {
            "u" => {
                let cols: Vec<String> = ix
                    .columns
                    .iter()
                    .map(|c| canonical_column(c.as_deref().unwrap_or_default(), &columns))
                    .collect();
                let declared = ddl.constraints.iter().enumerate().position(|(k, c)| {
                    !used[k] && matches!(&c.kind, ConstraintKind::Unique { columns } if same_columns(columns, &cols))
                });
                let name = declared.and_then(|k| {
                    used[k] = true;
                    ddl.constraints[k].name.clone()
                });
                let name = name.unwrap_or_else(|| naming::unique(&raw.name, &cols));
                uniques.push(UniqueConstraint {
                    named: false,
                    name,
                    columns: cols,
                });
            }
            "c" => {
                let parsed = ix
                    .sql
                    .as_deref()
                    .map(parse_create_index)
                    .unwrap_or_default();
                let mut parts: Vec<IndexPart> = if parsed.parts.is_empty() {
                    ix.columns
                        .iter()
                        .map(|c| {
                            IndexPart::column(canonical_column(
                                c.as_deref().unwrap_or_default(),
                                &columns,
                            ))
                        })
                        .collect()
                } else {
                    parsed
                        .parts
                        .iter()
                        .map(|p| expression_part(p, &columns))
                        .collect()
                };
                without_own_collations(&mut parts, &columns);
                indexes.push(Index {
                    named: false,
                    name: ix.name.clone(),
                    parts,
                    unique: ix.unique,
                    predicate: parsed.predicate,
                    method: None,
                });
            }
            _ => {} // the index behind a PRIMARY KEY
        }
    }

    let mut foreign_keys = Vec::new();
    for (_, fk) in raw_fks {
        let parent = all.iter().find(|t| t.name == fk.ref_table).or_else(|| {
            all.iter()
                .find(|t| t.name.eq_ignore_ascii_case(&fk.ref_table))
        });
        let ref_table = parent.map_or_else(|| fk.ref_table.clone(), |p| p.name.clone());
        let parent_columns: Vec<Column> = parent
            .map(|p| {
                p.columns
                    .iter()
                    .map(|c| Column::new(c.name.clone(), retort_schema::ColumnType::Text))
                    .collect()
            })
            .unwrap_or_default();
        let cols: Vec<String> = fk
            .from
            .iter()
            .map(|c| canonical_column(c, &columns))
            .collect();
        let ref_columns: Vec<String> = if fk.to.iter().any(Option::is_none) {
            parent.map(primary_key_columns).unwrap_or_default()
        } else {
            fk.to
                .iter()
                .flatten()
                .map(|c| canonical_column(c, &parent_columns))
                .collect()
        };
        let declared = ddl.constraints.iter().enumerate().position(|(k, c)| {
            !used[k]
                && matches!(&c.kind, ConstraintKind::ForeignKey { columns, ref_table: rt, .. }
                    if same_columns(columns, &cols) && rt.eq_ignore_ascii_case(&ref_table))
        });
        let (name, deferrable) = match declared {
            Some(k) => {
                used[k] = true;
                let deferrable = matches!(
                    &ddl.constraints[k].kind,
                    ConstraintKind::ForeignKey {
                        deferrable: true,
                        ..
                    }
                );
                (ddl.constraints[k].name.clone(), deferrable)
            }
            None => (None, false),
        };
        let name = name.unwrap_or_else(|| naming::foreign_key(&raw.name, &cols, &ref_table));
        foreign_keys.push(ForeignKey {
            named: false,
            name,
            columns: cols,
            ref_table: QualifiedName::new(ref_table),
            ref_columns,
            on_delete: FkAction::parse(&fk.on_delete).unwrap_or_default(),
            on_update: FkAction::parse(&fk.on_update).unwrap_or_default(),
            deferrable,
        });
    }

    let checks = ddl
        .constraints
        .iter()
        .filter_map(|c| match &c.kind {
            ConstraintKind::Check { expr } => {
                let name = c
                    .name
                    .clone()
                    .unwrap_or_else(|| naming::check(&raw.name, expr));
                Some(Check {
                    named: false,
                    name,
                    expr: expr.clone(),
                })
            }
            _ => None,
        })
        .collect();

    Table {
        schema: None,
        name: raw.name.clone(),
        columns,
        primary_key: (!pk_columns.is_empty()).then_some(PrimaryKey {
            name: None,
            columns: pk_columns,
        }),
        uniques,
        indexes,
        foreign_keys,
        checks,
        comment: None,
        collation: None,
        options: Default::default(),
        renamed_from: None,
    }
}
