//! Character sets, collations and table options: what the server decides when a
//! schema says nothing, and the normal form of what it says.
//!
//! A MySQL collation implies its character set (`latin1_general_cs` is latin1), so
//! the schema keeps collations only: [`Column::collation`] and
//! [`Table::collation`]. A model's `charset = "latin1"` alone stands for that
//! character set's default collation. The normal form:
//!
//! * collation names are lower case; `utf8_*` is `utf8mb3_*` (what MariaDB 10.6+
//!   and MySQL 8.0.30+ report);
//! * a table collation equal to its database's default is absent;
//! * a column collation equal to its table's (effective) collation is absent, and
//!   a JSON column has none (MariaDB stores `utf8mb4_bin` longtext);
//! * table options are lower case (`engine`, `row_format`, other `CREATE_OPTIONS`
//!   entries); the server's default storage engine is absent; `row_format` is
//!   present only when declared (the server reports every table's actual format,
//!   but `CREATE_OPTIONS` only the declared one).
//!
//! Which collation is a database's default, a character set's default and the
//! default engine are facts of the server ([`ServerDefaults::load`], one small
//! query at connect time). Without a connection [`ServerDefaults::offline`] knows
//! the character sets' usual defaults and no database's default.

use std::collections::BTreeMap;

use retort_dialect::{DbError, NormalizeError};
use retort_schema::{ColumnType, Table};
use sqlx::mysql::MySqlConnection;

use crate::introspect::text_rows;

/// What the server decides when a schema says nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerDefaults {
    /// The connection's current database (tables with `schema: None`).
    pub current_database: Option<String>,
    /// Default collation of each database, by name.
    pub database_collations: BTreeMap<String, String>,
    /// Default collation of each character set.
    pub charset_collations: BTreeMap<String, String>,
    /// The default storage engine, lower case.
    pub engine: String,
    /// Whether the server keeps `DESC` on index key parts (MariaDB 10.8+, MySQL
    /// 8.0+); older servers parse and ignore it, so it is not part of the normal
    /// form there.
    pub desc_indexes: bool,
    /// Whether the server takes expression key parts (`((expr))`, MySQL 8.0.13+);
    /// MariaDB has none.
    pub functional_key_parts: bool,
}

impl Default for ServerDefaults {
    fn default() -> Self {
        Self::offline()
    }
}

/// Table options kept from `CREATE_OPTIONS` (others, such as `partitioned`, are not modelled).
pub const CREATE_OPTIONS: [&str; 12] = [
    "row_format",
    "key_block_size",
    "stats_persistent",
    "stats_auto_recalc",
    "stats_sample_pages",
    "checksum",
    "pack_keys",
    "max_rows",
    "min_rows",
    "avg_row_length",
    "page_compressed",
    "page_compression_level",
];

impl ServerDefaults {
    /// Without a server: the usual default collation of common character sets
    /// (MariaDB's for `utf8mb4`), InnoDB, no database defaults.
    pub fn offline() -> Self {
        let charset_collations = [
            ("armscii8", "armscii8_general_ci"),
            ("ascii", "ascii_general_ci"),
            ("big5", "big5_chinese_ci"),
            ("binary", "binary"),
            ("cp1250", "cp1250_general_ci"),
            ("cp1251", "cp1251_general_ci"),
            ("cp1256", "cp1256_general_ci"),
            ("cp1257", "cp1257_general_ci"),
            ("cp850", "cp850_general_ci"),
            ("cp852", "cp852_general_ci"),
            ("cp866", "cp866_general_ci"),
            ("dec8", "dec8_swedish_ci"),
            ("eucjpms", "eucjpms_japanese_ci"),
            ("euckr", "euckr_korean_ci"),
            ("gb2312", "gb2312_chinese_ci"),
            ("gbk", "gbk_chinese_ci"),
            ("geostd8", "geostd8_general_ci"),
            ("greek", "greek_general_ci"),
            ("hebrew", "hebrew_general_ci"),
            ("hp8", "hp8_english_ci"),
            ("keybcs2", "keybcs2_general_ci"),
            ("koi8r", "koi8r_general_ci"),
            ("koi8u", "koi8u_general_ci"),
            ("latin1", "latin1_swedish_ci"),
            ("latin2", "latin2_general_ci"),
            ("latin5", "latin5_turkish_ci"),
            ("latin7", "latin7_general_ci"),
            ("macce", "macce_general_ci"),
            ("macroman", "macroman_general_ci"),
            ("sjis", "sjis_japanese_ci"),
            ("swe7", "swe7_swedish_ci"),
            ("tis620", "tis620_thai_ci"),
            ("ucs2", "ucs2_general_ci"),
            ("ujis", "ujis_japanese_ci"),
            ("utf16", "utf16_general_ci"),
            ("utf16le", "utf16le_general_ci"),
            ("utf32", "utf32_general_ci"),
            ("utf8mb3", "utf8mb3_general_ci"),
            ("utf8mb4", "utf8mb4_general_ci"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        ServerDefaults {
            current_database: None,
            database_collations: BTreeMap::new(),
            charset_collations,
            engine: "innodb".into(),
            desc_indexes: true,
            functional_key_parts: true,
        }
    }

    /// Read the defaults of the server `conn` talks to (three small catalog reads).
    pub async fn load(
        conn: &mut MySqlConnection,
        current_database: &str,
    ) -> Result<ServerDefaults, DbError> {
        let mut d = ServerDefaults::offline();
        d.current_database = Some(current_database.to_string());
        let c = |e: &str| format!("CAST({e} AS CHAR)");
        let sql = format!(
            "SELECT {}, {} FROM information_schema.COLLATIONS WHERE IS_DEFAULT = 'Yes'",
            c("CHARACTER_SET_NAME"),
            c("COLLATION_NAME")
        );
        for r in text_rows(conn, &sql).await? {
            if let (Some(cs), Some(co)) = (&r[0], &r[1]) {
                d.charset_collations
                    .insert(cs.to_ascii_lowercase(), normalize_collation(co));
            }
        }
        // MariaDB 11.2+ may map a character set to another default collation
        // (`utf8mb4=utf8mb4_uca1400_ai_ci`); older servers lack the variable.
        if let Ok(rows) = text_rows(conn, "SELECT CAST(@@character_set_collations AS CHAR)").await
            && let Some(Some(map)) = rows.first().map(|r| r[0].clone())
        {
            for (cs, co) in map.split(',').filter_map(|p| p.split_once('=')) {
                d.charset_collations
                    .insert(normalize_charset(cs), normalize_collation(co));
            }
        }
        let sql = format!(
            "SELECT {}, {} FROM information_schema.SCHEMATA",
            c("SCHEMA_NAME"),
            c("DEFAULT_COLLATION_NAME")
        );
        for r in text_rows(conn, &sql).await? {
            if let (Some(db), Some(co)) = (&r[0], &r[1]) {
                d.database_collations
                    .insert(db.clone(), normalize_collation(co));
            }
        }
        let sql = "SELECT CAST(@@default_storage_engine AS CHAR), CAST(VERSION() AS CHAR)";
        if let Some(r) = text_rows(conn, sql).await?.first() {
            if let Some(e) = &r[0] {
                d.engine = e.to_ascii_lowercase();
            }
            if let Some(v) = &r[1] {
                d.desc_indexes = keeps_desc(v);
                d.functional_key_parts = !v.to_ascii_lowercase().contains("mariadb");
            }
        }
        Ok(d)
    }

    /// The default collation of the database a table lives in, when known.
    pub fn database_collation(&self, schema: Option<&str>) -> Option<&str> {
        let db = schema.or(self.current_database.as_deref())?;
        self.database_collations.get(db).map(String::as_str)
    }

    /// The default collation of a character set, when known.
    pub fn charset_collation(&self, charset: &str) -> Option<String> {
        let cs = normalize_charset(charset);
        self.charset_collations.get(&cs).cloned()
    }
}

/// Whether a server of this `VERSION()` keeps `DESC` index parts: MariaDB 10.8+,
/// MySQL 8.0+.
pub fn keeps_desc(version: &str) -> bool {
    let nums: Vec<u32> = version
        .split(|c: char| !c.is_ascii_digit())
        .take(2)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    let (major, minor) = (
        nums.first().copied().unwrap_or(0),
        nums.get(1).copied().unwrap_or(0),
    );
    if version.to_ascii_lowercase().contains("mariadb") {
        (major, minor) >= (10, 8)
    } else {
        major >= 8
    }
}

/// A character set name in normal form: lower case, `utf8` is `utf8mb3`.
pub fn normalize_charset(name: &str) -> String {
    let n = name
        .trim()
        .trim_matches(['\'', '"', '`'])
        .to_ascii_lowercase();
    if n == "utf8" { "utf8mb3".into() } else { n }
}

/// A collation name in normal form: lower case, `utf8_*` is `utf8mb3_*`.
pub fn normalize_collation(name: &str) -> String {
    let n = name
        .trim()
        .trim_matches(['\'', '"', '`'])
        .to_ascii_lowercase();
    match n.strip_prefix("utf8_") {
        Some(rest) => format!("utf8mb3_{rest}"),
        None => n,
    }
}

/// The character set a collation belongs to (`latin1_general_cs` → `latin1`).
pub fn charset_of(collation: &str) -> &str {
    collation.split('_').next().unwrap_or(collation)
}

/// Marks a collation still to be resolved against the server and the table:
/// `charset:<cs>` (that character set's default) or `binary:<cs>` (its binary
/// collation; `<cs>` empty for the table's character set).
const CHARSET_MARK: &str = "charset:";
const BINARY_MARK: &str = "binary:";

/// The collation a model's `sql_type` spells with `CHARACTER SET x`, `CHARSET x`,
/// `COLLATE y` or `BINARY` (the character set's binary collation), to be resolved
/// by [`normalize_table_charset`]; `None` when it spells none.
pub fn type_collation(ty: &ColumnType) -> Option<String> {
    let ColumnType::Custom { sql } = ty else {
        return None;
    };
    // Words outside quotes and parentheses.
    let mut words = Vec::new();
    let (mut depth, mut quote, mut word) = (0usize, None::<char>, String::new());
    for ch in sql.chars() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None if ch == '\'' || ch == '"' || ch == '`' => quote = Some(ch),
            None if ch == '(' => depth += 1,
            None if ch == ')' => depth = depth.saturating_sub(1),
            None if depth == 0 && !ch.is_whitespace() && ch != '=' => {
                word.push(ch.to_ascii_lowercase());
                continue;
            }
            None => {}
        }
        if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let (mut charset, mut collation, mut binary) = (None, None, false);
    let mut i = 0;
    while i < words.len() {
        match words[i].as_str() {
            "character" if words.get(i + 1).map(String::as_str) == Some("set") => {
                charset = words.get(i + 2).cloned();
                i += 3;
            }
            "charset" => {
                charset = words.get(i + 1).cloned();
                i += 2;
            }
            "collate" => {
                collation = words.get(i + 1).cloned();
                i += 2;
            }
            "binary" if i > 0 => {
                binary = true;
                i += 1;
            }
            _ => i += 1,
        }
    }
    match (collation, charset, binary) {
        (Some(co), _, _) => Some(normalize_collation(&co)),
        (None, cs, true) => Some(format!(
            "{BINARY_MARK}{}",
            cs.map(|c| normalize_charset(&c)).unwrap_or_default()
        )),
        (None, Some(cs), false) => Some(format!("{CHARSET_MARK}{}", normalize_charset(&cs))),
        (None, None, false) => None,
    }
}

/// Whether values of the type are character strings (the type has a collation).
pub fn is_textual(ty: &ColumnType) -> bool {
    match ty {
        ColumnType::Text
        | ColumnType::Varchar { .. }
        | ColumnType::Uuid
        | ColumnType::Enum { .. } => true,
        ColumnType::Custom { sql } => {
            if crate::types::is_generated(ty) {
                return false;
            }
            let base = sql.split(['(', ' ']).next().unwrap_or("");
            matches!(
                base,
                "char"
                    | "varchar"
                    | "tinytext"
                    | "text"
                    | "mediumtext"
                    | "longtext"
                    | "enum"
                    | "set"
                    | "national"
                    | "nchar"
                    | "nvarchar"
            )
        }
        _ => false,
    }
}

/// Bring a table's collations and options into the normal form (see the module
/// documentation). `options.charset` (a model's `charset = ".."`) becomes the
/// character set's default collation when no collation is given.
pub fn normalize_table_charset(
    t: &mut Table,
    defaults: &ServerDefaults,
    errors: &mut Vec<NormalizeError>,
) {
    let mut options: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in &t.options {
        let k = k.trim().to_ascii_lowercase().replace('-', "_");
        let v = v.trim().trim_matches(['\'', '"']).to_ascii_lowercase();
        options.insert(k, v);
    }
    let charset = options.remove("charset");
    let mut collation = t.collation.as_deref().map(normalize_collation);
    if let Some(cs) = charset {
        let cs = normalize_charset(&cs);
        match &collation {
            Some(co) if charset_of(co) != cs => errors.push(NormalizeError {
                object: format!("table \"{}\"", t.name),
                message: format!(
                    "collation `{co}` belongs to character set `{}`, not `{cs}`: give one of them",
                    charset_of(co)
                ),
            }),
            Some(_) => {}
            None => match defaults.charset_collation(&cs) {
                Some(co) => collation = Some(co),
                None => errors.push(NormalizeError {
                    object: format!("table \"{}\"", t.name),
                    message: format!(
                        "unknown character set `{cs}`: give the table a `collation` instead"
                    ),
                }),
            },
        }
    }
    if options.get("engine") == Some(&defaults.engine) {
        options.remove("engine");
    }
    options.retain(|k, v| {
        !v.is_empty() && (k == "engine" || CREATE_OPTIONS.contains(&k.as_str())) || {
            errors.push(NormalizeError {
                object: format!("table \"{}\"", t.name),
                message: format!(
                    "table option `{k}` is not known to retort; known: engine, charset, {}",
                    CREATE_OPTIONS.join(", ")
                ),
            });
            false
        }
    });
    // The collation the table's columns inherit.
    let db_default = defaults.database_collation(t.schema.as_deref());
    let effective = collation.clone().or(db_default.map(str::to_string));
    if collation.as_deref() == db_default {
        collation = None;
    }
    for c in &mut t.columns {
        let co = c.collation.as_deref().map(|co| {
            if let Some(cs) = co.strip_prefix(CHARSET_MARK) {
                defaults.charset_collation(cs).unwrap_or_else(|| {
                    errors.push(NormalizeError {
                        object: format!("table \"{}\", column \"{}\"", t.name, c.name),
                        message: format!(
                            "unknown character set `{cs}`: give the column a `collation`"
                        ),
                    });
                    cs.to_string()
                })
            } else if let Some(cs) = co.strip_prefix(BINARY_MARK) {
                let cs = if cs.is_empty() {
                    effective.as_deref().map(charset_of).unwrap_or("utf8mb4")
                } else {
                    cs
                };
                if cs == "binary" {
                    cs.to_string()
                } else {
                    format!("{cs}_bin")
                }
            } else {
                normalize_collation(co)
            }
        });
        c.collation = match co {
            _ if matches!(c.ty, ColumnType::Json) => None,
            Some(co) if !is_textual(&c.ty) => {
                errors.push(NormalizeError {
                    object: format!("table \"{}\", column \"{}\"", t.name, c.name),
                    message: format!(
                        "collation `{co}` on a column that holds no text: only character string types (char, varchar, text, enum, set) have a collation"
                    ),
                });
                None
            }
            Some(co) if Some(&co) == effective.as_ref() => None,
            other => other,
        };
    }
    t.collation = collation;
    t.options = options;
    if !defaults.desc_indexes {
        for ix in &mut t.indexes {
            for p in &mut ix.parts {
                p.desc = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retort_schema::Column;

    #[test]
    fn names() {
        assert_eq!(normalize_collation("UTF8_General_CI"), "utf8mb3_general_ci");
        assert_eq!(normalize_charset("'latin1'"), "latin1");
        assert_eq!(charset_of("latin1_general_cs"), "latin1");
        assert_eq!(charset_of("binary"), "binary");
        assert!(keeps_desc("10.11.19-MariaDB-0+deb12u1"));
        assert!(!keeps_desc("10.6.12-MariaDB"));
        assert!(keeps_desc("8.0.36"));
        assert!(!keeps_desc("5.7.44-log"));
        let custom = |s: &str| ColumnType::Custom { sql: s.into() };
        assert_eq!(
            type_collation(&custom(
                "VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_bin"
            ))
            .as_deref(),
            Some("latin1_bin")
        );
        assert_eq!(
            type_collation(&custom("varchar(128) BINARY")).as_deref(),
            Some("binary:")
        );
        assert_eq!(
            type_collation(&custom("text charset=utf8")).as_deref(),
            Some("charset:utf8mb3")
        );
        assert_eq!(type_collation(&custom("enum('binary','x')")), None);
        assert_eq!(type_collation(&custom("binary(16)")), None);
    }

    #[test]
    fn defaults_are_absent() {
        let mut d = ServerDefaults::offline();
        d.current_database = Some("app".into());
        d.database_collations
            .insert("app".into(), "utf8mb4_general_ci".into());
        let mut a = Column::new("a", ColumnType::Text);
        a.collation = Some("latin1_swedish_ci".into());
        let mut b = Column::new("b", ColumnType::Text);
        b.collation = Some("latin1_bin".into());
        let mut j = Column::new("j", ColumnType::Json);
        j.collation = Some("utf8mb4_bin".into());
        let mut bin = Column::new("bin", ColumnType::Varchar { length: 5 });
        bin.collation = type_collation(&ColumnType::Custom {
            sql: "varchar(5) binary".into(),
        });
        let mut t = Table {
            name: "t".into(),
            columns: vec![a, b, j, bin],
            ..Default::default()
        };
        t.options.insert("CHARSET".into(), "latin1".into());
        t.options.insert("engine".into(), "InnoDB".into());
        t.options.insert("ROW_FORMAT".into(), "DYNAMIC".into());
        let mut errors = Vec::new();
        normalize_table_charset(&mut t, &d, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(t.collation.as_deref(), Some("latin1_swedish_ci"));
        assert_eq!(t.columns[0].collation, None);
        assert_eq!(t.columns[1].collation.as_deref(), Some("latin1_bin"));
        assert_eq!(t.columns[2].collation, None);
        assert_eq!(t.columns[3].collation.as_deref(), Some("latin1_bin"));
        assert_eq!(
            t.options.iter().collect::<Vec<_>>(),
            vec![(&"row_format".to_string(), &"dynamic".to_string())]
        );
        // The database's own default is no table collation.
        let mut u = Table {
            name: "u".into(),
            collation: Some("UTF8MB4_GENERAL_CI".into()),
            ..Default::default()
        };
        normalize_table_charset(&mut u, &d, &mut errors);
        assert_eq!(u.collation, None);
    }
}
