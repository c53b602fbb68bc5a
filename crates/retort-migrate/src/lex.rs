//! A small SQL lexer shared by the statement splitter and the checksum.
//!
//! It knows just enough SQL to find where statements end: string literals
//! (`'...'` with `''` escapes, `E'...'` with backslash escapes), quoted
//! identifiers (`"..."`, `` `...` ``), comments (`--`, nested `/* */`) and
//! PostgreSQL dollar quotes (`$$...$$`, `$tag$...$tag$`). Everything else is a
//! word, whitespace or a single punctuation character.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A run of whitespace.
    Space,
    /// `-- ...` up to (not including) the end of the line.
    LineComment,
    /// `/* ... */`.
    BlockComment,
    /// A string literal, a quoted identifier or a dollar-quoted body.
    Quoted,
    /// A keyword, identifier or number.
    Word,
    /// Any other single character.
    Punct,
}

/// One token: its kind, its text and the line (1-based) where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    pub line: usize,
}

/// A string, quoted identifier, comment or dollar quote that never ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unterminated {
    /// The line where it starts.
    pub line: usize,
    /// What it is.
    pub what: &'static str,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Split `src` into tokens; `first_line` is the line number of its first line.
pub(crate) fn tokens(src: &str, first_line: usize) -> Result<Vec<Token<'_>>, Unterminated> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = first_line;
    while i < src.len() {
        let start = i;
        let c = src[i..].chars().next().unwrap_or('\0');
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        let (kind, end) = if c.is_whitespace() {
            let end = src[i..]
                .find(|ch: char| !ch.is_whitespace())
                .map_or(src.len(), |n| i + n);
            (Kind::Space, end)
        } else if c == '-' && next == b'-' {
            let end = src[i..].find('\n').map_or(src.len(), |n| i + n);
            (Kind::LineComment, end)
        } else if c == '/' && next == b'*' {
            (
                Kind::BlockComment,
                block_comment_end(src, i).ok_or(Unterminated {
                    line,
                    what: "block comment",
                })?,
            )
        } else if c == '\'' {
            (
                Kind::Quoted,
                quote_end(src, i + 1, '\'', false).ok_or(Unterminated {
                    line,
                    what: "string literal",
                })?,
            )
        } else if (c == 'E' || c == 'e') && next == b'\'' && !prev_is_word(src, i) {
            (
                Kind::Quoted,
                quote_end(src, i + 2, '\'', true).ok_or(Unterminated {
                    line,
                    what: "string literal",
                })?,
            )
        } else if c == '"' {
            (
                Kind::Quoted,
                quote_end(src, i + 1, '"', false).ok_or(Unterminated {
                    line,
                    what: "quoted identifier",
                })?,
            )
        } else if c == '`' {
            (
                Kind::Quoted,
                quote_end(src, i + 1, '`', false).ok_or(Unterminated {
                    line,
                    what: "quoted identifier",
                })?,
            )
        } else if c == '$' && !prev_is_word(src, i) && dollar_tag(src, i).is_some() {
            let tag = dollar_tag(src, i).unwrap_or("$$");
            let body = i + tag.len();
            let end = src[body..].find(tag).map(|n| body + n + tag.len());
            (
                Kind::Quoted,
                end.ok_or(Unterminated {
                    line,
                    what: "dollar-quoted string",
                })?,
            )
        } else if is_word_char(c) {
            let end = src[i..]
                .find(|ch: char| !is_word_char(ch))
                .map_or(src.len(), |n| i + n);
            (Kind::Word, end)
        } else {
            (Kind::Punct, i + c.len_utf8())
        };
        let text = &src[start..end];
        out.push(Token { kind, text, line });
        line += text.matches('\n').count();
        i = end;
    }
    Ok(out)
}

fn prev_is_word(src: &str, i: usize) -> bool {
    src[..i].chars().next_back().is_some_and(is_word_char)
}

/// The `$tag$` opening a dollar quote at `i`, if there is one.
fn dollar_tag(src: &str, i: usize) -> Option<&str> {
    let rest = &src[i + 1..];
    let close = rest.find('$')?;
    let tag = &rest[..close];
    let valid = tag.chars().enumerate().all(|(n, c)| {
        if n == 0 {
            c.is_alphabetic() || c == '_'
        } else {
            c.is_alphanumeric() || c == '_'
        }
    });
    valid.then(|| &src[i..i + close + 2])
}

/// The end (exclusive) of a quoted token whose body starts at `i`.
fn quote_end(src: &str, mut i: usize, quote: char, backslash: bool) -> Option<usize> {
    let bytes = src.as_bytes();
    let q = quote as u8;
    while i < bytes.len() {
        let b = bytes[i];
        if backslash && b == b'\\' {
            i += 2;
        } else if b == q {
            if bytes.get(i + 1) == Some(&q) {
                i += 2;
            } else {
                return Some(i + 1);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// The end (exclusive) of a possibly nested block comment starting at `i`.
fn block_comment_end(src: &str, i: usize) -> Option<usize> {
    let bytes = src.as_bytes();
    let mut depth = 0usize;
    let mut j = i;
    while j + 1 < bytes.len() {
        if bytes[j] == b'/' && bytes[j + 1] == b'*' {
            depth += 1;
            j += 2;
        } else if bytes[j] == b'*' && bytes[j + 1] == b'/' {
            depth -= 1;
            j += 2;
            if depth == 0 {
                return Some(j);
            }
        } else {
            j += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, &str)> {
        tokens(src, 1)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn quotes_and_comments() {
        assert_eq!(
            kinds("a 'b''c' \"d;\" -- x\n/* /* y */ */ $q$;$q$ $1 E'\\''"),
            vec![
                (Kind::Word, "a"),
                (Kind::Space, " "),
                (Kind::Quoted, "'b''c'"),
                (Kind::Space, " "),
                (Kind::Quoted, "\"d;\""),
                (Kind::Space, " "),
                (Kind::LineComment, "-- x"),
                (Kind::Space, "\n"),
                (Kind::BlockComment, "/* /* y */ */"),
                (Kind::Space, " "),
                (Kind::Quoted, "$q$;$q$"),
                (Kind::Space, " "),
                (Kind::Word, "$1"),
                (Kind::Space, " "),
                (Kind::Quoted, "E'\\''"),
            ]
        );
    }

    #[test]
    fn unterminated_reports_line() {
        assert_eq!(
            tokens("a\n'b", 1),
            Err(Unterminated {
                line: 2,
                what: "string literal"
            })
        );
        assert_eq!(
            tokens("$x$ ...", 7),
            Err(Unterminated {
                line: 7,
                what: "dollar-quoted string"
            })
        );
    }
}
