//! The SQLite table rebuild, for the table changes `ALTER TABLE` cannot make.
//!
//! Following SQLite's documented procedure, for table `t`:
//!
//! 1. `CREATE TABLE "_retort_new_t" (...)` with the target definition;
//! 2. `INSERT INTO "_retort_new_t" (cols) SELECT cols FROM "t"` for every target
//!    column the old table has (renamed columns were renamed in place before);
//!    new columns take their defaults;
//! 3. `DROP TABLE "t"`;
//! 4. `ALTER TABLE "_retort_new_t" RENAME TO "t"`, between
//!    `PRAGMA legacy_alter_table = ON` and `OFF`: the modern rename checks every
//!    view and trigger of the schema, and a view that selects from `t` would make
//!    it fail while `t` is gone. Nothing refers to `_retort_new_t`, so the modern
//!    rename's rewriting of references is not needed;
//! 5. the target's indexes are created again.
//!
//! Foreign keys of other tables that reference `t` keep pointing at it: they name
//! `t`, which exists again after step 4 (renaming the new table rewrites only
//! references to `_retort_new_t`). This needs foreign-key enforcement off while it
//! runs, or step 3 would fire `ON DELETE CASCADE` on the child rows: the
//! dialect's transaction opens with `PRAGMA foreign_keys = OFF` and closes with
//! `PRAGMA foreign_key_check`, so a rebuild that breaks a reference fails whole.
//!
//! Views over `t` keep working. Known limits: `WITHOUT ROWID`, `STRICT`,
//! generated columns, triggers on `t` (dropped with it) and the `AUTOINCREMENT`
//! keyword are not part of retort's schema model, so a rebuilt table does not
//! keep them.

use retort_dialect::Statement;
use retort_schema::Table;

use crate::render::{create_index_sql, create_table_sql, q};

/// The name of the temporary table a rebuild of `table` fills.
pub fn temp_name(table: &str) -> String {
    format!("_retort_new_{table}")
}

/// The statements that rebuild `to.name` into the definition `to`, copying the
/// columns of the target whose names appear in `current` (the old table's
/// columns, case-insensitively). `reasons` go into the comment of the first statement.
pub fn rebuild_table(to: &Table, current: &[String], reasons: &[String]) -> Vec<Statement> {
    let name = &to.name;
    let tmp = temp_name(name);
    let mut out = Vec::new();
    out.push(
        Statement::new(create_table_sql(to, &tmp)).with_comment(format!(
            "rebuild table {}: {}",
            q(name),
            reasons.join(", ")
        )),
    );
    let copied: Vec<String> = to
        .columns
        .iter()
        .filter(|c| current.iter().any(|o| o.eq_ignore_ascii_case(&c.name)))
        .map(|c| q(&c.name))
        .collect();
    if !copied.is_empty() {
        let cols = copied.join(", ");
        out.push(Statement::new(format!(
            "INSERT INTO {} ({cols}) SELECT {cols} FROM {}",
            q(&tmp),
            q(name)
        )));
    }
    out.push(Statement::new(format!("DROP TABLE {}", q(name))));
    out.push(Statement::new("PRAGMA legacy_alter_table = ON"));
    out.push(Statement::new(format!(
        "ALTER TABLE {} RENAME TO {}",
        q(&tmp),
        q(name)
    )));
    out.push(Statement::new("PRAGMA legacy_alter_table = OFF"));
    out.extend(
        to.indexes
            .iter()
            .map(|ix| Statement::new(create_index_sql(name, ix))),
    );
    out
}
