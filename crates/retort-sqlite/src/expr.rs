//! SQLite's normal form of SQL expressions (defaults, CHECK bodies, index parts
//! and predicates), so that both sides of a diff compare by meaning.
//!
//! Rules, applied to the tokens of an SQLite tokenizer:
//! - unquoted words are lower-cased (SQLite keywords and ASCII identifiers are
//!   case-insensitive); `TRUE`/`FALSE` become `1`/`0` (what SQLite stores), except
//!   after `IS`/`IS NOT`, where they keep their special meaning;
//! - quoted identifiers are unquoted (and lower-cased) when that cannot change
//!   their meaning: plain ASCII names that are not SQLite keywords. Others stay
//!   quoted, so the normal form is always executable SQL;
//! - `==` is `=`, `!=` is `<>`;
//! - parentheses around the whole expression or around a single token are dropped;
//! - whitespace is canonical (`lower(x)`, `a + b`, `-1`, `x in ('a', 'b')`).
//!
//! Unlike `retort_schema::expr::normalize` it never resolves backslash escapes
//! (SQLite has none) and keeps numbers as written (`1.0` is a REAL, `1` an INTEGER).

use crate::lex::{Tok, matching_close, tokenize};

/// The normal form of an expression.
pub fn normalize(sql: &str) -> String {
    normalize_tokens(&tokenize(sql))
}

/// The normal form of an expression given as tokens.
pub(crate) fn normalize_tokens(toks: &[Tok]) -> String {
    let mut toks: Vec<Tok> = toks.to_vec();
    rewrite_literals(&mut toks);
    let toks = strip_parens(toks);
    render(&toks)
}

/// The normal form of a server default; `NULL` (the same as no default) gives `None`.
pub fn normalize_default(sql: &str) -> Option<String> {
    let n = normalize(sql);
    if n.is_empty() || n == "null" {
        None
    } else {
        Some(n)
    }
}

/// Whether a normalized default is one SQLite accepts without parentheses
/// (a literal, a signed number, NULL or a `CURRENT_*` keyword).
pub(crate) fn is_bare_default(normalized: &str) -> bool {
    let toks = tokenize(normalized);
    match toks.as_slice() {
        [Tok::Number(_)] | [Tok::Str(_)] | [Tok::Blob(_)] => true,
        [Tok::Punct(p), Tok::Number(_)] => p == "-" || p == "+",
        [Tok::Word(w)] => {
            matches!(
                w.as_str(),
                "null" | "true" | "false" | "current_time" | "current_date" | "current_timestamp"
            )
        }
        _ => false,
    }
}

/// Whether a normalized default is constant, i.e. allowed by `ALTER TABLE ADD COLUMN`
/// (no `CURRENT_*`, no parenthesized expression).
pub(crate) fn is_constant_default(normalized: &str) -> bool {
    is_bare_default(normalized) && !normalized.starts_with("current_")
}

/// Whether the expression mentions `column` as an identifier (case-insensitive).
pub(crate) fn mentions_column(sql: &str, column: &str) -> bool {
    tokenize(sql).iter().any(|t| match t {
        Tok::Word(w) | Tok::Ident(w) => w.eq_ignore_ascii_case(column),
        _ => false,
    })
}

fn rewrite_literals(toks: &mut [Tok]) {
    for i in 0..toks.len() {
        let after_is = i >= 1
            && (toks[i - 1].is_word("is")
                || (i >= 2 && toks[i - 1].is_word("not") && toks[i - 2].is_word("is")));
        let replacement = match &toks[i] {
            Tok::Word(w) if !after_is && w.eq_ignore_ascii_case("true") => {
                Some(Tok::Number("1".into()))
            }
            Tok::Word(w) if !after_is && w.eq_ignore_ascii_case("false") => {
                Some(Tok::Number("0".into()))
            }
            Tok::Word(w) => Some(Tok::Word(w.to_ascii_lowercase())),
            Tok::Punct(p) if p == "==" => Some(Tok::Punct("=".into())),
            Tok::Punct(p) if p == "!=" => Some(Tok::Punct("<>".into())),
            Tok::Ident(s) if plain_name(s) => Some(Tok::Word(s.to_ascii_lowercase())),
            _ => None,
        };
        if let Some(r) = replacement {
            toks[i] = r;
        }
    }
}

/// Remove parentheses around the whole expression, and around a single token
/// that is not a function's argument list.
fn strip_parens(mut toks: Vec<Tok>) -> Vec<Tok> {
    while toks.len() >= 2
        && toks[0].is_punct("(")
        && toks[toks.len() - 1].is_punct(")")
        && matching_close(&toks, 0) == Some(toks.len() - 1)
    {
        toks = toks[1..toks.len() - 1].to_vec();
    }
    // `(x)` around one token, repeated until none is left: `((a))` needs two passes.
    loop {
        let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
        let mut i = 0;
        while i < toks.len() {
            if toks[i].is_punct("(")
                && i + 2 < toks.len()
                && toks[i + 2].is_punct(")")
                && !matches!(toks[i + 1], Tok::Punct(_))
                && !matches!(out.last(), Some(Tok::Word(_)) | Some(Tok::Ident(_)))
            {
                out.push(toks[i + 1].clone());
                i += 3;
            } else {
                out.push(toks[i].clone());
                i += 1;
            }
        }
        if out.len() == toks.len() {
            return out;
        }
        toks = out;
    }
}

/// A name that means the same with or without quotes, in any case.
fn plain_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_keyword(s)
}

/// Whether a word is an SQLite keyword (or `true`/`false`), so that a column of
/// that name must be quoted.
pub(crate) fn is_keyword(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    KEYWORDS.binary_search(&lower.as_str()).is_ok()
}

/// SQLite's keywords (sqlite3_keyword_name), plus `true` and `false`; sorted.
const KEYWORDS: &[&str] = &[
    "abort",
    "action",
    "add",
    "after",
    "all",
    "alter",
    "always",
    "analyze",
    "and",
    "as",
    "asc",
    "attach",
    "autoincrement",
    "before",
    "begin",
    "between",
    "by",
    "cascade",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "commit",
    "conflict",
    "constraint",
    "create",
    "cross",
    "current",
    "current_date",
    "current_time",
    "current_timestamp",
    "database",
    "default",
    "deferrable",
    "deferred",
    "delete",
    "desc",
    "detach",
    "distinct",
    "do",
    "drop",
    "each",
    "else",
    "end",
    "escape",
    "except",
    "exclude",
    "exclusive",
    "exists",
    "explain",
    "fail",
    "false",
    "filter",
    "first",
    "following",
    "for",
    "foreign",
    "from",
    "full",
    "generated",
    "glob",
    "group",
    "groups",
    "having",
    "if",
    "ignore",
    "immediate",
    "in",
    "index",
    "indexed",
    "initially",
    "inner",
    "insert",
    "instead",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "key",
    "last",
    "left",
    "like",
    "limit",
    "match",
    "materialized",
    "natural",
    "no",
    "not",
    "nothing",
    "notnull",
    "null",
    "nulls",
    "of",
    "offset",
    "on",
    "or",
    "order",
    "others",
    "outer",
    "over",
    "partition",
    "plan",
    "pragma",
    "preceding",
    "primary",
    "query",
    "raise",
    "range",
    "recursive",
    "references",
    "regexp",
    "reindex",
    "release",
    "rename",
    "replace",
    "restrict",
    "returning",
    "right",
    "rollback",
    "row",
    "rows",
    "savepoint",
    "select",
    "set",
    "table",
    "temp",
    "temporary",
    "then",
    "ties",
    "to",
    "transaction",
    "trigger",
    "true",
    "unbounded",
    "union",
    "unique",
    "update",
    "using",
    "vacuum",
    "values",
    "view",
    "virtual",
    "when",
    "where",
    "window",
    "with",
    "without",
];

/// Words after which `(` opens a sub-expression (or a list), not an argument list.
const OPERATOR_WORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "then", "else", "when", "case", "between", "like", "glob",
    "regexp", "match", "exists", "as", "on", "where", "escape", "select", "collate",
];

fn render(toks: &[Tok]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Tok> = None;
    let mut prev_unary = false;
    for t in toks {
        let text = match t {
            Tok::Word(w) => w.clone(),
            Tok::Ident(s) => format!("\"{}\"", s.replace('"', "\"\"")),
            Tok::Str(s) => format!("'{}'", s.replace('\'', "''")),
            Tok::Blob(h) => format!("x'{h}'"),
            Tok::Number(n) => n.clone(),
            Tok::Punct(p) => p.clone(),
        };
        let space = match (prev, t) {
            (None, _) => false,
            _ if prev_unary => false,
            (Some(Tok::Punct(p)), _) if p == "(" || p == "." => false,
            (_, Tok::Punct(p)) if p == ")" || p == "," || p == "." => false,
            (Some(Tok::Word(w)), Tok::Punct(p))
                if p == "(" && !OPERATOR_WORDS.contains(&w.as_str()) =>
            {
                false
            }
            (Some(Tok::Ident(_)), Tok::Punct(p)) if p == "(" => false,
            _ => true,
        };
        // never glue tokens into a comment (`- -1` is not `--1`)
        let comment = (out.ends_with('-') && text.starts_with('-'))
            || (out.ends_with('/') && text.starts_with('*'));
        if space || comment {
            out.push(' ');
        }
        out.push_str(&text);
        // a sign is unary at the start, after an operator or `(`/`,`, or after an operator word
        prev_unary = matches!(t, Tok::Punct(p) if p == "-" || p == "+")
            && match prev {
                None => true,
                Some(Tok::Punct(p)) => p != ")",
                Some(Tok::Word(w)) => {
                    OPERATOR_WORDS.contains(&w.as_str()) || w == "else" || w == "then"
                }
                _ => false,
            };
        prev = Some(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_parentheses_around_one_token_go_in_one_normalize() {
        assert_eq!(normalize("( ( a ) ) IS TRUE"), "a is true");
        assert_eq!(normalize("(((1))) + x"), "1 + x");
    }

    #[test]
    fn spelling_does_not_count() {
        assert_eq!(normalize("CURRENT_TIMESTAMP"), "current_timestamp");
        assert_eq!(normalize("(TRUE)"), "1");
        assert_eq!(normalize("x IS TRUE"), "x is true");
        assert_eq!(normalize("x IS NOT FALSE"), "x is not false");
        assert_eq!(normalize("(\"Age\" >= 0)"), "age >= 0");
        assert_eq!(normalize("age>=0"), "age >= 0");
        assert_eq!(normalize("lower( \"Name\" )"), "lower(name)");
        assert_eq!(normalize("a == 1 AND b != 2"), "a = 1 and b <> 2");
        assert_eq!(normalize("- 1"), "-1");
        assert_eq!(normalize("a - 1"), "a - 1");
        assert_eq!(normalize("- -1"), "- -1");
        assert_eq!(normalize("\"mood\" IN ('a','b')"), "mood in ('a', 'b')");
    }

    #[test]
    fn meaning_does() {
        assert_ne!(normalize("'A'"), normalize("'a'"));
        assert_eq!(normalize(r"'C:\x'"), r"'C:\x'");
        assert_eq!(normalize("\"select\" > 0"), "\"select\" > 0");
        assert_eq!(normalize("\"we\"\"ird\" > 0"), "\"we\"\"ird\" > 0");
        assert_eq!(normalize("\"naïve col\" <> ''"), "\"naïve col\" <> ''");
    }

    #[test]
    fn normal_form_is_stable() {
        for e in [
            "(a > 0) AND (b < 1)",
            "\"select\" in (1, 2)",
            "-1",
            "lower(x) collate nocase desc",
            "'it''s'",
        ] {
            let once = normalize(e);
            assert_eq!(normalize(&once), once, "{e}");
        }
    }

    #[test]
    fn keywords_are_sorted() {
        let mut sorted = KEYWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, KEYWORDS);
    }

    #[test]
    fn defaults() {
        assert_eq!(normalize_default("NULL"), None);
        assert!(is_bare_default("-1"));
        assert!(is_bare_default("current_timestamp"));
        assert!(!is_constant_default("current_timestamp"));
        assert!(!is_bare_default("lower('x')"));
    }
}
