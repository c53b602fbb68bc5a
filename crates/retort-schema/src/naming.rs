//! The naming convention for constraints and indexes the models do not name.
//!
//! | object | name |
//! | --- | --- |
//! | index | `ix_<table>_<col>[_<col>...]` |
//! | unique constraint | `uq_<table>_<col>[_<col>...]` |
//! | foreign key | `fk_<table>_<col>[_<col>...]_<referenced table>` |
//! | check constraint | `ck_<table>_<8 hex digits of a hash of the expression>` |
//!
//! An expression part of an index contributes `expr`; an index with an expression
//! part or a predicate (partial index) ends in `_` and 8 hex digits of a hash of
//! its expressions and predicate as written, so two such indexes over the same
//! columns get two names (`ix_users_expr_1a2b3c4d`). Names longer than
//! [`MAX_NAME_LEN`] bytes (the smallest limit among the dialects, PostgreSQL's 63)
//! are cut and end in `_` and 8 hex digits of a hash of the full name, so they stay
//! unique, stable across runs and the same on every dialect.

use crate::model::IndexPart;

/// The longest identifier every supported dialect accepts (PostgreSQL: 63 bytes).
pub const MAX_NAME_LEN: usize = 63;

/// `pk_<table>`.
pub fn primary_key(table: &str) -> String {
    fit(format!("pk_{table}"))
}

/// `ix_<table>_<parts>` of an index without a predicate; see [`index_where`].
pub fn index(table: &str, parts: &[IndexPart]) -> String {
    index_where(table, parts, None)
}

/// `ix_<table>_<parts>`, then `_<hash>` of the expressions and the predicate
/// when the index has either.
pub fn index_where(table: &str, parts: &[IndexPart], predicate: Option<&str>) -> String {
    let cols: Vec<&str> = parts
        .iter()
        .map(|p| p.column_name().unwrap_or("expr"))
        .collect();
    let exprs: Vec<&str> = parts.iter().filter_map(IndexPart::expression_sql).collect();
    if exprs.is_empty() && predicate.is_none() {
        return fit(format!("ix_{table}_{}", cols.join("_")));
    }
    let mut definition = exprs.join("\n");
    if let Some(p) = predicate {
        definition.push_str("\nWHERE ");
        definition.push_str(p);
    }
    fit(format!(
        "ix_{table}_{}_{:08x}",
        cols.join("_"),
        fnv1a(definition.as_bytes())
    ))
}

/// `uq_<table>_<columns>`.
pub fn unique(table: &str, columns: &[String]) -> String {
    fit(format!("uq_{table}_{}", columns.join("_")))
}

/// `fk_<table>_<columns>_<referenced table>`.
pub fn foreign_key(table: &str, columns: &[String], ref_table: &str) -> String {
    fit(format!("fk_{table}_{}_{ref_table}", columns.join("_")))
}

/// `ck_<table>_<hash of expr>`.
pub fn check(table: &str, expr: &str) -> String {
    fit(format!("ck_{table}_{:08x}", fnv1a(expr.as_bytes())))
}

/// Cut a name to [`MAX_NAME_LEN`] bytes, keeping it unique with a hash suffix.
pub fn fit(name: String) -> String {
    if name.len() <= MAX_NAME_LEN {
        return name;
    }
    let suffix = format!("_{:08x}", fnv1a(name.as_bytes()));
    let mut cut = MAX_NAME_LEN - suffix.len();
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &name[..cut])
}

/// 32-bit FNV-1a: tiny, stable across platforms and Rust versions.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_follow_the_convention() {
        assert_eq!(
            index(
                "posts",
                &[
                    IndexPart::column("user_id"),
                    IndexPart::column("created_at")
                ]
            ),
            "ix_posts_user_id_created_at"
        );
        assert_eq!(unique("users", &["email".into()]), "uq_users_email");
        assert_eq!(
            foreign_key("posts", &["user_id".into()], "users"),
            "fk_posts_user_id_users"
        );
    }

    #[test]
    fn expression_and_partial_indexes_are_named_by_their_definition() {
        let lower = [IndexPart::expression("lower(email)")];
        let upper = [IndexPart::expression("upper(email)")];
        let a = index("users", &lower);
        assert!(a.starts_with("ix_users_expr_") && a.len() == "ix_users_expr_".len() + 8);
        assert_ne!(a, index("users", &upper));
        assert_eq!(a, index("users", &lower), "stable");
        let col = [IndexPart::column("created_at")];
        let live = index_where("users", &col, Some("deleted_at IS NULL"));
        let gone = index_where("users", &col, Some("deleted_at IS NOT NULL"));
        assert!(live.starts_with("ix_users_created_at_"), "{live}");
        assert_ne!(live, gone);
        assert_ne!(live, index("users", &col));
        assert_eq!(index_where("users", &col, None), "ix_users_created_at");
    }

    #[test]
    fn long_names_are_cut_with_a_stable_hash() {
        let long = "t".repeat(80);
        let a = unique(&long, &["c".into()]);
        let b = unique(&long, &["d".into()]);
        assert_eq!(a.len(), MAX_NAME_LEN);
        assert_ne!(a, b);
        assert_eq!(a, unique(&long, &["c".into()]));
    }
}
