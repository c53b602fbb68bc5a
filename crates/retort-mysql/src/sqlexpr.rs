//! SQL expressions (defaults, CHECK bodies, index expressions) in MySQL's normal form.
//!
//! Expressions are tokenized with [`retort_schema::expr::tokenize`] and then put
//! into one canonical spelling that is also valid MySQL/MariaDB SQL, because the
//! normalized text is what the renderer writes:
//!
//! * words lower case; quoted identifiers lower case (column names are
//!   case-insensitive), written bare when that is safe, in backticks otherwise;
//! * `TRUE`/`FALSE` are `1`/`0`; `b'101'` is its number; charset introducers
//!   (`_utf8mb4'x'`, MySQL 8) are dropped;
//! * `now()`, `current_timestamp()`, `localtimestamp` are `current_timestamp`
//!   (`now(6)` is `current_timestamp(6)`); `lcase`/`ucase` (MariaDB's spelling)
//!   are `lower`/`upper`; `curdate()`/`current_date` are `curdate()`;
//! * parentheses the server's printer would drop are dropped: around the whole
//!   expression, around a single token, around a comparison between `AND`/`OR`,
//!   around an `AND` group between `OR`s. MySQL 8 prints CHECK bodies fully
//!   parenthesized, MariaDB minimally; both end up the same.
//!
//! Double-quoted text is a string literal, as on MySQL and MariaDB without
//! `ANSI_QUOTES`; identifiers are quoted with backticks.

use retort_schema::expr::{Token, tokenize};

/// The canonical text of an expression.
pub fn normalize_expr(sql: &str) -> String {
    let toks = rewrite(tokenize(&double_quotes_as_strings(sql)));
    let toks = strip_parens(toks);
    let toks = strip_parens(simplify(toks));
    render_tokens(&toks)
}

/// Rewrite `"text"` as `'text'` (outside strings and backtick identifiers).
pub(crate) fn double_quotes_as_strings(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '`' => {
                out.push(c);
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == '\\' && c == '\'' {
                        if let Some(e) = chars.next() {
                            out.push(e);
                        }
                    } else if d == c {
                        if chars.peek() == Some(&c) {
                            out.extend(chars.next());
                        } else {
                            break;
                        }
                    }
                }
            }
            '"' => {
                out.push('\'');
                while let Some(d) = chars.next() {
                    match d {
                        '"' if chars.peek() == Some(&'"') => {
                            chars.next();
                            out.push('"');
                        }
                        '"' => break,
                        '\'' => out.push_str("''"),
                        '\\' => {
                            out.push('\\');
                            out.extend(chars.next());
                        }
                        _ => out.push(d),
                    }
                }
                out.push('\'');
            }
            _ => out.push(c),
        }
    }
    out
}

fn p(s: &str) -> Token {
    Token::Punct(s.to_string())
}

fn rewrite(toks: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        let next = toks.get(i + 1);
        match t {
            Token::Word(w) if w.starts_with('_') && matches!(next, Some(Token::Str(_))) => {
                // charset introducer
                i += 1;
                continue;
            }
            Token::Word(w) if w == "b" && matches!(next, Some(Token::Str(_))) => {
                if let Some(Token::Str(bits)) = next
                    && let Ok(v) = u128::from_str_radix(if bits.is_empty() { "0" } else { bits }, 2)
                {
                    out.push(Token::Number(v.to_string()));
                    i += 2;
                    continue;
                }
                out.push(t.clone());
            }
            Token::Word(w) if w == "true" => out.push(Token::Number("1".into())),
            Token::Word(w) if w == "false" => out.push(Token::Number("0".into())),
            Token::Word(w) if is_now(w) => {
                // now, now(), now(6), current_timestamp(), localtimestamp ...
                let mut j = i + 1;
                let mut prec: Option<String> = None;
                if toks.get(j) == Some(&p("(")) {
                    match (toks.get(j + 1), toks.get(j + 2)) {
                        (Some(Token::Punct(c)), _) if c == ")" => j += 2,
                        (Some(Token::Number(n)), Some(Token::Punct(c))) if c == ")" => {
                            if n != "0" {
                                prec = Some(n.clone());
                            }
                            j += 3;
                        }
                        _ => {
                            out.push(t.clone());
                            i += 1;
                            continue;
                        }
                    }
                }
                out.push(Token::Word("current_timestamp".into()));
                if let Some(n) = prec {
                    out.push(p("("));
                    out.push(Token::Number(n));
                    out.push(p(")"));
                }
                i = j;
                continue;
            }
            Token::Word(w) if w == "current_date" || w == "curdate" => {
                let mut j = i + 1;
                if toks.get(j) == Some(&p("(")) && toks.get(j + 1) == Some(&p(")")) {
                    j += 2;
                }
                out.extend([Token::Word("curdate".into()), p("("), p(")")]);
                i = j;
                continue;
            }
            Token::Word(w) if (w == "lcase" || w == "ucase") && next == Some(&p("(")) => {
                out.push(Token::Word(if w == "lcase" {
                    "lower".into()
                } else {
                    "upper".into()
                }));
            }
            Token::Ident(s) => out.push(Token::Ident(s.to_lowercase())),
            Token::Punct(m)
                if m == "-"
                    && matches!(next, Some(Token::Number(_)))
                    && unary_position(out.last()) =>
            {
                if let Some(Token::Number(n)) = next {
                    out.push(Token::Number(format!("-{n}")));
                    i += 2;
                    continue;
                }
            }
            Token::Punct(m) if m == "&&" => out.push(Token::Word("and".into())),
            Token::Number(n) if n.contains(['e', 'E']) => match n.parse::<f64>() {
                Ok(v) if v.is_finite() => out.push(Token::Number(v.to_string())),
                _ => out.push(t.clone()),
            },
            Token::Punct(m) if m == "%" => out.push(Token::Word("mod".into())),
            Token::Word(w) if w == "octet_length" && next == Some(&p("(")) => {
                out.push(Token::Word("length".into()))
            }
            _ => out.push(t.clone()),
        }
        i += 1;
    }
    out
}

/// The comparison that is true exactly when `op` is false (for non-NULL operands).
fn inverse(op: &str) -> Option<&'static str> {
    Some(match op {
        "=" => "<>",
        "<>" => "=",
        "<" => ">=",
        ">=" => "<",
        ">" => "<=",
        "<=" => ">",
        _ => return None,
    })
}

fn operand(t: Option<&Token>) -> bool {
    matches!(
        t,
        Some(Token::Word(_) | Token::Ident(_) | Token::Number(_) | Token::Str(_))
    ) && !is_word(
        t,
        &[
            "and", "or", "xor", "not", "null", "is", "in", "like", "between",
        ],
    )
}

fn comparison(toks: &[Token]) -> Option<(Token, &'static str, Token)> {
    match toks {
        [x, Token::Punct(op), y] if operand(Some(x)) && operand(Some(y)) => {
            inverse(op).map(|inv| (x.clone(), inv, y.clone()))
        }
        _ => None,
    }
}

fn boundary(t: Option<&Token>) -> bool {
    t.is_none() || t == Some(&p("(")) || t == Some(&p(")")) || is_word(t, &["and", "or", "xor"])
}

/// MariaDB's printer rewrites `NOT (a > b)` as `a <= b`, `a IN (x)` as `a = x`
/// and `a NOT IN (x)` as `a <> x`; do the same.
fn simplify(mut toks: Vec<Token>) -> Vec<Token> {
    let mut i = 0;
    while i < toks.len() {
        let prev = if i > 0 { toks.get(i - 1) } else { None };
        if is_word(toks.get(i), &["not"]) && boundary(prev) {
            if toks.get(i + 1) == Some(&p("(")) {
                if let Some(close) = matching_close(&toks, i + 1)
                    && let Some((x, op, y)) = comparison(&toks[i + 2..close])
                {
                    toks.splice(i..=close, [x, Token::Punct(op.into()), y]);
                    continue;
                }
            } else if toks.len() >= i + 4
                && boundary(toks.get(i + 4))
                && let Some((x, op, y)) = comparison(&toks[i + 1..i + 4])
            {
                toks.splice(i..i + 4, [x, Token::Punct(op.into()), y]);
                continue;
            }
        }
        if is_word(toks.get(i), &["in"])
            && toks.get(i + 1) == Some(&p("("))
            && toks.get(i + 3) == Some(&p(")"))
            && operand(toks.get(i + 2))
        {
            let value = toks[i + 2].clone();
            if is_word(prev, &["not"]) {
                toks.splice(i - 1..i + 4, [Token::Punct("<>".into()), value]);
            } else {
                toks.splice(i..i + 4, [Token::Punct("=".into()), value]);
            }
            continue;
        }
        i += 1;
    }
    toks
}

fn is_now(w: &str) -> bool {
    matches!(
        w,
        "now" | "current_timestamp" | "localtimestamp" | "localtime"
    )
}

fn unary_position(prev: Option<&Token>) -> bool {
    match prev {
        None => true,
        Some(Token::Punct(p)) => p != ")",
        Some(Token::Word(w)) => BOOL_WORDS.contains(&w.as_str()) || KEYWORDS.contains(&w.as_str()),
        _ => false,
    }
}

const BOOL_WORDS: &[&str] = &["and", "or", "xor", "not"];

/// Words after which `(` opens a sub-expression, not an argument list.
const KEYWORDS: &[&str] = &[
    "and", "or", "xor", "not", "is", "then", "else", "when", "case", "between", "like", "exists",
    "as", "on", "where", "any", "all", "some", "update", "default",
];

fn matching_close(toks: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if *t == p("(") {
            depth += 1;
        } else if *t == p(")") {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

/// What the top level of a token range holds.
struct Shape {
    has_or: bool,
    has_and: bool,
    has_other: bool,
}

fn shape(toks: &[Token]) -> Shape {
    let mut s = Shape {
        has_or: false,
        has_and: false,
        has_other: false,
    };
    let mut depth = 0i32;
    let mut prev_between = false;
    for t in toks {
        match t {
            Token::Punct(x) if x == "(" => depth += 1,
            Token::Punct(x) if x == ")" => depth -= 1,
            _ if depth > 0 => {}
            Token::Word(w) if w == "or" || w == "xor" => s.has_or = true,
            Token::Word(w) if w == "and" => {
                // `x between a and b` is not a conjunction
                if prev_between {
                    prev_between = false;
                } else {
                    s.has_and = true;
                }
            }
            Token::Word(w) if w == "between" => prev_between = true,
            Token::Word(w) if w == "not" => s.has_other = true,
            Token::Punct(x) if x == "," || x == "||" => s.has_other = true,
            _ => {}
        }
    }
    s
}

fn is_word(t: Option<&Token>, words: &[&str]) -> bool {
    matches!(t, Some(Token::Word(w)) if words.contains(&w.as_str()))
}

fn strip_parens(mut toks: Vec<Token>) -> Vec<Token> {
    loop {
        // Around the whole expression.
        if toks.len() >= 2 && toks[0] == p("(") && matching_close(&toks, 0) == Some(toks.len() - 1)
        {
            toks = toks[1..toks.len() - 1].to_vec();
            continue;
        }
        let mut changed = false;
        let mut i = 0;
        while i < toks.len() {
            if toks[i] != p("(") {
                i += 1;
                continue;
            }
            let prev = if i > 0 { toks.get(i - 1) } else { None };
            let is_call = match prev {
                // a function name, or `in` before its list
                Some(Token::Word(w)) => !KEYWORDS.contains(&w.as_str()),
                Some(Token::Ident(_)) => true,
                _ => false,
            };
            // `in (...)` is a list, a function call keeps its parentheses.
            if is_call && !is_word(prev, BOOL_WORDS) {
                i += 1;
                continue;
            }
            let Some(close) = matching_close(&toks, i) else {
                break;
            };
            let inner = &toks[i + 1..close];
            let next = toks.get(close + 1);
            let single = inner.len() == 1 && !matches!(inner[0], Token::Punct(_));
            let s = shape(inner);
            let prev_bound =
                prev.is_none() || prev == Some(&p("(")) || is_word(prev, &["and", "or", "xor"]);
            let next_bound =
                next.is_none() || next == Some(&p(")")) || is_word(next, &["and", "or", "xor"]);
            let prev_or = prev.is_none() || prev == Some(&p("(")) || is_word(prev, &["or", "xor"]);
            let next_or = next.is_none() || next == Some(&p(")")) || is_word(next, &["or", "xor"]);
            let removable = !inner.is_empty()
                && (single
                    || (!s.has_other && !s.has_or && !s.has_and && prev_bound && next_bound)
                    || (!s.has_other && !s.has_or && s.has_and && prev_or && next_or));
            if removable && !is_word(prev, &["not"]) {
                let mut v = toks[..i].to_vec();
                v.extend_from_slice(inner);
                v.extend_from_slice(&toks[close + 1..]);
                toks = v;
                changed = true;
                break;
            }
            i += 1;
        }
        if !changed {
            return toks;
        }
    }
}

/// Whether a name can be written without backticks.
pub fn plain_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !is_reserved(s)
}

/// Quote an identifier with backticks, doubling backticks inside.
pub fn backtick(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

/// Print tokens in canonical form (valid MySQL).
pub fn render_tokens(toks: &[Token]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Token> = None;
    for t in toks {
        let text = match t {
            Token::Word(w) => w.clone(),
            Token::Ident(s) if plain_ident(s) => s.clone(),
            Token::Ident(s) => backtick(s),
            Token::Str(s) => crate::types::quote_string(s),
            Token::Number(n) => n.clone(),
            Token::Punct(p) => p.clone(),
        };
        let glue = match (prev, t) {
            (None, _) => false,
            (Some(Token::Punct(p)), _) if p == "(" || p == "." => false,
            (_, Token::Punct(p)) if p == ")" || p == "," || p == "." => false,
            (Some(Token::Word(w)), Token::Punct(p))
                if p == "(" && !KEYWORDS.contains(&w.as_str()) && w != "in" =>
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

/// If the expression is a column prefix such as `` `body`(10) ``, its column and length.
pub fn as_prefix_part(expr: &str) -> Option<(String, u32)> {
    let toks = tokenize(expr);
    match toks.as_slice() {
        [
            Token::Word(c) | Token::Ident(c),
            Token::Punct(o),
            Token::Number(n),
            Token::Punct(cl),
        ] if o == "(" && cl == ")" => Some((c.clone(), n.parse().ok()?)),
        _ => None,
    }
}

/// The normal text of a prefix part (`col(10)`).
pub fn prefix_part(column: &str, len: u32) -> String {
    let name = if plain_ident(&column.to_lowercase()) {
        column.to_lowercase()
    } else {
        backtick(column)
    };
    format!("{name}({len})")
}

/// MySQL 8 and MariaDB reserved words (those that need quoting as identifiers).
pub fn is_reserved(word: &str) -> bool {
    RESERVED.binary_search(&word).is_ok()
}

const RESERVED: &[&str] = &[
    "accessible",
    "add",
    "all",
    "alter",
    "analyze",
    "and",
    "as",
    "asc",
    "asensitive",
    "before",
    "between",
    "bigint",
    "binary",
    "blob",
    "both",
    "by",
    "call",
    "cascade",
    "case",
    "change",
    "char",
    "character",
    "check",
    "collate",
    "column",
    "condition",
    "constraint",
    "continue",
    "convert",
    "create",
    "cross",
    "cube",
    "cume_dist",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "cursor",
    "database",
    "databases",
    "day_hour",
    "day_microsecond",
    "day_minute",
    "day_second",
    "dec",
    "decimal",
    "declare",
    "default",
    "delayed",
    "delete",
    "dense_rank",
    "desc",
    "describe",
    "deterministic",
    "distinct",
    "distinctrow",
    "div",
    "double",
    "drop",
    "dual",
    "each",
    "else",
    "elseif",
    "empty",
    "enclosed",
    "escaped",
    "except",
    "exists",
    "exit",
    "explain",
    "false",
    "fetch",
    "first_value",
    "float",
    "float4",
    "float8",
    "for",
    "force",
    "foreign",
    "from",
    "fulltext",
    "function",
    "general",
    "generated",
    "get",
    "grant",
    "group",
    "grouping",
    "groups",
    "having",
    "high_priority",
    "hour_microsecond",
    "hour_minute",
    "hour_second",
    "if",
    "ignore",
    "ignore_server_ids",
    "in",
    "index",
    "infile",
    "inner",
    "inout",
    "insensitive",
    "insert",
    "int",
    "int1",
    "int2",
    "int3",
    "int4",
    "int8",
    "integer",
    "intersect",
    "interval",
    "into",
    "io_after_gtids",
    "io_before_gtids",
    "is",
    "iterate",
    "join",
    "json_table",
    "key",
    "keys",
    "kill",
    "lag",
    "last_value",
    "lateral",
    "lead",
    "leading",
    "leave",
    "left",
    "like",
    "limit",
    "linear",
    "lines",
    "load",
    "localtime",
    "localtimestamp",
    "lock",
    "long",
    "longblob",
    "longtext",
    "loop",
    "low_priority",
    "master_bind",
    "master_heartbeat_period",
    "master_ssl_verify_server_cert",
    "match",
    "maxvalue",
    "mediumblob",
    "mediumint",
    "mediumtext",
    "middleint",
    "minute_microsecond",
    "minute_second",
    "mod",
    "modifies",
    "natural",
    "no_write_to_binlog",
    "not",
    "nth_value",
    "ntile",
    "null",
    "numeric",
    "of",
    "offset",
    "on",
    "optimize",
    "optimizer_costs",
    "option",
    "optionally",
    "or",
    "order",
    "out",
    "outer",
    "outfile",
    "over",
    "page_checksum",
    "parse_vcol_expr",
    "partition",
    "percent_rank",
    "position",
    "precision",
    "primary",
    "procedure",
    "purge",
    "range",
    "rank",
    "read",
    "read_write",
    "reads",
    "real",
    "recursive",
    "ref_system_id",
    "references",
    "regexp",
    "release",
    "rename",
    "repeat",
    "replace",
    "require",
    "resignal",
    "restrict",
    "return",
    "returning",
    "revoke",
    "right",
    "rlike",
    "row",
    "row_number",
    "rows",
    "schema",
    "schemas",
    "second_microsecond",
    "select",
    "sensitive",
    "separator",
    "set",
    "show",
    "signal",
    "slow",
    "smallint",
    "spatial",
    "specific",
    "sql",
    "sql_big_result",
    "sql_calc_found_rows",
    "sql_small_result",
    "sqlexception",
    "sqlstate",
    "sqlwarning",
    "ssl",
    "starting",
    "stats_auto_recalc",
    "stats_persistent",
    "stats_sample_pages",
    "stored",
    "straight_join",
    "system",
    "table",
    "terminated",
    "then",
    "tinyblob",
    "tinyint",
    "tinytext",
    "to",
    "trailing",
    "trigger",
    "true",
    "undo",
    "union",
    "unique",
    "unlock",
    "unsigned",
    "update",
    "usage",
    "use",
    "using",
    "utc_date",
    "utc_time",
    "utc_timestamp",
    "values",
    "varbinary",
    "varchar",
    "varcharacter",
    "varying",
    "virtual",
    "when",
    "where",
    "while",
    "window",
    "with",
    "write",
    "xor",
    "year_month",
    "zerofill",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_list_is_sorted() {
        assert!(RESERVED.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn mariadb_and_mysql_spellings_meet() {
        assert_eq!(normalize_expr("current_timestamp()"), "current_timestamp");
        assert_eq!(normalize_expr("CURRENT_TIMESTAMP"), "current_timestamp");
        assert_eq!(normalize_expr("now(6)"), "current_timestamp(6)");
        assert_eq!(normalize_expr("b'1'"), "1");
        assert_eq!(normalize_expr("TRUE"), "1");
        assert_eq!(normalize_expr("'a''b'"), "'a''b'");
        assert_eq!(normalize_expr("_utf8mb4'hi'"), "'hi'");
        assert_eq!(normalize_expr("(`n` > 0)"), "n > 0");
        assert_eq!(
            normalize_expr("((`a` > 0) and (`b` < 1))"),
            "a > 0 and b < 1"
        );
        assert_eq!(normalize_expr("`a` > 0 and `b` < 1"), "a > 0 and b < 1");
        assert_eq!(
            normalize_expr("(a > 0 AND b < 1) OR c = 2"),
            "a > 0 and b < 1 or c = 2"
        );
        assert_eq!(
            normalize_expr("a > 0 AND (b < 1 OR c = 2)"),
            "a > 0 and (b < 1 or c = 2)"
        );
        assert_eq!(
            normalize_expr("`a` in (1,2)"),
            normalize_expr("a IN (1, 2)")
        );
        assert_eq!(normalize_expr("lcase(`Name`) = 'x'"), "lower(name) = 'x'");
        assert_eq!(normalize_expr("`select` >= 0"), "`select` >= 0");
        assert_eq!(normalize_expr("`naïve col` <> 1"), "`naïve col` <> 1");
        assert_eq!(normalize_expr("-1"), "-1");
        assert_eq!(normalize_expr("1.50"), "1.5");
        assert_eq!(normalize_expr("x between 1 and 2"), "x between 1 and 2");
        assert_eq!(normalize_expr("NOT (n > 1)"), "n <= 1");
        assert_eq!(normalize_expr("\"it's\" = `a\"b`"), "'it''s' = `a\"b`");
        assert_eq!(normalize_expr("a > 0 and not b = 1"), "a > 0 and b <> 1");
        assert_eq!(normalize_expr("a NOT IN ('z')"), "a <> 'z'");
        assert_eq!(normalize_expr("a IN (1)"), "a = 1");
        assert_eq!(normalize_expr("n % 2 = 0"), "n mod 2 = 0");
        assert_eq!(normalize_expr("octet_length(a) < 3"), "length(a) < 3");
    }

    #[test]
    fn prefixes() {
        assert_eq!(as_prefix_part("`body`(10)"), Some(("body".into(), 10)));
        assert_eq!(prefix_part("Body", 10), "body(10)");
        assert_eq!(as_prefix_part("lower(x)"), None);
    }
}
