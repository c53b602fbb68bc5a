//! Read what SQLite's pragmas do not report from the stored DDL text
//! (`sqlite_schema.sql`): constraint names, CHECK constraints, `DEFERRABLE`,
//! column collations,
//! `AUTOINCREMENT`, `PRIMARY KEY DESC`, and the key parts and `WHERE` clause of
//! an index.
//!
//! The parser is forgiving: it understands the constraint grammar of
//! `CREATE TABLE` and `CREATE INDEX` and skips whatever else it meets, so a table
//! made by another tool never makes introspection fail.

use crate::expr::normalize_tokens;
use crate::lex::{Tok, matching_close, split_top_level_commas, tokenize};
use retort_schema::FkAction;

/// The constraints of one `CREATE TABLE` statement, in the order they are written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TableDdl {
    /// Column and table constraints, in text order.
    pub constraints: Vec<Constraint>,
    /// `WITHOUT ROWID` was given.
    pub without_rowid: bool,
}

/// One constraint (a column constraint is given the column it belongs to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Constraint {
    /// `CONSTRAINT name`, if written.
    pub name: Option<String>,
    /// What it is.
    pub kind: ConstraintKind,
}

/// The kinds of constraints retort reads from DDL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConstraintKind {
    /// PRIMARY KEY.
    PrimaryKey {
        /// Key columns.
        columns: Vec<String>,
        /// `AUTOINCREMENT` was given.
        autoincrement: bool,
        /// Column constraint written `PRIMARY KEY DESC` (not a rowid alias).
        desc: bool,
    },
    /// UNIQUE.
    Unique {
        /// Columns.
        columns: Vec<String>,
    },
    /// CHECK, with its normalized expression.
    Check {
        /// Normalized expression.
        expr: String,
    },
    /// FOREIGN KEY / REFERENCES.
    ForeignKey {
        /// Referencing columns.
        columns: Vec<String>,
        /// Referenced table.
        ref_table: String,
        /// Referenced columns (empty: the referenced table's primary key).
        ref_columns: Vec<String>,
        /// ON DELETE.
        on_delete: FkAction,
        /// ON UPDATE.
        on_update: FkAction,
        /// `DEFERRABLE INITIALLY DEFERRED`.
        deferrable: bool,
    },
    /// A column's `COLLATE name` (not a constraint to SQLite's pragmas, but written
    /// among them).
    Collate {
        /// The column.
        column: String,
        /// The collation name as written.
        collation: String,
    },
}

/// Parse a `CREATE TABLE` statement. Anything unexpected is skipped.
pub(crate) fn parse_create_table(sql: &str) -> TableDdl {
    let toks = tokenize(sql);
    let mut ddl = TableDdl::default();
    let Some(open) = toks.iter().position(|t| t.is_punct("(")) else {
        return ddl; // CREATE TABLE ... AS SELECT
    };
    if toks[..open].iter().any(|t| t.is_word("as")) {
        return ddl;
    }
    let Some(close) = matching_close(&toks, open) else {
        return ddl;
    };
    let tail = &toks[close + 1..];
    ddl.without_rowid = tail
        .windows(2)
        .any(|w| w[0].is_word("without") && w[1].is_word("rowid"));
    for item in split_top_level_commas(&toks[open + 1..close]) {
        let Some(first) = item.first() else { continue };
        let table_constraint = ["constraint", "primary", "unique", "check", "foreign"]
            .iter()
            .any(|k| first.is_word(k));
        if table_constraint {
            parse_table_constraint(item, &mut ddl.constraints);
        } else if let Some(column) = first.as_name() {
            parse_column(column, &item[1..], &mut ddl.constraints);
        }
    }
    ddl
}

/// Words that end a column's type and start its constraints.
const COLUMN_CONSTRAINT_START: &[&str] = &[
    "constraint",
    "primary",
    "not",
    "null",
    "unique",
    "check",
    "default",
    "collate",
    "references",
    "generated",
    "as",
];

fn parse_column(column: &str, toks: &[Tok], out: &mut Vec<Constraint>) {
    // skip the type: words and a parenthesized argument list
    let mut i = 0;
    while i < toks.len() && !COLUMN_CONSTRAINT_START.iter().any(|k| toks[i].is_word(k)) {
        if toks[i].is_punct("(") {
            i = matching_close(toks, i).map_or(toks.len(), |c| c + 1);
        } else {
            i += 1;
        }
    }
    let mut name: Option<String> = None;
    while i < toks.len() {
        let t = &toks[i];
        if t.is_word("constraint") {
            name = toks.get(i + 1).and_then(Tok::as_name).map(str::to_string);
            i += 2;
            continue;
        }
        let kind = if t.is_word("primary") {
            i += 2; // PRIMARY KEY
            let desc = toks.get(i).is_some_and(|t| t.is_word("desc"));
            while i < toks.len() && (toks[i].is_word("asc") || toks[i].is_word("desc")) {
                i += 1;
            }
            i = skip_conflict_clause(toks, i);
            let autoincrement = toks.get(i).is_some_and(|t| t.is_word("autoincrement"));
            if autoincrement {
                i += 1;
            }
            Some(ConstraintKind::PrimaryKey {
                columns: vec![column.to_string()],
                autoincrement,
                desc,
            })
        } else if t.is_word("unique") {
            i = skip_conflict_clause(toks, i + 1);
            Some(ConstraintKind::Unique {
                columns: vec![column.to_string()],
            })
        } else if t.is_word("check") {
            let (expr, next) = parenthesized(toks, i + 1);
            i = next;
            expr.map(|expr| ConstraintKind::Check { expr })
        } else if t.is_word("references") {
            let (fk, next) = parse_references(toks, i + 1, vec![column.to_string()]);
            i = next;
            fk
        } else if t.is_word("collate") {
            let collation = toks.get(i + 1).and_then(Tok::as_name).map(str::to_string);
            i = skip_other(toks, i);
            collation.map(|collation| ConstraintKind::Collate {
                column: column.to_string(),
                collation,
            })
        } else {
            // NOT NULL, NULL, DEFAULT x, GENERATED ALWAYS AS (...), ON CONFLICT x ...
            i = skip_other(toks, i);
            None
        };
        if let Some(kind) = kind {
            out.push(Constraint {
                name: name.take(),
                kind,
            });
        }
    }
}

fn parse_table_constraint(toks: &[Tok], out: &mut Vec<Constraint>) {
    let mut i = 0;
    let mut name = None;
    if toks.first().is_some_and(|t| t.is_word("constraint")) {
        name = toks.get(1).and_then(Tok::as_name).map(str::to_string);
        i = 2;
    }
    let Some(t) = toks.get(i) else { return };
    let kind = if t.is_word("primary") {
        let (columns, _) = column_list(toks, i + 2);
        let autoincrement = toks.iter().any(|t| t.is_word("autoincrement"));
        Some(ConstraintKind::PrimaryKey {
            columns,
            autoincrement,
            desc: false,
        })
    } else if t.is_word("unique") {
        let (columns, _) = column_list(toks, i + 1);
        Some(ConstraintKind::Unique { columns })
    } else if t.is_word("check") {
        parenthesized(toks, i + 1)
            .0
            .map(|expr| ConstraintKind::Check { expr })
    } else if t.is_word("foreign") {
        let (columns, next) = column_list(toks, i + 2);
        if toks.get(next).is_some_and(|t| t.is_word("references")) {
            parse_references(toks, next + 1, columns).0
        } else {
            None
        }
    } else {
        None
    };
    if let Some(kind) = kind {
        out.push(Constraint { name, kind });
    }
}

/// `REFERENCES t [(cols)] [ON DELETE a] [ON UPDATE a] [MATCH x] [[NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]]`
fn parse_references(
    toks: &[Tok],
    mut i: usize,
    columns: Vec<String>,
) -> (Option<ConstraintKind>, usize) {
    let Some(ref_table) = toks.get(i).and_then(Tok::as_name).map(str::to_string) else {
        return (None, toks.len());
    };
    i += 1;
    let mut ref_columns = Vec::new();
    if toks.get(i).is_some_and(|t| t.is_punct("(")) {
        let (cols, next) = column_list(toks, i);
        ref_columns = cols;
        i = next;
    }
    let (mut on_delete, mut on_update, mut deferrable) =
        (FkAction::NoAction, FkAction::NoAction, false);
    while let Some(t) = toks.get(i) {
        if t.is_word("on") {
            let which = toks.get(i + 1);
            let (action, next) = fk_action(toks, i + 2);
            if which.is_some_and(|w| w.is_word("delete")) {
                on_delete = action;
            } else if which.is_some_and(|w| w.is_word("update")) {
                on_update = action;
            }
            i = next;
        } else if t.is_word("match") {
            i += 2;
        } else if t.is_word("not") && toks.get(i + 1).is_some_and(|t| t.is_word("deferrable")) {
            i += 2;
            if toks.get(i).is_some_and(|t| t.is_word("initially")) {
                i += 2;
            }
        } else if t.is_word("deferrable") {
            i += 1;
            if toks.get(i).is_some_and(|t| t.is_word("initially")) {
                deferrable = toks.get(i + 1).is_some_and(|t| t.is_word("deferred"));
                i += 2;
            }
        } else {
            break;
        }
    }
    (
        Some(ConstraintKind::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            on_delete,
            on_update,
            deferrable,
        }),
        i,
    )
}

fn fk_action(toks: &[Tok], i: usize) -> (FkAction, usize) {
    let word = |k: usize| {
        toks.get(k)
            .and_then(Tok::as_name)
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    match word(i).as_str() {
        "set" => (
            FkAction::parse(&format!("set {}", word(i + 1))).unwrap_or_default(),
            i + 2,
        ),
        "no" => (FkAction::NoAction, i + 2),
        w => (FkAction::parse(w).unwrap_or_default(), i + 1),
    }
}

/// `( name [COLLATE x] [ASC|DESC], ... )` starting at `(`: the names and the index after `)`.
fn column_list(toks: &[Tok], open: usize) -> (Vec<String>, usize) {
    if !toks.get(open).is_some_and(|t| t.is_punct("(")) {
        return (Vec::new(), open);
    }
    let close = matching_close(toks, open).unwrap_or(toks.len().saturating_sub(1));
    let cols = split_top_level_commas(&toks[open + 1..close.max(open + 1)])
        .into_iter()
        .filter_map(|part| part.first().and_then(Tok::as_name).map(str::to_string))
        .collect();
    (cols, close + 1)
}

/// The normalized expression inside `( ... )` starting at `open`, and the index after `)`.
fn parenthesized(toks: &[Tok], open: usize) -> (Option<String>, usize) {
    if !toks.get(open).is_some_and(|t| t.is_punct("(")) {
        return (None, open);
    }
    match matching_close(toks, open) {
        Some(close) => (Some(normalize_tokens(&toks[open + 1..close])), close + 1),
        None => (None, toks.len()),
    }
}

fn skip_conflict_clause(toks: &[Tok], i: usize) -> usize {
    if toks.get(i).is_some_and(|t| t.is_word("on"))
        && toks.get(i + 1).is_some_and(|t| t.is_word("conflict"))
    {
        i + 3
    } else {
        i
    }
}

/// Skip one uninteresting column constraint starting at `i`.
fn skip_other(toks: &[Tok], i: usize) -> usize {
    let t = &toks[i];
    if t.is_word("not") || t.is_word("collate") {
        skip_conflict_clause(toks, i + 2)
    } else if t.is_word("null") {
        skip_conflict_clause(toks, i + 1)
    } else if t.is_word("default") {
        let mut j = i + 1;
        if toks
            .get(j)
            .is_some_and(|t| t.is_punct("-") || t.is_punct("+"))
        {
            j += 1;
        }
        if toks.get(j).is_some_and(|t| t.is_punct("(")) {
            matching_close(toks, j).map_or(toks.len(), |c| c + 1)
        } else {
            j + 1
        }
    } else if t.is_word("generated") || t.is_word("as") {
        let mut j = i;
        while j < toks.len() && !toks[j].is_punct("(") {
            j += 1;
        }
        let mut j = matching_close(toks, j).map_or(toks.len(), |c| c + 1);
        if toks
            .get(j)
            .is_some_and(|t| t.is_word("stored") || t.is_word("virtual"))
        {
            j += 1;
        }
        j
    } else {
        i + 1
    }
}

/// The parts and predicate of a `CREATE [UNIQUE] INDEX` statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IndexDdl {
    /// Each key part as tokens (a column name, or an expression with optional COLLATE/ASC/DESC).
    pub parts: Vec<Vec<Tok>>,
    /// The normalized `WHERE` predicate.
    pub predicate: Option<String>,
}

/// Parse a `CREATE INDEX` statement.
pub(crate) fn parse_create_index(sql: &str) -> IndexDdl {
    let toks = tokenize(sql);
    let mut ddl = IndexDdl::default();
    let Some(on) = toks.iter().position(|t| t.is_word("on")) else {
        return ddl;
    };
    let Some(open) = toks[on..]
        .iter()
        .position(|t| t.is_punct("("))
        .map(|p| p + on)
    else {
        return ddl;
    };
    let Some(close) = matching_close(&toks, open) else {
        return ddl;
    };
    ddl.parts = split_top_level_commas(&toks[open + 1..close])
        .into_iter()
        .map(<[Tok]>::to_vec)
        .collect();
    if toks.get(close + 1).is_some_and(|t| t.is_word("where")) {
        ddl.predicate = Some(normalize_tokens(&toks[close + 2..]));
    }
    ddl
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_and_checks() {
        let ddl = parse_create_table(
            r#"CREATE TABLE "t" (
                "id" INTEGER PRIMARY KEY AUTOINCREMENT,
                a VARCHAR(10) NOT NULL DEFAULT (lower('X')) CONSTRAINT a_pos CHECK (length(a) > 0),
                b INT CONSTRAINT fk_b REFERENCES p (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
                c INT UNIQUE,
                CONSTRAINT "uq x" UNIQUE (a, b),
                FOREIGN KEY (c) REFERENCES p ON UPDATE CASCADE,
                CHECK (c <> 0)
            ) WITHOUT ROWID"#,
        );
        assert!(ddl.without_rowid);
        let kinds: Vec<_> = ddl
            .constraints
            .iter()
            .map(|c| (c.name.as_deref(), &c.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (
                    None,
                    &ConstraintKind::PrimaryKey {
                        columns: vec!["id".into()],
                        autoincrement: true,
                        desc: false
                    }
                ),
                (
                    Some("a_pos"),
                    &ConstraintKind::Check {
                        expr: "length(a) > 0".into()
                    }
                ),
                (
                    Some("fk_b"),
                    &ConstraintKind::ForeignKey {
                        columns: vec!["b".into()],
                        ref_table: "p".into(),
                        ref_columns: vec!["id".into()],
                        on_delete: FkAction::SetNull,
                        on_update: FkAction::NoAction,
                        deferrable: true,
                    }
                ),
                (
                    None,
                    &ConstraintKind::Unique {
                        columns: vec!["c".into()]
                    }
                ),
                (
                    Some("uq x"),
                    &ConstraintKind::Unique {
                        columns: vec!["a".into(), "b".into()]
                    }
                ),
                (
                    None,
                    &ConstraintKind::ForeignKey {
                        columns: vec!["c".into()],
                        ref_table: "p".into(),
                        ref_columns: vec![],
                        on_delete: FkAction::NoAction,
                        on_update: FkAction::Cascade,
                        deferrable: false,
                    }
                ),
                (
                    None,
                    &ConstraintKind::Check {
                        expr: "c <> 0".into()
                    }
                ),
            ]
        );
    }

    #[test]
    fn reads_index_parts_and_predicate() {
        let ddl = parse_create_index(
            r#"CREATE UNIQUE INDEX "ix" ON "t" ("a", lower(b) DESC) WHERE a IS NOT NULL"#,
        );
        assert_eq!(ddl.parts.len(), 2);
        assert_eq!(ddl.predicate.as_deref(), Some("a is not null"));
    }
}
