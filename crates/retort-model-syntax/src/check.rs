//! Schema-wide checks that no single model can make on its own, and the one way
//! a set of tables becomes a [`Schema`].
//!
//! The scanner runs [`validate`] over everything it found and reports each
//! [`Problem`] at the file and line of the model involved; the runtime
//! `retort::Metadata` runs the same function over the registered models, so both
//! reject the same mistakes. [`assemble`] orders tables by schema-qualified name
//! and gathers the enum types the columns use, so the derive path and the scanner
//! path build identical schemas whatever order they met the models in.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use retort_schema::{ColumnType, EnumType, QualifiedName, Schema, Table, TableIndex};

/// What kind of mistake a [`Problem`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// Two models declare the same table.
    DuplicateTable,
    /// Two fields of one model map to the same column.
    DuplicateColumn,
    /// A key, index, constraint or foreign key names a column its table lacks.
    UnknownColumn,
    /// A foreign key references a table no model declares.
    UnknownTable {
        /// The referenced table.
        table: QualifiedName,
    },
    /// A foreign key references a column its target table lacks.
    UnknownRefColumn,
    /// A foreign key's column lists differ in length.
    ForeignKeyArity,
    /// Two enum types of one name list different values.
    ConflictingEnum,
}

/// One schema-wide mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Index of the table involved in `Schema::tables`.
    pub table: usize,
    /// Index of the column involved in that table's `columns`, when one is.
    pub column: Option<usize>,
    /// The kind of mistake.
    pub kind: ProblemKind,
    /// What is wrong, naming the table and column.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

/// Build a [`Schema`] from tables: tables sorted by schema-qualified name (stable,
/// so duplicates keep their order), enum types collected from the columns, each
/// once, sorted by qualified name.
pub fn assemble(mut tables: Vec<Table>) -> Schema {
    tables.sort_by_key(Table::qualified_name);
    let mut enums: BTreeMap<QualifiedName, EnumType> = BTreeMap::new();
    for table in &tables {
        for column in &table.columns {
            if let ColumnType::Enum {
                name,
                schema,
                values,
            } = &column.ty
            {
                let e = EnumType {
                    schema: schema.clone(),
                    name: name.clone(),
                    values: values.clone(),
                };
                enums.entry(e.qualified_name()).or_insert(e);
            }
        }
    }
    Schema {
        tables,
        enums: enums.into_values().collect(),
        sequences: Vec::new(),
    }
}

/// Every schema-wide problem of `schema`, in table order.
pub fn validate(schema: &Schema) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut seen_tables: HashSet<QualifiedName> = HashSet::new();
    let mut seen_enums: HashMap<QualifiedName, &Vec<String>> = HashMap::new();
    for (ti, table) in schema.tables.iter().enumerate() {
        let qname = table.qualified_name();
        if !seen_tables.insert(qname.clone()) {
            problems.push(Problem {
                table: ti,
                column: None,
                kind: ProblemKind::DuplicateTable,
                message: format!("table `{qname}` is declared by more than one model"),
                help: Some("give one of the models another `#[model(table = \"..\")]`".into()),
            });
        }
        check_columns(ti, table, &mut problems);
        for (ci, column) in table.columns.iter().enumerate() {
            if let ColumnType::Enum {
                name,
                schema: enum_schema,
                values,
            } = &column.ty
            {
                let key = QualifiedName {
                    schema: enum_schema.clone(),
                    name: name.clone(),
                };
                match seen_enums.get(&key) {
                    Some(other) if *other != values => problems.push(Problem {
                        table: ti,
                        column: Some(ci),
                        kind: ProblemKind::ConflictingEnum,
                        message: format!(
                            "column `{}.{}` uses enum type `{key}` with values {values:?}, but another column uses `{key}` with values {other:?}",
                            table.name, column.name
                        ),
                        help: Some("give the two enums different `#[model(name = \"..\")]`".into()),
                    }),
                    Some(_) => {}
                    None => {
                        seen_enums.insert(key, values);
                    }
                }
            }
        }
    }
    let index = TableIndex::new(schema);
    for (ti, table) in schema.tables.iter().enumerate() {
        check_foreign_keys(schema, &index, ti, table, &mut problems);
    }
    problems.sort_by_key(|p| (p.table, p.column));
    problems
}

fn check_columns(ti: usize, table: &Table, problems: &mut Vec<Problem>) {
    let mut names = HashSet::new();
    for (ci, column) in table.columns.iter().enumerate() {
        if !names.insert(column.name.as_str()) {
            problems.push(Problem {
                table: ti,
                column: Some(ci),
                kind: ProblemKind::DuplicateColumn,
                message: format!(
                    "table `{}` has two columns named `{}`",
                    table.name, column.name
                ),
                help: Some("rename one field or give it `column = \"..\"`".into()),
            });
        }
    }
    let mut unknown = |what: String, col: &str| {
        if table.column(col).is_none() {
            problems.push(Problem {
                table: ti,
                column: None,
                kind: ProblemKind::UnknownColumn,
                message: format!(
                    "{what} of table `{}` names column `{col}`, which the table does not have",
                    table.name
                ),
                help: Some(format!(
                    "columns of `{}`: {}",
                    table.name,
                    column_list(table)
                )),
            });
        }
    };
    if let Some(pk) = &table.primary_key {
        for c in &pk.columns {
            unknown("the primary key".into(), c);
        }
    }
    for u in &table.uniques {
        for c in &u.columns {
            unknown(format!("unique constraint `{}`", u.name), c);
        }
    }
    for ix in &table.indexes {
        for part in &ix.parts {
            if let Some(c) = part.column_name() {
                unknown(format!("index `{}`", ix.name), c);
            }
        }
    }
    for fk in &table.foreign_keys {
        for c in &fk.columns {
            unknown(format!("foreign key `{}`", fk.name), c);
        }
    }
}

fn check_foreign_keys(
    schema: &Schema,
    index: &TableIndex<'_>,
    ti: usize,
    table: &Table,
    problems: &mut Vec<Problem>,
) {
    for fk in &table.foreign_keys {
        let column = fk
            .columns
            .first()
            .and_then(|c| table.columns.iter().position(|col| &col.name == c));
        let from = format!("{}.{}", table.name, fk.columns.join(", "));
        if fk.columns.len() != fk.ref_columns.len() {
            problems.push(Problem {
                table: ti,
                column,
                kind: ProblemKind::ForeignKeyArity,
                message: format!(
                    "foreign key `{}` has {} column(s) but references {}",
                    fk.name,
                    fk.columns.len(),
                    fk.ref_columns.len()
                ),
                help: None,
            });
        }
        let Some(target) = index.get(&fk.ref_table) else {
            problems.push(Problem {
                table: ti,
                column,
                kind: ProblemKind::UnknownTable {
                    table: fk.ref_table.clone(),
                },
                message: format!(
                    "`{from}` references table `{}`, which no model declares",
                    fk.ref_table
                ),
                help: Some(format!("declared tables: {}", table_list(schema))),
            });
            continue;
        };
        for rc in &fk.ref_columns {
            if target.column(rc).is_none() {
                problems.push(Problem {
                    table: ti,
                    column,
                    kind: ProblemKind::UnknownRefColumn,
                    message: format!(
                        "`{from}` references column `{}.{rc}`, which does not exist",
                        fk.ref_table
                    ),
                    help: Some(format!(
                        "columns of `{}`: {}",
                        fk.ref_table,
                        column_list(target)
                    )),
                });
            }
        }
    }
}

fn table_list(schema: &Schema) -> String {
    let mut names: Vec<String> = schema
        .tables
        .iter()
        .map(|t| t.qualified_name().to_string())
        .collect();
    names.dedup();
    names.join(", ")
}

fn column_list(table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use retort_schema::{Column, FkAction, ForeignKey};

    fn table(name: &str, cols: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: cols
                .iter()
                .map(|c| Column::new(*c, ColumnType::Integer))
                .collect(),
            ..Table::default()
        }
    }

    #[test]
    fn finds_duplicates_and_dangling_references() {
        let mut posts = table("posts", &["id", "user_id", "id"]);
        posts.foreign_keys.push(ForeignKey {
            name: "fk".into(),
            named: false,
            columns: vec!["user_id".into()],
            ref_table: QualifiedName::new("accounts"),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
            deferrable: false,
        });
        let schema = assemble(vec![posts, table("users", &["id"]), table("users", &["x"])]);
        let kinds: Vec<_> = validate(&schema)
            .into_iter()
            .map(|p| (p.table, p.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (
                    0,
                    ProblemKind::UnknownTable {
                        table: QualifiedName::new("accounts")
                    }
                ),
                (0, ProblemKind::DuplicateColumn),
                (2, ProblemKind::DuplicateTable),
            ]
        );
    }

    #[test]
    fn assemble_sorts_tables_and_collects_enums() {
        let mut t = table("b", &[]);
        t.columns.push(Column::new(
            "s",
            ColumnType::Enum {
                name: "status".into(),
                schema: None,
                values: vec!["a".into()],
            },
        ));
        let schema = assemble(vec![t, table("a", &[])]);
        assert_eq!(schema.tables[0].name, "a");
        assert_eq!(schema.enums.len(), 1);
        assert!(validate(&schema).is_empty());
    }
}
