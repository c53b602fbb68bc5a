//! Rendering [`Change`]s as PostgreSQL DDL. Pure: no connection.
//!
//! The statements are ordered so they apply whatever order the plan lists them in:
//!
//! 1. enum types created;
//! 2. tables renamed;
//! 3. foreign keys dropped (those the plan drops, and those of tables it drops);
//! 4. checks, indexes and unique constraints dropped, then columns dropped;
//! 5. tables dropped;
//! 6. enum types altered, after the drops so that no column that is going away
//!    holds a value the new type lacks: values added in place with `ALTER TYPE ...
//!    ADD VALUE`; removed, renamed or reordered values by the type swap: create
//!    `<name>__new`, convert every column that uses the type (found in the
//!    catalog at run time) with `USING col::text::<name>__new`, drop the old type,
//!    rename the new one. A default that names a removed value is dropped (the
//!    plan sets the new one later); a row holding a removed value makes the
//!    conversion fail and the revision roll back, so no data is lost silently;
//! 7. tables created, without their foreign keys;
//! 8. the other in-place table changes, in plan order;
//! 9. foreign keys added (of new tables and in-place changes), so that creation
//!    order and reference cycles do not matter;
//! 10. enum types dropped.
//!
//! `ALTER TYPE ... ADD VALUE` runs inside the revision's transaction (PostgreSQL 12+),
//! but the new value cannot be used in that same transaction: when the plan uses a
//! new value (in a default, check or index of a table it creates or changes), the
//! type is swapped instead, which has no such limit.
//!
//! Two operations use a `DO $retort$ ... $retort$` block because the name or
//! value they need is only known to the database: dropping a primary key (its
//! name, which other tools or table renames choose), and converting a column to a
//! swapped enum type (the columns that use it, and their defaults, which must be
//! dropped and set again).
//!
//! Known limits: in the type swap, a default equal to a removed value, or a CHECK
//! or index expression that compares the column with an enum literal, makes the
//! conversion fail and the revision roll back; rewrite those by hand.

use retort_dialect::Statement;
use retort_schema::{
    Change, Check, Column, ColumnType, EnumType, ForeignKey, Identity, Index, IndexKey, IndexPart,
    NullsOrder, PrimaryKey, QualifiedName, Sequence, Table, TableChange, TableDiff,
    UniqueConstraint,
};

use crate::{quote_ident, quote_literal, types};

/// Render changes as statements, in an order that applies (see the module docs).
pub fn render(changes: &[Change]) -> Vec<Statement> {
    let mut create_enums = Vec::new();
    let mut alter_enums = Vec::new();
    let mut renames = Vec::new();
    let mut drop_fks = Vec::new();
    let mut drop_tables = Vec::new();
    let mut drop_parts = Vec::new();
    let mut drop_columns = Vec::new();
    let mut create_tables = Vec::new();
    let mut alters = Vec::new();
    let mut add_fks = Vec::new();
    let mut drop_enums = Vec::new();
    let mut create_seqs = Vec::new();
    let mut alter_seqs = Vec::new();
    let mut drop_seqs = Vec::new();

    for (i, change) in changes.iter().enumerate() {
        match change {
            Change::CreateEnum { enum_type } => create_enums.push(create_enum(enum_type)),
            Change::CreateSequence { sequence } => create_seqs.push(Statement::new(format!(
                "CREATE SEQUENCE {}{}",
                qname(&sequence.qualified_name()),
                sequence_options(sequence)
            ))),
            Change::AlterSequence { to, .. } => alter_seqs.push(Statement::new(format!(
                "ALTER SEQUENCE {}{}",
                qname(&to.qualified_name()),
                sequence_options(to)
            ))),
            Change::DropSequence { sequence } => drop_seqs.push(Statement::new(format!(
                "DROP SEQUENCE {}",
                qname(&sequence.qualified_name())
            ))),
            Change::DropEnum { enum_type } => drop_enums.push(Statement::new(format!(
                "DROP TYPE {}",
                enum_name(enum_type)
            ))),
            Change::AlterEnum { from, to, columns } => {
                let added: Vec<&String> = to
                    .values
                    .iter()
                    .filter(|v| !from.values.contains(v))
                    .collect();
                let used = added.iter().any(|v| mentions(changes, &quote_literal(v)));
                alter_enums.extend(alter_enum(from, to, columns, used))
            }
            Change::CreateTable { table } => {
                create_tables.extend(create_table(table));
                for fk in &table.foreign_keys {
                    add_fks.push(add_fk(&table.qualified_name(), fk));
                }
            }
            Change::DropTable { table } => {
                let name = table.qualified_name();
                for fk in &table.foreign_keys {
                    drop_fks.push(drop_constraint(&name, &fk.name));
                }
                drop_tables.push(Statement::new(format!("DROP TABLE {}", qname(&name))));
            }
            Change::RenameTable { from, to } => renames.extend(rename_table(from, to)),
            Change::AlterTable(d) => {
                // Renames run first: a change listed before a rename (as in a
                // reversed plan) must use the name the table has after it.
                let d = &after_renames(d, &changes[i + 1..]);
                let name = d.to.qualified_name();
                for c in &d.changes {
                    match c {
                        TableChange::DropForeignKey { foreign_key } => {
                            drop_fks.push(drop_constraint(&name, &foreign_key.name))
                        }
                        TableChange::AddForeignKey { foreign_key } => {
                            add_fks.push(add_fk(&name, foreign_key))
                        }
                        TableChange::DropCheck { .. }
                        | TableChange::DropIndex { .. }
                        | TableChange::DropUnique { .. } => drop_parts.extend(alter_table(d, c)),
                        TableChange::DropColumn { .. } => drop_columns.extend(alter_table(d, c)),
                        other => alters.extend(alter_table(d, other)),
                    }
                }
            }
        }
    }
    [
        create_enums,
        create_seqs,
        alter_seqs,
        renames,
        drop_fks,
        drop_parts,
        drop_columns,
        drop_tables,
        drop_seqs,
        alter_enums,
        create_tables,
        alters,
        add_fks,
        drop_enums,
    ]
    .concat()
}

/// Follow the renames of `later` changes, in order.
fn renamed(name: &QualifiedName, later: &[Change]) -> QualifiedName {
    let mut name = name.clone();
    for c in later {
        if let Change::RenameTable { from, to } = c
            && *from == name
        {
            name = to.clone();
        }
    }
    name
}

/// The table diff with its table and the tables its new foreign keys reference
/// under the names they have once the `later` renames ran.
fn after_renames(d: &TableDiff, later: &[Change]) -> TableDiff {
    if !later
        .iter()
        .any(|c| matches!(c, Change::RenameTable { .. }))
    {
        return d.clone();
    }
    let mut d = d.clone();
    let name = renamed(&d.to.qualified_name(), later);
    d.to.schema = name.schema;
    d.to.name = name.name;
    for c in &mut d.changes {
        if let TableChange::AddForeignKey { foreign_key } = c {
            foreign_key.ref_table = renamed(&foreign_key.ref_table, later);
        }
    }
    d
}

fn qname(n: &QualifiedName) -> String {
    match &n.schema {
        Some(s) => format!("{}.{}", quote_ident(s), quote_ident(&n.name)),
        None => quote_ident(&n.name),
    }
}

fn enum_name(e: &EnumType) -> String {
    qname(&e.qualified_name())
}

fn list(values: &[String], f: fn(&str) -> String) -> String {
    values.iter().map(|v| f(v)).collect::<Vec<_>>().join(", ")
}

/// ` AS type INCREMENT BY .. MINVALUE .. MAXVALUE .. START WITH .. CACHE .. [NO] CYCLE`.
fn sequence_options(s: &Sequence) -> String {
    format!(
        " AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {}",
        s.data_type,
        s.increment,
        s.min_value,
        s.max_value,
        s.start,
        s.cache,
        if s.cycle { "CYCLE" } else { "NO CYCLE" }
    )
}

fn create_enum(e: &EnumType) -> Statement {
    Statement::new(format!(
        "CREATE TYPE {} AS ENUM ({})",
        enum_name(e),
        list(&e.values, quote_literal)
    ))
}

/// Whether any default, check or index of the tables the plan creates or changes
/// contains `literal` (a quoted enum value).
fn mentions(changes: &[Change], literal: &str) -> bool {
    let in_table = |t: &Table| {
        t.columns
            .iter()
            .any(|c| c.default.as_deref().is_some_and(|d| d.contains(literal)))
            || t.checks.iter().any(|c| c.expr.contains(literal))
            || t.indexes.iter().any(|i| {
                i.predicate.as_deref().is_some_and(|p| p.contains(literal))
                    || i.parts
                        .iter()
                        .any(|p| p.expression_sql().is_some_and(|e| e.contains(literal)))
            })
    };
    changes.iter().any(|c| match c {
        Change::CreateTable { table } => in_table(table),
        Change::AlterTable(d) => in_table(&d.to),
        _ => false,
    })
}

/// `used_in_plan`: a new value is used by the same plan. `ALTER TYPE ... ADD VALUE`
/// makes a value PostgreSQL refuses to use before the transaction commits, so the
/// type is swapped instead (a type created in the transaction has no such limit).
fn alter_enum(
    from: &EnumType,
    to: &EnumType,
    columns: &[(QualifiedName, String)],
    used_in_plan: bool,
) -> Vec<Statement> {
    let name = enum_name(to);
    // Pure additions keep the old values in their order: ADD VALUE in place.
    let kept: Vec<&String> = to
        .values
        .iter()
        .filter(|v| from.values.contains(v))
        .collect();
    let only_added =
        kept.len() == from.values.len() && kept.iter().zip(&from.values).all(|(a, b)| *a == b);
    if only_added && !used_in_plan {
        let mut out = Vec::new();
        let mut present: Vec<&String> = from.values.iter().collect();
        for (i, v) in to.values.iter().enumerate() {
            if present.contains(&v) {
                continue;
            }
            // place it before the next value that already exists, else at the end
            let next = to.values[i + 1..].iter().find(|n| present.contains(n));
            let position = match next {
                Some(n) => format!(" BEFORE {}", quote_literal(n)),
                None => String::new(),
            };
            out.push(Statement::new(format!(
                "ALTER TYPE {name} ADD VALUE {}{position}",
                quote_literal(v)
            )));
            present.push(v);
        }
        return out;
    }
    let tmp = EnumType {
        schema: to.schema.clone(),
        name: format!("{}__new", to.name),
        values: to.values.clone(),
    };
    let tmp_name = enum_name(&tmp);
    let users: Vec<String> = columns.iter().map(|(t, c)| format!("{t}.{c}")).collect();
    let mut out = vec![create_enum(&tmp).with_comment(format!(
        "enum type {} changes values: swap it for a new type (columns: {})",
        to.qualified_name(),
        if users.is_empty() {
            "none in the models".to_string()
        } else {
            users.join(", ")
        }
    ))];
    out.push(convert_enum_columns(&name, &tmp_name));
    out.push(Statement::new(format!("DROP TYPE {name}")));
    out.push(Statement::new(format!(
        "ALTER TYPE {tmp_name} RENAME TO {}",
        quote_ident(&to.name)
    )));
    out
}

fn rename_table(from: &QualifiedName, to: &QualifiedName) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut current = from.clone();
    if from.schema != to.schema {
        let target = to
            .schema
            .clone()
            .unwrap_or_else(|| crate::normalize::DEFAULT_SCHEMA.to_string());
        out.push(Statement::new(format!(
            "ALTER TABLE {} SET SCHEMA {}",
            qname(&current),
            quote_ident(&target)
        )));
        current.schema = to.schema.clone();
    }
    if from.name != to.name {
        out.push(Statement::new(format!(
            "ALTER TABLE {} RENAME TO {}",
            qname(&current),
            quote_ident(&to.name)
        )));
    }
    out
}

/// The column definition used in CREATE TABLE and ADD COLUMN.
fn column_def(c: &Column, force_nullable: bool) -> String {
    let serial = c.auto_increment && c.identity == Some(Identity::Serial);
    let ty = match (serial, &c.ty) {
        (true, ColumnType::SmallInt) => "smallserial".to_string(),
        (true, ColumnType::Integer) => "serial".to_string(),
        (true, ColumnType::BigInt) => "bigserial".to_string(),
        _ => types::to_sql(&c.ty),
    };
    let ty = with_collation(&ty, c.collation.as_deref());
    let mut s = format!("{} {ty}", quote_ident(&c.name));
    if c.auto_increment && !ty.ends_with("serial") {
        s.push_str(identity_clause(c.identity));
    }
    if let Some(d) = default_sql(c) {
        s.push_str(" DEFAULT ");
        s.push_str(d);
    }
    if !c.nullable && !force_nullable {
        s.push_str(" NOT NULL");
    }
    s
}

/// The type with ` COLLATE "x"`, which a stored generated column's type takes
/// before its `GENERATED ALWAYS AS (..) STORED`.
fn with_collation(ty: &str, collation: Option<&str>) -> String {
    let Some(co) = collation else {
        return ty.to_string();
    };
    let clause = format!(" COLLATE {}", crate::normalize::collation_sql(co));
    match ty.find(" GENERATED ALWAYS AS ") {
        Some(at) => format!("{}{clause}{}", &ty[..at], &ty[at..]),
        None => format!("{ty}{clause}"),
    }
}

/// ` GENERATED ... AS IDENTITY` for an auto-increment column that is not a serial.
fn identity_clause(style: Option<Identity>) -> &'static str {
    if style == Some(Identity::Always) {
        " GENERATED ALWAYS AS IDENTITY"
    } else {
        " GENERATED BY DEFAULT AS IDENTITY"
    }
}

/// The default as written: the source's spelling when the column was read from a
/// database (`'0'::bigint`, `NULL::character varying`), else the normal form.
fn default_sql(c: &Column) -> Option<&str> {
    if c.auto_increment {
        return None;
    }
    c.spelling.default.as_deref().or(c.default.as_deref())
}

fn pk_clause(pk: &PrimaryKey) -> String {
    let name = pk
        .name
        .as_ref()
        .map(|n| format!("CONSTRAINT {} ", quote_ident(n)))
        .unwrap_or_default();
    format!("{name}PRIMARY KEY ({})", list(&pk.columns, quote_ident))
}

fn unique_clause(u: &UniqueConstraint) -> String {
    format!(
        "CONSTRAINT {} UNIQUE ({})",
        quote_ident(&u.name),
        list(&u.columns, quote_ident)
    )
}

fn check_clause(c: &Check) -> String {
    format!("CONSTRAINT {} CHECK ({})", quote_ident(&c.name), c.expr)
}

fn create_table(t: &Table) -> Vec<Statement> {
    let name = t.qualified_name();
    let mut lines: Vec<String> = t.columns.iter().map(|c| column_def(c, false)).collect();
    if let Some(pk) = &t.primary_key {
        lines.push(pk_clause(pk));
    }
    lines.extend(t.uniques.iter().map(unique_clause));
    lines.extend(t.checks.iter().map(check_clause));
    let mut out = vec![Statement::new(format!(
        "CREATE TABLE {} (\n    {}\n)",
        qname(&name),
        lines.join(",\n    ")
    ))];
    out.extend(t.indexes.iter().map(|i| create_index(&name, i)));
    if let Some(c) = &t.comment {
        out.push(Statement::new(format!(
            "COMMENT ON TABLE {} IS {}",
            qname(&name),
            quote_literal(c)
        )));
    }
    for c in &t.columns {
        if let Some(text) = &c.comment {
            out.push(comment_column(&name, &c.name, Some(text)));
        }
    }
    out
}

fn comment_column(table: &QualifiedName, column: &str, text: Option<&String>) -> Statement {
    Statement::new(format!(
        "COMMENT ON COLUMN {}.{} IS {}",
        qname(table),
        quote_ident(column),
        text.map(|t| quote_literal(t))
            .unwrap_or_else(|| "NULL".into())
    ))
}

fn create_index(table: &QualifiedName, i: &Index) -> Statement {
    let parts: Vec<String> = i.parts.iter().map(index_part).collect();
    let mut sql = format!(
        "CREATE {}INDEX {} ON {}",
        if i.unique { "UNIQUE " } else { "" },
        quote_ident(&i.name),
        qname(table)
    );
    if let Some(m) = &i.method {
        sql.push_str(&format!(" USING {}", quote_ident(m)));
    }
    sql.push_str(&format!(" ({})", parts.join(", ")));
    if let Some(p) = &i.predicate {
        sql.push_str(&format!(" WHERE {p}"));
    }
    Statement::new(sql)
}

/// One key part: column or `(expression)`, then collation, operator class, order.
fn index_part(p: &IndexPart) -> String {
    let mut s = match &p.key {
        IndexKey::Column(c) => quote_ident(c),
        IndexKey::Expression(e) => format!("({e})"),
    };
    if let Some(c) = &p.collation {
        s.push_str(&format!(" COLLATE {}", quote_ident(c)));
    }
    if let Some(o) = &p.opclass {
        s.push(' ');
        s.push_str(&quote_opclass(o));
    }
    if p.desc {
        s.push_str(" DESC");
    }
    match p.nulls {
        Some(NullsOrder::First) => s.push_str(" NULLS FIRST"),
        Some(NullsOrder::Last) => s.push_str(" NULLS LAST"),
        None => {}
    }
    s
}

/// An operator class name, quoted part by part unless it is a plain lower-case word.
fn quote_opclass(o: &str) -> String {
    o.split('.')
        .map(|part| {
            if !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                part.to_string()
            } else {
                quote_ident(part)
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn drop_index(table: &QualifiedName, i: &Index) -> Statement {
    let name = QualifiedName {
        schema: table.schema.clone(),
        name: i.name.clone(),
    };
    Statement::new(format!("DROP INDEX {}", qname(&name)))
}

fn add_fk(table: &QualifiedName, fk: &ForeignKey) -> Statement {
    let mut sql = format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        qname(table),
        quote_ident(&fk.name),
        list(&fk.columns, quote_ident),
        qname(&fk.ref_table),
        list(&fk.ref_columns, quote_ident)
    );
    if fk.on_delete != Default::default() {
        sql.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if fk.on_update != Default::default() {
        sql.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    if fk.deferrable {
        sql.push_str(" DEFERRABLE INITIALLY DEFERRED");
    }
    Statement::new(sql)
}

fn drop_constraint(table: &QualifiedName, name: &str) -> Statement {
    Statement::new(format!(
        "ALTER TABLE {} DROP CONSTRAINT {}",
        qname(table),
        quote_ident(name)
    ))
}

/// A PL/pgSQL block, dollar-quoted with a tag no identifier can close.
fn do_block(declare: &str, body: &str) -> String {
    format!("DO $retort$\nDECLARE\n    {declare}\nBEGIN\n{body}END\n$retort$")
}

/// A `format()` pattern: `sql` with `%` doubled, then the placeholder.
fn format_pattern(sql: &str, placeholder: &str) -> String {
    quote_literal(&format!("{} {placeholder}", sql.replace('%', "%%")))
}

/// Drop a primary key whatever its name (another tool, or a renamed table, may have named it).
fn drop_primary_key(table: &QualifiedName) -> Statement {
    let t = qname(table);
    let body = format!(
        "    SELECT conname INTO n FROM pg_catalog.pg_constraint WHERE conrelid = {}::regclass AND contype = 'p';\n    \
         EXECUTE format({}, n);\n",
        quote_literal(&t),
        format_pattern(&format!("ALTER TABLE {t} DROP CONSTRAINT"), "%I")
    );
    Statement::new(do_block("n name;", &body)).with_comment(format!("drop the primary key of {t}"))
}

/// Convert every column that uses enum type `old` to `new_type`, keeping defaults.
///
/// The columns are found in the catalog when the statement runs, so columns of
/// tables the models no longer declare (or dropped later in the same revision)
/// are converted too and `DROP TYPE` cannot fail on them. A default is dropped,
/// and set again without its cast to the old type unless it names a removed value.
fn convert_enum_columns(old: &str, new_type: &str) -> Statement {
    let esc = |s: &str| s.replace('%', "%%");
    let body = format!(
        "    FOR r IN\n        \
         SELECT a.attrelid::regclass::text AS tbl, quote_ident(a.attname) AS col, pg_get_expr(ad.adbin, ad.adrelid) AS def\n        \
         FROM pg_catalog.pg_attribute a\n        \
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p') AND NOT c.relispartition\n        \
         LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum\n        \
         WHERE a.atttypid = {old_lit}::regtype AND a.attnum > 0 AND NOT a.attisdropped AND a.attinhcount = 0\n    \
         LOOP\n        \
         IF r.def IS NOT NULL THEN\n            \
         EXECUTE format('ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT', r.tbl, r.col);\n        \
         END IF;\n        \
         EXECUTE format({convert}, r.tbl, r.col, r.col);\n        \
         IF r.def IS NOT NULL THEN\n            \
         BEGIN\n                \
         EXECUTE format('ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s', r.tbl, r.col, regexp_replace(r.def, '::[^'']*$', ''));\n            \
         EXCEPTION WHEN invalid_text_representation THEN\n                \
         NULL;\n            \
         END;\n        \
         END IF;\n    \
         END LOOP;\n",
        old_lit = quote_literal(old),
        convert = quote_literal(&format!(
            "ALTER TABLE %s ALTER COLUMN %s TYPE {t} USING %s::text::{t}",
            t = esc(new_type)
        )),
    );
    Statement::new(do_block("r record;", &body))
}

fn alter_table(d: &TableDiff, change: &TableChange) -> Vec<Statement> {
    let name = d.to.qualified_name();
    let t = qname(&name);
    let alter = |what: String| Statement::new(format!("ALTER TABLE {t} {what}"));
    match change {
        TableChange::AddColumn { column } => add_column(&name, column),
        TableChange::DropColumn { column } => {
            vec![alter(format!("DROP COLUMN {}", quote_ident(&column.name)))]
        }
        TableChange::RenameColumn { from, to } => {
            vec![alter(format!(
                "RENAME COLUMN {} TO {}",
                quote_ident(from),
                quote_ident(to)
            ))]
        }
        TableChange::AlterColumn { from, to } => alter_column(&name, from, to),
        TableChange::SetPrimaryKey { from, to } => {
            let mut out = Vec::new();
            if let Some(pk) = from {
                out.push(match &pk.name {
                    Some(n) => drop_constraint(&name, n),
                    None => drop_primary_key(&name),
                });
            }
            if let Some(pk) = to {
                out.push(alter(format!("ADD {}", pk_clause(pk))));
            }
            out
        }
        TableChange::AddUnique { unique } => vec![alter(format!("ADD {}", unique_clause(unique)))],
        TableChange::DropUnique { unique } => vec![drop_constraint(&name, &unique.name)],
        TableChange::AddIndex { index } => vec![create_index(&name, index)],
        TableChange::DropIndex { index } => vec![drop_index(&name, index)],
        TableChange::AddCheck { check } => vec![alter(format!("ADD {}", check_clause(check)))],
        TableChange::DropCheck { check } => vec![drop_constraint(&name, &check.name)],
        TableChange::SetComment { to, .. } => vec![Statement::new(format!(
            "COMMENT ON TABLE {t} IS {}",
            to.as_ref()
                .map(|c| quote_literal(c))
                .unwrap_or_else(|| "NULL".into())
        ))],
        // PostgreSQL tables have no default collation or options in the normal form.
        TableChange::SetOptions { .. } => vec![],
        // foreign keys are rendered in their own phases by `render`
        TableChange::AddForeignKey { foreign_key } => vec![add_fk(&name, foreign_key)],
        TableChange::DropForeignKey { foreign_key } => {
            vec![drop_constraint(&name, &foreign_key.name)]
        }
    }
}

fn add_column(table: &QualifiedName, c: &Column) -> Vec<Statement> {
    let t = qname(table);
    let col = quote_ident(&c.name);
    let needs_backfill = !c.nullable && c.default.is_none() && !c.auto_increment;
    let mut out = vec![Statement::new(format!(
        "ALTER TABLE {t} ADD COLUMN {}",
        column_def(c, needs_backfill)
    ))];
    if needs_backfill {
        match &c.backfill {
            Some(b) => out.push(
                Statement::new(format!("UPDATE {t} SET {col} = {b}"))
                    .with_comment(format!("backfill {col} before it becomes NOT NULL")),
            ),
            None => out.push(
                Statement::new(format!("UPDATE {t} SET {col} = NULL WHERE {col} IS NULL")).with_todo(format!(
                    "column {col} is NOT NULL without a default: replace NULL with the value existing rows get (or set `backfill` on the model)"
                )),
            ),
        }
        out.push(Statement::new(format!(
            "ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL"
        )));
    }
    if let Some(text) = &c.comment {
        out.push(comment_column(table, &c.name, Some(text)));
    }
    out
}

/// Whether PostgreSQL has a cast between the two types; otherwise the value goes
/// through its text form (`USING col::text::new`), which every type has.
fn direct_cast(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType as T;
    let numeric = |t: &T| {
        matches!(
            t,
            T::SmallInt | T::Integer | T::BigInt | T::Real | T::Double | T::Decimal { .. }
        )
    };
    let text = |t: &T| matches!(t, T::Text | T::Varchar { .. });
    let temporal = |t: &T| matches!(t, T::Date | T::Timestamp | T::TimestampTz);
    let enum_or_custom = |t: &T| matches!(t, T::Enum { .. } | T::Custom { .. });
    if enum_or_custom(from) || enum_or_custom(to) {
        return false;
    }
    (numeric(from) && numeric(to))
        || text(to)
        || (text(from) && !matches!(to, T::Blob))
        || (temporal(from) && temporal(to))
        || matches!(
            (from, to),
            (T::Integer, T::Boolean) | (T::Boolean, T::Integer)
        )
}

fn alter_column(table: &QualifiedName, from: &Column, to: &Column) -> Vec<Statement> {
    let t = qname(table);
    let col = quote_ident(&to.name);
    let alter = |what: String| Statement::new(format!("ALTER TABLE {t} ALTER COLUMN {col} {what}"));
    let mut out = Vec::new();
    let type_changes = from.ty != to.ty;
    let default_changes = from.default != to.default || (type_changes && to.default.is_some());
    if from.auto_increment && !to.auto_increment {
        out.push(alter("DROP IDENTITY IF EXISTS".into()));
        if to.default.is_none() {
            // a serial column (made by another tool) keeps its nextval() default otherwise
            out.push(alter("DROP DEFAULT".into()));
        }
    }
    if default_changes && from.default.is_some() {
        out.push(alter("DROP DEFAULT".into()));
    }
    if type_changes {
        let ty = types::to_sql(&to.ty);
        let using = if direct_cast(&from.ty, &to.ty) {
            format!("{col}::{ty}")
        } else {
            format!("{col}::text::{ty}")
        };
        // without COLLATE the column takes the new type's default collation
        let ty = with_collation(&ty, to.collation.as_deref());
        out.push(alter(format!("TYPE {ty} USING {using}")));
    } else if from.collation != to.collation {
        // a collation changes with the type, restated
        let co = to.collation.as_deref().unwrap_or("default");
        out.push(alter(format!(
            "TYPE {} COLLATE {}",
            types::to_sql(&to.ty),
            crate::normalize::collation_sql(co)
        )));
    }
    if !from.nullable && to.nullable {
        out.push(alter("DROP NOT NULL".into()));
    }
    if from.nullable && !to.nullable {
        if let Some(b) = &to.backfill {
            out.push(
                Statement::new(format!("UPDATE {t} SET {col} = {b} WHERE {col} IS NULL"))
                    .with_comment(format!("backfill {col} before it becomes NOT NULL")),
            );
        }
        out.push(alter("SET NOT NULL".into()));
    }
    if from.auto_increment
        && to.auto_increment
        && !Identity::same_behaviour(from.identity, to.identity)
    {
        if to.identity == Some(Identity::Always) {
            if from.identity == Some(Identity::Serial) {
                // the serial's sequence stays, owned by the column; the identity takes over
                out.push(alter("DROP DEFAULT".into()));
                out.extend(add_identity(&t, &col, &to.name, to.identity));
            } else {
                out.push(alter("SET GENERATED ALWAYS".into()));
            }
        } else {
            out.push(alter("SET GENERATED BY DEFAULT".into()));
        }
    }
    if !from.auto_increment && to.auto_increment {
        out.extend(add_identity(&t, &col, &to.name, to.identity));
    }
    if default_changes && let Some(d) = default_sql(to) {
        out.push(alter(format!("SET DEFAULT {d}")));
    }
    if from.comment != to.comment {
        out.push(comment_column(table, &to.name, to.comment.as_ref()));
    }
    out
}

/// Make a column an identity column starting after its existing values.
fn add_identity(t: &str, col: &str, name: &str, style: Option<Identity>) -> Vec<Statement> {
    vec![
        Statement::new(format!(
            "ALTER TABLE {t} ALTER COLUMN {col} ADD{}",
            identity_clause(style)
        )),
        Statement::new(format!(
            "SELECT setval(pg_get_serial_sequence({}, {}), coalesce(max({col}), 0) + 1, false) FROM {t}",
            quote_literal(t),
            quote_literal(name)
        ))
        .with_comment(format!("start the identity of {col} after the existing values")),
    ]
}
