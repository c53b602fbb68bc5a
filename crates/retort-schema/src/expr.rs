//! Compare SQL expressions by meaning rather than spelling.
//!
//! [`normalize`] turns an expression (a server default, a CHECK body, an index
//! predicate) into a canonical text: unquoted words lower-cased, quoted
//! identifiers that need no quotes unquoted, whitespace canonical, redundant
//! parentheses and casts of literals (`'a'::text`) removed. Dialects apply their
//! own rewrites on top (e.g. PostgreSQL `now()` = `current_timestamp`); the
//! result only ever serves comparison and display, never execution.

/// One lexical token of an SQL expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// An unquoted word: keyword, identifier or function name (lower-cased).
    Word(String),
    /// A quoted identifier (quotes removed).
    Ident(String),
    /// A string literal (content, with quotes removed and escapes resolved).
    Str(String),
    /// A number.
    Number(String),
    /// Punctuation or an operator.
    Punct(String),
}

/// Split an expression into tokens. Comments are dropped.
pub fn tokenize(sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '\''
            || ((c == 'E' || c == 'e' || c == 'N' || c == 'n') && chars.get(i + 1) == Some(&'\''))
        {
            if c != '\'' {
                i += 1;
            }
            i += 1;
            let mut s = String::new();
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        s.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                if chars[i] == '\\' && i + 1 < chars.len() {
                    // MySQL-style escape; PostgreSQL standard strings keep it, but
                    // both sides of a comparison pass through the same rule.
                    s.push(chars[i + 1]);
                    i += 2;
                    continue;
                }
                s.push(chars[i]);
                i += 1;
            }
            out.push(Token::Str(s));
        } else if c == '"' || c == '`' || c == '[' {
            let close = if c == '[' { ']' } else { c };
            i += 1;
            let mut s = String::new();
            while i < chars.len() {
                if chars[i] == close {
                    if close != ']' && chars.get(i + 1) == Some(&close) {
                        s.push(close);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            out.push(Token::Ident(s));
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            out.push(Token::Number(normalize_number(
                &chars[start..i].iter().collect::<String>(),
            )));
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Token::Word(
                chars[start..i].iter().collect::<String>().to_lowercase(),
            ));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if ["::", "<=", ">=", "<>", "!=", "||", "->", "~~"].contains(&two.as_str()) {
                let three: String = chars[i..(i + 3).min(chars.len())].iter().collect();
                if three == "->>" {
                    out.push(Token::Punct(three));
                    i += 3;
                } else {
                    out.push(Token::Punct(if two == "!=" { "<>".into() } else { two }));
                    i += 2;
                }
            } else {
                out.push(Token::Punct(c.to_string()));
                i += 1;
            }
        }
    }
    out
}

fn normalize_number(n: &str) -> String {
    if n.contains('.') && !n.contains(['e', 'E']) {
        let t = n.trim_end_matches('0').trim_end_matches('.');
        if t.is_empty() {
            "0".into()
        } else {
            t.to_string()
        }
    } else {
        n.to_string()
    }
}

/// Canonical text of an expression, for comparison.
pub fn normalize(sql: &str) -> String {
    let mut toks = tokenize(sql);
    strip_literal_casts(&mut toks);
    let toks = strip_parens(toks);
    render(&toks)
}

/// Remove `::type` casts (including `::character varying(20)`, `::text[]`) that follow
/// a literal or a closing parenthesis of a literal.
fn strip_literal_casts(toks: &mut Vec<Token>) {
    let mut i = 0;
    while i < toks.len() {
        if toks[i] == Token::Punct("::".into())
            && i > 0
            && matches!(
                toks[i - 1],
                Token::Str(_) | Token::Number(_) | Token::Punct(_) | Token::Word(_)
            )
            && (matches!(toks[i - 1], Token::Str(_) | Token::Number(_))
                || matches!(&toks[i - 1], Token::Word(w) if w == "null" || w == "true" || w == "false"))
        {
            let mut j = i + 1;
            // type words: e.g. `character varying`, `timestamp without time zone`, `"MyEnum"`
            while j < toks.len() && matches!(toks[j], Token::Word(_) | Token::Ident(_)) {
                j += 1;
                if toks.get(j) == Some(&Token::Punct(".".into())) {
                    j += 1;
                }
            }
            if toks.get(j) == Some(&Token::Punct("(".into())) {
                while j < toks.len() && toks[j] != Token::Punct(")".into()) {
                    j += 1;
                }
                j += 1;
            }
            while toks.get(j) == Some(&Token::Punct("[".into()))
                && toks.get(j + 1) == Some(&Token::Punct("]".into()))
            {
                j += 2;
            }
            toks.drain(i..j.min(toks.len()));
        } else {
            i += 1;
        }
    }
}

/// Remove parentheses that wrap the whole expression or a single token.
fn strip_parens(mut toks: Vec<Token>) -> Vec<Token> {
    loop {
        if toks.len() >= 2
            && toks[0] == Token::Punct("(".into())
            && toks[toks.len() - 1] == Token::Punct(")".into())
            && matching_close(&toks, 0) == Some(toks.len() - 1)
        {
            toks = toks[1..toks.len() - 1].to_vec();
            continue;
        }
        break;
    }
    // `(x)` around a single token, when not a function call's argument list
    let mut out: Vec<Token> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if toks[i] == Token::Punct("(".into())
            && i + 2 < toks.len()
            && toks[i + 2] == Token::Punct(")".into())
            && !matches!(toks[i + 1], Token::Punct(_))
            && !matches!(out.last(), Some(Token::Word(_)) | Some(Token::Ident(_)))
        {
            out.push(toks[i + 1].clone());
            i += 3;
        } else {
            out.push(toks[i].clone());
            i += 1;
        }
    }
    out
}

fn matching_close(toks: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if *t == Token::Punct("(".into()) {
            depth += 1;
        } else if *t == Token::Punct(")".into()) {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

/// Whether a name can be written without quotes and still mean itself.
fn plain_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Words after which `(` opens a sub-expression, not an argument list.
const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "then", "else", "when", "case", "between", "like", "exists",
    "as", "on", "where", "any", "all", "some", "array",
];

/// Print tokens in canonical form.
pub fn render(toks: &[Token]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Token> = None;
    for t in toks {
        let text = match t {
            Token::Word(w) => w.clone(),
            Token::Ident(s) if plain_ident(s) => s.clone(),
            Token::Ident(s) => format!("\"{}\"", s.replace('"', "\"\"")),
            Token::Str(s) => format!("'{}'", s.replace('\'', "''")),
            Token::Number(n) => n.clone(),
            Token::Punct(p) => p.clone(),
        };
        let glue = match (prev, t) {
            (None, _) => false,
            (Some(Token::Punct(p)), _) if p == "(" || p == "." || p == "::" => false,
            (_, Token::Punct(p)) if p == ")" || p == "," || p == "." || p == "::" => false,
            (Some(Token::Word(w)), Token::Punct(p))
                if p == "(" && !KEYWORDS.contains(&w.as_str()) =>
            {
                false
            }
            (Some(Token::Ident(_)), Token::Punct(p)) if p == "(" => false,
            _ => true,
        };
        if glue {
            out.push(' ');
        }
        out.push_str(&text);
        prev = Some(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn spelling_does_not_count() {
        assert_eq!(
            normalize("CURRENT_TIMESTAMP"),
            normalize("current_timestamp")
        );
        assert_eq!(normalize("(FALSE)"), normalize("false"));
        assert_eq!(normalize("'x'::character varying"), normalize("'x'"));
        assert_eq!(normalize("(\"age\" >= 0)"), normalize("age>=0"));
        assert_eq!(normalize("((a > 0) AND (b < 1))"), "(a > 0) and (b < 1)");
        assert_eq!(normalize("lower( \"Name\" )"), "lower(\"Name\")");
        assert_eq!(normalize("1.50"), normalize("1.5"));
    }

    #[test]
    fn meaning_does() {
        assert_ne!(normalize("'A'"), normalize("'a'"));
        assert_ne!(normalize("a > 0"), normalize("a >= 0"));
    }
}
