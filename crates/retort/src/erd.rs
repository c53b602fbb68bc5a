//! Entity-relationship diagrams of a schema: Mermaid `erDiagram` and Graphviz dot.
//!
//! Each table lists its columns with their types
//! ([`retort_schema::change::type_label`]) and key marks (`PK`, `FK`, `UK`);
//! each foreign key is an edge from the referencing table to the referenced one.

use std::fmt::Write as _;

use retort_schema::change::type_label;
use retort_schema::{QualifiedName, Schema, Table};

/// The key marks of one column: `PK`, `FK`, `UK` (single-column unique).
fn marks(table: &Table, column: &str) -> Vec<&'static str> {
    let mut m = Vec::new();
    if table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.iter().any(|c| c == column))
    {
        m.push("PK");
    }
    if table
        .foreign_keys
        .iter()
        .any(|fk| fk.columns.iter().any(|c| c == column))
    {
        m.push("FK");
    }
    let single = |cols: &[String]| cols.len() == 1 && cols[0] == column;
    if table.uniques.iter().any(|u| single(&u.columns))
        || table.indexes.iter().any(|i| {
            i.unique
                && i.predicate.is_none()
                && i.column_names()
                    .is_some_and(|c| c.len() == 1 && c[0] == column)
        })
    {
        m.push("UK");
    }
    m
}

/// A Mermaid identifier: letters, digits, `_` and `-`; anything else becomes `_`.
fn mermaid_ident(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 't');
    }
    out
}

/// A Mermaid attribute type: `(`, `)`, `[`, `]` are allowed too.
fn mermaid_type(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-()[]".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 't');
    }
    out
}

fn entity(name: &QualifiedName) -> (String, String) {
    let shown = name.to_string();
    (mermaid_ident(&shown), shown)
}

/// The schema as a Mermaid `erDiagram`.
pub fn mermaid(schema: &Schema) -> String {
    let mut out = String::from("erDiagram\n");
    for t in &schema.tables {
        let (id, shown) = entity(&t.qualified_name());
        if id == shown {
            let _ = writeln!(out, "    {id} {{");
        } else {
            let _ = writeln!(out, "    {id}[\"{}\"] {{", shown.replace('"', "'"));
        }
        for c in &t.columns {
            let _ = write!(
                out,
                "        {} {}",
                mermaid_type(&type_label(&c.ty)),
                mermaid_ident(&c.name)
            );
            let m = marks(t, &c.name);
            if !m.is_empty() {
                let _ = write!(out, " {}", m.join(", "));
            }
            let mut notes = Vec::new();
            if mermaid_ident(&c.name) != c.name {
                notes.push(c.name.clone());
            }
            if !c.nullable {
                notes.push("not null".to_string());
            }
            if !notes.is_empty() {
                let _ = write!(out, " \"{}\"", notes.join(", ").replace('"', "'"));
            }
            out.push('\n');
        }
        out.push_str("    }\n");
    }
    for t in &schema.tables {
        let (from, _) = entity(&t.qualified_name());
        for fk in &t.foreign_keys {
            let (to, _) = entity(&fk.ref_table);
            let optional = fk
                .columns
                .iter()
                .any(|c| t.column(c).is_none_or(|col| col.nullable));
            let parent = if optional { "|o" } else { "||" };
            let _ = writeln!(
                out,
                "    {from} }}o--{parent} {to} : \"{}\"",
                fk.columns.join(", ").replace('"', "'")
            );
        }
    }
    out
}

fn dot_id(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The schema as a Graphviz dot digraph with one HTML-table node per table.
pub fn dot(schema: &Schema) -> String {
    let mut out = String::from(
        "digraph erd {\n  rankdir=LR;\n  node [shape=plaintext, fontname=\"Helvetica\"];\n  edge [arrowhead=crow, arrowtail=none];\n",
    );
    for t in &schema.tables {
        let name = t.qualified_name().to_string();
        let _ = write!(
            out,
            "  {} [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\">\n    <tr><td colspan=\"2\" bgcolor=\"lightgrey\"><b>{}</b></td></tr>\n",
            dot_id(&name),
            html(&name)
        );
        for (i, c) in t.columns.iter().enumerate() {
            let m = marks(t, &c.name);
            let col = if m.is_empty() {
                html(&c.name)
            } else {
                format!("{} ({})", html(&c.name), m.join(", "))
            };
            let ty = format!(
                "{}{}",
                html(&type_label(&c.ty)),
                if c.nullable { "" } else { " not null" }
            );
            let _ = writeln!(
                out,
                "    <tr><td port=\"c{i}\" align=\"left\">{col}</td><td align=\"left\">{ty}</td></tr>"
            );
        }
        out.push_str("  </table>>];\n");
    }
    for t in &schema.tables {
        let from = t.qualified_name().to_string();
        for fk in &t.foreign_keys {
            let port = |table: &Table, col: Option<&String>| -> String {
                col.and_then(|c| table.columns.iter().position(|x| &x.name == c))
                    .map(|i| format!(":\"c{i}\""))
                    .unwrap_or_default()
            };
            let from_port = port(t, fk.columns.first());
            let to_port = schema
                .table(&fk.ref_table)
                .map(|rt| port(rt, fk.ref_columns.first()))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}{from_port} -> {}{to_port} [label={}];",
                dot_id(&from),
                dot_id(&fk.ref_table.to_string()),
                dot_id(&fk.columns.join(", "))
            );
        }
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use retort_schema::{Column, ColumnType, ForeignKey, PrimaryKey, Table};

    use super::*;

    fn schema() -> Schema {
        let mut events = Table {
            schema: Some("audit".into()),
            name: "user events".into(),
            columns: vec![
                Column::new("id", ColumnType::BigInt),
                Column::new(
                    "amount",
                    ColumnType::Decimal {
                        precision: 10,
                        scale: 2,
                    },
                ),
                Column::new("user id", ColumnType::Integer),
            ],
            primary_key: Some(PrimaryKey {
                name: None,
                columns: vec!["id".into()],
            }),
            ..Default::default()
        };
        events.columns[0].nullable = false;
        events.foreign_keys.push(ForeignKey {
            name: "fk".into(),
            named: false,
            columns: vec!["user id".into()],
            ref_table: QualifiedName::new("users"),
            ref_columns: vec!["id".into()],
            on_delete: Default::default(),
            on_update: Default::default(),
            deferrable: false,
        });
        let users = Table {
            name: "users".into(),
            columns: vec![Column::new("id", ColumnType::Integer)],
            ..Default::default()
        };
        Schema {
            tables: vec![events, users],
            enums: vec![],
            sequences: Vec::new(),
        }
    }

    #[test]
    fn odd_names_become_mermaid_identifiers_with_the_real_name_shown() {
        let m = mermaid(&schema());
        assert!(
            m.contains("    audit_user_events[\"audit.user events\"] {\n"),
            "{m}"
        );
        assert!(m.contains("        bigint id PK \"not null\"\n"), "{m}");
        assert!(m.contains("        decimal(10_2) amount\n"), "{m}");
        assert!(
            m.contains("        integer user_id FK \"user id\"\n"),
            "{m}"
        );
        assert!(
            m.contains("    audit_user_events }o--|o users : \"user id\"\n"),
            "{m}"
        );
    }

    #[test]
    fn dot_quotes_and_escapes() {
        let d = dot(&schema());
        assert!(d.contains("  \"audit.user events\" [label=<"), "{d}");
        assert!(
            d.contains("  \"audit.user events\":\"c2\" -> \"users\":\"c0\" [label=\"user id\"];"),
            "{d}"
        );
    }
}
