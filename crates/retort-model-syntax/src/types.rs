//! The Rust type → column type mapping of SPEC §4, by the last segments of a
//! type's path (`chrono::NaiveDateTime` and `NaiveDateTime` are the same).

use proc_macro2::TokenStream;
use quote::ToTokens;
use retort_schema::ColumnType;
use syn::{GenericArgument, PathArguments, Type, TypePath};

/// What a field's Rust type says about its column.
pub(crate) struct MappedType {
    /// `Option<T>`: the column is NULL.
    pub nullable: bool,
    /// The type inside any `Option`.
    pub kind: TypeKind,
}

/// The column type a Rust type maps to, or why it needs more information.
pub(crate) enum TypeKind {
    /// A fixed mapping.
    Known(ColumnType),
    /// `String`: TEXT, or VARCHAR with `max_length`.
    String,
    /// `rust_decimal::Decimal`: needs `precision` and `scale`.
    Decimal,
    /// A path type the mapping does not know: a DbEnum, or unmappable. Resolved
    /// by the compiler (derive) or among the scanned enums (scanner).
    External {
        /// The type as written, inside any `Option`.
        tokens: TokenStream,
        /// The last segment of its path (`Status` for `crate::Status`).
        name: String,
    },
    /// Not a path type, or a known container of an unsupported type.
    Unsupported {
        /// The type as written.
        shown: String,
    },
}

/// Map a field type.
pub(crate) fn map_type(ty: &Type) -> MappedType {
    let ty = strip(ty);
    if let Some(inner) = single_generic(ty, "Option") {
        let inner = strip(inner);
        return MappedType {
            nullable: true,
            kind: map_plain(inner),
        };
    }
    MappedType {
        nullable: false,
        kind: map_plain(ty),
    }
}

fn strip(ty: &Type) -> &Type {
    match ty {
        Type::Group(g) => strip(&g.elem),
        Type::Paren(p) => strip(&p.elem),
        other => other,
    }
}

fn map_plain(ty: &Type) -> TypeKind {
    let Type::Path(TypePath {
        qself: None, path, ..
    }) = ty
    else {
        return TypeKind::Unsupported { shown: shown(ty) };
    };
    let Some(last) = path.segments.last() else {
        return TypeKind::Unsupported { shown: shown(ty) };
    };
    let name = last.ident.to_string();
    let prev = path
        .segments
        .iter()
        .rev()
        .nth(1)
        .map(|s| s.ident.to_string());
    let no_args = matches!(last.arguments, PathArguments::None);
    let known = |t: ColumnType| TypeKind::Known(t);
    match name.as_str() {
        "i16" if no_args => known(ColumnType::SmallInt),
        "i32" if no_args => known(ColumnType::Integer),
        "i64" if no_args => known(ColumnType::BigInt),
        "bool" if no_args => known(ColumnType::Boolean),
        "f32" if no_args => known(ColumnType::Real),
        "f64" if no_args => known(ColumnType::Double),
        "String" if no_args => TypeKind::String,
        "Vec" => match single_generic(ty, "Vec").map(strip) {
            Some(Type::Path(p)) if p.path.is_ident("u8") => known(ColumnType::Blob),
            _ => TypeKind::Unsupported { shown: shown(ty) },
        },
        "NaiveDate" | "Date" if no_args => known(ColumnType::Date),
        "NaiveTime" | "Time" if no_args => known(ColumnType::Time),
        "NaiveDateTime" | "PrimitiveDateTime" if no_args => known(ColumnType::Timestamp),
        "OffsetDateTime" | "UtcDateTime" if no_args => known(ColumnType::TimestampTz),
        "DateTime" => match single_generic(ty, "DateTime").map(strip) {
            Some(Type::Path(p))
                if p.path.segments.last().is_some_and(|s| {
                    s.ident == "Utc" || s.ident == "FixedOffset" || s.ident == "Local"
                }) =>
            {
                known(ColumnType::TimestampTz)
            }
            _ => TypeKind::Unsupported { shown: shown(ty) },
        },
        "Uuid" if no_args => known(ColumnType::Uuid),
        "Value" if no_args && (prev.is_none() || prev.as_deref() == Some("serde_json")) => {
            known(ColumnType::Json)
        }
        "JsonValue" if no_args => known(ColumnType::Json),
        "Json" => known(ColumnType::Json),
        "Decimal" if no_args => TypeKind::Decimal,
        _ if no_args => TypeKind::External {
            tokens: ty.to_token_stream(),
            name,
        },
        _ => TypeKind::Unsupported { shown: shown(ty) },
    }
}

/// The `T` of `Name<T>` when `ty` is a path ending in `Name` with one type argument.
fn single_generic<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(TypePath {
        qself: None, path, ..
    }) = ty
    else {
        return None;
    };
    let last = path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    let first = types.next()?;
    types.next().is_none().then_some(first)
}

/// A type as the user wrote it, with the spacing `quote` gives it tidied.
pub(crate) fn shown(ty: &Type) -> String {
    ty.to_token_stream()
        .to_string()
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
}
