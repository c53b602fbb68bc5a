//! The schema intermediate representation: tables, columns, types and constraints.
//!
//! Every dialect introspects into these types, and the model parser produces them,
//! so the diff compares like with like. Items that the database may name on its own
//! (indexes, constraints) carry `named`: `true` when the user chose the name, so
//! the name takes part in matching; `false` when the item is matched by what it does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A whole desired or live schema: tables and (PostgreSQL) enum types.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Tables, in declaration order.
    pub tables: Vec<Table>,
    /// Named enum types (PostgreSQL `CREATE TYPE ... AS ENUM`); other dialects leave this empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enums: Vec<EnumType>,
    /// Free-standing sequences (PostgreSQL `CREATE SEQUENCE`); a sequence owned by a
    /// column (serial, identity) belongs to that column and is not listed. Other
    /// dialects leave this empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sequences: Vec<Sequence>,
}

impl Schema {
    /// The table with this schema-qualified name, if any.
    ///
    /// A linear search; for many lookups build a [`TableIndex`] once.
    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.iter().find(|t| t.is_named(name))
    }

    /// The sequence with this schema-qualified name, if any.
    pub fn sequence(&self, name: &QualifiedName) -> Option<&Sequence> {
        self.sequences.iter().find(|s| &s.qualified_name() == name)
    }

    /// The enum type with this schema-qualified name, if any.
    pub fn enum_type(&self, name: &QualifiedName) -> Option<&EnumType> {
        self.enums
            .iter()
            .find(|e| e.name == name.name && e.schema == name.schema)
    }
}

/// The tables of a [`Schema`] by schema-qualified name, for many lookups
/// ([`Schema::table`] searches the list each time). Where two tables share a
/// name, the first one counts, as for [`Schema::table`].
#[derive(Debug, Clone, Default)]
pub struct TableIndex<'a> {
    by_name: std::collections::HashMap<(Option<&'a str>, &'a str), &'a Table>,
}

impl<'a> TableIndex<'a> {
    /// Index the tables of `schema`.
    pub fn new(schema: &'a Schema) -> Self {
        let mut by_name = std::collections::HashMap::with_capacity(schema.tables.len());
        for t in &schema.tables {
            by_name
                .entry((t.schema.as_deref(), t.name.as_str()))
                .or_insert(t);
        }
        Self { by_name }
    }

    /// The table with this schema-qualified name, if any.
    pub fn get(&self, name: &QualifiedName) -> Option<&'a Table> {
        self.by_name
            .get(&(name.schema.as_deref(), name.name.as_str()))
            .copied()
    }
}

/// A name with an optional schema (PostgreSQL schema, MySQL database).
/// `schema: None` means the connection's default schema.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QualifiedName {
    /// The schema, or `None` for the default one.
    pub schema: Option<String>,
    /// The object's own name.
    pub name: String,
}

impl QualifiedName {
    /// A name in the default schema.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            schema: None,
            name: name.into(),
        }
    }
}

impl std::fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// One table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Schema, `None` for the default schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Table name as stored in the database.
    pub name: String,
    /// Columns in declaration order.
    pub columns: Vec<Column>,
    /// The primary key, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    /// Unique constraints (not counting unique indexes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uniques: Vec<UniqueConstraint>,
    /// Indexes, unique or not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// Foreign keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// Check constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Table comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The table's default collation where it is not the database's (MySQL
    /// `COLLATE=`; the collation implies the character set). Compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// Dialect table options where they are not the server's defaults, lower-case
    /// names to normalized values (MySQL: `engine`, `row_format`). Compared.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// Model hint: the table's previous name (`renamed_from`). Not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

impl Table {
    /// The schema-qualified name.
    pub fn qualified_name(&self) -> QualifiedName {
        QualifiedName {
            schema: self.schema.clone(),
            name: self.name.clone(),
        }
    }

    /// True when the table has this schema-qualified name.
    pub fn is_named(&self, name: &QualifiedName) -> bool {
        self.name == name.name && self.schema == name.schema
    }

    /// The column with this name, if any.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Column name as stored in the database.
    pub name: String,
    /// The column's type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Server default as an SQL expression, in the dialect's normal form once normalized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Whether the database generates values (SERIAL/IDENTITY, AUTO_INCREMENT, SQLite rowid alias).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auto_increment: bool,
    /// How an auto-increment column generates its values, where the source says
    /// (PostgreSQL: `serial`, `GENERATED BY DEFAULT` or `GENERATED ALWAYS AS
    /// IDENTITY`); `None` leaves it to the dialect. Compared only as far as it
    /// changes behaviour: `Always` against a stated other style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// Column comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The column's collation where it is not the default: on MySQL, not its
    /// table's default collation (a MySQL collation implies its character set, so
    /// none is kept separately); on PostgreSQL, not its type's default; on SQLite,
    /// not `BINARY`. Compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// How the column was spelled where it was read from (a database's catalog),
    /// so that rebuilding it writes the same DDL. Not compared: two spellings
    /// always compare equal.
    #[serde(default, skip_serializing_if = "Spelling::is_empty")]
    pub spelling: Spelling,
    /// Model hint: the column's previous name (`renamed_from`). Not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// Model hint: the SQL expression that fills existing rows when the column
    /// becomes NOT NULL (`backfill`). Not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<String>,
}

impl Column {
    /// A nullable column of this type with no default, comment or hints.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Self {
        Self {
            name: name.into(),
            ty,
            nullable: true,
            default: None,
            auto_increment: false,
            identity: None,
            comment: None,
            collation: None,
            spelling: Spelling::default(),
            renamed_from: None,
            backfill: None,
        }
    }

    /// True when the two columns describe the same database column (hints ignored).
    pub fn same_definition(&self, other: &Column) -> bool {
        self.name == other.name
            && self.ty == other.ty
            && self.nullable == other.nullable
            && self.default == other.default
            && self.auto_increment == other.auto_increment
            && Identity::same_behaviour(self.identity, other.identity)
            && self.comment == other.comment
            && self.collation == other.collation
    }
}

/// Verbatim spellings of a column as a database's catalog reports them (e.g.
/// MySQL `int(11) unsigned`, where the normal form is `int unsigned`). A renderer
/// may write them instead of its own spelling when they still mean the
/// column's normal form. Never compared: `==` between two spellings is always
/// true, so schemas read from two servers compare by meaning only.
#[derive(Debug, Clone, Default, Eq, Serialize, Deserialize)]
pub struct Spelling {
    /// The type as the catalog spells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<String>,
    /// The default as the catalog spells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

impl Spelling {
    /// True when no spelling is kept.
    pub fn is_empty(&self) -> bool {
        self.ty.is_none() && self.default.is_none()
    }
}

impl PartialEq for Spelling {
    fn eq(&self, _other: &Spelling) -> bool {
        true
    }
}

impl std::hash::Hash for Spelling {
    fn hash<H: std::hash::Hasher>(&self, _state: &mut H) {}
}

/// How an auto-increment column generates values (PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// `serial`/`bigserial`: a sequence the column owns and a `nextval` default.
    Serial,
    /// `GENERATED BY DEFAULT AS IDENTITY`.
    ByDefault,
    /// `GENERATED ALWAYS AS IDENTITY`: explicit values are refused.
    Always,
}

impl Identity {
    /// Whether two styles behave alike: serial and `BY DEFAULT` accept explicit
    /// values, `ALWAYS` does not; an unstated style (`None`) matches any.
    pub fn same_behaviour(a: Option<Identity>, b: Option<Identity>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a == Identity::Always) == (b == Identity::Always),
            _ => true,
        }
    }
}

/// A column type, dialect-neutral where possible.
///
/// Models produce the logical variants; each dialect maps them to what it stores
/// and introspection maps back, so that after normalization both sides agree.
/// Anything else is kept verbatim in [`ColumnType::Custom`] (normalized spelling).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ColumnType {
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// Boolean.
    Boolean,
    /// 32-bit float.
    Real,
    /// 64-bit float.
    Double,
    /// Unbounded text.
    Text,
    /// Text of at most `length` characters.
    Varchar {
        /// Maximum length in characters.
        length: u32,
    },
    /// Binary data.
    Blob,
    /// Calendar date.
    Date,
    /// Time of day.
    Time,
    /// Date and time without time zone.
    Timestamp,
    /// Date and time with time zone (UTC instant).
    TimestampTz,
    /// UUID.
    Uuid,
    /// JSON document.
    Json,
    /// Exact decimal number.
    Decimal {
        /// Total digits.
        precision: u32,
        /// Digits after the point.
        scale: u32,
    },
    /// An enumeration: a PostgreSQL enum type, a MySQL ENUM, a CHECKed TEXT on SQLite.
    Enum {
        /// Type name (PostgreSQL type name; informative elsewhere).
        name: String,
        /// Schema of the PostgreSQL type, `None` for the default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        schema: Option<String>,
        /// The values, in order.
        values: Vec<String>,
    },
    /// Any other type, spelled as the dialect spells it (normalized: lower case,
    /// single spaces), e.g. `inet`, `text[]`, `mediumtext`.
    Custom {
        /// The SQL type text.
        sql: String,
    },
}

/// A (possibly composite) primary key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    /// Constraint name where the dialect keeps one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Column names in key order.
    pub columns: Vec<String>,
}

/// A unique constraint over columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniqueConstraint {
    /// Constraint name.
    pub name: String,
    /// True when the user chose the name; it then takes part in matching.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub named: bool,
    /// Column names in order.
    pub columns: Vec<String>,
}

/// What an index key part indexes: a column or an expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexKey {
    /// A plain column.
    Column(String),
    /// An SQL expression (normalized by the dialect).
    Expression(String),
}

/// Where NULLs sort in an index key part (PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NullsOrder {
    /// `NULLS FIRST`.
    First,
    /// `NULLS LAST`.
    Last,
}

/// One key part of an index: a column or an expression, with its options.
///
/// Options at their defaults are absent in normal form: ascending order, the
/// dialect's NULL placement for the direction, the default operator class for the
/// type, the column's (or expression's) own collation. Serialized flat:
/// `{"column": "x"}`, `{"column": "x", "desc": true}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IndexPart {
    /// The column or expression.
    #[serde(flatten)]
    pub key: IndexKey,
    /// Descending order.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub desc: bool,
    /// NULL placement where it is not the default for the direction (PostgreSQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls: Option<NullsOrder>,
    /// Operator class where it is not the type's default (PostgreSQL, e.g. `text_pattern_ops`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opclass: Option<String>,
    /// Collation where it is not the column's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

impl IndexPart {
    /// An ascending column part with no options.
    pub fn column(name: impl Into<String>) -> Self {
        Self::with_key(IndexKey::Column(name.into()))
    }

    /// An ascending expression part with no options.
    pub fn expression(sql: impl Into<String>) -> Self {
        Self::with_key(IndexKey::Expression(sql.into()))
    }

    /// A part with this key and no options.
    pub fn with_key(key: IndexKey) -> Self {
        Self {
            key,
            desc: false,
            nulls: None,
            opclass: None,
            collation: None,
        }
    }

    /// This part in descending order.
    pub fn descending(mut self) -> Self {
        self.desc = true;
        self
    }

    /// The column name when the part is a plain column.
    pub fn column_name(&self) -> Option<&str> {
        match &self.key {
            IndexKey::Column(c) => Some(c),
            IndexKey::Expression(_) => None,
        }
    }

    /// The expression when the part is an expression.
    pub fn expression_sql(&self) -> Option<&str> {
        match &self.key {
            IndexKey::Column(_) => None,
            IndexKey::Expression(e) => Some(e),
        }
    }

    /// True when the part has no options (ascending, defaults).
    pub fn is_plain(&self) -> bool {
        !self.desc && self.nulls.is_none() && self.opclass.is_none() && self.collation.is_none()
    }
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// Index name.
    pub name: String,
    /// True when the user chose the name; it then takes part in matching.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub named: bool,
    /// Key parts in order.
    pub parts: Vec<IndexPart>,
    /// Unique index.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique: bool,
    /// Partial index predicate (`WHERE ...`), normalized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// Access method where it is not the default (PostgreSQL `gin`, `hash`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

impl Index {
    /// The column names of the key when it has no expressions.
    pub fn column_names(&self) -> Option<Vec<&str>> {
        self.parts.iter().map(IndexPart::column_name).collect()
    }
}

/// What a foreign key does when the referenced row changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    /// NO ACTION (the default).
    #[default]
    NoAction,
    /// RESTRICT.
    Restrict,
    /// CASCADE.
    Cascade,
    /// SET NULL.
    SetNull,
    /// SET DEFAULT.
    SetDefault,
}

impl FkAction {
    /// The SQL spelling.
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }

    /// Parse a model attribute or catalog spelling (`cascade`, `SET NULL`, `set_null`, `a`/`c`/`n`/`r`/`d` PostgreSQL codes).
    pub fn parse(s: &str) -> Option<FkAction> {
        let norm = s.trim().to_ascii_lowercase().replace(['_', '-'], " ");
        Some(match norm.as_str() {
            "no action" | "noaction" | "a" => FkAction::NoAction,
            "restrict" | "r" => FkAction::Restrict,
            "cascade" | "c" => FkAction::Cascade,
            "set null" | "setnull" | "n" => FkAction::SetNull,
            "set default" | "setdefault" | "d" => FkAction::SetDefault,
            _ => return None,
        })
    }
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Constraint name.
    pub name: String,
    /// True when the user chose the name; it then takes part in matching.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub named: bool,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub ref_table: QualifiedName,
    /// Referenced columns.
    pub ref_columns: Vec<String>,
    /// ON DELETE action.
    #[serde(default)]
    pub on_delete: FkAction,
    /// ON UPDATE action.
    #[serde(default)]
    pub on_update: FkAction,
    /// DEFERRABLE INITIALLY DEFERRED (PostgreSQL).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Constraint name.
    pub name: String,
    /// True when the user chose the name; it then takes part in matching.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub named: bool,
    /// The boolean SQL expression (normalized by the dialect).
    pub expr: String,
}

/// A free-standing sequence (PostgreSQL), with every setting as the catalog keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    /// Schema, `None` for the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Sequence name.
    pub name: String,
    /// Value type (`smallint`, `integer`, `bigint`).
    pub data_type: String,
    /// First value.
    pub start: i64,
    /// Step.
    pub increment: i64,
    /// Smallest value.
    pub min_value: i64,
    /// Largest value.
    pub max_value: i64,
    /// Values handed out per session at a time.
    pub cache: i64,
    /// Whether it wraps around at the end.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cycle: bool,
}

impl Sequence {
    /// The schema-qualified name.
    pub fn qualified_name(&self) -> QualifiedName {
        QualifiedName {
            schema: self.schema.clone(),
            name: self.name.clone(),
        }
    }
}

/// A named enum type (PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumType {
    /// Schema, `None` for the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Type name.
    pub name: String,
    /// Values in order.
    pub values: Vec<String>,
}

impl EnumType {
    /// The schema-qualified name.
    pub fn qualified_name(&self) -> QualifiedName {
        QualifiedName {
            schema: self.schema.clone(),
            name: self.name.clone(),
        }
    }
}
