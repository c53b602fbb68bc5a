//! Column types, both ways: the declared type retort writes for each
//! [`ColumnType`], and the [`ColumnType`] a declared type read back from the
//! catalog stands for.
//!
//! SQLite keeps a column's declared type verbatim, so every type retort writes
//! reads back as itself:
//!
//! | ColumnType | declared as | also read from (databases made by other tools) |
//! | --- | --- | --- |
//! | SmallInt | `SMALLINT` | `INT2` |
//! | Integer | `INTEGER` (`INT` for a single-column primary key that is not auto-increment, see below) | `INT`, `MEDIUMINT`, `INT4` |
//! | BigInt | `BIGINT` | `INT8`, `UNSIGNED BIG INT` |
//! | Boolean | `BOOLEAN` | `BOOL` |
//! | Real | `REAL` | `FLOAT4` |
//! | Double | `DOUBLE` | `DOUBLE PRECISION`, `FLOAT`, `FLOAT8` |
//! | Text | `TEXT` | `VARCHAR` without a length |
//! | Varchar(n) | `VARCHAR(n)` | `CHARACTER VARYING(n)`, `NVARCHAR(n)` |
//! | Blob | `BLOB` | |
//! | Date / Time | `DATE` / `TIME` | |
//! | Timestamp | `TIMESTAMP` | `DATETIME` |
//! | TimestampTz | `TIMESTAMPTZ` | `TIMESTAMP WITH TIME ZONE` |
//! | Uuid | `UUID` | |
//! | Json | `JSON` | |
//! | Custom(sql) | `sql` verbatim | anything else, lower-cased (`numeric`, `decimal(10,2)`, `char(3)`, `tinyint`) |
//!
//! `Decimal` and `Enum` are rewritten by [`crate::normalize`] before they get here.
//! A column declared exactly `INTEGER` that alone makes up the primary key is an
//! alias of the rowid (auto-increment); `INT` is not, which is how a
//! non-auto-increment integer key is written.

use retort_schema::ColumnType;

/// The declared type retort writes for a normalized type.
pub fn render_type(ty: &ColumnType) -> String {
    match ty {
        ColumnType::SmallInt => "SMALLINT".into(),
        ColumnType::Integer => "INTEGER".into(),
        ColumnType::BigInt => "BIGINT".into(),
        ColumnType::Boolean => "BOOLEAN".into(),
        ColumnType::Real => "REAL".into(),
        ColumnType::Double => "DOUBLE".into(),
        ColumnType::Text => "TEXT".into(),
        ColumnType::Varchar { length } => format!("VARCHAR({length})"),
        ColumnType::Blob => "BLOB".into(),
        ColumnType::Date => "DATE".into(),
        ColumnType::Time => "TIME".into(),
        ColumnType::Timestamp => "TIMESTAMP".into(),
        ColumnType::TimestampTz => "TIMESTAMPTZ".into(),
        ColumnType::Uuid => "UUID".into(),
        ColumnType::Json => "JSON".into(),
        // Normalization turns these into TEXT / Custom; render something sensible anyway.
        ColumnType::Decimal { precision, scale } => format!("NUMERIC({precision},{scale})"),
        ColumnType::Enum { .. } => "TEXT".into(),
        ColumnType::Custom { sql } => sql.clone(),
    }
}

/// The type a declared column type (as `pragma table_info` reports it) stands for.
pub fn parse_declared_type(declared: &str) -> ColumnType {
    let canon = canonical_spelling(declared);
    let upper = canon.to_ascii_uppercase();
    let (base, args) = match upper.split_once('(') {
        Some((b, rest)) => (b.trim_end(), Some(rest.trim_end_matches(')'))),
        None => (upper.as_str(), None),
    };
    let no_args = |ty: ColumnType| {
        if args.is_none() {
            ty
        } else {
            ColumnType::Custom {
                sql: canon.to_ascii_lowercase(),
            }
        }
    };
    match base {
        "INTEGER" | "INT" | "MEDIUMINT" | "INT4" => no_args(ColumnType::Integer),
        "SMALLINT" | "INT2" => no_args(ColumnType::SmallInt),
        "BIGINT" | "INT8" | "UNSIGNED BIG INT" => no_args(ColumnType::BigInt),
        "BOOLEAN" | "BOOL" => no_args(ColumnType::Boolean),
        "REAL" | "FLOAT4" => no_args(ColumnType::Real),
        "DOUBLE" | "DOUBLE PRECISION" | "FLOAT" | "FLOAT8" => no_args(ColumnType::Double),
        "TEXT" => no_args(ColumnType::Text),
        "VARCHAR" | "CHARACTER VARYING" | "NVARCHAR" | "VARYING CHARACTER" => match args {
            None => ColumnType::Text,
            Some(a) => match a.trim().parse::<u32>() {
                Ok(length) => ColumnType::Varchar { length },
                Err(_) => ColumnType::Custom {
                    sql: canon.to_ascii_lowercase(),
                },
            },
        },
        "BLOB" => no_args(ColumnType::Blob),
        "DATE" => no_args(ColumnType::Date),
        "TIME" => no_args(ColumnType::Time),
        "TIMESTAMP" | "DATETIME" => no_args(ColumnType::Timestamp),
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => no_args(ColumnType::TimestampTz),
        "UUID" => no_args(ColumnType::Uuid),
        "JSON" => no_args(ColumnType::Json),
        _ => ColumnType::Custom {
            sql: canon.to_ascii_lowercase(),
        },
    }
}

/// Whether the declared type makes a single-column primary key a rowid alias.
pub fn is_rowid_alias_type(declared: &str) -> bool {
    canonical_spelling(declared).eq_ignore_ascii_case("INTEGER")
}

/// Single spaces, none around parentheses and commas.
fn canonical_spelling(declared: &str) -> String {
    let collapsed = declared.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(collapsed.len());
    let chars: Vec<char> = collapsed.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == ' ' {
            let before = if i > 0 { chars[i - 1] } else { ' ' };
            let after = chars.get(i + 1).copied().unwrap_or(' ');
            if "(),".contains(before) || "(),".contains(after) {
                continue;
            }
        }
        out.push(*c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_types_read_back_as_themselves() {
        for ty in [
            ColumnType::SmallInt,
            ColumnType::Integer,
            ColumnType::BigInt,
            ColumnType::Boolean,
            ColumnType::Real,
            ColumnType::Double,
            ColumnType::Text,
            ColumnType::Varchar { length: 20 },
            ColumnType::Blob,
            ColumnType::Date,
            ColumnType::Time,
            ColumnType::Timestamp,
            ColumnType::TimestampTz,
            ColumnType::Uuid,
            ColumnType::Json,
            ColumnType::Custom {
                sql: "decimal(10,2)".into(),
            },
            ColumnType::Custom { sql: "".into() },
        ] {
            assert_eq!(parse_declared_type(&render_type(&ty)), ty);
        }
    }

    #[test]
    fn other_spellings() {
        assert_eq!(parse_declared_type("int"), ColumnType::Integer);
        assert_eq!(parse_declared_type("DATETIME"), ColumnType::Timestamp);
        assert_eq!(
            parse_declared_type("character  varying ( 30 )"),
            ColumnType::Varchar { length: 30 }
        );
        assert_eq!(
            parse_declared_type("NUMERIC"),
            ColumnType::Custom {
                sql: "numeric".into()
            }
        );
        assert_eq!(
            parse_declared_type("DECIMAL(10, 2)"),
            ColumnType::Custom {
                sql: "decimal(10,2)".into()
            }
        );
        assert_eq!(
            parse_declared_type("INT(11)"),
            ColumnType::Custom {
                sql: "int(11)".into()
            }
        );
        assert!(is_rowid_alias_type("integer"));
        assert!(!is_rowid_alias_type("INT"));
    }
}
