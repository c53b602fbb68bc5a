//! Column types: how PostgreSQL spells them and how its spellings map back.
//!
//! [`from_sql`] reads any spelling (a model's `sql_type`, or `format_type()` output
//! from the catalog) and returns the logical [`ColumnType`] where one fits, else a
//! [`ColumnType::Custom`] in `format_type()`'s canonical spelling (`character
//! varying`, `timestamp(3) with time zone`, `integer[]`). [`to_sql`] is the
//! spelling used in DDL. Mapping choices:
//!
//! | logical | DDL | catalog reports |
//! | --- | --- | --- |
//! | `Json` | `jsonb` | `jsonb` (plain `json` stays `Custom { sql: "json" }`) |
//! | `Blob` | `bytea` | `bytea` |
//! | `Timestamp`/`TimestampTz` | `timestamp`/`timestamptz` | without/with time zone |
//! | `Decimal{p,s}` | `numeric(p,s)` | `numeric(p,s)` (bare `numeric` is `Custom`) |
//! | `Enum` | the enum type's quoted name | `typtype = 'e'` |
//!
//! `serial`, `bigserial` and `smallserial` read as the integer type with
//! auto-increment; they are rendered as identity columns.

use retort_schema::ColumnType;

use crate::quote_ident;

/// A type read from SQL text: the type and whether the spelling implies auto-increment (`serial`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedType {
    /// The column type.
    pub ty: ColumnType,
    /// True for `serial`, `bigserial`, `smallserial`.
    pub serial: bool,
}

/// Read a PostgreSQL type spelling.
pub fn from_sql(text: &str) -> ParsedType {
    let plain = |ty| ParsedType { ty, serial: false };
    if let Some(generated) = generated_column(text) {
        return plain(ColumnType::Custom { sql: generated });
    }
    if text.contains('"') {
        return plain(ColumnType::Custom {
            sql: text.trim().to_string(),
        });
    }
    let canon = canonical_spelling(text);
    let (base, dims) = split_array(&canon);
    if dims > 0 {
        let base = match from_sql(base) {
            ParsedType {
                ty: ColumnType::Custom { sql },
                ..
            } => sql,
            ParsedType { ty, .. } => to_sql(&ty),
        };
        return plain(ColumnType::Custom {
            sql: format!("{}{}", catalog_name(&base), "[]".repeat(dims)),
        });
    }
    let (name, args) = match base.find('(') {
        Some(i) => {
            let close = base.rfind(')').unwrap_or(base.len());
            let args: Vec<u32> = base[i + 1..close]
                .split(',')
                .filter_map(|a| a.trim().parse().ok())
                .collect();
            let rest = base[(close + 1).min(base.len())..].trim();
            let name = if rest.is_empty() {
                base[..i].trim().to_string()
            } else {
                format!("{} {}", base[..i].trim(), rest)
            };
            (name, Some(args))
        }
        None => (base.to_string(), None),
    };
    let ty = match (name.as_str(), args.as_deref()) {
        ("smallint" | "int2", None) => ColumnType::SmallInt,
        ("integer" | "int" | "int4", None) => ColumnType::Integer,
        ("bigint" | "int8", None) => ColumnType::BigInt,
        ("smallserial" | "serial2", None) => {
            return ParsedType {
                ty: ColumnType::SmallInt,
                serial: true,
            };
        }
        ("serial" | "serial4", None) => {
            return ParsedType {
                ty: ColumnType::Integer,
                serial: true,
            };
        }
        ("bigserial" | "serial8", None) => {
            return ParsedType {
                ty: ColumnType::BigInt,
                serial: true,
            };
        }
        ("boolean" | "bool", None) => ColumnType::Boolean,
        ("real" | "float4", None) => ColumnType::Real,
        ("double precision" | "float8" | "float", None) => ColumnType::Double,
        ("float", Some([n])) if *n <= 24 => ColumnType::Real,
        ("float", Some([_])) => ColumnType::Double,
        ("text", None) => ColumnType::Text,
        ("varchar" | "character varying", Some([n])) => ColumnType::Varchar { length: *n },
        ("varchar" | "character varying", None) => ColumnType::Custom {
            sql: "character varying".into(),
        },
        ("char" | "character" | "bpchar", None) => ColumnType::Custom {
            sql: "character(1)".into(),
        },
        ("char" | "character" | "bpchar", Some([n])) => ColumnType::Custom {
            sql: format!("character({n})"),
        },
        ("bytea", None) => ColumnType::Blob,
        ("date", None) => ColumnType::Date,
        ("time" | "time without time zone", None) => ColumnType::Time,
        ("time" | "time without time zone", Some([p])) => ColumnType::Custom {
            sql: format!("time({p}) without time zone"),
        },
        ("timetz" | "time with time zone", None) => ColumnType::Custom {
            sql: "time with time zone".into(),
        },
        ("timetz" | "time with time zone", Some([p])) => ColumnType::Custom {
            sql: format!("time({p}) with time zone"),
        },
        ("timestamp" | "timestamp without time zone", None) => ColumnType::Timestamp,
        ("timestamp" | "timestamp without time zone", Some([p])) => ColumnType::Custom {
            sql: format!("timestamp({p}) without time zone"),
        },
        ("timestamptz" | "timestamp with time zone", None) => ColumnType::TimestampTz,
        ("timestamptz" | "timestamp with time zone", Some([p])) => ColumnType::Custom {
            sql: format!("timestamp({p}) with time zone"),
        },
        ("uuid", None) => ColumnType::Uuid,
        ("jsonb", None) => ColumnType::Json,
        ("numeric" | "decimal", Some([p, s])) => ColumnType::Decimal {
            precision: *p,
            scale: *s,
        },
        ("numeric" | "decimal", Some([p])) => ColumnType::Decimal {
            precision: *p,
            scale: 0,
        },
        ("numeric" | "decimal", None) => ColumnType::Custom {
            sql: "numeric".into(),
        },
        ("varbit" | "bit varying", None) => ColumnType::Custom {
            sql: "bit varying".into(),
        },
        ("varbit" | "bit varying", Some([n])) => ColumnType::Custom {
            sql: format!("bit varying({n})"),
        },
        ("bit", None) => ColumnType::Custom {
            sql: "bit(1)".into(),
        },
        _ => ColumnType::Custom {
            sql: base.to_string(),
        },
    };
    plain(ty)
}

/// `<type> GENERATED ALWAYS AS (<expr>) STORED` in canonical form: the type's
/// catalog spelling and the expression's normal form.
fn generated_column(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find(" generated always as")?;
    let rest = text[at + " generated always as".len()..].trim();
    let inner = rest.strip_prefix('(')?;
    let inner = inner.trim_end();
    let inner = inner
        .strip_suffix("STORED")
        .or_else(|| inner.strip_suffix("stored"))?
        .trim_end();
    let expr = inner.strip_suffix(')')?;
    let base = match from_sql(&text[..at]).ty {
        ColumnType::Custom { sql } => sql,
        ty => catalog_name(&to_sql(&ty)),
    };
    Some(format!(
        "{base} GENERATED ALWAYS AS ({}) STORED",
        crate::expr::normalize(expr)
    ))
}

/// The `format_type` name of a base type written in DDL form (for array element types).
fn catalog_name(ddl: &str) -> String {
    match ddl {
        "timestamp" => "timestamp without time zone".into(),
        "timestamptz" => "timestamp with time zone".into(),
        "time" => "time without time zone".into(),
        s if s.starts_with("varchar(") => s.replacen("varchar", "character varying", 1),
        s => s.to_string(),
    }
}

/// Lower case, single spaces, no spaces inside or before parentheses.
fn canonical_spelling(text: &str) -> String {
    let lower = text.trim().to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut space = false;
    for c in lower.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space
            && !out.is_empty()
            && !matches!(c, '(' | ')' | ',' | '[' | ']')
            && !out.ends_with(['(', ','])
        {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    // `array` keyword form: `integer array` -> `integer[]`
    if let Some(base) = out.strip_suffix(" array") {
        return format!("{base}[]");
    }
    out
}

/// Split `base[][]` (also `base[3]`) into the base and the number of dimensions.
fn split_array(s: &str) -> (&str, usize) {
    let mut base = s;
    let mut dims = 0;
    while base.ends_with(']') {
        match base.rfind('[') {
            Some(i) => {
                base = base[..i].trim_end();
                dims += 1;
            }
            None => break,
        }
    }
    (base, dims)
}

/// The DDL spelling of a type.
pub fn to_sql(ty: &ColumnType) -> String {
    match ty {
        ColumnType::SmallInt => "smallint".into(),
        ColumnType::Integer => "integer".into(),
        ColumnType::BigInt => "bigint".into(),
        ColumnType::Boolean => "boolean".into(),
        ColumnType::Real => "real".into(),
        ColumnType::Double => "double precision".into(),
        ColumnType::Text => "text".into(),
        ColumnType::Varchar { length } => format!("varchar({length})"),
        ColumnType::Blob => "bytea".into(),
        ColumnType::Date => "date".into(),
        ColumnType::Time => "time".into(),
        ColumnType::Timestamp => "timestamp".into(),
        ColumnType::TimestampTz => "timestamptz".into(),
        ColumnType::Uuid => "uuid".into(),
        ColumnType::Json => "jsonb".into(),
        ColumnType::Decimal { precision, scale } => format!("numeric({precision},{scale})"),
        ColumnType::Enum { name, schema, .. } => match schema {
            Some(s) => format!("{}.{}", quote_ident(s), quote_ident(name)),
            None => quote_ident(name),
        },
        ColumnType::Custom { sql } => sql.clone(),
    }
}

/// The spelling `format_type()` (and so `pg_get_expr` in casts) uses for a type.
pub fn catalog_spelling(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Custom { sql } => sql.clone(),
        other => catalog_name(&to_sql(other)),
    }
}

/// Whether the type can be an identity column.
pub fn is_integer(ty: &ColumnType) -> bool {
    matches!(
        ty,
        ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(s: &str) -> ColumnType {
        from_sql(s).ty
    }

    #[test]
    fn aliases_map_to_logical_types() {
        assert_eq!(ty("int4"), ColumnType::Integer);
        assert_eq!(
            ty("character varying(10)"),
            ColumnType::Varchar { length: 10 }
        );
        assert_eq!(ty("VARCHAR (10)"), ColumnType::Varchar { length: 10 });
        assert_eq!(ty("timestamp without time zone"), ColumnType::Timestamp);
        assert_eq!(ty("timestamptz"), ColumnType::TimestampTz);
        assert_eq!(
            ty("decimal(10, 2)"),
            ColumnType::Decimal {
                precision: 10,
                scale: 2
            }
        );
        assert_eq!(ty("float8"), ColumnType::Double);
        assert!(from_sql("bigserial").serial);
    }

    #[test]
    fn other_types_keep_the_catalog_spelling() {
        assert_eq!(
            ty("text[]"),
            ColumnType::Custom {
                sql: "text[]".into()
            }
        );
        assert_eq!(
            ty("int4[]"),
            ColumnType::Custom {
                sql: "integer[]".into()
            }
        );
        assert_eq!(
            ty("varchar(5)[]"),
            ColumnType::Custom {
                sql: "character varying(5)[]".into()
            }
        );
        assert_eq!(
            ty("timestamptz(3)"),
            ColumnType::Custom {
                sql: "timestamp(3) with time zone".into()
            }
        );
        assert_eq!(
            ty("timestamp(3) with time zone"),
            ColumnType::Custom {
                sql: "timestamp(3) with time zone".into()
            }
        );
        assert_eq!(ty("json"), ColumnType::Custom { sql: "json".into() });
        assert_eq!(ty("INET"), ColumnType::Custom { sql: "inet".into() });
        assert_eq!(
            ty("char(3)"),
            ColumnType::Custom {
                sql: "character(3)".into()
            }
        );
    }
}
