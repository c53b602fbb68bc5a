//! The diff: what must change to turn one [`Schema`] into another.

use serde::{Deserialize, Serialize};

use crate::change::Change;
use crate::model::{QualifiedName, Schema};

/// Hints the diff cannot infer from the two schemas alone.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Tables renamed: `(old, new)` (from `--rename` or the models' `renamed_from`).
    pub table_renames: Vec<(QualifiedName, QualifiedName)>,
    /// Columns renamed: `(table after renames, old column, new column)`.
    pub column_renames: Vec<(QualifiedName, String, String)>,
    /// Backfill expressions for columns that become NOT NULL: `(table, column, SQL)`.
    pub backfills: Vec<(QualifiedName, String, String)>,
}

/// Something the diff noticed that the user should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Note {
    /// A table disappeared while a similar one appeared.
    ProbableTableRename {
        /// The table that disappears.
        from: QualifiedName,
        /// The table that appears.
        to: QualifiedName,
    },
    /// A column disappeared while one of the same type appeared in the same table.
    ProbableColumnRename {
        /// The table.
        table: QualifiedName,
        /// The column that disappears.
        from: String,
        /// The column that appears.
        to: String,
    },
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
    let _ = (from, to, opts);
    Plan::default()
}
