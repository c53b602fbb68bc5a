//! Checksums of revisions, over normalized statements.
//!
//! The version table records a checksum for every applied revision, so an edit
//! to an applied file is caught. The checksum covers what the database would
//! execute, not the bytes of the file: line endings are normalized (CRLF
//! checkouts), comments (including `retort:todo` lines) are dropped,
//! whitespace runs outside quotes collapse to one space, and whitespace next to
//! punctuation is dropped. Both sections count,
//! and so do their `no-transaction` directives.

use sha2::{Digest, Sha256};

use crate::lex::{self, Kind};

/// One statement in normal form: comments gone, whitespace collapsed, CRLF as LF.
///
/// Text that does not lex (an unterminated quote) is normalized as plain text.
pub fn normalize_statement(sql: &str) -> String {
    let sql = sql.replace("\r\n", "\n");
    let Ok(tokens) = lex::tokens(&sql, 1) else {
        return sql.split_whitespace().collect::<Vec<_>>().join(" ");
    };
    // Whitespace (and comments) count only as a separator between two words or
    // quoted tokens; next to punctuation they do not count at all.
    let mut out = String::with_capacity(sql.len());
    let mut pending_space = false;
    let mut prev_punct = true;
    for t in tokens {
        match t.kind {
            Kind::Space | Kind::LineComment | Kind::BlockComment => pending_space = true,
            kind => {
                let punct = kind == Kind::Punct;
                if pending_space && !prev_punct && !punct {
                    out.push(' ');
                }
                pending_space = false;
                prev_punct = punct;
                out.push_str(t.text);
            }
        }
    }
    out
}

/// The sha256 (lowercase hex) of the normalized statements of both sections.
pub fn checksum<'a>(
    upgrade: impl IntoIterator<Item = &'a str>,
    upgrade_no_transaction: bool,
    downgrade: impl IntoIterator<Item = &'a str>,
    downgrade_no_transaction: bool,
) -> String {
    let mut hasher = Sha256::new();
    for (name, statements, no_tx) in [
        (
            "upgrade",
            upgrade.into_iter().collect::<Vec<_>>(),
            upgrade_no_transaction,
        ),
        (
            "downgrade",
            downgrade.into_iter().collect::<Vec<_>>(),
            downgrade_no_transaction,
        ),
    ] {
        hasher.update(format!(
            "-- {name}{}\n",
            if no_tx { " no-transaction" } else { "" }
        ));
        let normal: Vec<String> = statements.iter().map(|s| normalize_statement(s)).collect();
        hasher.update(normal.join(";\n"));
        hasher.update(";\n");
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_form() {
        assert_eq!(
            normalize_statement("CREATE  TABLE \"a\" (\r\n  -- note\r\n  x INT /* c */ )"),
            "CREATE TABLE \"a\"(x INT)"
        );
        assert_eq!(normalize_statement("SELECT 'a  b'"), "SELECT 'a  b'");
        assert_eq!(normalize_statement("SELECT 'a\r\nb'"), "SELECT 'a\nb'");
    }

    #[test]
    fn invariant_under_line_endings_and_comments() {
        let a = checksum(["CREATE TABLE t (x INT)"], false, ["DROP TABLE t"], false);
        let b = checksum(
            ["CREATE TABLE t (\r\n  x INT -- the x\r\n)"],
            false,
            ["DROP  TABLE t"],
            false,
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn sensitive_to_statement_edits() {
        let a = checksum(["CREATE TABLE t (x INT)"], false, ["DROP TABLE t"], false);
        assert_ne!(
            a,
            checksum(
                ["CREATE TABLE t (x BIGINT)"],
                false,
                ["DROP TABLE t"],
                false
            )
        );
        assert_ne!(a, checksum(["CREATE TABLE t (x INT)"], false, [], false));
        assert_ne!(
            a,
            checksum(["CREATE TABLE t (x INT)"], true, ["DROP TABLE t"], false)
        );
        assert_ne!(
            a,
            checksum(["CREATE TABLE t (x INT)", "DROP TABLE t"], false, [], false)
        );
        assert_ne!(
            checksum(["SELECT 'a b'"], false, [], false),
            checksum(["SELECT 'a  b'"], false, [], false)
        );
    }
}
