//! The operations a migration is made of, each with its inverse.
//!
//! A [`Change`] carries enough of the old and new state to be rendered by any
//! dialect on its own (SQLite rebuilds need the whole new table) and to be
//! reversed without looking at the database: the downgrade of a plan is
//! `plan.iter().rev().map(Change::reverse)`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{
    Check, Column, EnumType, ForeignKey, Index, PrimaryKey, QualifiedName, Sequence, Table,
    UniqueConstraint,
};

/// One schema-level operation.
// Plans hold a handful of changes; boxing the table diff would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum Change {
    /// Create a named enum type.
    CreateEnum {
        /// The new type.
        enum_type: EnumType,
    },
    /// Drop a named enum type.
    DropEnum {
        /// The dropped type (kept so the change can be reversed).
        enum_type: EnumType,
    },
    /// Change the values of an enum type.
    AlterEnum {
        /// The type before.
        from: EnumType,
        /// The type after.
        to: EnumType,
        /// Columns of any table that use the type, as `(table, column)`: renderers
        /// that must swap the type need them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        columns: Vec<(QualifiedName, String)>,
    },
    /// Create a sequence (before the tables, whose defaults may use it).
    CreateSequence {
        /// The new sequence.
        sequence: Sequence,
    },
    /// Drop a sequence (after the tables).
    DropSequence {
        /// The dropped sequence (kept so the change can be reversed).
        sequence: Sequence,
    },
    /// Change a sequence's settings.
    AlterSequence {
        /// The sequence before.
        from: Sequence,
        /// The sequence after.
        to: Sequence,
    },
    /// Create a table, with its constraints and indexes.
    CreateTable {
        /// The new table.
        table: Table,
    },
    /// Drop a table.
    DropTable {
        /// The dropped table (kept so the change can be reversed).
        table: Table,
    },
    /// Rename a table (no other change; a following `AlterTable` uses the new name).
    RenameTable {
        /// Old name.
        from: QualifiedName,
        /// New name.
        to: QualifiedName,
    },
    /// Change a table in place.
    AlterTable(TableDiff),
}

/// The changes to one table, with the whole table before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDiff {
    /// The table before (under its new name if it was renamed).
    pub from: Table,
    /// The table after.
    pub to: Table,
    /// What changed, in the order the diff found it.
    pub changes: Vec<TableChange>,
}

/// One change inside a table.
// A column change holds two whole columns; boxing them would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum TableChange {
    /// Add a column.
    AddColumn {
        /// The new column (its `backfill` hint fills existing rows when it is NOT NULL with no default).
        column: Column,
    },
    /// Drop a column.
    DropColumn {
        /// The dropped column.
        column: Column,
    },
    /// Rename a column (definition unchanged; an `AlterColumn` may follow).
    RenameColumn {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Change a column's type, nullability, default, identity or comment.
    AlterColumn {
        /// The column before.
        from: Column,
        /// The column after (its `backfill` hint fills NULLs when it becomes NOT NULL).
        to: Column,
    },
    /// Add, drop or change the primary key.
    SetPrimaryKey {
        /// The key before.
        from: Option<PrimaryKey>,
        /// The key after.
        to: Option<PrimaryKey>,
    },
    /// Add a unique constraint.
    AddUnique {
        /// The constraint.
        unique: UniqueConstraint,
    },
    /// Drop a unique constraint.
    DropUnique {
        /// The constraint.
        unique: UniqueConstraint,
    },
    /// Create an index.
    AddIndex {
        /// The index.
        index: Index,
    },
    /// Drop an index.
    DropIndex {
        /// The index.
        index: Index,
    },
    /// Add a foreign key.
    AddForeignKey {
        /// The key.
        foreign_key: ForeignKey,
    },
    /// Drop a foreign key.
    DropForeignKey {
        /// The key.
        foreign_key: ForeignKey,
    },
    /// Add a check constraint.
    AddCheck {
        /// The constraint.
        check: Check,
    },
    /// Drop a check constraint.
    DropCheck {
        /// The constraint.
        check: Check,
    },
    /// Set or remove the table comment.
    SetComment {
        /// The comment before.
        from: Option<String>,
        /// The comment after.
        to: Option<String>,
    },
    /// Change the table's default collation or its dialect table options
    /// ([`Table::collation`], [`Table::options`]); the whole tables are in the
    /// [`TableDiff`].
    SetOptions {
        /// The default collation before.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_collation: Option<String>,
        /// The default collation after.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_collation: Option<String>,
        /// The options before.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        from_options: BTreeMap<String, String>,
        /// The options after.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        to_options: BTreeMap<String, String>,
    },
}

impl Change {
    /// The change that undoes this one.
    pub fn reverse(&self) -> Change {
        match self {
            Change::CreateEnum { enum_type } => Change::DropEnum {
                enum_type: enum_type.clone(),
            },
            Change::DropEnum { enum_type } => Change::CreateEnum {
                enum_type: enum_type.clone(),
            },
            Change::AlterEnum { from, to, columns } => Change::AlterEnum {
                from: to.clone(),
                to: from.clone(),
                columns: columns.clone(),
            },
            Change::CreateSequence { sequence } => Change::DropSequence {
                sequence: sequence.clone(),
            },
            Change::DropSequence { sequence } => Change::CreateSequence {
                sequence: sequence.clone(),
            },
            Change::AlterSequence { from, to } => Change::AlterSequence {
                from: to.clone(),
                to: from.clone(),
            },
            Change::CreateTable { table } => Change::DropTable {
                table: table.clone(),
            },
            Change::DropTable { table } => Change::CreateTable {
                table: table.clone(),
            },
            Change::RenameTable { from, to } => Change::RenameTable {
                from: to.clone(),
                to: from.clone(),
            },
            Change::AlterTable(d) => Change::AlterTable(d.reverse()),
        }
    }

    /// A short human description, e.g. `add column users.phone`.
    pub fn describe(&self) -> String {
        match self {
            Change::CreateEnum { enum_type } => {
                format!("create enum type {}", enum_type.qualified_name())
            }
            Change::DropEnum { enum_type } => {
                format!("drop enum type {}", enum_type.qualified_name())
            }
            Change::AlterEnum { from, to, .. } => format!(
                "change values of enum type {}: [{}] -> [{}]",
                from.qualified_name(),
                from.values.join(", "),
                to.values.join(", ")
            ),
            Change::CreateSequence { sequence } => {
                format!("create sequence {}", sequence.qualified_name())
            }
            Change::DropSequence { sequence } => {
                format!("drop sequence {}", sequence.qualified_name())
            }
            Change::AlterSequence { to, .. } => {
                format!("alter sequence {}", to.qualified_name())
            }
            Change::CreateTable { table } => format!("create table {}", table.qualified_name()),
            Change::DropTable { table } => format!("drop table {}", table.qualified_name()),
            Change::RenameTable { from, to } => format!("rename table {from} to {to}"),
            Change::AlterTable(d) => {
                let t = d.to.qualified_name();
                d.changes
                    .iter()
                    .map(|c| c.describe(&t))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
    }

    /// True when the change can lose data (drops, narrowing is judged by the linter).
    pub fn is_destructive(&self) -> bool {
        match self {
            Change::DropTable { .. } => true,
            Change::AlterTable(d) => d
                .changes
                .iter()
                .any(|c| matches!(c, TableChange::DropColumn { .. })),
            _ => false,
        }
    }
}

impl TableDiff {
    /// The diff that undoes this one.
    pub fn reverse(&self) -> TableDiff {
        TableDiff {
            from: self.to.clone(),
            to: self.from.clone(),
            changes: self
                .changes
                .iter()
                .rev()
                .map(TableChange::reverse)
                .collect(),
        }
    }
}

impl TableChange {
    /// The change that undoes this one.
    pub fn reverse(&self) -> TableChange {
        match self {
            TableChange::AddColumn { column } => TableChange::DropColumn {
                column: column.clone(),
            },
            TableChange::DropColumn { column } => TableChange::AddColumn {
                column: column.clone(),
            },
            TableChange::RenameColumn { from, to } => TableChange::RenameColumn {
                from: to.clone(),
                to: from.clone(),
            },
            TableChange::AlterColumn { from, to } => TableChange::AlterColumn {
                from: to.clone(),
                to: from.clone(),
            },
            TableChange::SetPrimaryKey { from, to } => TableChange::SetPrimaryKey {
                from: to.clone(),
                to: from.clone(),
            },
            TableChange::AddUnique { unique } => TableChange::DropUnique {
                unique: unique.clone(),
            },
            TableChange::DropUnique { unique } => TableChange::AddUnique {
                unique: unique.clone(),
            },
            TableChange::AddIndex { index } => TableChange::DropIndex {
                index: index.clone(),
            },
            TableChange::DropIndex { index } => TableChange::AddIndex {
                index: index.clone(),
            },
            TableChange::AddForeignKey { foreign_key } => TableChange::DropForeignKey {
                foreign_key: foreign_key.clone(),
            },
            TableChange::DropForeignKey { foreign_key } => TableChange::AddForeignKey {
                foreign_key: foreign_key.clone(),
            },
            TableChange::AddCheck { check } => TableChange::DropCheck {
                check: check.clone(),
            },
            TableChange::DropCheck { check } => TableChange::AddCheck {
                check: check.clone(),
            },
            TableChange::SetComment { from, to } => TableChange::SetComment {
                from: to.clone(),
                to: from.clone(),
            },
            TableChange::SetOptions {
                from_collation,
                to_collation,
                from_options,
                to_options,
            } => TableChange::SetOptions {
                from_collation: to_collation.clone(),
                to_collation: from_collation.clone(),
                from_options: to_options.clone(),
                to_options: from_options.clone(),
            },
        }
    }

    /// A short human description within table `t`.
    pub fn describe(&self, t: &QualifiedName) -> String {
        match self {
            TableChange::AddColumn { column } => format!("add column {t}.{}", column.name),
            TableChange::DropColumn { column } => format!("drop column {t}.{}", column.name),
            TableChange::RenameColumn { from, to } => format!("rename column {t}.{from} to {to}"),
            TableChange::AlterColumn { from, to } => {
                let mut what = Vec::new();
                if from.ty != to.ty {
                    what.push(format!(
                        "type {} -> {}",
                        type_label(&from.ty),
                        type_label(&to.ty)
                    ));
                }
                if from.nullable != to.nullable {
                    what.push(if to.nullable {
                        "nullable".to_string()
                    } else {
                        "not null".to_string()
                    });
                }
                if from.default != to.default {
                    what.push(format!(
                        "default {} -> {}",
                        from.default.as_deref().unwrap_or("none"),
                        to.default.as_deref().unwrap_or("none")
                    ));
                }
                if from.auto_increment != to.auto_increment {
                    what.push(format!(
                        "auto increment {} -> {}",
                        from.auto_increment, to.auto_increment
                    ));
                } else if !crate::model::Identity::same_behaviour(from.identity, to.identity) {
                    what.push(format!("identity {:?} -> {:?}", from.identity, to.identity));
                }
                if from.comment != to.comment {
                    what.push("comment".to_string());
                }
                if from.collation != to.collation {
                    what.push(format!(
                        "collation {} -> {}",
                        from.collation.as_deref().unwrap_or("default"),
                        to.collation.as_deref().unwrap_or("default")
                    ));
                }
                format!("alter column {t}.{}: {}", to.name, what.join(", "))
            }
            TableChange::SetPrimaryKey { from, to } => format!(
                "primary key of {t}: ({}) -> ({})",
                from.as_ref()
                    .map(|p| p.columns.join(", "))
                    .unwrap_or_default(),
                to.as_ref()
                    .map(|p| p.columns.join(", "))
                    .unwrap_or_default()
            ),
            TableChange::AddUnique { unique } => format!(
                "add unique {} on {t} ({})",
                unique.name,
                unique.columns.join(", ")
            ),
            TableChange::DropUnique { unique } => format!(
                "drop unique {} on {t} ({})",
                unique.name,
                unique.columns.join(", ")
            ),
            TableChange::AddIndex { index } => format!("add index {} on {t}", index.name),
            TableChange::DropIndex { index } => format!("drop index {} on {t}", index.name),
            TableChange::AddForeignKey { foreign_key } => format!(
                "add foreign key {} on {t} ({}) -> {} ({})",
                foreign_key.name,
                foreign_key.columns.join(", "),
                foreign_key.ref_table,
                foreign_key.ref_columns.join(", ")
            ),
            TableChange::DropForeignKey { foreign_key } => {
                format!("drop foreign key {} on {t}", foreign_key.name)
            }
            TableChange::AddCheck { check } => {
                format!("add check {} on {t}: {}", check.name, check.expr)
            }
            TableChange::DropCheck { check } => format!("drop check {} on {t}", check.name),
            TableChange::SetComment { .. } => format!("comment on table {t}"),
            TableChange::SetOptions {
                from_collation,
                to_collation,
                from_options,
                to_options,
            } => {
                let mut what = Vec::new();
                if from_collation != to_collation {
                    what.push(format!(
                        "collation {} -> {}",
                        from_collation.as_deref().unwrap_or("default"),
                        to_collation.as_deref().unwrap_or("default")
                    ));
                }
                let keys: std::collections::BTreeSet<&String> =
                    from_options.keys().chain(to_options.keys()).collect();
                for k in keys {
                    let (a, b) = (from_options.get(k), to_options.get(k));
                    if a != b {
                        what.push(format!(
                            "{k} {} -> {}",
                            a.map(String::as_str).unwrap_or("default"),
                            b.map(String::as_str).unwrap_or("default")
                        ));
                    }
                }
                format!("table options of {t}: {}", what.join(", "))
            }
        }
    }
}

/// A short label for a type in messages (`varchar(20)`, `integer`, `enum mood`).
pub fn type_label(ty: &crate::model::ColumnType) -> String {
    use crate::model::ColumnType as T;
    match ty {
        T::SmallInt => "smallint".into(),
        T::Integer => "integer".into(),
        T::BigInt => "bigint".into(),
        T::Boolean => "boolean".into(),
        T::Real => "real".into(),
        T::Double => "double".into(),
        T::Text => "text".into(),
        T::Varchar { length } => format!("varchar({length})"),
        T::Blob => "blob".into(),
        T::Date => "date".into(),
        T::Time => "time".into(),
        T::Timestamp => "timestamp".into(),
        T::TimestampTz => "timestamptz".into(),
        T::Uuid => "uuid".into(),
        T::Json => "json".into(),
        T::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
        T::Enum { name, .. } => format!("enum {name}"),
        T::Custom { sql } => sql.clone(),
    }
}
