//! `#[derive(Model)]` and `#[derive(DbEnum)]` for retort.
//!
//! This crate is a thin shim: it parses with `retort-model-syntax` (the parser the
//! CLI's scanner uses too, so both see the same schema) and emits code, or
//! `compile_error!`s at the spans of the mistakes. The table is serialized to
//! JSON at compile time and deserialized by the generated `Model::table()`; the
//! columns whose Rust type only the compiler can resolve (DbEnums) are filled in
//! through `<T as ::retort::DbType>::column_type()`, so an unmappable type is a
//! compile error naming the trait, with a hint to use `sql_type` or `skip`.
//! Each model also registers itself with `inventory` for `retort::Metadata::all()`.
#![deny(missing_docs)]

use proc_macro::TokenStream;
use quote::quote;
use retort_model_syntax::{ModelError, parse_db_enum, parse_model};
use syn::Item;

mod embed;

/// Derive `retort::Model` for a struct: its table, from `#[model(...)]` attributes.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    expand_model(input.into()).into()
}

/// Derive `retort::DbType` for a fieldless enum: an enum column type.
#[proc_macro_derive(DbEnum, attributes(model))]
pub fn derive_db_enum(input: TokenStream) -> TokenStream {
    expand_db_enum(input.into()).into()
}

/// Embed the revision files of a migrations folder in the binary:
/// `retort::embed_migrations!("migrations")` is a `retort::EmbeddedMigrations`.
///
/// The folder is relative to the crate's `Cargo.toml` (`CARGO_MANIFEST_DIR`).
/// A missing folder or a broken revision is a compile error naming it.
/// Every `*.sql` file is embedded with `include_str!`, so editing one rebuilds
/// the crate; for Cargo to notice files added or removed, add a `build.rs` with
/// `println!("cargo:rerun-if-changed=migrations");`.
///
/// ```ignore
/// static MIGRATIONS: retort::EmbeddedMigrations = retort::embed_migrations!("migrations");
///
/// MIGRATIONS.upgrade(&pool, "head").await?;
/// ```
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from);
    embed::expand(input.into(), manifest_dir.as_deref()).into()
}

fn errors(errors: &[ModelError]) -> proc_macro2::TokenStream {
    ModelError::combine(errors)
        .map(|e| e.to_compile_error())
        .unwrap_or_default()
}

fn expand_model(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let item = match syn::parse2::<Item>(input) {
        Ok(Item::Struct(s)) => s,
        Ok(other) => {
            return syn::Error::new_spanned(
                other,
                "derive(Model) works on structs with named fields",
            )
            .to_compile_error();
        }
        Err(e) => return e.to_compile_error(),
    };
    let model = match parse_model(&item) {
        Ok(m) => m,
        Err(e) => return errors(&e),
    };
    let json = match serde_json::to_string(&model.table) {
        Ok(j) => j,
        Err(e) => {
            return syn::Error::new_spanned(
                &item.ident,
                format!("retort: cannot serialize the table: {e}"),
            )
            .to_compile_error();
        }
    };
    let fixups = model.externals.iter().map(|ext| {
        let index = ext.column;
        let ty = &ext.tokens;
        let span = ext.span;
        quote::quote_spanned! {span=>
            table.columns[#index].ty = <#ty as ::retort::DbType>::column_type();
        }
    });
    let ident = &item.ident;
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    let register = item.generics.params.is_empty().then(|| {
        quote! {
            ::retort::__private::inventory::submit! {
                ::retort::__private::Registration::new(<#ident as ::retort::Model>::table)
            }
        }
    });
    quote! {
        impl #impl_generics ::retort::Model for #ident #ty_generics #where_clause {
            fn table() -> ::retort::schema::Table {
                #[allow(unused_mut)]
                let mut table: ::retort::schema::Table =
                    ::retort::__private::table_from_json(#json);
                #(#fixups)*
                table
            }
        }
        #register
    }
}

fn expand_db_enum(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let item = match syn::parse2::<Item>(input) {
        Ok(Item::Enum(e)) => e,
        Ok(other) => {
            return syn::Error::new_spanned(other, "derive(DbEnum) works on fieldless enums")
                .to_compile_error();
        }
        Err(e) => return e.to_compile_error(),
    };
    let def = match parse_db_enum(&item) {
        Ok(d) => d,
        Err(e) => return errors(&e),
    };
    let ident = &item.ident;
    let name = &def.name;
    let values = &def.values;
    let schema = match &def.schema {
        Some(s) => quote!(::core::option::Option::Some(::std::string::String::from(#s))),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        impl ::retort::DbType for #ident {
            fn column_type() -> ::retort::schema::ColumnType {
                ::retort::schema::ColumnType::Enum {
                    name: ::std::string::String::from(#name),
                    schema: #schema,
                    values: ::std::vec![#(::std::string::String::from(#values)),*],
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{expand_db_enum, expand_model};
    use quote::quote;

    /// The generated code, one statement-ish chunk a line, for review.
    fn shown(tokens: proc_macro2::TokenStream) -> String {
        tokens
            .to_string()
            .replace("; ", ";\n")
            .replace("{ ", "{\n")
            .replace(" }", "\n}")
    }

    #[test]
    fn model_expansion_embeds_the_table_and_resolves_enums_through_the_trait() {
        let out = expand_model(quote! {
            #[model(table = "tasks")]
            struct Task {
                #[model(primary_key)]
                id: i32,
                status: Option<crate::Status>,
            }
        });
        insta::assert_snapshot!(shown(out));
    }

    #[test]
    fn db_enum_expansion_implements_db_type() {
        let out = expand_db_enum(quote! {
            #[model(schema = "app")]
            enum Status { Open, #[model(rename = "done")] Closed }
        });
        insta::assert_snapshot!(shown(out));
    }

    #[test]
    fn mistakes_become_compile_errors() {
        let out = expand_model(quote! {
            struct User {
                #[model(primary_key, max_lenght = 5)]
                id: i32,
            }
        });
        insta::assert_snapshot!(shown(out));
        let out = expand_db_enum(quote! { struct NotAnEnum; });
        assert!(
            out.to_string()
                .contains("derive(DbEnum) works on fieldless enums")
        );
    }

    #[test]
    fn generic_models_are_not_registered() {
        let out = expand_model(quote! {
            struct Wrapper<T> { #[model(primary_key)] id: i32, #[model(skip)] t: T }
        })
        .to_string();
        assert!(out.contains("impl < T >"));
        assert!(!out.contains("inventory"));
    }
}
