//! A small SQLite tokenizer, shared by the expression normalizer and the DDL parser.
//!
//! It follows SQLite's own lexical rules rather than a generic SQL's: string
//! literals have no backslash escapes, identifiers may be quoted with `"..."`,
//! `` `...` `` or `[...]`, and `x'..'` is a blob literal. Comments are dropped.

/// One lexical token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// An unquoted word (keyword, identifier or function name), as written.
    Word(String),
    /// A quoted identifier, quotes removed and doubled quotes resolved.
    Ident(String),
    /// A string literal's content, quotes removed and `''` resolved.
    Str(String),
    /// A blob literal's hex digits (`x'0aff'` gives `0aff`).
    Blob(String),
    /// A numeric literal, as written.
    Number(String),
    /// Punctuation or an operator.
    Punct(String),
}

impl Tok {
    /// Whether this is the unquoted word `kw` (case-insensitive).
    pub(crate) fn is_word(&self, kw: &str) -> bool {
        matches!(self, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    /// Whether this is the punctuation `p`.
    pub(crate) fn is_punct(&self, p: &str) -> bool {
        matches!(self, Tok::Punct(q) if q == p)
    }

    /// The name this token denotes when used as an identifier (word, quoted
    /// identifier, or a string literal, which SQLite accepts as a name in DDL).
    pub(crate) fn as_name(&self) -> Option<&str> {
        match self {
            Tok::Word(s) | Tok::Ident(s) | Tok::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Split SQL text into tokens. Never fails: unterminated quotes end at the end of input.
pub(crate) fn tokenize(sql: &str) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && next == Some('-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i = (i + 2).min(chars.len());
        } else if (c == 'x' || c == 'X') && next == Some('\'') {
            let (s, end) = quoted(&chars, i + 1, '\'');
            out.push(Tok::Blob(s.to_ascii_lowercase()));
            i = end;
        } else if c == '\'' {
            let (s, end) = quoted(&chars, i, '\'');
            out.push(Tok::Str(s));
            i = end;
        } else if c == '"' || c == '`' {
            let (s, end) = quoted(&chars, i, c);
            out.push(Tok::Ident(s));
            i = end;
        } else if c == '[' {
            let start = i + 1;
            i = start;
            while i < chars.len() && chars[i] != ']' {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
            i = (i + 1).min(chars.len());
        } else if c.is_ascii_digit() || (c == '.' && next.is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            while i < chars.len() {
                let d = chars[i];
                let exp_sign = (d == '+' || d == '-')
                    && matches!(chars[i - 1], 'e' | 'E')
                    && !chars[start..i].iter().any(|x| *x == 'x' || *x == 'X');
                if d.is_ascii_alphanumeric() || d == '.' || d == '_' || exp_sign {
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Tok::Number(
                chars[start..i]
                    .iter()
                    .collect::<String>()
                    .to_ascii_lowercase(),
            ));
        } else if c.is_alphanumeric() || c == '_' || c == '$' || !c.is_ascii() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || chars[i] == '$'
                    || !chars[i].is_ascii())
            {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        } else {
            let three: String = chars[i..(i + 3).min(chars.len())].iter().collect();
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if three == "->>" {
                out.push(Tok::Punct(three));
                i += 3;
            } else if ["<=", ">=", "<>", "!=", "==", "||", "<<", ">>", "->"].contains(&two.as_str())
            {
                out.push(Tok::Punct(two));
                i += 2;
            } else {
                out.push(Tok::Punct(c.to_string()));
                i += 1;
            }
        }
    }
    out
}

/// Read a quoted run starting at `open` (the opening quote); a doubled quote is one quote.
fn quoted(chars: &[char], open: usize, q: char) -> (String, usize) {
    let mut s = String::new();
    let mut i = open + 1;
    while i < chars.len() {
        if chars[i] == q {
            if chars.get(i + 1) == Some(&q) {
                s.push(q);
                i += 2;
                continue;
            }
            return (s, i + 1);
        }
        s.push(chars[i]);
        i += 1;
    }
    (s, i)
}

/// The index of the `)` matching the `(` at `open`, if any.
pub(crate) fn matching_close(toks: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if t.is_punct("(") {
            depth += 1;
        } else if t.is_punct(")") {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

/// Split tokens at commas that are not inside parentheses.
pub(crate) fn split_top_level_commas(toks: &[Tok]) -> Vec<&[Tok]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if t.is_punct("(") {
            depth += 1;
        } else if t.is_punct(")") {
            depth = depth.saturating_sub(1);
        } else if t.is_punct(",") && depth == 0 {
            parts.push(&toks[start..i]);
            start = i + 1;
        }
    }
    if start < toks.len() {
        parts.push(&toks[start..]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_lexical_rules() {
        let toks = tokenize(r#"'C:\dir' "we""ird" [a b] `c` x'0A' 1.5e-3 -- gone"#);
        assert_eq!(
            toks,
            vec![
                Tok::Str(r"C:\dir".into()),
                Tok::Ident("we\"ird".into()),
                Tok::Ident("a b".into()),
                Tok::Ident("c".into()),
                Tok::Blob("0a".into()),
                Tok::Number("1.5e-3".into()),
            ]
        );
        assert_eq!(tokenize("a->>'$.x'")[1], Tok::Punct("->>".into()));
        assert_eq!(tokenize("naïve")[0], Tok::Word("naïve".into()));
    }

    #[test]
    fn commas_split_only_at_top_level() {
        let toks = tokenize("a, f(b, c), d");
        assert_eq!(split_top_level_commas(&toks).len(), 3);
    }
}
