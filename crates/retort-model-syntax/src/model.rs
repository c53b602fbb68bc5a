//! From a `#[derive(Model)]` struct to a table, and from a `#[derive(DbEnum)]`
//! enum to an enum type.
//!
//! [`parse_model`] and [`parse_db_enum`] are the entry points both the derive
//! and the scanner use. They report every mistake of an item at once, each with
//! the span of the offending attribute, value or type.

use proc_macro2::{Span, TokenStream};
use retort_schema::{
    Check, Column, ColumnType, FkAction, ForeignKey, Index, IndexKey, IndexPart, NullsOrder,
    PrimaryKey, QualifiedName, Table, UniqueConstraint, naming,
};
use syn::spanned::Spanned as _;
use syn::{Fields, Ident, ItemEnum, ItemStruct};

use crate::attr::{self, Entry, Errors, Seen, Spanned};
use crate::case::snake_case;
use crate::diagnostic::ModelError;
use crate::suggest::closest;
use crate::types::{TypeKind, map_type, shown};

/// The attributes `#[model(...)]` accepts on a `#[derive(Model)]` struct.
pub const STRUCT_KEYS: &[&str] = &[
    "table",
    "schema",
    "renamed_from",
    "comment",
    "index",
    "unique",
    "check",
    "primary_key",
    "collation",
    "charset",
    "engine",
    "row_format",
];

/// The attributes `#[model(...)]` accepts on a field of a `#[derive(Model)]` struct.
pub const FIELD_KEYS: &[&str] = &[
    "primary_key",
    "auto_increment",
    "unique",
    "index",
    "max_length",
    "precision",
    "scale",
    "sql_type",
    "nullable",
    "not_null",
    "server_default",
    "references",
    "on_delete",
    "on_update",
    "column",
    "renamed_from",
    "backfill",
    "comment",
    "collation",
    "skip",
];

/// The attributes `#[model(...)]` accepts on a `#[derive(DbEnum)]` enum.
pub const ENUM_KEYS: &[&str] = &["name", "schema"];

/// The attributes `#[model(...)]` accepts on a variant of a `#[derive(DbEnum)]` enum.
pub const VARIANT_KEYS: &[&str] = &["rename"];

/// One parsed `#[derive(Model)]` struct.
#[derive(Debug, Clone)]
pub struct ModelDef {
    /// The struct's name.
    pub ident: Ident,
    /// The table. Columns listed in [`ModelDef::externals`] hold a placeholder
    /// type until [`ModelDef::resolve`] (scanner) or the compiler (derive) fills it.
    pub table: Table,
    /// Columns whose Rust type the mapping does not know (DbEnums, or mistakes).
    pub externals: Vec<ExternalColumn>,
    /// The span of each column's field, by column index.
    pub column_spans: Vec<Span>,
}

/// A column whose type the parser leaves to whoever can resolve Rust types.
#[derive(Debug, Clone)]
pub struct ExternalColumn {
    /// Index into the table's columns.
    pub column: usize,
    /// The field's type inside any `Option`, as written.
    pub tokens: TokenStream,
    /// The last segment of the type's path (`Status` for `crate::Status`).
    pub type_name: String,
    /// The field's name.
    pub field: String,
    /// Where the type is written.
    pub span: Span,
}

impl ModelDef {
    /// Fill the external columns' types with `lookup(type_name)`; each type it
    /// does not know becomes an error that suggests `sql_type` or `skip`.
    pub fn resolve(&mut self, lookup: impl Fn(&str) -> Option<ColumnType>) -> Vec<ModelError> {
        let mut errors = Vec::new();
        for ext in &self.externals {
            match lookup(&ext.type_name) {
                Some(ty) => self.table.columns[ext.column].ty = ty,
                None => errors.push(unmappable(&ext.field, &ext.type_name, ext.span, true)),
            }
        }
        if errors.is_empty() {
            self.externals.clear();
        }
        errors
    }
}

pub(crate) fn unmappable(field: &str, ty: &str, span: Span, maybe_enum: bool) -> ModelError {
    let mut help = "give the column type with `#[model(sql_type = \"...\")]`, or mark the field `#[model(skip)]` if it is not a column".to_string();
    if maybe_enum {
        help.push_str(&format!(
            "; if `{ty}` is a fieldless enum, add `#[derive(DbEnum)]` to it"
        ));
    }
    ModelError::new(
        span,
        format!("field `{field}` has type `{ty}`, which retort cannot map to a column type"),
    )
    .with_help(help)
}

/// One parsed `#[derive(DbEnum)]` enum.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// The enum's name.
    pub ident: Ident,
    /// The database type name.
    pub name: String,
    /// The schema of the (PostgreSQL) type, `None` for the default.
    pub schema: Option<String>,
    /// The values, in variant order.
    pub values: Vec<String>,
}

impl EnumDef {
    /// The column type of a field of this enum.
    pub fn column_type(&self) -> ColumnType {
        ColumnType::Enum {
            name: self.name.clone(),
            schema: self.schema.clone(),
            values: self.values.clone(),
        }
    }
}

/// Parse a `#[derive(DbEnum)]` enum.
pub fn parse_db_enum(item: &ItemEnum) -> Result<EnumDef, Vec<ModelError>> {
    let mut errors = Errors::default();
    let mut seen = Seen::default();
    let mut name = None;
    let mut schema = None;
    for e in attr::entries(&item.attrs, &mut errors) {
        if !ENUM_KEYS.contains(&e.key.as_str()) {
            attr::unknown(
                &e,
                "enum",
                ENUM_KEYS,
                &[("variant", VARIANT_KEYS)],
                &mut errors,
            );
            continue;
        }
        if !seen.first(&e, &mut errors) {
            continue;
        }
        match e.key.as_str() {
            "name" => name = attr::name(&e, &mut errors),
            _ => schema = attr::name(&e, &mut errors),
        }
    }
    if !item.generics.params.is_empty() {
        errors.at(item.generics.span(), "a DbEnum can't be generic");
    }
    let mut values: Vec<String> = Vec::new();
    for variant in &item.variants {
        if !matches!(variant.fields, Fields::Unit) {
            errors.help(
                variant.fields.span(),
                format!("DbEnum variant `{}` has fields", variant.ident),
                "a DbEnum maps to a list of names: use fieldless variants",
            );
        }
        let mut rename = None;
        let mut vseen = Seen::default();
        for e in attr::entries(&variant.attrs, &mut errors) {
            if !VARIANT_KEYS.contains(&e.key.as_str()) {
                attr::unknown(
                    &e,
                    "variant",
                    VARIANT_KEYS,
                    &[("enum", ENUM_KEYS)],
                    &mut errors,
                );
                continue;
            }
            if vseen.first(&e, &mut errors) {
                rename = attr::name(&e, &mut errors);
            }
        }
        let value = rename
            .map(|r| r.value)
            .unwrap_or_else(|| snake_case(&variant.ident.to_string()));
        if values.contains(&value) {
            errors.help(
                variant.ident.span(),
                format!("two variants map to the value `{value}`"),
                "give one of them `#[model(rename = \"..\")]`",
            );
        }
        values.push(value);
    }
    if item.variants.is_empty() {
        errors.at(item.ident.span(), "a DbEnum needs at least one variant");
    }
    if !errors.0.is_empty() {
        return Err(errors.0);
    }
    Ok(EnumDef {
        ident: item.ident.clone(),
        name: name
            .map(|n| n.value)
            .unwrap_or_else(|| snake_case(&item.ident.to_string())),
        schema: schema.map(|s| s.value),
        values,
    })
}

/// `index(...)`, `unique(...)`, `check(...)` or `primary_key(...)` on a struct.
#[derive(Clone)]
struct ListAttr {
    name: Option<Spanned<String>>,
    columns: Vec<Spanned<String>>,
    unique: bool,
    expr: Option<Spanned<String>>,
    /// `index(exprs = [..])`: expression key parts.
    exprs: Vec<Spanned<String>>,
    /// `index(where = "..")`: the partial index predicate.
    predicate: Option<Spanned<String>>,
    /// `index(method = "..")`: the access method.
    method: Option<Spanned<String>>,
}

#[derive(Default)]
struct StructAttrs {
    table: Option<Spanned<String>>,
    schema: Option<Spanned<String>>,
    renamed_from: Option<Spanned<String>>,
    comment: Option<Spanned<String>>,
    collation: Option<Spanned<String>>,
    charset: Option<Spanned<String>>,
    engine: Option<Spanned<String>>,
    row_format: Option<Spanned<String>>,
    indexes: Vec<ListAttr>,
    uniques: Vec<ListAttr>,
    checks: Vec<ListAttr>,
    primary_key: Option<ListAttr>,
}

fn struct_attrs(item: &ItemStruct, errors: &mut Errors) -> StructAttrs {
    let mut out = StructAttrs::default();
    let mut seen = Seen::default();
    for e in attr::entries(&item.attrs, errors) {
        let key = e.key.as_str();
        if !STRUCT_KEYS.contains(&key) {
            attr::unknown(&e, "struct", STRUCT_KEYS, &[("field", FIELD_KEYS)], errors);
            continue;
        }
        let repeatable = matches!(key, "index" | "unique" | "check");
        if !repeatable && !seen.first(&e, errors) {
            continue;
        }
        match key {
            "table" => out.table = attr::name(&e, errors),
            "schema" => out.schema = attr::name(&e, errors),
            "renamed_from" => out.renamed_from = attr::name(&e, errors),
            "comment" => out.comment = attr::string(&e, errors),
            "collation" => out.collation = attr::name(&e, errors),
            "charset" => out.charset = attr::name(&e, errors),
            "engine" => out.engine = attr::name(&e, errors),
            "row_format" => out.row_format = attr::name(&e, errors),
            "index" => {
                if let Some(l) = list_attr(
                    &e,
                    &[
                        "name", "columns", "expr", "exprs", "unique", "where", "method",
                    ],
                    errors,
                ) {
                    out.indexes.push(l);
                }
            }
            "unique" => {
                if let Some(l) = list_attr(&e, &["name", "columns"], errors) {
                    out.uniques.push(l);
                }
            }
            "check" => {
                if let Some(l) = list_attr(&e, &["name", "expr"], errors) {
                    out.checks.push(l);
                }
            }
            _ => out.primary_key = list_attr(&e, &["name", "columns"], errors),
        }
    }
    out
}

/// One entry of `index(exprs = [..])`: an SQL expression, optionally followed by
/// `asc` or `desc` and `nulls first` or `nulls last` (case-insensitive).
fn index_expression(spec: &str) -> IndexPart {
    let mut rest = spec.trim();
    let mut nulls = None;
    let mut desc = false;
    let ends_with = |s: &str, tail: &str| {
        s.len() > tail.len()
            && s[s.len() - tail.len()..].eq_ignore_ascii_case(tail)
            && s[..s.len() - tail.len()].ends_with(char::is_whitespace)
    };
    for (tail, order) in [
        ("nulls first", NullsOrder::First),
        ("nulls last", NullsOrder::Last),
    ] {
        if ends_with(rest, tail) {
            nulls = Some(order);
            rest = rest[..rest.len() - tail.len()].trim_end();
            break;
        }
    }
    for tail in ["asc", "desc"] {
        if ends_with(rest, tail) {
            desc = tail == "desc";
            rest = rest[..rest.len() - tail.len()].trim_end();
            break;
        }
    }
    IndexPart {
        desc,
        nulls,
        ..IndexPart::expression(rest)
    }
}

/// One entry of `index(columns = [..])`: a column name, optionally followed by
/// `asc` or `desc` and `nulls first` or `nulls last` (case-insensitive).
fn index_column(spec: &str) -> Result<(String, IndexPart), String> {
    let words: Vec<&str> = spec.split_whitespace().collect();
    let Some((name, rest)) = words.split_first() else {
        return Err("an index column is empty".into());
    };
    let mut part = IndexPart::column(*name);
    let lower: Vec<String> = rest.iter().map(|w| w.to_ascii_lowercase()).collect();
    let mut i = 0;
    if let Some(dir) = lower.first().map(String::as_str)
        && (dir == "asc" || dir == "desc")
    {
        part.desc = dir == "desc";
        i = 1;
    }
    match lower[i..]
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => {}
        ["nulls", "first"] => part.nulls = Some(NullsOrder::First),
        ["nulls", "last"] => part.nulls = Some(NullsOrder::Last),
        _ => {
            return Err(format!(
                "cannot read index column `{spec}`: expected a column name, then `asc` or `desc`, then `nulls first` or `nulls last`"
            ));
        }
    }
    Ok(((*name).to_string(), part))
}

fn list_attr(e: &Entry, keys: &[&str], errors: &mut Errors) -> Option<ListAttr> {
    let example = match e.key.as_str() {
        "check" => "check(expr = \"price > 0\")",
        "primary_key" => "primary_key(columns = [\"a\", \"b\"])",
        "unique" => "unique(columns = [\"a\", \"b\"])",
        _ => "index(columns = [\"a\", \"b\"])",
    };
    let items = attr::list(e, example, errors)?;
    let mut out = ListAttr {
        name: None,
        columns: Vec::new(),
        unique: false,
        expr: None,
        exprs: Vec::new(),
        predicate: None,
        method: None,
    };
    let mut seen = Seen::default();
    let mut ok = true;
    for item in items {
        if !keys.contains(&item.key.as_str()) {
            attr::unknown(item, &format!("`{}(...)`", e.key), keys, &[], errors);
            ok = false;
            continue;
        }
        if !seen.first(item, errors) {
            ok = false;
            continue;
        }
        let good = match item.key.as_str() {
            "name" => {
                out.name = attr::name(item, errors);
                out.name.is_some()
            }
            "columns" => attr::strings(item, errors)
                .map(|c| out.columns = c)
                .is_some(),
            "unique" => attr::flag(item, errors).map(|u| out.unique = u).is_some(),
            "exprs" => attr::strings(item, errors).map(|c| out.exprs = c).is_some(),
            "where" => {
                out.predicate = attr::name(item, errors);
                out.predicate.is_some()
            }
            "method" => {
                out.method = attr::name(item, errors);
                out.method.is_some()
            }
            _ => {
                out.expr = attr::name(item, errors);
                out.expr.is_some()
            }
        };
        ok &= good;
    }
    if !ok {
        return None;
    }
    if e.key == "index" {
        // `expr = ".."` is a key of one expression, `exprs = [..]` of several
        if let Some(x) = out.expr.take() {
            if out.exprs.is_empty() {
                out.exprs.push(x);
            } else {
                errors.help(
                    x.span,
                    "`index(...)` takes `expr` or `exprs`, not both",
                    "list every expression in `exprs = [..]`",
                );
                return None;
            }
        }
        match (out.columns.is_empty(), out.exprs.is_empty()) {
            (true, true) => {
                errors.help(
                    e.span,
                    "`index(...)` needs `columns`, `expr` or `exprs`",
                    "write e.g. `index(columns = [\"a\", \"b\"])` or `index(expr = \"lower(email)\")`",
                );
                return None;
            }
            (false, false) => {
                errors.help(
                    out.exprs[0].span,
                    "`index(...)` takes `columns` or expressions, not both",
                    "list the columns among the expressions, in key order: `exprs = [\"lower(email)\", \"created_at\"]`",
                );
                return None;
            }
            _ => {}
        }
        return Some(out);
    }
    if e.key == "check" {
        if out.expr.is_none() {
            errors.help(
                e.span,
                "`check(...)` needs an `expr`",
                "write e.g. `check(expr = \"price > 0\")`",
            );
            return None;
        }
    } else if out.columns.is_empty() {
        errors.help(
            e.span,
            format!("`{}(...)` needs `columns`", e.key),
            format!("write e.g. `{example}`"),
        );
        return None;
    }
    Some(out)
}

#[derive(Default)]
struct FieldAttrs {
    given: Vec<(String, Span)>,
    primary_key: bool,
    auto_increment: Option<Spanned<bool>>,
    unique: bool,
    index: bool,
    max_length: Option<Spanned<u32>>,
    precision: Option<Spanned<u32>>,
    scale: Option<Spanned<u32>>,
    sql_type: Option<Spanned<String>>,
    nullable: Option<Spanned<bool>>,
    not_null: Option<Spanned<bool>>,
    server_default: Option<Spanned<String>>,
    references: Option<Spanned<String>>,
    on_delete: Option<Spanned<String>>,
    on_update: Option<Spanned<String>>,
    column: Option<Spanned<String>>,
    renamed_from: Option<Spanned<String>>,
    backfill: Option<Spanned<String>>,
    comment: Option<Spanned<String>>,
    collation: Option<Spanned<String>>,
    skip: bool,
}

fn field_attrs(field: &syn::Field, errors: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    let mut seen = Seen::default();
    for e in attr::entries(&field.attrs, errors) {
        let key = e.key.as_str();
        if !FIELD_KEYS.contains(&key) {
            attr::unknown(&e, "field", FIELD_KEYS, &[("struct", STRUCT_KEYS)], errors);
            continue;
        }
        if !seen.first(&e, errors) {
            continue;
        }
        out.given.push((e.key.clone(), e.span));
        let spanned_flag = |e: &Entry, errors: &mut Errors| {
            attr::flag(e, errors).map(|v| Spanned {
                value: v,
                span: e.span,
            })
        };
        match key {
            "primary_key" => out.primary_key = attr::flag(&e, errors).unwrap_or(false),
            "auto_increment" => out.auto_increment = spanned_flag(&e, errors),
            "unique" => out.unique = attr::flag(&e, errors).unwrap_or(false),
            "index" => out.index = attr::flag(&e, errors).unwrap_or(false),
            "max_length" => out.max_length = attr::positive(&e, errors),
            "precision" => out.precision = attr::positive(&e, errors),
            "scale" => out.scale = attr::non_negative(&e, errors),
            "sql_type" => out.sql_type = attr::name(&e, errors),
            "nullable" => out.nullable = spanned_flag(&e, errors),
            "not_null" => out.not_null = spanned_flag(&e, errors),
            "server_default" => out.server_default = attr::name(&e, errors),
            "references" => out.references = attr::name(&e, errors),
            "on_delete" => out.on_delete = attr::name(&e, errors),
            "on_update" => out.on_update = attr::name(&e, errors),
            "column" => out.column = attr::name(&e, errors),
            "renamed_from" => out.renamed_from = attr::name(&e, errors),
            "backfill" => out.backfill = attr::name(&e, errors),
            "comment" => out.comment = attr::string(&e, errors),
            "collation" => out.collation = attr::name(&e, errors),
            _ => out.skip = attr::flag(&e, errors).unwrap_or(false),
        }
    }
    if out.skip {
        for (key, span) in &out.given {
            if key != "skip" {
                errors.at(*span, format!("`{key}` has no effect on a skipped field"));
            }
        }
    }
    if let (Some(n), Some(_)) = (&out.nullable, &out.not_null) {
        errors.help(
            n.span,
            "`nullable` and `not_null` contradict each other",
            "keep one of them",
        );
    }
    out
}

/// A foreign-key action named by `on_delete`/`on_update`.
fn fk_action(value: &Option<Spanned<String>>, errors: &mut Errors) -> FkAction {
    let Some(v) = value else {
        return FkAction::NoAction;
    };
    FkAction::parse(&v.value).unwrap_or_else(|| {
        errors.help(
            v.span,
            format!("unknown foreign key action `{}`", v.value),
            "use one of: cascade, restrict, set null, set default, no action",
        );
        FkAction::NoAction
    })
}

/// `table.column` or `schema.table.column`.
fn parse_reference(r: &Spanned<String>, errors: &mut Errors) -> Option<(QualifiedName, String)> {
    let parts: Vec<&str> = r.value.split('.').map(str::trim).collect();
    if parts.iter().all(|p| !p.is_empty()) {
        match parts.as_slice() {
            [table, column] => return Some((QualifiedName::new(*table), column.to_string())),
            [schema, table, column] => {
                return Some((
                    QualifiedName {
                        schema: Some(schema.to_string()),
                        name: table.to_string(),
                    },
                    column.to_string(),
                ));
            }
            _ => {}
        }
    }
    errors.help(
        r.span,
        format!("`references = \"{}\"` does not name a column", r.value),
        "write `references = \"table.column\"` or `references = \"schema.table.column\"`",
    );
    None
}

/// Collapse whitespace and lower-case everything outside quotes, the normal
/// spelling of [`ColumnType::Custom`].
fn normalize_sql_type(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut space = false;
    for c in sql.trim().chars() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c.is_whitespace() => space = true,
            None => {
                if space {
                    out.push(' ');
                    space = false;
                }
                if c == '\'' || c == '"' || c == '`' {
                    quote = Some(c);
                }
                out.extend(c.to_lowercase());
            }
        }
    }
    out
}

/// Looks up the column type of a Rust type the mapping does not know, by the
/// last segment of its path.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<ColumnType>;

/// Parse a `#[derive(Model)]` struct into a table. Columns of types the mapping
/// does not know are left in [`ModelDef::externals`].
pub fn parse_model(item: &ItemStruct) -> Result<ModelDef, Vec<ModelError>> {
    parse_model_with(item, None)
}

/// Parse a `#[derive(Model)]` struct, resolving types the mapping does not know
/// with `lookup` when one is given; each type it does not know is an error
/// among the struct's other errors.
pub fn parse_model_with(
    item: &ItemStruct,
    lookup: Option<Lookup<'_>>,
) -> Result<ModelDef, Vec<ModelError>> {
    let (model, errors) = parse_model_lenient(item, lookup);
    if errors.is_empty() {
        Ok(model)
    } else {
        Err(errors)
    }
}

/// Parse a `#[derive(Model)]` struct as far as it goes: the table from what is
/// well-formed (placeholders elsewhere), and every error. The scanner uses the
/// partial table's name to tell a reference to a broken model from a reference
/// to a missing one.
pub fn parse_model_lenient(
    item: &ItemStruct,
    lookup: Option<Lookup<'_>>,
) -> (ModelDef, Vec<ModelError>) {
    let mut errors = Errors::default();
    let sattrs = struct_attrs(item, &mut errors);
    let table_name = sattrs
        .table
        .as_ref()
        .map(|t| t.value.clone())
        .unwrap_or_else(|| snake_case(&item.ident.to_string()));
    let fields = match &item.fields {
        Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
        _ => {
            errors.help(
                item.ident.span(),
                format!("`{}` has no named fields", item.ident),
                "derive(Model) maps each named field to a column",
            );
            Vec::new()
        }
    };

    let mut columns: Vec<Column> = Vec::new();
    let mut column_spans = Vec::new();
    let mut externals = Vec::new();
    let mut field_names: Vec<(String, String)> = Vec::new(); // (field, column)
    let mut pk_fields: Vec<(usize, Span)> = Vec::new();
    let mut auto_inc: Vec<(usize, Option<Spanned<bool>>)> = Vec::new();
    let mut uniques = Vec::new();
    let mut indexes = Vec::new();
    let mut foreign_keys = Vec::new();

    for field in fields {
        let Some(ident) = &field.ident else { continue };
        let fattrs = field_attrs(field, &mut errors);
        if fattrs.skip {
            continue;
        }
        let field_name = ident.to_string();
        let field_name = field_name
            .strip_prefix("r#")
            .unwrap_or(&field_name)
            .to_string();
        let col_name = fattrs
            .column
            .as_ref()
            .map(|c| c.value.clone())
            .unwrap_or_else(|| field_name.clone());
        if columns.iter().any(|c| c.name == col_name) {
            errors.help(
                ident.span(),
                format!("column `{col_name}` is declared twice in `{}`", item.ident),
                "rename one field or give it `column = \"..\"`",
            );
        }
        let index = columns.len();
        let mapped = map_type(&field.ty);
        let ty_span = field.ty.span();
        let wrong_for_type =
            |attr: &Option<Spanned<u32>>, key: &str, applies: &str, errors: &mut Errors| {
                if let Some(a) = attr {
                    errors.at(
                        a.span,
                        format!(
                            "`{key}` applies to {applies} fields, not to `{}`",
                            shown(&field.ty)
                        ),
                    );
                }
            };
        let ty = if let Some(sql) = &fattrs.sql_type {
            for (a, key) in [
                (&fattrs.max_length, "max_length"),
                (&fattrs.precision, "precision"),
                (&fattrs.scale, "scale"),
            ] {
                if let Some(a) = a {
                    errors.help(
                        a.span,
                        format!("`{key}` has no effect with `sql_type`"),
                        format!(
                            "write the full type in `sql_type`, e.g. `sql_type = \"{}\"`",
                            "varchar(20)"
                        ),
                    );
                }
            }
            ColumnType::Custom {
                sql: normalize_sql_type(&sql.value),
            }
        } else {
            match mapped.kind {
                TypeKind::Known(t) => {
                    wrong_for_type(&fattrs.max_length, "max_length", "String", &mut errors);
                    wrong_for_type(&fattrs.precision, "precision", "Decimal", &mut errors);
                    wrong_for_type(&fattrs.scale, "scale", "Decimal", &mut errors);
                    t
                }
                TypeKind::String => {
                    wrong_for_type(&fattrs.precision, "precision", "Decimal", &mut errors);
                    wrong_for_type(&fattrs.scale, "scale", "Decimal", &mut errors);
                    match &fattrs.max_length {
                        Some(n) => ColumnType::Varchar { length: n.value },
                        None => ColumnType::Text,
                    }
                }
                TypeKind::Decimal => {
                    wrong_for_type(&fattrs.max_length, "max_length", "String", &mut errors);
                    match (&fattrs.precision, &fattrs.scale) {
                        (Some(p), Some(s)) => {
                            if s.value > p.value {
                                errors.at(
                                    s.span,
                                    format!(
                                        "`scale` ({}) is larger than `precision` ({})",
                                        s.value, p.value
                                    ),
                                );
                            }
                            ColumnType::Decimal {
                                precision: p.value,
                                scale: s.value,
                            }
                        }
                        _ => {
                            errors.help(
                                ty_span,
                                format!(
                                    "Decimal field `{field_name}` needs `precision` and `scale`"
                                ),
                                "write e.g. `#[model(precision = 12, scale = 2)]`",
                            );
                            ColumnType::Custom { sql: String::new() }
                        }
                    }
                }
                TypeKind::External { tokens, name } => {
                    wrong_for_type(&fattrs.max_length, "max_length", "String", &mut errors);
                    wrong_for_type(&fattrs.precision, "precision", "Decimal", &mut errors);
                    wrong_for_type(&fattrs.scale, "scale", "Decimal", &mut errors);
                    match lookup {
                        Some(lookup) => lookup(&name).unwrap_or_else(|| {
                            errors.push(unmappable(&field_name, &name, ty_span, true));
                            ColumnType::Custom { sql: String::new() }
                        }),
                        None => {
                            externals.push(ExternalColumn {
                                column: index,
                                tokens,
                                type_name: name,
                                field: field_name.clone(),
                                span: ty_span,
                            });
                            ColumnType::Custom { sql: String::new() }
                        }
                    }
                }
                TypeKind::Unsupported { shown } => {
                    errors.push(unmappable(&field_name, &shown, ty_span, false));
                    ColumnType::Custom { sql: String::new() }
                }
            }
        };
        let nullable = match (&fattrs.nullable, &fattrs.not_null) {
            (Some(n), _) => n.value,
            (None, Some(nn)) => !nn.value,
            (None, None) => mapped.nullable,
        };
        if fattrs.primary_key {
            if nullable {
                errors.help(
                    ident.span(),
                    format!("primary key field `{field_name}` is nullable"),
                    "a primary key column can't be NULL: drop the `Option` or `nullable`",
                );
            }
            pk_fields.push((index, ident.span()));
        }
        auto_inc.push((index, fattrs.auto_increment.clone()));
        if let Some(r) = &fattrs.references {
            if let Some((ref_table, ref_col)) = parse_reference(r, &mut errors) {
                let cols = vec![col_name.clone()];
                foreign_keys.push(ForeignKey {
                    name: naming::foreign_key(&table_name, &cols, &ref_table.name),
                    named: false,
                    columns: cols,
                    ref_table,
                    ref_columns: vec![ref_col],
                    on_delete: fk_action(&fattrs.on_delete, &mut errors),
                    on_update: fk_action(&fattrs.on_update, &mut errors),
                    deferrable: false,
                });
            }
        } else {
            for (a, key) in [
                (&fattrs.on_delete, "on_delete"),
                (&fattrs.on_update, "on_update"),
            ] {
                if let Some(a) = a {
                    errors.help(
                        a.span,
                        format!("`{key}` needs `references`"),
                        "write e.g. `#[model(references = \"users.id\", on_delete = \"cascade\")]`",
                    );
                }
            }
        }
        if fattrs.unique {
            let cols = vec![col_name.clone()];
            uniques.push(UniqueConstraint {
                name: naming::unique(&table_name, &cols),
                named: false,
                columns: cols,
            });
        }
        if fattrs.index {
            let parts = vec![IndexPart::column(col_name.clone())];
            indexes.push(Index {
                name: naming::index(&table_name, &parts),
                named: false,
                parts,
                unique: false,
                predicate: None,
                method: None,
            });
        }
        columns.push(Column {
            name: col_name.clone(),
            ty,
            nullable,
            default: fattrs.server_default.map(|d| d.value.trim().to_string()),
            auto_increment: false,
            identity: None,
            comment: fattrs.comment.map(|c| c.value),
            collation: fattrs.collation.map(|c| c.value),
            spelling: Default::default(),
            renamed_from: fattrs.renamed_from.map(|r| r.value),
            backfill: fattrs.backfill.map(|b| b.value.trim().to_string()),
        });
        column_spans.push(ident.span());
        field_names.push((field_name, col_name));
    }

    // Struct-level lists name database columns; check each against the fields.
    let check_columns = |list: &ListAttr, errors: &mut Errors| -> Vec<String> {
        for c in &list.columns {
            if columns.iter().any(|col| col.name == c.value) {
                continue;
            }
            let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
            let help = if let Some((_, col)) = field_names.iter().find(|(f, _)| *f == c.value) {
                format!(
                    "field `{}` is stored as column `{col}`; `columns` lists database column names",
                    c.value
                )
            } else if let Some(near) = closest(&c.value, &names) {
                format!("did you mean `{near}`?")
            } else {
                format!("columns of `{table_name}`: {}", names.join(", "))
            };
            errors.help(
                c.span,
                format!("`{}` has no column `{}`", item.ident, c.value),
                help,
            );
        }
        list.columns.iter().map(|c| c.value.clone()).collect()
    };

    // only a name the model gives is kept; the dialect names the key otherwise
    let primary_key_name = sattrs
        .primary_key
        .as_ref()
        .and_then(|l| l.name.as_ref().map(|n| n.value.clone()));
    let primary_key = match (&sattrs.primary_key, pk_fields.as_slice()) {
        (Some(list), fields) => {
            for (_, span) in fields {
                errors.help(
                    *span,
                    "`primary_key` is given on the struct and on a field",
                    "list every key column in the struct's `primary_key(columns = [..])`, or mark the fields, not both",
                );
            }
            Some(check_columns(list, &mut errors))
        }
        (None, []) => None,
        (None, fields) => Some(
            fields
                .iter()
                .map(|(i, _)| columns[*i].name.clone())
                .collect(),
        ),
    };
    for list in &sattrs.uniques {
        let cols = check_columns(list, &mut errors);
        uniques.push(UniqueConstraint {
            name: list
                .name
                .as_ref()
                .map(|n| n.value.clone())
                .unwrap_or_else(|| naming::unique(&table_name, &cols)),
            named: list.name.is_some(),
            columns: cols,
        });
    }
    for list in &sattrs.indexes {
        let predicate = list.predicate.as_ref().map(|p| p.value.trim().to_string());
        if !list.exprs.is_empty() {
            let parts: Vec<IndexPart> = list
                .exprs
                .iter()
                .map(|x| {
                    let mut p = index_expression(&x.value);
                    // a column named among the expressions is a column part
                    if let Some(c) = p
                        .expression_sql()
                        .and_then(|e| columns.iter().find(|c| c.name == e))
                    {
                        p.key = IndexKey::Column(c.name.clone());
                    }
                    p
                })
                .collect();
            for (x, p) in list.exprs.iter().zip(&parts) {
                if p.expression_sql().is_some_and(str::is_empty) {
                    errors.help(
                        x.span,
                        "an index expression is empty",
                        "write e.g. `\"lower(email)\"`",
                    );
                }
            }
            indexes.push(Index {
                name: list
                    .name
                    .as_ref()
                    .map(|n| n.value.clone())
                    .unwrap_or_else(|| {
                        naming::index_where(&table_name, &parts, predicate.as_deref())
                    }),
                named: list.name.is_some(),
                parts,
                unique: list.unique,
                predicate,
                method: list.method.as_ref().map(|m| m.value.trim().to_string()),
            });
            continue;
        }
        // `"created_at desc"`: the column name, then its options
        let mut names = list.clone();
        let mut options = Vec::new();
        for c in &mut names.columns {
            // a column whose name has spaces in it is that column
            if columns.iter().any(|col| col.name == c.value) {
                options.push(IndexPart::column(c.value.clone()));
                continue;
            }
            match index_column(&c.value) {
                Ok((name, part)) => {
                    c.value = name;
                    options.push(part);
                }
                Err(message) => {
                    errors.help(c.span, message, "write e.g. `\"created_at desc\"`");
                    options.push(IndexPart::column(String::new()));
                }
            }
        }
        let parts: Vec<IndexPart> = check_columns(&names, &mut errors)
            .into_iter()
            .zip(options)
            .map(|(name, opts)| IndexPart {
                key: IndexKey::Column(name),
                ..opts
            })
            .collect();
        indexes.push(Index {
            name: list
                .name
                .as_ref()
                .map(|n| n.value.clone())
                .unwrap_or_else(|| naming::index_where(&table_name, &parts, predicate.as_deref())),
            named: list.name.is_some(),
            parts,
            unique: list.unique,
            predicate,
            method: list.method.as_ref().map(|m| m.value.trim().to_string()),
        });
    }
    let checks = sattrs
        .checks
        .iter()
        .filter_map(|list| {
            let expr = list.expr.as_ref()?.value.trim().to_string();
            Some(Check {
                name: list
                    .name
                    .as_ref()
                    .map(|n| n.value.clone())
                    .unwrap_or_else(|| naming::check(&table_name, &expr)),
                named: list.name.is_some(),
                expr,
            })
        })
        .collect();

    // Integer single-column primary keys are auto-increment unless told otherwise.
    let auto_column = primary_key.as_ref().and_then(|pk| match pk.as_slice() {
        [only] => columns.iter().position(|c| &c.name == only),
        _ => None,
    });
    for (index, setting) in auto_inc {
        let is_int = matches!(
            columns[index].ty,
            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
        );
        let eligible = auto_column == Some(index) && is_int;
        match setting {
            Some(s) if s.value && !eligible => errors.help(
                s.span,
                format!(
                    "`auto_increment` needs an integer, single-column primary key; `{}` is not one",
                    columns[index].name
                ),
                "mark the field `primary_key`, or drop `auto_increment`",
            ),
            Some(s) => columns[index].auto_increment = s.value && eligible,
            None => columns[index].auto_increment = eligible,
        }
    }

    let table = Table {
        schema: sattrs.schema.map(|s| s.value),
        primary_key: primary_key.map(|columns| PrimaryKey {
            name: primary_key_name,
            columns,
        }),
        name: table_name,
        columns,
        uniques,
        indexes,
        foreign_keys,
        checks,
        comment: sattrs.comment.map(|c| c.value),
        collation: sattrs.collation.map(|c| c.value),
        options: [
            ("charset", sattrs.charset),
            ("engine", sattrs.engine),
            ("row_format", sattrs.row_format),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v.value)))
        .collect(),
        renamed_from: sattrs.renamed_from.map(|r| r.value),
    };
    let model = ModelDef {
        ident: item.ident.clone(),
        table,
        externals,
        column_spans,
    };
    (model, errors.0)
}
