//! Rendering changes as MySQL/MariaDB statements.
//!
//! MySQL commits every DDL statement on its own, so the order matters more than on
//! PostgreSQL. Across the whole change list the renderer writes, in this order:
//!
//! 1. table renames (`RENAME TABLE`);
//! 2. every foreign key the plan drops (and the index InnoDB made for it, when no
//!    other index covered its columns), and the kept foreign keys over columns
//!    whose type changes (InnoDB refuses the change otherwise; they are added
//!    again in step 5);
//! 3. new tables, in the given order, with their foreign keys inline when the
//!    referenced table already exists or was created before; the others are added
//!    with `ALTER TABLE ... ADD CONSTRAINT` in step 5 (this also handles cycles);
//! 4. the other changes of each altered table (see [`alter_table`]);
//! 5. foreign keys added to altered tables and the deferred ones of new tables;
//! 6. dropped tables, referencing tables before the tables they reference (the
//!    foreign keys inside a cycle of dropped tables are dropped first).
//!
//! Column changes use `MODIFY COLUMN` with the complete new definition (type,
//! NULL/NOT NULL, DEFAULT, AUTO_INCREMENT, COMMENT), so a change of one attribute
//! never drops another. Enum changes render nothing: MySQL enums are column types,
//! so their value changes arrive as column type changes.

use std::collections::HashSet;

use retort_dialect::Statement;
use retort_schema::{
    Change, Column, FkAction, ForeignKey, Index, IndexKey, IndexPart, PrimaryKey, QualifiedName,
    Table, TableChange, UniqueConstraint,
};

mod alter;

pub use alter::alter_table;

use crate::charset::{ServerDefaults, charset_of, is_textual};
use crate::normalize::covered;
use crate::sqlexpr::{as_prefix_part, backtick};
use crate::types::{is_lob, parse_type, quote_string, type_sql};

fn q(s: &str) -> String {
    backtick(s)
}

fn qn(n: &QualifiedName) -> String {
    match &n.schema {
        Some(s) => format!("{}.{}", q(s), q(&n.name)),
        None => q(&n.name),
    }
}

fn cols(c: &[String]) -> String {
    c.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
}

/// The type of a column as written: the catalog's spelling when the column was
/// read from a database and its spelling carries an integer display width other
/// than the server's default (`int(3)`, `int(10)`), so a schema taken from a
/// database is rebuilt with the same widths; otherwise the normal spelling.
/// Widths never take part in comparisons.
pub fn column_type_sql(c: &Column) -> String {
    if let Some(sp) = &c.spelling.ty
        && display_width(sp)
            .is_some_and(|(base, n, unsigned)| default_display_width(&base, unsigned) != Some(n))
        && parse_type(sp, &c.name) == c.ty
    {
        return sp.to_ascii_lowercase();
    }
    type_sql(&c.ty)
}

/// `(base, width, unsigned)` of an integer spelling with a display width.
fn display_width(sql: &str) -> Option<(String, u32, bool)> {
    let lower = sql.trim().to_ascii_lowercase();
    let (base, rest) = lower.split_once('(')?;
    let base = base.trim();
    if !matches!(
        base,
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint"
    ) {
        return None;
    }
    let (n, tail) = rest.split_once(')')?;
    let n = n.trim().parse().ok()?;
    Some((base.to_string(), n, tail.contains("unsigned")))
}

/// The display width MariaDB reports for an integer type declared without one.
fn default_display_width(base: &str, unsigned: bool) -> Option<u32> {
    Some(match (base, unsigned) {
        ("tinyint", false) => 4,
        ("tinyint", true) => 3,
        ("smallint", false) => 6,
        ("smallint", true) => 5,
        ("mediumint", false) => 9,
        ("mediumint", true) => 8,
        ("int" | "integer", false) => 11,
        ("int" | "integer", true) => 10,
        ("bigint", _) => 20,
        _ => return None,
    })
}

/// The column definition used by CREATE TABLE, ADD COLUMN and MODIFY COLUMN.
pub fn column_def(c: &Column, with_auto_increment: bool) -> String {
    let mut s = format!("{} {}", q(&c.name), column_type_sql(c));
    if let Some(co) = &c.collation
        && is_textual(&c.ty)
    {
        s.push_str(&format!(" COLLATE {co}"));
    }
    if crate::types::is_generated(&c.ty) {
        // MariaDB takes neither NULL/NOT NULL nor DEFAULT on generated columns.
        if let Some(cm) = &c.comment {
            s.push_str(&format!(" COMMENT {}", quote_string(cm)));
        }
        return s;
    }
    s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {}", default_sql(d, &c.ty)));
    }
    if c.auto_increment && with_auto_increment {
        s.push_str(" AUTO_INCREMENT");
    }
    if let Some(cm) = &c.comment {
        s.push_str(&format!(" COMMENT {}", quote_string(cm)));
    }
    s
}

/// A default as written after `DEFAULT`: literals and `CURRENT_TIMESTAMP` bare,
/// other expressions in parentheses (MySQL 8.0.13+, MariaDB 10.2+). TEXT, BLOB
/// and JSON columns take only expression defaults on MySQL 8, so theirs are
/// always parenthesized.
pub fn default_sql(d: &str, ty: &retort_schema::ColumnType) -> String {
    use retort_schema::expr::{Token, tokenize};
    let toks = tokenize(d);
    let literal = match toks.as_slice() {
        [Token::Number(_) | Token::Str(_)] => true,
        [Token::Punct(m), Token::Number(_)] => m == "-",
        [Token::Word(w)] => w == "null" || w == "current_timestamp",
        [
            Token::Word(w),
            Token::Punct(o),
            Token::Number(_),
            Token::Punct(c),
        ] => w == "current_timestamp" && o == "(" && c == ")",
        _ => d.contains(" on update "),
    };
    if literal && !is_lob(ty) {
        d.to_string()
    } else {
        format!("({d})")
    }
}

fn part_sql(p: &IndexPart) -> String {
    let key = match &p.key {
        IndexKey::Column(c) => q(c),
        IndexKey::Expression(e) => match as_prefix_part(e) {
            Some((c, n)) => format!("{}({n})", q(&c)),
            None => format!("({e})"),
        },
    };
    if p.desc { format!("{key} DESC") } else { key }
}

fn index_kind(ix: &Index) -> &'static str {
    match ix.method.as_deref() {
        Some("fulltext") => "FULLTEXT ",
        Some("spatial") => "SPATIAL ",
        _ if ix.unique => "UNIQUE ",
        _ => "",
    }
}

fn index_using(ix: &Index) -> &'static str {
    if ix.method.as_deref() == Some("hash") {
        " USING HASH"
    } else {
        ""
    }
}

fn index_body(ix: &Index) -> String {
    format!(
        "{} ({}){}",
        q(&ix.name),
        ix.parts.iter().map(part_sql).collect::<Vec<_>>().join(", "),
        index_using(ix)
    )
}

fn fk_body(fk: &ForeignKey) -> String {
    let mut s = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        q(&fk.name),
        cols(&fk.columns),
        qn(&fk.ref_table),
        cols(&fk.ref_columns)
    );
    if fk.on_delete != FkAction::NoAction {
        s.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if fk.on_update != FkAction::NoAction {
        s.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    s
}

fn unique_body(u: &UniqueConstraint) -> String {
    format!("UNIQUE KEY {} ({})", q(&u.name), cols(&u.columns))
}

fn pk_body(pk: &PrimaryKey) -> String {
    format!("PRIMARY KEY ({})", cols(&pk.columns))
}

/// `CREATE TABLE` with the foreign keys `inline_fk` accepts; returns the others.
fn create_table(
    t: &Table,
    inline_fk: impl Fn(&ForeignKey) -> bool,
) -> (Statement, Vec<ForeignKey>) {
    let mut lines: Vec<String> = t.columns.iter().map(|c| column_def(c, true)).collect();
    if let Some(pk) = &t.primary_key {
        lines.push(pk_body(pk));
    }
    for u in &t.uniques {
        lines.push(unique_body(u));
    }
    for ix in &t.indexes {
        lines.push(format!("{}INDEX {}", index_kind(ix), index_body(ix)));
    }
    let mut deferred = Vec::new();
    for fk in &t.foreign_keys {
        if inline_fk(fk) {
            lines.push(fk_body(fk));
        } else {
            deferred.push(fk.clone());
        }
    }
    for ck in &t.checks {
        lines.push(format!("CONSTRAINT {} CHECK ({})", q(&ck.name), ck.expr));
    }
    let mut sql = format!(
        "CREATE TABLE {} (\n  {}\n)",
        qn(&t.qualified_name()),
        lines.join(",\n  ")
    );
    sql.push_str(&table_options_sql(t));
    if let Some(c) = &t.comment {
        sql.push_str(&format!(" COMMENT = {}", quote_string(c)));
    }
    (Statement::new(sql), deferred)
}

/// ` ENGINE = x DEFAULT CHARSET = cs COLLATE = c ROW_FORMAT = y` for what the table declares.
fn table_options_sql(t: &Table) -> String {
    let mut s = String::new();
    if let Some(e) = t.options.get("engine") {
        s.push_str(&format!(" ENGINE = {e}"));
    }
    if let Some(co) = &t.collation {
        s.push_str(&format!(
            " DEFAULT CHARSET = {} COLLATE = {co}",
            charset_of(co)
        ));
    }
    for (k, v) in &t.options {
        if k != "engine" {
            s.push_str(&format!(
                " {} = {}",
                k.to_ascii_uppercase(),
                v.to_ascii_uppercase()
            ));
        }
    }
    s
}

fn add_fk(table: &QualifiedName, fk: &ForeignKey) -> Statement {
    Statement::new(format!("ALTER TABLE {} ADD {}", qn(table), fk_body(fk)))
}

fn drop_fk(from: &Table, fk: &ForeignKey, out: &mut Vec<Statement>) {
    let t = qn(&from.qualified_name());
    out.push(Statement::new(format!(
        "ALTER TABLE {t} DROP FOREIGN KEY {}",
        q(&fk.name)
    )));
    if !covered(from, &fk.columns, None) {
        out.push(
            Statement::new(format!("ALTER TABLE {t} DROP INDEX {}", q(&fk.name))).with_comment(
                format!("the index InnoDB created for foreign key {}", fk.name),
            ),
        );
    }
}

/// Render a list of changes without knowing the server (a table's collation
/// going back to the database default is then written `CHARACTER SET DEFAULT`).
pub fn render_changes(changes: &[Change]) -> Vec<Statement> {
    render_changes_with(changes, &ServerDefaults::offline())
}

/// Render a list of changes for a server with these defaults; see the module
/// documentation for the order.
pub fn render_changes_with(changes: &[Change], defaults: &ServerDefaults) -> Vec<Statement> {
    let mut out = Vec::new();
    // 1. renames
    for c in changes {
        if let Change::RenameTable { from, to } = c {
            out.push(Statement::new(format!(
                "RENAME TABLE {} TO {}",
                qn(from),
                qn(to)
            )));
        }
    }
    // 2. dropped foreign keys
    for c in changes {
        if let Change::AlterTable(d) = c {
            for tc in &d.changes {
                if let TableChange::DropForeignKey { foreign_key } = tc {
                    drop_fk(&d.from, foreign_key, &mut out);
                }
            }
        }
    }
    // 2b. foreign keys over columns whose type changes: InnoDB refuses the change
    // while the key exists, so the key is dropped here and added again in step 5.
    let retyped: HashSet<(QualifiedName, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterTable(d) => Some(d),
            _ => None,
        })
        .flat_map(|d| {
            d.changes.iter().filter_map(move |tc| match tc {
                // A collation change is a change of type for InnoDB's foreign keys too.
                TableChange::AlterColumn { from, to }
                    if from.ty != to.ty || from.collation != to.collation =>
                {
                    Some((d.to.qualified_name(), to.name.clone()))
                }
                _ => None,
            })
        })
        .collect();
    let mut readd: Vec<(QualifiedName, ForeignKey)> = Vec::new();
    for c in changes {
        if let Change::AlterTable(d) = c {
            let me = d.to.qualified_name();
            for fk in &d.to.foreign_keys {
                let existed = d.from.foreign_keys.iter().any(|f| f.name == fk.name);
                let dropped = d.changes.iter().any(|tc| {
                    matches!(tc, TableChange::DropForeignKey { foreign_key } if foreign_key.name == fk.name)
                });
                let touched = fk
                    .columns
                    .iter()
                    .any(|c| retyped.contains(&(me.clone(), c.clone())))
                    || fk
                        .ref_columns
                        .iter()
                        .any(|c| retyped.contains(&(fk.ref_table.clone(), c.clone())));
                if existed && !dropped && touched {
                    out.push(
                        Statement::new(format!(
                            "ALTER TABLE {} DROP FOREIGN KEY {}",
                            qn(&me),
                            q(&fk.name)
                        ))
                        .with_comment(format!(
                            "foreign key {} is added again after its columns change type",
                            fk.name
                        )),
                    );
                    readd.push((me.clone(), fk.clone()));
                }
            }
        }
    }
    // Tables dropped at the end lose such keys now, too.
    let mut fk_gone: HashSet<(QualifiedName, String)> = HashSet::new();
    for c in changes {
        if let Change::DropTable { table } = c {
            let me = table.qualified_name();
            for fk in &table.foreign_keys {
                if fk
                    .ref_columns
                    .iter()
                    .any(|c| retyped.contains(&(fk.ref_table.clone(), c.clone())))
                {
                    out.push(Statement::new(format!(
                        "ALTER TABLE {} DROP FOREIGN KEY {}",
                        qn(&me),
                        q(&fk.name)
                    )));
                    fk_gone.insert((me.clone(), fk.name.clone()));
                }
            }
        }
    }
    // 3. new tables
    let created: HashSet<QualifiedName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable { table } => Some(table.qualified_name()),
            _ => None,
        })
        .collect();
    let mut done: HashSet<QualifiedName> = HashSet::new();
    let mut deferred: Vec<(QualifiedName, ForeignKey)> = Vec::new();
    for c in changes {
        if let Change::CreateTable { table } = c {
            let me = table.qualified_name();
            let (stmt, later) = create_table(table, |fk| {
                let ready = fk.ref_table == me
                    || done.contains(&fk.ref_table)
                    || !created.contains(&fk.ref_table);
                // A key to a column whose type changes waits until it has changed.
                ready
                    && !fk
                        .ref_columns
                        .iter()
                        .any(|c| retyped.contains(&(fk.ref_table.clone(), c.clone())))
            });
            out.push(stmt);
            deferred.extend(later.into_iter().map(|fk| (me.clone(), fk)));
            done.insert(me);
        }
    }
    // 4. altered tables
    for c in changes {
        if let Change::AlterTable(d) = c {
            alter_table(d, defaults, &mut out);
        }
    }
    // 5. foreign keys added
    for (t, fk) in deferred.iter().chain(&readd) {
        out.push(add_fk(t, fk));
    }
    for c in changes {
        if let Change::AlterTable(d) = c {
            for tc in &d.changes {
                if let TableChange::AddForeignKey { foreign_key } = tc {
                    out.push(add_fk(&d.to.qualified_name(), foreign_key));
                }
            }
        }
    }
    // 6. dropped tables
    let mut dropping: Vec<&Table> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable { table } => Some(table),
            _ => None,
        })
        .collect();
    while !dropping.is_empty() {
        let names: HashSet<QualifiedName> = dropping.iter().map(|t| t.qualified_name()).collect();
        // A table can go when no other remaining table references it.
        let free = dropping.iter().position(|t| {
            let me = t.qualified_name();
            !dropping.iter().any(|o| {
                o.qualified_name() != me && o.foreign_keys.iter().any(|fk| fk.ref_table == me)
            })
        });
        match free {
            Some(i) => {
                let t = dropping.remove(i);
                out.push(Statement::new(format!(
                    "DROP TABLE {}",
                    qn(&t.qualified_name())
                )));
            }
            None => {
                // A cycle: drop the foreign keys between the remaining tables first.
                for t in &dropping {
                    for fk in &t.foreign_keys {
                        if names.contains(&fk.ref_table)
                            && fk.ref_table != t.qualified_name()
                            && !fk_gone.contains(&(t.qualified_name(), fk.name.clone()))
                        {
                            out.push(Statement::new(format!(
                                "ALTER TABLE {} DROP FOREIGN KEY {}",
                                qn(&t.qualified_name()),
                                q(&fk.name)
                            )));
                        }
                    }
                }
                for t in dropping.drain(..) {
                    out.push(Statement::new(format!(
                        "DROP TABLE {}",
                        qn(&t.qualified_name())
                    )));
                }
            }
        }
    }
    out
}
