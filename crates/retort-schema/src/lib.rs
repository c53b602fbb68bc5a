//! The schema model of retort and the diff between two schemas.
//!
//! This crate is pure data and pure functions: it knows nothing about databases,
//! SQL dialects, connections or files. Both sides of every comparison (the models
//! and a live database) are turned into a [`Schema`] by other crates; this crate
//! compares them ([`diff()`]) and describes the result as a list of [`Change`]s,
//! each of which knows its inverse ([`Change::reverse`]).
//!
//! Names of constraints and indexes that the models do not spell out come from one
//! naming convention ([`naming`]), so they are the same on every dialect and run.
#![deny(missing_docs)]

pub mod change;
pub mod diff;
pub mod expr;
pub mod model;
pub mod naming;

pub use change::{Change, TableChange, TableDiff};
pub use diff::{DiffOptions, Note, Plan, diff};
pub use model::*;
