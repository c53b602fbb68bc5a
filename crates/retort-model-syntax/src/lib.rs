//! The one parser of retort's model attributes, shared by `#[derive(Model)]` and the
//! CLI's source scanner.
//!
//! SPEC §4 promises that a compiled program and the `retort` command see the same
//! schema. Both therefore call into this crate: the derive hands it the token stream
//! of the struct it decorates, the scanner hands it every struct and enum of the
//! model files it reads ([`scan_files`]). The parser turns a `#[derive(Model)]`
//! struct into a [`ModelDef`] (a [`retort_schema::Table`] plus what only the
//! compiler can resolve) and a `#[derive(DbEnum)]` enum into an [`EnumDef`].
//!
//! Conventions this crate applies (also documented in the project docs):
//!
//! - The table name defaults to the struct name in snake_case (`BlogPost` →
//!   `blog_post`), the column name to the field name. Alembic users know
//!   `__tablename__`; here `#[model(table = "..")]` gives it explicitly.
//! - Unnamed indexes and constraints get their names from
//!   [`retort_schema::naming`] and `named = false`; user-named ones keep
//!   their name and `named = true`. The primary key is named `pk_<table>`.
//! - `references = "table.column"` points into the default schema;
//!   `"schema.table.column"` names the schema.
//! - `rust_decimal::Decimal` needs both `precision` and `scale`: there is no
//!   default that is right for money and measurements alike, and SQLite has no
//!   decimal type to fall back on.
//! - A DbEnum's type name defaults to the enum name in snake_case, its values to
//!   the variant names in snake_case; `#[model(name = "..", schema = "..")]` on the
//!   enum and `#[model(rename = "..")]` on a variant override them.
//!
//! Without the default `syntax` feature only the schema-wide checks remain
//! ([`validate`], [`assemble`]): the runtime `retort` crate uses them for its
//! `Metadata` without compiling `syn`.
#![deny(missing_docs)]

pub mod case;
pub mod check;

#[cfg(feature = "syntax")]
mod attr;
#[cfg(feature = "syntax")]
pub mod cache;
#[cfg(feature = "syntax")]
pub mod diagnostic;
#[cfg(feature = "syntax")]
pub mod model;
#[cfg(feature = "syntax")]
pub mod scan;
#[cfg(feature = "syntax")]
pub mod suggest;
#[cfg(feature = "syntax")]
mod types;

pub use check::{Problem, ProblemKind, assemble, validate};

#[cfg(feature = "syntax")]
pub use diagnostic::{Diagnostic, ModelError};
#[cfg(feature = "syntax")]
pub use model::{
    EnumDef, ExternalColumn, Lookup, ModelDef, parse_db_enum, parse_model, parse_model_lenient,
    parse_model_with,
};
#[cfg(feature = "syntax")]
pub use scan::{scan_files, scan_files_cached, scan_sources};
