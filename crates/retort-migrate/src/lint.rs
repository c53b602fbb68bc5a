//! `lint`: the safety findings of revision files.
//!
//! The linter reads the statements of a revision (not its plan: hand-written and
//! edited revisions are linted the same way) and recognizes the changes that lose
//! data or depend on it: dropping a table or column, changing a column's type,
//! setting NOT NULL, adding a unique constraint or index, adding a foreign key,
//! rebuilding a SQLite table. With a database at hand, each finding gets the live
//! figures (rows lost, NULLs, duplicates, orphans, values too long), and a
//! finding whose statement would fail or lose data is an error.

use retort_dialect::{DialectKind, Driver};
use retort_schema::QualifiedName;
use retort_schema::expr::{Token, tokenize};
use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Data is lost, or the statement fails on the current data.
    Error,
    /// Worth a look; safe on the current data as far as retort can tell.
    Warning,
}

/// A change a statement makes that the linter knows about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Risk {
    /// `DROP TABLE`.
    DropTable {
        /// The table.
        table: QualifiedName,
    },
    /// `ALTER TABLE ... DROP COLUMN`.
    DropColumn {
        /// The table.
        table: QualifiedName,
        /// The column.
        column: String,
    },
    /// A column's type changes (`ALTER COLUMN ... TYPE`, `MODIFY`, `CHANGE`).
    TypeChange {
        /// The table.
        table: QualifiedName,
        /// The column.
        column: String,
        /// The new maximum length, for `varchar(n)`/`char(n)`.
        max_length: Option<u32>,
    },
    /// A column becomes NOT NULL.
    SetNotNull {
        /// The table.
        table: QualifiedName,
        /// The column.
        column: String,
    },
    /// A unique constraint or index over columns.
    Unique {
        /// The table.
        table: QualifiedName,
        /// The columns.
        columns: Vec<String>,
    },
    /// A foreign key.
    ForeignKey {
        /// The referencing table.
        table: QualifiedName,
        /// Its columns.
        columns: Vec<String>,
        /// The referenced table.
        ref_table: QualifiedName,
        /// Its columns.
        ref_columns: Vec<String>,
    },
    /// A SQLite table rebuild (copy into a new table).
    Rebuild {
        /// The rebuilt table.
        table: QualifiedName,
    },
}

/// One finding, placed in a revision file.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The revision id.
    pub revision: String,
    /// The file.
    pub file: String,
    /// The statement's line.
    pub line: usize,
    /// How bad.
    pub severity: Severity,
    /// What the statement does.
    pub risk: Risk,
    /// The sentence for people, with live figures when a database was at hand.
    pub message: String,
}

fn is_word(t: Option<&Token>, w: &str) -> bool {
    matches!(t, Some(Token::Word(x)) if x == w)
}

fn is_punct(t: Option<&Token>, p: &str) -> bool {
    matches!(t, Some(Token::Punct(x)) if x == p)
}

/// Read a possibly qualified name at `i`; returns it and the index after it.
fn name_at(toks: &[Token], i: usize) -> Option<(QualifiedName, usize)> {
    let ident = |t: Option<&Token>| match t {
        Some(Token::Word(w)) | Some(Token::Ident(w)) => Some(w.clone()),
        _ => None,
    };
    let first = ident(toks.get(i))?;
    if is_punct(toks.get(i + 1), ".") {
        let second = ident(toks.get(i + 2))?;
        return Some((
            QualifiedName {
                schema: Some(first),
                name: second,
            },
            i + 3,
        ));
    }
    Some((QualifiedName::new(first), i + 1))
}

/// Read `( a, b, ... )` of plain names at `i`.
fn columns_at(toks: &[Token], i: usize) -> Option<(Vec<String>, usize)> {
    if !is_punct(toks.get(i), "(") {
        return None;
    }
    let mut cols = Vec::new();
    let mut j = i + 1;
    loop {
        match toks.get(j) {
            Some(Token::Word(w)) | Some(Token::Ident(w)) => {
                cols.push(w.clone());
                j += 1;
                // Skip a prefix length or ordering: `(col(10) DESC)`.
                while !is_punct(toks.get(j), ",") && !is_punct(toks.get(j), ")") && j < toks.len() {
                    if is_punct(toks.get(j), "(") {
                        while j < toks.len() && !is_punct(toks.get(j), ")") {
                            j += 1;
                        }
                    }
                    j += 1;
                }
            }
            _ => return None,
        }
        if is_punct(toks.get(j), ",") {
            j += 1;
            continue;
        }
        if is_punct(toks.get(j), ")") {
            return Some((cols, j + 1));
        }
        return None;
    }
}

/// Split the tokens after `ALTER TABLE name` into comma-separated clauses.
fn clauses(toks: &[Token]) -> Vec<&[Token]> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (k, t) in toks.iter().enumerate() {
        match t {
            Token::Punct(p) if p == "(" => depth += 1,
            Token::Punct(p) if p == ")" => depth -= 1,
            Token::Punct(p) if p == "," && depth == 0 => {
                out.push(&toks[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    out.push(&toks[start..]);
    out
}

fn varchar_length(toks: &[Token]) -> Option<u32> {
    let k = toks.iter().position(|t| {
        matches!(t, Token::Word(w) if w == "varchar" || w == "char" || w == "character" || w == "varying")
    })?;
    let open = toks[k..]
        .iter()
        .position(|t| matches!(t, Token::Punct(p) if p == "("))?
        + k;
    match toks.get(open + 1) {
        Some(Token::Number(n)) => n.parse().ok(),
        _ => None,
    }
}

/// The risks of one statement (pure).
pub fn risks(sql: &str) -> Vec<Risk> {
    let toks = tokenize(sql);
    let mut out = Vec::new();
    let w = |i: usize, s: &str| is_word(toks.get(i), s);
    if w(0, "drop") && w(1, "table") {
        let mut i = 2;
        if w(i, "if") && w(i + 1, "exists") {
            i += 2;
        }
        while let Some((table, next)) = name_at(&toks, i) {
            out.push(Risk::DropTable { table });
            if is_punct(toks.get(next), ",") {
                i = next + 1;
            } else {
                break;
            }
        }
    } else if w(0, "alter") && w(1, "table") {
        let mut i = 2;
        if w(i, "if") && w(i + 1, "exists") {
            i += 2;
        }
        if w(i, "only") {
            i += 1;
        }
        let Some((table, next)) = name_at(&toks, i) else {
            return out;
        };
        for clause in clauses(&toks[next..]) {
            let c = |i: usize, s: &str| is_word(clause.get(i), s);
            if c(0, "drop")
                && !(c(1, "constraint")
                    || c(1, "index")
                    || c(1, "key")
                    || c(1, "foreign")
                    || c(1, "primary")
                    || c(1, "check")
                    || c(1, "default")
                    || c(1, "unique"))
            {
                let mut j = 1;
                if c(j, "column") {
                    j += 1;
                }
                if c(j, "if") && c(j + 1, "exists") {
                    j += 2;
                }
                if let Some((col, _)) = name_at(clause, j) {
                    out.push(Risk::DropColumn {
                        table: table.clone(),
                        column: col.name,
                    });
                }
            } else if c(0, "alter") {
                let mut j = 1;
                if c(j, "column") {
                    j += 1;
                }
                let Some((col, after)) = name_at(clause, j) else {
                    continue;
                };
                let rest = &clause[after..];
                let r = |i: usize, s: &str| is_word(rest.get(i), s);
                if r(0, "type") || (r(0, "set") && r(1, "data") && r(2, "type")) {
                    out.push(Risk::TypeChange {
                        table: table.clone(),
                        column: col.name,
                        max_length: varchar_length(rest),
                    });
                } else if r(0, "set") && r(1, "not") && r(2, "null") {
                    out.push(Risk::SetNotNull {
                        table: table.clone(),
                        column: col.name,
                    });
                }
            } else if c(0, "modify") || c(0, "change") {
                let mut j = 1;
                if c(j, "column") {
                    j += 1;
                }
                let Some((col, mut after)) = name_at(clause, j) else {
                    continue;
                };
                if c(0, "change") {
                    // CHANGE old new definition
                    if let Some((_, a)) = name_at(clause, after) {
                        after = a;
                    }
                }
                let rest = &clause[after..];
                out.push(Risk::TypeChange {
                    table: table.clone(),
                    column: col.name.clone(),
                    max_length: varchar_length(rest),
                });
                let has_not_null = rest.windows(2).any(|p| matches!((&p[0], &p[1]), (Token::Word(a), Token::Word(b)) if a == "not" && b == "null"));
                if has_not_null {
                    out.push(Risk::SetNotNull {
                        table: table.clone(),
                        column: col.name,
                    });
                }
            } else if c(0, "add") {
                let mut j = 1;
                if c(j, "constraint") {
                    j += 2;
                }
                if c(j, "unique") {
                    j += 1;
                    if c(j, "key") || c(j, "index") {
                        j += 1;
                    }
                    if !is_punct(clause.get(j), "(") {
                        j += 1;
                    }
                    if let Some((columns, _)) = columns_at(clause, j) {
                        out.push(Risk::Unique {
                            table: table.clone(),
                            columns,
                        });
                    }
                } else if c(j, "foreign") && c(j + 1, "key") {
                    j += 2;
                    if !is_punct(clause.get(j), "(") {
                        j += 1;
                    }
                    let Some((columns, after)) = columns_at(clause, j) else {
                        continue;
                    };
                    if !is_word(clause.get(after), "references") {
                        continue;
                    }
                    let Some((ref_table, after)) = name_at(clause, after + 1) else {
                        continue;
                    };
                    if let Some((ref_columns, _)) = columns_at(clause, after) {
                        out.push(Risk::ForeignKey {
                            table: table.clone(),
                            columns,
                            ref_table,
                            ref_columns,
                        });
                    }
                }
            }
        }
    } else if w(0, "create") && w(1, "unique") && w(2, "index") {
        if let Some(on) = toks
            .iter()
            .position(|t| matches!(t, Token::Word(x) if x == "on"))
            && let Some((table, mut after)) = name_at(&toks, on + 1)
        {
            if w(after, "using") {
                after += 2;
            }
            if let Some((columns, _)) = columns_at(&toks, after) {
                out.push(Risk::Unique { table, columns });
            }
        }
    } else if w(0, "insert")
        && w(1, "into")
        && let Some((t, _)) = name_at(&toks, 2)
        && let Some(orig) = t.name.strip_prefix("_retort_new_")
    {
        out.push(Risk::Rebuild {
            table: QualifiedName {
                schema: t.schema,
                name: orig.to_string(),
            },
        });
    }
    out
}

async fn count(driver: &mut dyn Driver, sql: &str) -> Option<i64> {
    let rows = driver.query(sql).await.ok()?;
    rows.first()?.first()?.as_deref()?.trim().parse().ok()
}

/// The finding for one risk: severity and message, with live figures when
/// `driver` is given. Figures that cannot be read (a table created by an earlier
/// revision not applied yet) are left out.
pub async fn assess(driver: Option<&mut dyn Driver>, risk: &Risk) -> (Severity, String) {
    let Some(d) = driver else {
        return (severity_offline(risk), describe(risk));
    };
    let q = |n: &QualifiedName| d.dialect().quote_name(n);
    let qi = |s: &str| d.dialect().quote_ident(s);
    match risk {
        Risk::DropTable { table } => {
            let sql = format!("SELECT COUNT(*) FROM {}", q(table));
            match count(d, &sql).await {
                Some(n) => (
                    Severity::Error,
                    format!("drop table {table}: {n} row(s) would be lost"),
                ),
                None => (Severity::Error, describe(risk)),
            }
        }
        Risk::DropColumn { table, column } => {
            let sql = format!(
                "SELECT COUNT(*) FROM {} WHERE {} IS NOT NULL",
                q(table),
                qi(column)
            );
            match count(d, &sql).await {
                Some(n) => (
                    Severity::Error,
                    format!("drop column {table}.{column}: {n} non-NULL value(s) would be lost"),
                ),
                None => (Severity::Error, describe(risk)),
            }
        }
        Risk::SetNotNull { table, column } => {
            let sql = format!(
                "SELECT COUNT(*) FROM {} WHERE {} IS NULL",
                q(table),
                qi(column)
            );
            match count(d, &sql).await {
                Some(0) => (
                    Severity::Warning,
                    format!("set NOT NULL on {table}.{column}: no row is NULL now"),
                ),
                Some(n) => (
                    Severity::Error,
                    format!(
                        "set NOT NULL on {table}.{column}: {n} row(s) are NULL now, the statement would fail"
                    ),
                ),
                None => (Severity::Warning, describe(risk)),
            }
        }
        Risk::TypeChange {
            table,
            column,
            max_length,
        } => {
            let Some(n) = max_length else {
                return (Severity::Warning, describe(risk));
            };
            let len = if d.dialect().kind() == DialectKind::Mysql {
                "CHAR_LENGTH"
            } else {
                "LENGTH"
            };
            let sql = format!(
                "SELECT COUNT(*) FROM {} WHERE {len}({}) > {n}",
                q(table),
                qi(column)
            );
            match count(d, &sql).await {
                Some(0) => (
                    Severity::Warning,
                    format!("change the type of {table}.{column} to length {n}: every value fits"),
                ),
                Some(k) => (
                    Severity::Error,
                    format!("narrow {table}.{column} to length {n}: {k} value(s) are longer"),
                ),
                None => (Severity::Warning, describe(risk)),
            }
        }
        Risk::Unique { table, columns } => {
            let cols = columns.iter().map(|c| qi(c)).collect::<Vec<_>>().join(", ");
            let not_null = columns
                .iter()
                .map(|c| format!("{} IS NOT NULL", qi(c)))
                .collect::<Vec<_>>()
                .join(" AND ");
            let sql = format!(
                "SELECT COUNT(*) FROM (SELECT {cols} FROM {} WHERE {not_null} GROUP BY {cols} HAVING COUNT(*) > 1) retort_dups",
                q(table)
            );
            match count(d, &sql).await {
                Some(0) => (
                    Severity::Warning,
                    format!(
                        "unique ({}) on {table}: no duplicates now",
                        columns.join(", ")
                    ),
                ),
                Some(k) => (
                    Severity::Error,
                    format!(
                        "unique ({}) on {table}: {k} value(s) are duplicated, the statement would fail",
                        columns.join(", ")
                    ),
                ),
                None => (Severity::Warning, describe(risk)),
            }
        }
        Risk::ForeignKey {
            table,
            columns,
            ref_table,
            ref_columns,
        } => {
            let join = columns
                .iter()
                .zip(ref_columns)
                .map(|(c, r)| format!("r.{} = t.{}", qi(r), qi(c)))
                .collect::<Vec<_>>()
                .join(" AND ");
            let not_null = columns
                .iter()
                .map(|c| format!("t.{} IS NOT NULL", qi(c)))
                .collect::<Vec<_>>()
                .join(" AND ");
            let sql = format!(
                "SELECT COUNT(*) FROM {} t WHERE {not_null} AND NOT EXISTS (SELECT 1 FROM {} r WHERE {join})",
                q(table),
                q(ref_table)
            );
            match count(d, &sql).await {
                Some(0) => (
                    Severity::Warning,
                    format!(
                        "foreign key {table} ({}) -> {ref_table}: no orphan rows now",
                        columns.join(", ")
                    ),
                ),
                Some(k) => (
                    Severity::Error,
                    format!(
                        "foreign key {table} ({}) -> {ref_table}: {k} row(s) reference nothing, the statement would fail",
                        columns.join(", ")
                    ),
                ),
                None => (Severity::Warning, describe(risk)),
            }
        }
        Risk::Rebuild { table } => {
            let sql = format!("SELECT COUNT(*) FROM {}", q(table));
            match count(d, &sql).await {
                Some(n) => (
                    Severity::Warning,
                    format!("rebuild table {table}: {n} row(s) are copied"),
                ),
                None => (Severity::Warning, describe(risk)),
            }
        }
    }
}

fn severity_offline(risk: &Risk) -> Severity {
    match risk {
        Risk::DropTable { .. } | Risk::DropColumn { .. } => Severity::Error,
        _ => Severity::Warning,
    }
}

/// The sentence for a risk without live figures.
pub fn describe(risk: &Risk) -> String {
    match risk {
        Risk::DropTable { table } => format!("drop table {table}: its rows would be lost"),
        Risk::DropColumn { table, column } => {
            format!("drop column {table}.{column}: its values would be lost")
        }
        Risk::TypeChange { table, column, .. } => {
            format!("change the type of {table}.{column}: values that do not fit fail or are cut")
        }
        Risk::SetNotNull { table, column } => {
            format!("set NOT NULL on {table}.{column}: fails if a row is NULL")
        }
        Risk::Unique { table, columns } => format!(
            "unique ({}) on {table}: fails if values are duplicated",
            columns.join(", ")
        ),
        Risk::ForeignKey {
            table,
            columns,
            ref_table,
            ..
        } => {
            format!(
                "foreign key {table} ({}) -> {ref_table}: fails if a row references nothing",
                columns.join(", ")
            )
        }
        Risk::Rebuild { table } => {
            format!("rebuild table {table}: every row is copied into a new table")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<String> {
        risks(sql).iter().map(describe).collect()
    }

    #[test]
    fn recognizes_the_risky_statements() {
        assert_eq!(
            kinds("DROP TABLE \"users\""),
            ["drop table users: its rows would be lost"]
        );
        assert_eq!(
            kinds("ALTER TABLE `t` DROP COLUMN `c`"),
            ["drop column t.c: its values would be lost"]
        );
        assert_eq!(
            kinds("ALTER TABLE t DROP CONSTRAINT c"),
            Vec::<String>::new()
        );
        assert_eq!(
            risks("ALTER TABLE \"t\" ALTER COLUMN \"c\" TYPE varchar(10) USING \"c\"::varchar(10)")
                .len(),
            1
        );
        assert!(matches!(
            risks("ALTER TABLE t ALTER COLUMN c SET NOT NULL")[0],
            Risk::SetNotNull { .. }
        ));
        assert_eq!(
            risks("ALTER TABLE `t` MODIFY COLUMN `c` varchar(5) NOT NULL").len(),
            2
        );
        assert!(
            matches!(&risks("ALTER TABLE t ADD CONSTRAINT u UNIQUE (a, b)")[0], Risk::Unique { columns, .. } if columns == &["a", "b"])
        );
        assert!(
            matches!(&risks("CREATE UNIQUE INDEX ix ON s.t (a)")[0], Risk::Unique { table, .. } if table.schema.as_deref() == Some("s"))
        );
        assert!(
            matches!(&risks("ALTER TABLE p ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES users (id) ON DELETE CASCADE")[0], Risk::ForeignKey { ref_columns, .. } if ref_columns == &["id"])
        );
        assert!(
            matches!(&risks("INSERT INTO \"_retort_new_posts\" (a) SELECT a FROM posts")[0], Risk::Rebuild { table } if table.name == "posts")
        );
        assert!(risks("CREATE TABLE t (id int)").is_empty());
    }
}
