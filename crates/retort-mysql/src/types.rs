//! Column types: how retort's logical types are spelled on MySQL/MariaDB, and how
//! a spelling read back from `information_schema.COLUMNS.COLUMN_TYPE` (or written
//! in a model's `sql_type`) maps to a [`ColumnType`].
//!
//! Both directions go through this one module, so a model type and the type the
//! server reports after creating it always meet in the same normal form:
//!
//! | model | MySQL/MariaDB | read back as |
//! | --- | --- | --- |
//! | `SmallInt` / `Integer` / `BigInt` | `smallint` / `int` / `bigint` | the same (display widths such as `int(11)` are dropped) |
//! | `Boolean` | `tinyint(1)` | `Boolean` |
//! | `Real` / `Double` | `float` / `double` | the same (`real` is `double` on MariaDB) |
//! | `Text` | `text` | `Text` (`tinytext`, `mediumtext`, `longtext` stay custom) |
//! | `Varchar(n)` | `varchar(n)` | the same |
//! | `Blob` | `blob` (up to 64 KiB) | `Blob` (`tinyblob`, `mediumblob`, `longblob` stay custom) |
//! | `Date` / `Time` | `date` / `time` | the same |
//! | `Timestamp` | `datetime` | `Timestamp` |
//! | `TimestampTz` | `datetime(6)` | `TimestampTz`: a UTC instant with microseconds, no 2038 limit and no session time-zone conversion (`timestamp` columns stay custom) |
//! | `Uuid` | `char(36)` | `Uuid` (every `char(36)` column reads as a UUID) |
//! | `Json` | `json` | `Json` (MariaDB stores `longtext` plus `CHECK (json_valid(col))`; introspection folds that back) |
//! | `Decimal(p,s)` | `decimal(p,s)` | the same |
//! | `Enum` | inline `enum('a','b')` | `Enum` named after its column |
//!
//! Anything else is [`ColumnType::Custom`] in lower case, without integer display
//! widths, character sets or collations.

use retort_schema::ColumnType;

/// The SQL spelling of a type, as used in `CREATE TABLE` and `MODIFY COLUMN`.
pub fn type_sql(ty: &ColumnType) -> String {
    match ty {
        ColumnType::SmallInt => "smallint".into(),
        ColumnType::Integer => "int".into(),
        ColumnType::BigInt => "bigint".into(),
        ColumnType::Boolean => "tinyint(1)".into(),
        ColumnType::Real => "float".into(),
        ColumnType::Double => "double".into(),
        ColumnType::Text => "text".into(),
        ColumnType::Varchar { length } => format!("varchar({length})"),
        ColumnType::Blob => "blob".into(),
        ColumnType::Date => "date".into(),
        ColumnType::Time => "time".into(),
        ColumnType::Timestamp => "datetime".into(),
        ColumnType::TimestampTz => "datetime(6)".into(),
        ColumnType::Uuid => "char(36)".into(),
        ColumnType::Json => "json".into(),
        ColumnType::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
        ColumnType::Enum { values, .. } => {
            let vals: Vec<String> = values.iter().map(|v| quote_string(v)).collect();
            format!("enum({})", vals.join(","))
        }
        ColumnType::Custom { sql } => sql.clone(),
    }
}

/// A MySQL string literal: single quotes doubled, backslashes escaped.
pub fn quote_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// Whether values of the type are numbers (so a quoted numeric default means the number).
pub fn is_numeric(ty: &ColumnType) -> bool {
    match ty {
        ColumnType::SmallInt
        | ColumnType::Integer
        | ColumnType::BigInt
        | ColumnType::Boolean
        | ColumnType::Real
        | ColumnType::Double
        | ColumnType::Decimal { .. } => true,
        ColumnType::Custom { sql } => {
            let base = sql.split(['(', ' ']).next().unwrap_or("");
            matches!(
                base,
                "tinyint"
                    | "mediumint"
                    | "smallint"
                    | "int"
                    | "bigint"
                    | "float"
                    | "double"
                    | "decimal"
                    | "bit"
            )
        }
        _ => false,
    }
}

/// Whether the type can take part in an index only with a prefix length
/// (and takes a default only as a parenthesized expression on MySQL 8).
pub fn is_lob(ty: &ColumnType) -> bool {
    match ty {
        ColumnType::Text | ColumnType::Blob | ColumnType::Json => true,
        ColumnType::Custom { sql } => {
            let base = sql.split(['(', ' ']).next().unwrap_or("");
            base.ends_with("text") || base.ends_with("blob") || base == "json" || base == "geometry"
        }
        _ => false,
    }
}

/// Whether the type is an integer type (AUTO_INCREMENT needs one).
pub fn is_integer(ty: &ColumnType) -> bool {
    match ty {
        ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => true,
        ColumnType::Custom { sql } => {
            let base = sql.split(['(', ' ']).next().unwrap_or("");
            matches!(
                base,
                "tinyint" | "mediumint" | "smallint" | "int" | "bigint"
            )
        }
        _ => false,
    }
}

/// Parse a type spelling (`COLUMN_TYPE`, or a model's `sql_type`) into its normal form.
/// `column` names the enum type of an `enum(...)` column.
pub fn parse_type(sql: &str, column: &str) -> ColumnType {
    if let Some((ty, expr, stored)) = split_generated(sql) {
        let base = type_sql(&parse_type(ty, column));
        let kind = if stored { "stored" } else { "virtual" };
        return ColumnType::Custom {
            sql: format!(
                "{base} generated always as ({}) {kind}",
                crate::sqlexpr::normalize_expr(expr)
            ),
        };
    }
    let text = clean_spelling(sql);
    let (base, args, rest) = split_type(&text);
    if base == "enum" {
        if let Some(values) = args.as_deref().and_then(parse_enum_values)
            && rest.is_empty()
        {
            return ColumnType::Enum {
                name: column.to_string(),
                schema: None,
                values,
            };
        }
        return ColumnType::Custom { sql: text };
    }
    let nums: Vec<u32> = args
        .as_deref()
        .map(|a| a.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_default();
    let int_like = matches!(
        base.as_str(),
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint"
    );
    if int_like {
        let base = if base == "integer" {
            "int"
        } else {
            base.as_str()
        };
        if base == "tinyint" && nums == [1] && rest.is_empty() {
            return ColumnType::Boolean;
        }
        if rest.is_empty() {
            match base {
                "smallint" => return ColumnType::SmallInt,
                "int" => return ColumnType::Integer,
                "bigint" => return ColumnType::BigInt,
                _ => {}
            }
        }
        // Display widths mean nothing (and MySQL 8.0.19+ no longer reports them).
        return ColumnType::Custom {
            sql: join(base, None, &rest),
        };
    }
    if !rest.is_empty() {
        return ColumnType::Custom { sql: text };
    }
    if base == "year" {
        // MariaDB reports `year(4)`, MySQL 8 `year`.
        return ColumnType::Custom { sql: "year".into() };
    }
    match (base.as_str(), nums.as_slice(), args.is_some()) {
        ("bool" | "boolean", _, false) => ColumnType::Boolean,
        ("float", _, false) => ColumnType::Real,
        ("double" | "double precision" | "real", _, false) => ColumnType::Double,
        ("text", _, false) => ColumnType::Text,
        ("varchar", [n], _) => ColumnType::Varchar { length: *n },
        ("blob", _, false) => ColumnType::Blob,
        ("date", _, false) => ColumnType::Date,
        ("time", _, false) | ("time", [0], _) => ColumnType::Time,
        ("datetime", _, false) | ("datetime", [0], _) => ColumnType::Timestamp,
        ("datetime", [6], _) => ColumnType::TimestampTz,
        ("char", [36], _) => ColumnType::Uuid,
        ("json", _, false) => ColumnType::Json,
        ("decimal" | "numeric" | "dec" | "fixed", [], false) => ColumnType::Decimal {
            precision: 10,
            scale: 0,
        },
        ("decimal" | "numeric" | "dec" | "fixed", [p], _) => ColumnType::Decimal {
            precision: *p,
            scale: 0,
        },
        ("decimal" | "numeric" | "dec" | "fixed", [p, s], _) => ColumnType::Decimal {
            precision: *p,
            scale: *s,
        },
        _ => ColumnType::Custom { sql: text },
    }
}

/// Whether a (normalized) type is a generated column's: `<type> generated always as (<expr>) stored|virtual`.
pub fn is_generated(ty: &ColumnType) -> bool {
    matches!(ty, ColumnType::Custom { sql } if sql.contains(" generated always as ("))
}

/// Split `<type> [GENERATED ALWAYS] AS (<expr>) [VIRTUAL|STORED|PERSISTENT]` into
/// the type, the expression and whether it is stored.
fn split_generated(sql: &str) -> Option<(&str, &str, bool)> {
    let lower = sql.to_ascii_lowercase();
    let (at, after) = match lower.find(" generated always as") {
        Some(p) => (p, p + " generated always as".len()),
        None => {
            let p = lower.find(" as (")?;
            (p, p + " as".len())
        }
    };
    let rest = &sql[after..];
    let open = after + rest.find('(')?;
    if !sql[after..open].trim().is_empty() {
        return None;
    }
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut close = None;
    for (i, c) in sql[open..].char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '`' || c == '"' => quote = Some(c),
            None if c == '(' => depth += 1,
            None if c == ')' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            None => {}
        }
    }
    let close = close?;
    let tail = sql[close + 1..].trim().to_ascii_lowercase();
    let stored = match tail.as_str() {
        "stored" | "persistent" => true,
        "" | "virtual" => false,
        _ => return None,
    };
    Some((sql[..at].trim(), &sql[open + 1..close], stored))
}

fn join(base: &str, args: Option<&str>, rest: &str) -> String {
    let mut s = base.to_string();
    if let Some(a) = args {
        s.push('(');
        s.push_str(a);
        s.push(')');
    }
    if !rest.is_empty() {
        s.push(' ');
        s.push_str(rest);
    }
    s
}

/// Lower-case outside quotes, single spaces, no character set or collation clauses,
/// no spaces inside the argument list.
fn clean_spelling(sql: &str) -> String {
    // Tokenize into words, quoted strings and punctuation.
    let mut words: Vec<String> = Vec::new();
    let chars: Vec<char> = sql.trim().chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::from("'");
            i += 1;
            while i < chars.len() {
                s.push(chars[i]);
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
                    s.push(chars[i + 1]);
                    i += 2;
                    continue;
                }
                i += 1;
            }
            words.push(s);
        } else if c == '(' || c == ')' || c == ',' {
            words.push(c.to_string());
            i += 1;
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | ',' | '\'')
            {
                i += 1;
            }
            words.push(chars[start..i].iter().collect::<String>().to_lowercase());
        }
    }
    // Drop `character set x`, `charset x`, `collate x`, `binary` (as a collation hint).
    let mut kept: Vec<String> = Vec::new();
    let mut k = 0;
    while k < words.len() {
        let w = words[k].as_str();
        if w == "character" && words.get(k + 1).map(String::as_str) == Some("set") {
            k += 3;
        } else if w == "charset" || w == "collate" {
            k += 2;
        } else if w == "binary" && k > 0 {
            // `varchar(n) BINARY`: the binary collation of the character set.
            k += 1;
        } else {
            kept.push(words[k].clone());
            k += 1;
        }
    }
    let mut out = String::new();
    for (n, w) in kept.iter().enumerate() {
        let prev = if n > 0 { kept[n - 1].as_str() } else { "" };
        let glue = n == 0 || w == "(" || w == ")" || w == "," || prev == "(" || prev == ",";
        if !glue {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// `base`, the text inside the first parentheses, and the words after them.
fn split_type(text: &str) -> (String, Option<String>, String) {
    match text.find('(') {
        Some(open) => {
            // Find the matching close, skipping quoted strings.
            let bytes: Vec<char> = text.chars().collect();
            let open_ch = text[..open].chars().count();
            let mut depth = 0;
            let mut in_str = false;
            let mut close = None;
            let mut i = open_ch;
            while i < bytes.len() {
                let c = bytes[i];
                if in_str {
                    if c == '\'' {
                        if bytes.get(i + 1) == Some(&'\'') {
                            i += 2;
                            continue;
                        }
                        in_str = false;
                    }
                } else if c == '\'' {
                    in_str = true;
                } else if c == '(' {
                    depth += 1;
                } else if c == ')' {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(i);
                        break;
                    }
                }
                i += 1;
            }
            let base = text[..open].trim().to_string();
            match close {
                Some(c) => {
                    let args: String = bytes[open_ch + 1..c].iter().collect();
                    let rest: String = bytes[c + 1..].iter().collect();
                    (base, Some(args), rest.trim().to_string())
                }
                None => (text.to_string(), None, String::new()),
            }
        }
        None => {
            // `double precision`, `int unsigned`, `bigint unsigned zerofill`
            if let Some(rest) = text.strip_prefix("double precision") {
                return ("double precision".into(), None, rest.trim().to_string());
            }
            let mut it = text.splitn(2, ' ');
            let base = it.next().unwrap_or("").to_string();
            let rest = it.next().unwrap_or("").trim().to_string();
            (base, None, rest)
        }
    }
}

/// The values of an `enum('a','b''c')` argument list.
pub fn parse_enum_values(args: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = args.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if chars.get(i) != Some(&'\'') {
            return None;
        }
        i += 1;
        let mut s = String::new();
        loop {
            let c = *chars.get(i)?;
            if c == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    s.push('\'');
                    i += 2;
                    continue;
                }
                i += 1;
                break;
            }
            if c == '\\' {
                s.push(*chars.get(i + 1)?);
                i += 2;
                continue;
            }
            s.push(c);
            i += 1;
        }
        out.push(s);
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        match chars.get(i) {
            None => return Some(out),
            Some(',') => i += 1,
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_meet() {
        assert_eq!(parse_type("int(11)", "c"), ColumnType::Integer);
        assert_eq!(parse_type("INTEGER", "c"), ColumnType::Integer);
        assert_eq!(parse_type("tinyint(1)", "c"), ColumnType::Boolean);
        assert_eq!(
            parse_type("tinyint(4)", "c"),
            ColumnType::Custom {
                sql: "tinyint".into()
            }
        );
        assert_eq!(
            parse_type("int(10) unsigned", "c"),
            ColumnType::Custom {
                sql: "int unsigned".into()
            }
        );
        assert_eq!(
            parse_type("VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "c"),
            ColumnType::Varchar { length: 20 }
        );
        assert_eq!(
            parse_type("decimal(10, 2)", "c"),
            ColumnType::Decimal {
                precision: 10,
                scale: 2
            }
        );
        assert_eq!(parse_type("datetime(6)", "c"), ColumnType::TimestampTz);
        assert_eq!(parse_type("char(36)", "c"), ColumnType::Uuid);
        assert_eq!(parse_type("year(4)", "c"), parse_type("YEAR", "c"));
        assert_eq!(
            parse_type("LONGTEXT", "c"),
            ColumnType::Custom {
                sql: "longtext".into()
            }
        );
        assert_eq!(
            parse_type("enum('a','b''c', 'D')", "mood"),
            ColumnType::Enum {
                name: "mood".into(),
                schema: None,
                values: vec!["a".into(), "b'c".into(), "D".into()]
            }
        );
        assert_eq!(
            parse_type("set('a','b')", "c"),
            ColumnType::Custom {
                sql: "set('a','b')".into()
            }
        );
    }

    #[test]
    fn rendered_types_parse_back() {
        for ty in [
            ColumnType::SmallInt,
            ColumnType::Integer,
            ColumnType::BigInt,
            ColumnType::Boolean,
            ColumnType::Real,
            ColumnType::Double,
            ColumnType::Text,
            ColumnType::Varchar { length: 7 },
            ColumnType::Blob,
            ColumnType::Date,
            ColumnType::Time,
            ColumnType::Timestamp,
            ColumnType::TimestampTz,
            ColumnType::Uuid,
            ColumnType::Json,
            ColumnType::Decimal {
                precision: 12,
                scale: 3,
            },
            ColumnType::Enum {
                name: "c".into(),
                schema: None,
                values: vec!["x".into(), "it's".into()],
            },
        ] {
            assert_eq!(parse_type(&type_sql(&ty), "c"), ty);
        }
    }
}
