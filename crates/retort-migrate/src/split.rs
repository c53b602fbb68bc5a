//! The statement splitter: one section of a revision file into statements.
//!
//! Statements end at `;`, except inside string literals, quoted identifiers,
//! comments and dollar quotes (see the lexer), and inside the `BEGIN ... END`
//! bodies of `CREATE TRIGGER` / `CREATE FUNCTION` / `CREATE PROCEDURE` /
//! `CREATE EVENT` statements (SQLite and MySQL triggers, MySQL routines,
//! PostgreSQL `BEGIN ATOMIC` bodies), where `CASE ... END`, `IF ... END IF`,
//! `LOOP ... END LOOP` and the like nest.
//!
//! Each statement keeps the line of its first significant token, so errors can
//! point at it. Leading and trailing comments are not part of a statement; a
//! chunk holding only comments is no statement at all. The MySQL client's `DELIMITER` command
//! is not SQL and is not supported.

pub use crate::lex::Unterminated;
use crate::lex::{self, Kind, Token};

/// One statement of a section.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SplitStatement {
    /// The SQL, trimmed, without the closing `;`.
    pub sql: String,
    /// The line of the file where it starts (1-based).
    pub line: usize,
}

/// Split `src`, whose first line is line `first_line` of its file, into statements.
pub fn split_statements(src: &str, first_line: usize) -> Result<Vec<SplitStatement>, Unterminated> {
    let toks = lex::tokens(src, first_line)?;
    let mut out = Vec::new();
    let mut current: Vec<Token<'_>> = Vec::new();
    let mut block = BlockTracker::default();
    for (i, tok) in toks.iter().enumerate() {
        if current.is_empty()
            && matches!(
                tok.kind,
                Kind::Space | Kind::LineComment | Kind::BlockComment
            )
        {
            continue;
        }
        if tok.kind == Kind::Punct && tok.text == ";" && block.depth == 0 {
            out.push(finish(&current));
            current.clear();
            block = BlockTracker::default();
            continue;
        }
        match tok.kind {
            Kind::Word => {
                block.word(tok.text, next_word(&toks[i + 1..]));
            }
            Kind::Punct => block.punct(tok.text),
            _ => {}
        }
        current.push(*tok);
    }
    if current
        .iter()
        .any(|t| !matches!(t.kind, Kind::Space | Kind::LineComment | Kind::BlockComment))
    {
        out.push(finish(&current));
    }
    Ok(out)
}

/// A statement from its tokens, without trailing whitespace and comments (so
/// that a script can append `;` to it).
fn finish(toks: &[Token<'_>]) -> SplitStatement {
    let end = toks
        .iter()
        .rposition(|t| !matches!(t.kind, Kind::Space | Kind::LineComment | Kind::BlockComment))
        .map_or(0, |i| i + 1);
    let text: String = toks[..end].iter().map(|t| t.text).collect();
    SplitStatement {
        sql: text.trim_end().to_string(),
        line: toks.first().map_or(0, |t| t.line),
    }
}

/// The next word after a token, skipping whitespace and comments.
fn next_word<'a>(rest: &[Token<'a>]) -> Option<&'a str> {
    rest.iter()
        .find(|t| !matches!(t.kind, Kind::Space | Kind::LineComment | Kind::BlockComment))
        .filter(|t| t.kind == Kind::Word)
        .map(|t| t.text)
}

/// Follows `BEGIN ... END` nesting inside routine and trigger definitions.
#[derive(Default)]
struct BlockTracker {
    /// Words seen so far in this statement.
    words: usize,
    /// The first word is `CREATE`.
    create: bool,
    /// An opening parenthesis was seen: the statement head is over.
    paren: bool,
    /// This statement creates a trigger, function, procedure or event.
    routine: bool,
    /// The previous word, upper-cased.
    prev: String,
    /// Open blocks.
    depth: usize,
}

impl BlockTracker {
    fn punct(&mut self, p: &str) {
        if p == "(" {
            self.paren = true;
        }
        self.prev = p.to_string();
    }

    /// Whether the previous token starts a statement inside a body.
    fn at_statement_start(&self) -> bool {
        matches!(
            self.prev.as_str(),
            ";" | ":" | "BEGIN" | "THEN" | "ELSE" | "DO" | "LOOP" | "REPEAT"
        )
    }

    fn word(&mut self, word: &str, next: Option<&str>) {
        let w = word.to_ascii_uppercase();
        self.words += 1;
        if self.words == 1 {
            self.create = w == "CREATE";
        } else if self.create && !self.routine && !self.paren {
            self.routine = matches!(w.as_str(), "TRIGGER" | "FUNCTION" | "PROCEDURE" | "EVENT");
        } else if self.routine {
            let next = next.map(str::to_ascii_uppercase);
            let after_end = self.prev == "END";
            match w.as_str() {
                // `BEGIN TRANSACTION` / `BEGIN WORK` inside a body opens no block.
                "BEGIN" if !matches!(next.as_deref(), Some("TRANSACTION" | "WORK")) => {
                    self.depth += 1
                }
                "CASE" | "LOOP" | "WHILE" if self.depth > 0 && !after_end => self.depth += 1,
                // MySQL `IF cond THEN ... END IF` and `REPEAT ... END REPEAT` statements,
                // but not the `IF(...)`/`REPEAT(...)` functions nor `DROP ... IF EXISTS`.
                "IF" | "REPEAT" if self.depth > 0 && self.at_statement_start() => self.depth += 1,
                "END" if self.depth > 0 => self.depth -= 1,
                _ => {}
            }
        }
        self.prev = w;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(src: &str) -> Vec<String> {
        split_statements(src, 1)
            .unwrap()
            .into_iter()
            .map(|s| s.sql)
            .collect()
    }

    #[test]
    fn plain() {
        assert_eq!(
            sqls("SELECT 1;\n\nSELECT 2;  -- tail\n"),
            vec!["SELECT 1", "SELECT 2"]
        );
        assert_eq!(sqls("SELECT 1"), vec!["SELECT 1"]);
        assert!(sqls("-- only a comment\n").is_empty());
    }

    #[test]
    fn crlf_lines_and_offsets() {
        let got = split_statements("SELECT 1;\r\n\r\nSELECT\r\n 2;\r\n", 10).unwrap();
        assert_eq!(
            got[0],
            SplitStatement {
                sql: "SELECT 1".into(),
                line: 10
            }
        );
        assert_eq!(
            got[1],
            SplitStatement {
                sql: "SELECT\r\n 2".into(),
                line: 12
            }
        );
        assert_eq!(
            split_statements("SELECT ';", 3),
            Err(Unterminated {
                line: 3,
                what: "string literal"
            })
        );
    }
}
