//! Render [`Change`]s as SQLite statements.
//!
//! `CREATE TABLE` carries the whole table: columns (a single-column primary key
//! inline, `"id" INTEGER PRIMARY KEY NOT NULL` being the rowid alias), then a
//! composite primary key, `CONSTRAINT "uq_.." UNIQUE (..)`, `CONSTRAINT "fk_.."
//! FOREIGN KEY (..) REFERENCES ..`, `CONSTRAINT "ck_.." CHECK (..)`; its indexes
//! follow as `CREATE INDEX` statements.
//!
//! `ALTER TABLE` is used for what SQLite can do in place: rename a table or a
//! column, add a column that is nullable or has a constant default and takes part
//! in no constraint, drop a column no key or check uses, create and drop indexes.
//! Every other table change (types, nullability, defaults, keys, uniques, checks)
//! becomes one table rebuild per table ([`crate::rebuild`]). Before a rebuild:
//!
//! - renames run as `ALTER TABLE .. RENAME COLUMN`, so backfills see the new names;
//! - a new NOT NULL column without a default is added nullable and filled from its
//!   `backfill` hint (`UPDATE t SET c = <backfill>`); with no hint, a `retort:todo`
//!   marker asks for one; the rebuild then makes it NOT NULL;
//! - a column becoming NOT NULL with a `backfill` hint has its NULLs filled first.
//!
//! Enum type changes render nothing: SQLite enums are CHECK constraints, changed
//! with their tables. Comments render nothing: SQLite keeps none.

use retort_dialect::Statement;
use retort_schema::{
    Change, Column, ColumnType, FkAction, Index, IndexKey, Table, TableChange, TableDiff,
};

use crate::expr::{is_bare_default, is_constant_default, mentions_column};
use crate::rebuild::rebuild_table;
use crate::types::render_type;

/// Quote an identifier with double quotes.
pub(crate) fn q(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Render a list of changes, in order.
pub fn render_changes(changes: &[Change]) -> Vec<Statement> {
    let mut out = Vec::new();
    for change in changes {
        match change {
            Change::CreateEnum { .. } | Change::DropEnum { .. } | Change::AlterEnum { .. } => {}
            // SQLite has no sequences (its schemas never list any)
            Change::CreateSequence { .. }
            | Change::DropSequence { .. }
            | Change::AlterSequence { .. } => {}
            Change::CreateTable { table } => {
                out.push(Statement::new(create_table_sql(table, &table.name)));
                out.extend(
                    table
                        .indexes
                        .iter()
                        .map(|ix| Statement::new(create_index_sql(&table.name, ix))),
                );
            }
            Change::DropTable { table } => {
                out.push(Statement::new(format!("DROP TABLE {}", q(&table.name))))
            }
            Change::RenameTable { from, to } => out.push(Statement::new(format!(
                "ALTER TABLE {} RENAME TO {}",
                q(&from.name),
                q(&to.name)
            ))),
            Change::AlterTable(diff) => alter_table(diff, &mut out),
        }
    }
    out
}

/// `CREATE TABLE "<name>" (...)` for the table's definition under `name`.
pub(crate) fn create_table_sql(t: &Table, name: &str) -> String {
    let mut items: Vec<String> = t.columns.iter().map(|c| column_def(t, c, true)).collect();
    if let Some(pk) = t.primary_key.as_ref().filter(|pk| pk.columns.len() > 1) {
        items.push(format!("PRIMARY KEY ({})", column_list(&pk.columns)));
    }
    for u in &t.uniques {
        items.push(format!(
            "CONSTRAINT {} UNIQUE ({})",
            q(&u.name),
            column_list(&u.columns)
        ));
    }
    for fk in &t.foreign_keys {
        let mut s = format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
            q(&fk.name),
            column_list(&fk.columns),
            q(&fk.ref_table.name),
            column_list(&fk.ref_columns)
        );
        if fk.on_delete != FkAction::NoAction {
            s.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
        }
        if fk.on_update != FkAction::NoAction {
            s.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
        }
        if fk.deferrable {
            s.push_str(" DEFERRABLE INITIALLY DEFERRED");
        }
        items.push(s);
    }
    for ck in &t.checks {
        items.push(format!("CONSTRAINT {} CHECK ({})", q(&ck.name), ck.expr));
    }
    format!(
        "CREATE TABLE {} (\n    {}\n)",
        q(name),
        items.join(",\n    ")
    )
}

/// One column definition. `in_create`: inside CREATE TABLE (a single-column
/// primary key is written inline); otherwise for `ADD COLUMN`.
fn column_def(t: &Table, c: &Column, in_create: bool) -> String {
    let single_pk = t
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.len() == 1 && pk.columns[0] == c.name);
    let ty = if single_pk && c.ty == ColumnType::Integer && !c.auto_increment {
        "INT".to_string() // INTEGER would make it a rowid alias
    } else {
        render_type(&c.ty)
    };
    let mut s = q(&c.name);
    if !ty.is_empty() {
        s.push(' ');
        s.push_str(&ty);
    }
    if let Some(co) = &c.collation {
        s.push_str(" COLLATE ");
        s.push_str(co);
    }
    if single_pk && in_create {
        s.push_str(" PRIMARY KEY");
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(&default_clause(d));
    }
    s
}

fn default_clause(d: &str) -> String {
    if is_bare_default(d) {
        format!(" DEFAULT {d}")
    } else {
        format!(" DEFAULT ({d})")
    }
}

fn column_list(cols: &[String]) -> String {
    cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
}

/// `CREATE [UNIQUE] INDEX "name" ON "table" (...) [WHERE ...]`.
pub(crate) fn create_index_sql(table: &str, ix: &Index) -> String {
    let parts = ix
        .parts
        .iter()
        .map(|p| {
            let mut s = match &p.key {
                IndexKey::Column(c) => q(c),
                IndexKey::Expression(e) => e.clone(),
            };
            if let Some(c) = &p.collation {
                s.push_str(&format!(" COLLATE {}", q(c)));
            }
            if p.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut s = format!(
        "CREATE {}INDEX {} ON {} ({parts})",
        if ix.unique { "UNIQUE " } else { "" },
        q(&ix.name),
        q(table)
    );
    if let Some(p) = &ix.predicate {
        s.push_str(&format!(" WHERE {p}"));
    }
    s
}

/// Whether `ALTER TABLE ADD COLUMN` can add this column as it is.
fn addable_in_place(t: &Table, c: &Column) -> bool {
    let in_pk = t
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.contains(&c.name));
    let default_ok = match &c.default {
        None => c.nullable,
        Some(d) => is_constant_default(d),
    };
    !in_pk && default_ok
}

/// Whether a column of the old table takes part in a key or check, so that
/// `ALTER TABLE DROP COLUMN` would refuse it.
fn constrained(t: &Table, column: &str) -> bool {
    let has = |cols: &[String]| cols.iter().any(|c| c.eq_ignore_ascii_case(column));
    t.primary_key.as_ref().is_some_and(|pk| has(&pk.columns))
        || t.uniques.iter().any(|u| has(&u.columns))
        || t.foreign_keys.iter().any(|fk| has(&fk.columns))
        || t.checks.iter().any(|ck| mentions_column(&ck.expr, column))
}

fn alter_table(d: &TableDiff, out: &mut Vec<Statement>) {
    let table = &d.to.name;
    let qt = q(table);
    let mut renames: Vec<(&str, &str)> = Vec::new();
    let mut adds_in_place: Vec<&Column> = Vec::new();
    let mut three_step: Vec<&Column> = Vec::new();
    let mut drops: Vec<&Column> = Vec::new();
    let mut null_fills: Vec<&Column> = Vec::new();
    let mut add_indexes: Vec<&Index> = Vec::new();
    let mut drop_indexes: Vec<&Index> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    for change in &d.changes {
        match change {
            TableChange::RenameColumn { from, to } => renames.push((from, to)),
            TableChange::AddColumn { column } => {
                if addable_in_place(&d.to, column) {
                    adds_in_place.push(column);
                } else if !column.nullable && column.default.is_none() {
                    three_step.push(column);
                    reasons.push(format!("set NOT NULL on new column {}", q(&column.name)));
                } else {
                    reasons.push(format!("add column {}", q(&column.name)));
                }
            }
            TableChange::DropColumn { column } => {
                if constrained(&d.from, &column.name) {
                    reasons.push(format!("drop column {}", q(&column.name)));
                } else {
                    drops.push(column);
                }
            }
            TableChange::AlterColumn { from, to } => {
                let mut what = Vec::new();
                if from.ty != to.ty {
                    what.push("type");
                }
                if from.nullable != to.nullable {
                    what.push(if to.nullable {
                        "drop NOT NULL"
                    } else {
                        "set NOT NULL"
                    });
                    if !to.nullable && to.backfill.is_some() {
                        null_fills.push(to);
                    }
                }
                if from.default != to.default {
                    what.push("default");
                }
                if from.auto_increment != to.auto_increment {
                    what.push("auto increment");
                }
                if from.collation != to.collation {
                    what.push("collation");
                }
                if !what.is_empty() {
                    reasons.push(format!(
                        "alter column {} ({})",
                        q(&to.name),
                        what.join(", ")
                    ));
                }
            }
            TableChange::SetPrimaryKey { .. } => reasons.push("change primary key".into()),
            TableChange::AddUnique { unique } => {
                reasons.push(format!("add unique {}", q(&unique.name)))
            }
            TableChange::DropUnique { unique } => {
                reasons.push(format!("drop unique {}", q(&unique.name)))
            }
            TableChange::AddForeignKey { foreign_key } => {
                reasons.push(format!("add foreign key {}", q(&foreign_key.name)))
            }
            TableChange::DropForeignKey { foreign_key } => {
                reasons.push(format!("drop foreign key {}", q(&foreign_key.name)))
            }
            TableChange::AddCheck { check } => {
                reasons.push(format!("add check {}", q(&check.name)))
            }
            TableChange::DropCheck { check } => {
                reasons.push(format!("drop check {}", q(&check.name)))
            }
            TableChange::AddIndex { index } => add_indexes.push(index),
            TableChange::DropIndex { index } => drop_indexes.push(index),
            TableChange::SetComment { .. } | TableChange::SetOptions { .. } => {}
        }
    }

    for (from, to) in &renames {
        out.push(Statement::new(format!(
            "ALTER TABLE {qt} RENAME COLUMN {} TO {}",
            q(from),
            q(to)
        )));
    }
    if reasons.is_empty() {
        for ix in &drop_indexes {
            out.push(Statement::new(format!("DROP INDEX {}", q(&ix.name))));
        }
        for c in &drops {
            out.push(Statement::new(format!(
                "ALTER TABLE {qt} DROP COLUMN {}",
                q(&c.name)
            )));
        }
        for c in &adds_in_place {
            out.push(Statement::new(format!(
                "ALTER TABLE {qt} ADD COLUMN {}",
                column_def(&d.to, c, false)
            )));
        }
        for ix in &add_indexes {
            out.push(Statement::new(create_index_sql(table, ix)));
        }
        return;
    }

    // Columns the old table has once renames and three-step additions ran.
    let mut current: Vec<String> = d
        .from
        .columns
        .iter()
        .map(|c| {
            renames
                .iter()
                .find(|(f, _)| *f == c.name)
                .map_or_else(|| c.name.clone(), |(_, t)| t.to_string())
        })
        .collect();
    for c in &three_step {
        let nullable = Column {
            nullable: true,
            default: None,
            ..(*c).clone()
        };
        out.push(
            Statement::new(format!(
                "ALTER TABLE {qt} ADD COLUMN {}",
                column_def(&d.to, &nullable, false)
            ))
            .with_comment(format!(
                "add NOT NULL column {}.{} in three steps: add it nullable, backfill, set NOT NULL",
                qt,
                q(&c.name)
            )),
        );
        match &c.backfill {
            Some(bf) => out.push(Statement::new(format!("UPDATE {qt} SET {} = {bf}", q(&c.name)))),
            None => out.push(Statement::new("").with_todo(format!(
                "backfill {table}.{}: existing rows need a value before it becomes NOT NULL; write \
                 `UPDATE {qt} SET {} = <value>` here, or give the column a `backfill` or a server default",
                c.name,
                q(&c.name)
            ))),
        }
        current.push(c.name.clone());
    }
    for c in &null_fills {
        if let Some(bf) = &c.backfill {
            out.push(Statement::new(format!(
                "UPDATE {qt} SET {} = {bf} WHERE {} IS NULL",
                q(&c.name),
                q(&c.name)
            )));
        }
    }
    out.extend(rebuild_table(&d.to, &current, &reasons));
}
