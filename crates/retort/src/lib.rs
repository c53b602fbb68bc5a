//! retort keeps a project's database schema in step with its models.
//!
//! Models are Rust structs with `#[derive(Model)]` (see SPEC §4 for the
//! `#[model(...)]` attributes); [`Metadata`] holds them all, like SQLAlchemy's
//! `Base.metadata`.
#![deny(missing_docs)]

pub mod connect;
pub mod drift;
pub mod embedded;
pub mod engine;
pub mod erd;
pub mod error;
pub mod metadata;
pub mod model;
pub mod pool;
pub mod scratch;
pub mod sql_models;
pub mod verify;

pub use connect::{connect, dialect, dialect_for_url};

pub use metadata::Metadata;
pub use model::*;
pub use retort_derive::{DbEnum, Model};
pub use retort_schema as schema;

pub use drift::{
    Difference, DriftOptions, DriftReport, check_schema_drift, check_schema_drift_with, create_all,
    create_all_with,
};
pub use embedded::EmbeddedMigrations;
pub use engine::Finding;
pub use error::Error;
pub use pool::Connectable;
pub use retort_derive::embed_migrations;
pub use retort_dialect::Statement;
pub use retort_migrate::{AppliedRevision, Options as MigrateOptions, RanRevision, RunReport};

/// Support for the code the derives generate. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::metadata::Registration;
    pub use crate::model::table_from_json;
    pub use inventory;
    pub use serde_json;
}
