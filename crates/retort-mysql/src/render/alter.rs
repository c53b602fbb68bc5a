//! The changes inside one existing table, in an order MySQL accepts.

use std::collections::{BTreeMap, HashSet};

use retort_dialect::Statement;
use retort_schema::{IndexPart, Table, TableChange, TableDiff};

use super::{
    cols, column_def, index_body, index_kind, index_using, part_sql, pk_body, q, qn, unique_body,
};
use crate::charset::{ServerDefaults, charset_of, is_textual};
use crate::normalize::covered;
use crate::types::quote_string;

/// ` AFTER <previous column>` or ` FIRST`: new columns take their model position.
/// Nothing when every later column is new too (appending is then right).
fn position(t: &Table, column: &str, added: &HashSet<&str>) -> String {
    let at = t.columns.iter().position(|c| c.name == column);
    if let Some(i) = at
        && t.columns[i + 1..]
            .iter()
            .all(|c| added.contains(c.name.as_str()))
    {
        return String::new();
    }
    match at {
        Some(0) => " FIRST".to_string(),
        Some(i) => format!(" AFTER {}", q(&t.columns[i - 1].name)),
        None => String::new(),
    }
}

/// The changes of one table other than foreign keys, in an order MySQL accepts:
///
/// 1. columns losing AUTO_INCREMENT (so their key can go);
/// 2. an index named after a kept foreign key, when the index that served the key
///    is dropped (InnoDB refuses to drop it otherwise);
/// 3. dropped checks, indexes, unique constraints and primary key;
/// 4. renamed columns; 4b. the table's default collation and options (columns
///    that inherit the default are modified to follow it); 5. added columns;
///    6. altered columns (backfilling NULLs first when a column becomes NOT NULL
///    and has a `backfill`);
/// 7. the new primary key, unique constraints, indexes and checks;
/// 8. columns gaining AUTO_INCREMENT (their key now exists);
/// 9. dropped columns; 10. the table comment.
pub fn alter_table(d: &TableDiff, defaults: &ServerDefaults, out: &mut Vec<Statement>) {
    let t = qn(&d.to.qualified_name());
    let ch = &d.changes;
    let mut pk_added_with_column = false;
    let mut keys_attached: HashSet<String> = HashSet::new();

    // 1.
    for c in ch {
        if let TableChange::AlterColumn { from, to } = c
            && from.auto_increment
            && !to.auto_increment
        {
            out.push(Statement::new(format!(
                "ALTER TABLE {t} MODIFY COLUMN {}",
                column_def(to, true)
            )));
        }
    }
    // 2.
    let mut after_drops = d.from.clone();
    for c in ch {
        match c {
            TableChange::DropIndex { index } => {
                after_drops.indexes.retain(|i| i.name != index.name)
            }
            TableChange::DropUnique { unique } => {
                after_drops.uniques.retain(|u| u.name != unique.name)
            }
            TableChange::SetPrimaryKey { .. } => after_drops.primary_key = None,
            _ => {}
        }
    }
    for fk in &d.from.foreign_keys {
        let kept = d.to.foreign_keys.iter().any(|f| f.name == fk.name && f.columns == fk.columns)
            && !ch.iter().any(|c| matches!(c, TableChange::DropForeignKey { foreign_key } if foreign_key.name == fk.name));
        if kept && covered(&d.from, &fk.columns, None) && !covered(&after_drops, &fk.columns, None)
        {
            out.push(
                Statement::new(format!(
                    "ALTER TABLE {t} ADD INDEX {} ({})",
                    q(&fk.name),
                    cols(&fk.columns)
                ))
                .with_comment(format!(
                    "keep foreign key {} indexed while its index is replaced",
                    fk.name
                )),
            );
        }
    }
    // 3.
    for c in ch {
        match c {
            TableChange::DropCheck { check } => out.push(Statement::new(format!(
                "ALTER TABLE {t} DROP CONSTRAINT {}",
                q(&check.name)
            ))),
            TableChange::DropIndex { index } => out.push(Statement::new(format!(
                "DROP INDEX {} ON {t}",
                q(&index.name)
            ))),
            TableChange::DropUnique { unique } => out.push(Statement::new(format!(
                "ALTER TABLE {t} DROP INDEX {}",
                q(&unique.name)
            ))),
            TableChange::SetPrimaryKey { from: Some(_), .. } => {
                out.push(Statement::new(format!("ALTER TABLE {t} DROP PRIMARY KEY")))
            }
            _ => {}
        }
    }
    // 4.
    for c in ch {
        if let TableChange::RenameColumn { from, to } = c {
            out.push(Statement::new(format!(
                "ALTER TABLE {t} RENAME COLUMN {} TO {}",
                q(from),
                q(to)
            )));
        }
    }
    // 4b.
    for c in ch {
        if let TableChange::SetOptions {
            from_collation,
            to_collation,
            from_options,
            to_options,
        } = c
        {
            table_options(
                d,
                &t,
                defaults,
                (from_collation, to_collation),
                (from_options, to_options),
                out,
            );
        }
    }
    // 5. (in table order, so that each `AFTER` names an existing column)
    let mut adds: Vec<&TableChange> = ch
        .iter()
        .filter(|c| matches!(c, TableChange::AddColumn { .. }))
        .collect();
    adds.sort_by_key(|c| match c {
        TableChange::AddColumn { column } => {
            d.to.columns.iter().position(|x| x.name == column.name)
        }
        _ => None,
    });
    let added: HashSet<&str> = adds
        .iter()
        .filter_map(|c| match c {
            TableChange::AddColumn { column } => Some(column.name.as_str()),
            _ => None,
        })
        .collect();
    for c in adds.iter() {
        if let TableChange::AddColumn { column } = c {
            let place = position(&d.to, &column.name, &added);
            if column.auto_increment {
                // AUTO_INCREMENT needs its key in the same statement.
                let mut sql = format!(
                    "ALTER TABLE {t} ADD COLUMN {}{place}",
                    column_def(column, true)
                );
                let first = |cs: &[String]| cs.first() == Some(&column.name);
                let pk = ch.iter().find_map(|c| match c {
                    TableChange::SetPrimaryKey { to: Some(pk), .. } if first(&pk.columns) => {
                        Some(pk)
                    }
                    _ => None,
                });
                if let Some(pk) = pk {
                    sql.push_str(&format!(", ADD {}", pk_body(pk)));
                    pk_added_with_column = true;
                } else if let Some(u) = ch.iter().find_map(|c| match c {
                    TableChange::AddUnique { unique } if first(&unique.columns) => Some(unique),
                    _ => None,
                }) {
                    sql.push_str(&format!(", ADD {}", unique_body(u)));
                    keys_attached.insert(u.name.clone());
                } else if let Some(ix) = ch.iter().find_map(|c| match c {
                    TableChange::AddIndex { index }
                        if index.parts.first() == Some(&IndexPart::column(column.name.clone())) =>
                    {
                        Some(index)
                    }
                    _ => None,
                }) {
                    sql.push_str(&format!(", ADD {}INDEX {}", index_kind(ix), index_body(ix)));
                    keys_attached.insert(ix.name.clone());
                }
                out.push(Statement::new(sql));
            } else if !column.nullable && column.default.is_none() {
                let mut nullable = column.clone();
                nullable.nullable = true;
                let col = q(&column.name);
                out.push(
                    Statement::new(format!(
                        "ALTER TABLE {t} ADD COLUMN {}{place}",
                        column_def(&nullable, false)
                    ))
                    .with_comment(format!(
                        "add NOT NULL column {} in three steps: add, fill, set NOT NULL",
                        column.name
                    )),
                );
                match &column.backfill {
                    Some(bf) => out.push(Statement::new(format!("UPDATE {t} SET {col} = {bf}"))),
                    None => out.push(Statement::new(String::new()).with_todo(format!(
                        "fill {col} for existing rows (UPDATE {t} SET {col} = ...), or give the column a `backfill` or a server default, then remove this line"
                    ))),
                }
                out.push(Statement::new(format!(
                    "ALTER TABLE {t} MODIFY COLUMN {}",
                    column_def(column, true)
                )));
            } else {
                out.push(Statement::new(format!(
                    "ALTER TABLE {t} ADD COLUMN {}{place}",
                    column_def(column, true)
                )));
            }
        }
    }
    // 6.
    for c in ch {
        if let TableChange::AlterColumn { from, to } = c {
            if from.auto_increment && !to.auto_increment {
                continue;
            }
            if from.nullable
                && !to.nullable
                && let Some(bf) = &to.backfill
            {
                out.push(Statement::new(format!(
                    "UPDATE {t} SET {col} = {bf} WHERE {col} IS NULL",
                    col = q(&to.name)
                )));
            }
            let gains = to.auto_increment && !from.auto_increment;
            out.push(Statement::new(format!(
                "ALTER TABLE {t} MODIFY COLUMN {}",
                column_def(to, !gains)
            )));
        }
    }
    // 7.
    for c in ch {
        match c {
            TableChange::SetPrimaryKey { to: Some(pk), .. } if !pk_added_with_column => out.push(
                Statement::new(format!("ALTER TABLE {t} ADD {}", pk_body(pk))),
            ),
            TableChange::AddUnique { unique } if !keys_attached.contains(&unique.name) => out.push(
                Statement::new(format!("ALTER TABLE {t} ADD {}", unique_body(unique))),
            ),
            TableChange::AddIndex { index } if !keys_attached.contains(&index.name) => {
                out.push(Statement::new(format!(
                    "CREATE {}INDEX {} ON {t} ({}){}",
                    index_kind(index),
                    q(&index.name),
                    index
                        .parts
                        .iter()
                        .map(part_sql)
                        .collect::<Vec<_>>()
                        .join(", "),
                    index_using(index)
                )))
            }
            TableChange::AddCheck { check } => out.push(Statement::new(format!(
                "ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({})",
                q(&check.name),
                check.expr
            ))),
            _ => {}
        }
    }
    // 8.
    for c in ch {
        if let TableChange::AlterColumn { from, to } = c
            && to.auto_increment
            && !from.auto_increment
        {
            out.push(Statement::new(format!(
                "ALTER TABLE {t} MODIFY COLUMN {}",
                column_def(to, true)
            )));
        }
    }
    // 9.
    for c in ch {
        if let TableChange::DropColumn { column } = c {
            out.push(Statement::new(format!(
                "ALTER TABLE {t} DROP COLUMN {}",
                q(&column.name)
            )));
        }
    }
    // 10.
    for c in ch {
        if let TableChange::SetComment { to, .. } = c {
            out.push(Statement::new(format!(
                "ALTER TABLE {t} COMMENT = {}",
                quote_string(to.as_deref().unwrap_or(""))
            )));
        }
    }
}

/// The statements of a change of the table's default collation or options.
fn table_options(
    d: &TableDiff,
    t: &str,
    defaults: &ServerDefaults,
    (from_co, to_co): (&Option<String>, &Option<String>),
    (from_opts, to_opts): (&BTreeMap<String, String>, &BTreeMap<String, String>),
    out: &mut Vec<Statement>,
) {
    if from_opts.get("engine") != to_opts.get("engine") {
        let e = to_opts.get("engine").unwrap_or(&defaults.engine);
        out.push(Statement::new(format!("ALTER TABLE {t} ENGINE = {e}")));
    }
    let mut others = Vec::new();
    for k in from_opts.keys().chain(to_opts.keys()) {
        if k != "engine"
            && from_opts.get(k) != to_opts.get(k)
            && !others.iter().any(|(o, _)| o == k)
        {
            let v = to_opts
                .get(k)
                .map(|v| v.to_ascii_uppercase())
                .unwrap_or_else(|| "DEFAULT".into());
            others.push((k.clone(), v));
        }
    }
    if !others.is_empty() {
        let list: Vec<String> = others
            .iter()
            .map(|(k, v)| format!("{} = {v}", k.to_ascii_uppercase()))
            .collect();
        out.push(Statement::new(format!(
            "ALTER TABLE {t} {}",
            list.join(" ")
        )));
    }
    if from_co == to_co {
        return;
    }
    let target = to_co.clone().or_else(|| {
        defaults
            .database_collation(d.to.schema.as_deref())
            .map(str::to_string)
    });
    out.push(Statement::new(match &target {
        Some(co) => format!(
            "ALTER TABLE {t} DEFAULT CHARSET = {} COLLATE = {co}",
            charset_of(co)
        ),
        None => format!("ALTER TABLE {t} CHARACTER SET DEFAULT"),
    }));
    // Columns that inherit the default keep the old one until they are modified.
    let touched: Vec<&str> = d
        .changes
        .iter()
        .filter_map(|c| match c {
            TableChange::AddColumn { column } | TableChange::AlterColumn { to: column, .. } => {
                Some(column.name.as_str())
            }
            _ => None,
        })
        .collect();
    for col in &d.to.columns {
        if col.collation.is_none()
            && is_textual(&col.ty)
            && !touched.contains(&col.name.as_str())
            && d.from
                .column(&col.name)
                .is_some_and(|f| f.collation.is_none())
        {
            out.push(Statement::new(format!(
                "ALTER TABLE {t} MODIFY COLUMN {}",
                column_def(col, true)
            )));
        }
    }
}
