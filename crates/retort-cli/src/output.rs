//! Printing: text for people, JSON (stable shapes, see docs/json.md) for programs.

use serde::Serialize;

use crate::error::CliError;

/// Print a value as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::input(format!("cannot encode JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Render statements as SQL text, one per line group, with comments and to-dos.
pub fn statements_sql(statements: &[retort_dialect::Statement]) -> String {
    let mut out = String::new();
    for st in statements {
        if let Some(c) = &st.comment {
            for line in c.lines() {
                out.push_str(&format!("-- {line}\n"));
            }
        }
        if let Some(t) = &st.todo {
            for line in t.lines() {
                out.push_str(&format!("-- retort:todo {line}\n"));
            }
        }
        let sql = st.sql.trim().trim_end_matches(';');
        if !sql.is_empty() {
            out.push_str(sql);
            out.push_str(";\n");
        }
    }
    out
}
