//! The diff: what must change to turn one [`Schema`] into another.
//!
//! Both schemas must already be in the same dialect's normal form (see
//! `retort_dialect::Dialect::normalize`); the diff then compares plain data.
//!
//! Matching rules:
//! * tables and enum types by qualified name, columns by name, after the renames
//!   the caller knows of ([`DiffOptions`] and the models' `renamed_from` hints);
//! * indexes and constraints by what they do (columns, expression, uniqueness,
//!   referenced table and columns, actions); when either side's item is
//!   [`named`](crate::model::Index::named) the names must agree as well. So a
//!   database made by another tool, with other index names, compares clean.
//!
//! The plan is ordered so it can be applied as written: enum types are created
//! first, then tables (referenced tables before the tables that reference
//! them), renames, in-place changes, then drops (referencing tables first), and
//! enum types are dropped last. Inside a table, drops come before adds.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::change::{Change, TableChange, TableDiff};
use crate::model::{
    Column, EnumType, ForeignKey, Index, IndexKey, PrimaryKey, QualifiedName, Schema, Table,
    TableIndex,
};

/// Hints the diff cannot infer from the two schemas alone.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Tables renamed: `(old, new)` (from `--rename`; the models' `renamed_from` adds to these).
    pub table_renames: Vec<(QualifiedName, QualifiedName)>,
    /// Columns renamed: `(table, old column, new column)`, the table under its new name.
    pub column_renames: Vec<(QualifiedName, String, String)>,
    /// Backfill expressions for columns that become NOT NULL: `(table, column, SQL)`.
    pub backfills: Vec<(QualifiedName, String, String)>,
}

/// Something the diff noticed that the user should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Note {
    /// A table disappears while one with the same columns appears.
    ProbableTableRename {
        /// The table that disappears.
        from: QualifiedName,
        /// The table that appears.
        to: QualifiedName,
    },
    /// A column disappears while one of the same type appears in the same table.
    ProbableColumnRename {
        /// The table.
        table: QualifiedName,
        /// The column that disappears.
        from: String,
        /// The column that appears.
        to: String,
    },
}

impl Note {
    /// A readable sentence, with the flag that turns the guess into a rename.
    pub fn message(&self) -> String {
        match self {
            Note::ProbableTableRename { from, to } => format!(
                "table {from} disappears and {to} appears with the same columns: probably a rename \
                 (say so with `renamed_from = \"{}\"` on the model or `--rename {}={}`); \
                 as written, the rows of {from} are lost",
                from.name, from.name, to.name
            ),
            Note::ProbableColumnRename { table, from, to } => format!(
                "column {table}.{from} disappears and {table}.{to} of the same type appears: probably a rename \
                 (say so with `renamed_from = \"{from}\"` on the field or `--rename {}.{from}={to}`); \
                 as written, the data of {table}.{from} is lost",
                table.name
            ),
        }
    }
}

/// The result of a diff: the changes, in an order that can be applied, and notes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Changes in application order.
    pub changes: Vec<Change>,
    /// Probable renames and other observations.
    pub notes: Vec<Note>,
}

impl Plan {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The changes that undo this plan, in application order.
    pub fn reverse(&self) -> Vec<Change> {
        self.changes.iter().rev().map(Change::reverse).collect()
    }
}

/// Compute the changes that turn `from` into `to`.
pub fn diff(from: &Schema, to: &Schema, opts: &DiffOptions) -> Plan {
    let mut plan = Plan::default();
    let renames = table_renames(from, to, opts);

    // Enum types.
    let mut create_enums = Vec::new();
    let mut alter_enums = Vec::new();
    let mut drop_enums = Vec::new();
    for e in &to.enums {
        match from.enum_type(&e.qualified_name()) {
            None => create_enums.push(Change::CreateEnum {
                enum_type: e.clone(),
            }),
            Some(old) if old.values != e.values => alter_enums.push(Change::AlterEnum {
                from: old.clone(),
                to: e.clone(),
                columns: enum_users(to, e),
            }),
            Some(_) => {}
        }
    }
    for e in &from.enums {
        if to.enum_type(&e.qualified_name()).is_none() {
            drop_enums.push(Change::DropEnum {
                enum_type: e.clone(),
            });
        }
    }

    // Sequences: created before the tables (a default may name one), dropped after.
    let mut create_seqs = Vec::new();
    let mut drop_seqs = Vec::new();
    for s in &to.sequences {
        match from.sequence(&s.qualified_name()) {
            None => create_seqs.push(Change::CreateSequence {
                sequence: s.clone(),
            }),
            Some(old) if old != s => plan.changes.push(Change::AlterSequence {
                from: old.clone(),
                to: s.clone(),
            }),
            Some(_) => {}
        }
    }
    for s in &from.sequences {
        if to.sequence(&s.qualified_name()).is_none() {
            drop_seqs.push(Change::DropSequence {
                sequence: s.clone(),
            });
        }
    }

    // Tables.
    let from_index = TableIndex::new(from);
    let to_index = TableIndex::new(to);
    let mut creates = Vec::new();
    let mut rename_changes = Vec::new();
    let mut alters = Vec::new();
    let mut matched_from: HashSet<(Option<&str>, &str)> = HashSet::new();
    for t in &to.tables {
        let name = t.qualified_name();
        let source = renames_source(&renames, &name).filter(|src| {
            from_index.get(src).is_some()
                && from_index.get(&name).is_none()
                && to_index.get(src).is_none()
        });
        let (old, renamed) = match source {
            Some(src) => (from_index.get(src), true),
            None => (from_index.get(&name), false),
        };
        match old {
            None => creates.push(t.clone()),
            Some(old) => {
                matched_from.insert((old.schema.as_deref(), old.name.as_str()));
                let old_t = if renamed {
                    rename_changes.push(Change::RenameTable {
                        from: old.qualified_name(),
                        to: name.clone(),
                    });
                    let mut old_t = old.clone();
                    old_t.schema = t.schema.clone();
                    old_t.name = t.name.clone();
                    Cow::Owned(old_t)
                } else {
                    Cow::Borrowed(old)
                };
                let (changes, notes) = diff_table(&old_t, t, &renames, opts);
                plan.notes.extend(notes);
                if !changes.is_empty() {
                    alters.push(Change::AlterTable(TableDiff {
                        from: old_t.into_owned(),
                        to: t.clone(),
                        changes,
                    }));
                }
            }
        }
    }
    let drops: Vec<Table> = from
        .tables
        .iter()
        .filter(|t| !matched_from.contains(&(t.schema.as_deref(), t.name.as_str())))
        .cloned()
        .collect();

    for d in &drops {
        for c in &creates {
            if same_columns(d, c) {
                plan.notes.push(Note::ProbableTableRename {
                    from: d.qualified_name(),
                    to: c.qualified_name(),
                });
            }
        }
    }

    plan.changes.extend(create_enums);
    plan.changes.extend(create_seqs);
    plan.changes.extend(alter_enums);
    plan.changes.extend(
        order_by_references(creates)
            .into_iter()
            .map(|table| Change::CreateTable { table }),
    );
    plan.changes.extend(rename_changes);
    plan.changes.extend(alters);
    let mut drops = order_by_references(drops);
    drops.reverse();
    plan.changes
        .extend(drops.into_iter().map(|table| Change::DropTable { table }));
    plan.changes.extend(drop_seqs);
    plan.changes.extend(drop_enums);
    plan
}

/// Old name → new name for every table rename the caller or the models declare.
fn table_renames(
    from: &Schema,
    to: &Schema,
    opts: &DiffOptions,
) -> BTreeMap<QualifiedName, QualifiedName> {
    let mut out = BTreeMap::new();
    let (from_index, to_index) = (TableIndex::new(from), TableIndex::new(to));
    for (old, new) in &opts.table_renames {
        out.insert(old.clone(), new.clone());
    }
    for t in &to.tables {
        if let Some(old) = &t.renamed_from {
            let old = QualifiedName {
                schema: t.schema.clone(),
                name: old.clone(),
            };
            if from_index.get(&old).is_some() && to_index.get(&old).is_none() {
                out.entry(old).or_insert_with(|| t.qualified_name());
            }
        }
    }
    out
}

fn renames_source<'a>(
    renames: &'a BTreeMap<QualifiedName, QualifiedName>,
    new: &QualifiedName,
) -> Option<&'a QualifiedName> {
    renames.iter().find(|(_, n)| *n == new).map(|(o, _)| o)
}

/// Columns of `schema` whose type is the enum `e`.
fn enum_users(schema: &Schema, e: &EnumType) -> Vec<(QualifiedName, String)> {
    let mut out = Vec::new();
    for t in &schema.tables {
        for c in &t.columns {
            if let crate::model::ColumnType::Enum {
                name, schema: s, ..
            } = &c.ty
                && name == &e.name
                && s == &e.schema
            {
                out.push((t.qualified_name(), c.name.clone()));
            }
        }
    }
    out
}

fn same_columns(a: &Table, b: &Table) -> bool {
    let key = |t: &Table| {
        let mut v: Vec<(String, String)> = t
            .columns
            .iter()
            .map(|c| (c.name.clone(), format!("{:?}", c.ty)))
            .collect();
        v.sort();
        v
    };
    !a.columns.is_empty() && key(a) == key(b)
}

/// Sort tables so that a referenced table comes before the tables that reference
/// it (stable; tables in a reference cycle keep their relative order).
fn order_by_references(tables: Vec<Table>) -> Vec<Table> {
    let names: HashMap<QualifiedName, usize> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.qualified_name(), i))
        .collect();
    let mut done = vec![false; tables.len()];
    let mut visiting = vec![false; tables.len()];
    let mut order = Vec::with_capacity(tables.len());
    fn visit(
        i: usize,
        tables: &[Table],
        names: &HashMap<QualifiedName, usize>,
        done: &mut [bool],
        visiting: &mut [bool],
        order: &mut Vec<usize>,
    ) {
        if done[i] || visiting[i] {
            return;
        }
        visiting[i] = true;
        for fk in &tables[i].foreign_keys {
            if let Some(&j) = names.get(&fk.ref_table)
                && j != i
            {
                visit(j, tables, names, done, visiting, order);
            }
        }
        visiting[i] = false;
        done[i] = true;
        order.push(i);
    }
    for i in 0..tables.len() {
        visit(i, &tables, &names, &mut done, &mut visiting, &mut order);
    }
    let mut slots: Vec<Option<Table>> = tables.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// The changes inside one table. `from` already carries the new table name.
fn diff_table(
    from: &Table,
    to: &Table,
    table_renames: &BTreeMap<QualifiedName, QualifiedName>,
    opts: &DiffOptions,
) -> (Vec<TableChange>, Vec<Note>) {
    let tname = to.qualified_name();
    let mut notes = Vec::new();

    // Column renames: explicit options, then model hints.
    let mut col_renames: Vec<(String, String)> = Vec::new();
    for (t, old, new) in &opts.column_renames {
        if t == &tname
            && from.column(old).is_some()
            && to.column(new).is_some()
            && to.column(old).is_none()
        {
            col_renames.push((old.clone(), new.clone()));
        }
    }
    for c in &to.columns {
        if let Some(old) = &c.renamed_from
            && from.column(old).is_some()
            && from.column(&c.name).is_none()
            && to.column(old).is_none()
            && !col_renames.iter().any(|(o, n)| o == old || n == &c.name)
        {
            col_renames.push((old.clone(), c.name.clone()));
        }
    }

    // The old table as it reads after the renames, for comparing (a copy only
    // when a rename touches it).
    let touched = !col_renames.is_empty()
        || from
            .foreign_keys
            .iter()
            .any(|fk| table_renames.contains_key(&fk.ref_table));
    let old: Cow<'_, Table> = if touched {
        Cow::Owned(renamed_view(from, &tname, &col_renames, table_renames))
    } else {
        Cow::Borrowed(from)
    };

    let backfill_for = |col: &Column| -> Option<String> {
        opts.backfills
            .iter()
            .find(|(t, c, _)| t == &tname && c == &col.name)
            .map(|(_, _, sql)| sql.clone())
            .or_else(|| col.backfill.clone())
    };

    let mut drops_fk = Vec::new();
    let mut drops_ck = Vec::new();
    let mut drops_ix = Vec::new();
    let mut drops_uq = Vec::new();
    let mut drop_cols = Vec::new();
    let mut renames = Vec::new();
    let mut add_cols = Vec::new();
    let mut alter_cols = Vec::new();
    let mut set_pk = Vec::new();
    let mut adds_uq = Vec::new();
    let mut adds_ix = Vec::new();
    let mut adds_ck = Vec::new();
    let mut adds_fk = Vec::new();
    let mut comment = Vec::new();

    for (o, n) in &col_renames {
        renames.push(TableChange::RenameColumn {
            from: o.clone(),
            to: n.clone(),
        });
    }
    for c in &to.columns {
        match old.column(&c.name) {
            None => {
                let mut c = c.clone();
                c.backfill = backfill_for(&c);
                add_cols.push(TableChange::AddColumn { column: c });
            }
            Some(prev) if !prev.same_definition(c) => {
                let mut c = c.clone();
                c.backfill = backfill_for(&c);
                alter_cols.push(TableChange::AlterColumn {
                    from: prev.clone(),
                    to: c,
                });
            }
            Some(_) => {}
        }
    }
    for c in &old.columns {
        if to.column(&c.name).is_none() {
            drop_cols.push(TableChange::DropColumn { column: c.clone() });
        }
    }
    for d in &drop_cols {
        if let TableChange::DropColumn { column: dc } = d {
            for a in &add_cols {
                if let TableChange::AddColumn { column: ac } = a
                    && ac.ty == dc.ty
                {
                    notes.push(Note::ProbableColumnRename {
                        table: tname.clone(),
                        from: dc.name.clone(),
                        to: ac.name.clone(),
                    });
                }
            }
        }
    }

    if !same_pk(&old.primary_key, &to.primary_key) {
        set_pk.push(TableChange::SetPrimaryKey {
            from: from.primary_key.clone(),
            to: to.primary_key.clone(),
        });
    }

    let (mut d_uq, mut a_uq, mut kept_uq) = match_items(
        &old.uniques,
        &from.uniques,
        &to.uniques,
        |x| &x.name,
        |x| x.named,
        |x, y| x.columns == y.columns,
    );
    let (mut d_ix, mut a_ix, mut kept_ix) = match_items(
        &old.indexes,
        &from.indexes,
        &to.indexes,
        |x| &x.name,
        |x| x.named,
        same_index,
    );
    // An item kept under its old name blocks a new item of that name (unique
    // constraints and indexes share one name space on MySQL and PostgreSQL):
    // the kept item is dropped and created again under its new name.
    loop {
        let taken: BTreeSet<String> = a_uq
            .iter()
            .map(|u| u.name.to_lowercase())
            .chain(a_ix.iter().map(|i| i.name.to_lowercase()))
            .collect();
        let clash = |old: &String, new: &String| old != new && taken.contains(&old.to_lowercase());
        let mut moved = false;
        for (o, n) in std::mem::take(&mut kept_uq) {
            if clash(&o.name, &n.name) {
                d_uq.push(o);
                a_uq.push(n);
                moved = true;
            } else {
                kept_uq.push((o, n));
            }
        }
        for (o, n) in std::mem::take(&mut kept_ix) {
            if clash(&o.name, &n.name) {
                d_ix.push(o);
                a_ix.push(n);
                moved = true;
            } else {
                kept_ix.push((o, n));
            }
        }
        if !moved {
            break;
        }
    }
    drops_uq.extend(
        d_uq.into_iter()
            .map(|unique| TableChange::DropUnique { unique }),
    );
    adds_uq.extend(
        a_uq.into_iter()
            .map(|unique| TableChange::AddUnique { unique }),
    );
    drops_ix.extend(
        d_ix.into_iter()
            .map(|index| TableChange::DropIndex { index }),
    );
    adds_ix.extend(
        a_ix.into_iter()
            .map(|index| TableChange::AddIndex { index }),
    );

    let (d, a, _) = match_items(
        &old.foreign_keys,
        &from.foreign_keys,
        &to.foreign_keys,
        |x| &x.name,
        |x| x.named,
        same_fk,
    );
    drops_fk.extend(
        d.into_iter()
            .map(|foreign_key| TableChange::DropForeignKey { foreign_key }),
    );
    adds_fk.extend(
        a.into_iter()
            .map(|foreign_key| TableChange::AddForeignKey { foreign_key }),
    );

    let (d, a, _) = match_items(
        &old.checks,
        &from.checks,
        &to.checks,
        |x| &x.name,
        |x| x.named,
        |x, y| x.expr == y.expr,
    );
    drops_ck.extend(d.into_iter().map(|check| TableChange::DropCheck { check }));
    adds_ck.extend(a.into_iter().map(|check| TableChange::AddCheck { check }));

    if from.comment != to.comment {
        comment.push(TableChange::SetComment {
            from: from.comment.clone(),
            to: to.comment.clone(),
        });
    }
    let mut options = Vec::new();
    if from.collation != to.collation || from.options != to.options {
        options.push(TableChange::SetOptions {
            from_collation: from.collation.clone(),
            to_collation: to.collation.clone(),
            from_options: from.options.clone(),
            to_options: to.options.clone(),
        });
    }

    let mut out = Vec::new();
    for group in [
        drops_fk, drops_ck, drops_ix, drops_uq, drop_cols, renames, options, add_cols, alter_cols,
        set_pk, adds_uq, adds_ix, adds_ck, adds_fk, comment,
    ] {
        out.extend(group);
    }
    (out, notes)
}

/// `from` as it reads after the column renames of this table and the table
/// renames its foreign keys point at.
fn renamed_view(
    from: &Table,
    tname: &QualifiedName,
    col_renames: &[(String, String)],
    table_renames: &BTreeMap<QualifiedName, QualifiedName>,
) -> Table {
    let rename_col = |name: &str| -> String {
        col_renames
            .iter()
            .find(|(o, _)| o == name)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| name.to_string())
    };
    let rename_table = |q: &QualifiedName| -> QualifiedName {
        table_renames.get(q).cloned().unwrap_or_else(|| q.clone())
    };
    let mut old = from.clone();
    for c in &mut old.columns {
        c.name = rename_col(&c.name);
    }
    let map_cols = |cols: &[String]| cols.iter().map(|c| rename_col(c)).collect::<Vec<_>>();
    if let Some(pk) = &mut old.primary_key {
        pk.columns = map_cols(&pk.columns);
    }
    for u in &mut old.uniques {
        u.columns = map_cols(&u.columns);
    }
    for ix in &mut old.indexes {
        for p in &mut ix.parts {
            if let IndexKey::Column(c) = &mut p.key {
                *c = rename_col(c);
            }
        }
    }
    for fk in &mut old.foreign_keys {
        fk.columns = map_cols(&fk.columns);
        fk.ref_table = rename_table(&fk.ref_table);
        if &fk.ref_table == tname {
            fk.ref_columns = map_cols(&fk.ref_columns);
        }
    }

    old
}

/// `a` is the live key, `b` the desired one. A desired key with no name matches
/// any name; a named one needs that name (a live `None` is the database's own
/// name, which the dialect's normal form leaves out).
fn same_pk(a: &Option<PrimaryKey>, b: &Option<PrimaryKey>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.columns == b.columns && (b.name.is_none() || a.name == b.name),
        _ => false,
    }
}

fn same_index(a: &Index, b: &Index) -> bool {
    a.parts == b.parts && a.unique == b.unique && a.predicate == b.predicate && a.method == b.method
}

fn same_fk(a: &ForeignKey, b: &ForeignKey) -> bool {
    a.columns == b.columns
        && a.ref_table == b.ref_table
        && a.ref_columns == b.ref_columns
        && a.on_delete == b.on_delete
        && a.on_update == b.on_update
        && a.deferrable == b.deferrable
}

/// Pair up items of the old table (`old`, renamed for comparison; `orig`, as in
/// the database, same order) with the new one. Returns (drops, adds, kept); drops
/// are the original items, kept pairs an original item with the new one it matches.
#[allow(clippy::type_complexity)]
fn match_items<T: Clone>(
    old: &[T],
    orig: &[T],
    new: &[T],
    name: impl Fn(&T) -> &String,
    named: impl Fn(&T) -> bool,
    same: impl Fn(&T, &T) -> bool,
) -> (Vec<T>, Vec<T>, Vec<(T, T)>) {
    let mut used = vec![false; old.len()];
    let mut adds = Vec::new();
    let mut kept = Vec::new();
    for n in new {
        let fits = |o: &T| same(o, n) && (!(named(n) || named(o)) || name(o) == name(n));
        // Prefer an item with the same name, so renamed-by-hand duplicates pair up stably.
        let pick = old
            .iter()
            .enumerate()
            .find(|(i, o)| !used[*i] && fits(o) && name(o) == name(n))
            .or_else(|| old.iter().enumerate().find(|(i, o)| !used[*i] && fits(o)))
            .map(|(i, _)| i);
        match pick {
            Some(i) => {
                used[i] = true;
                kept.push((orig[i].clone(), n.clone()));
            }
            None => adds.push(n.clone()),
        }
    }
    let drops = orig
        .iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|(o, _)| o.clone())
        .collect();
    (drops, adds, kept)
}
