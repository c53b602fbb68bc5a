//! The example project of SPEC §4: a blog with users and posts.
//!
//! `retort.toml` points the `retort` command at `src/models`; the program sees
//! the same models through `retort::Metadata::all()`.

pub mod models;
