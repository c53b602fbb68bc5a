//! retort's migrations: revision files, their graph, and the runner that applies them.
//!
//! * [`mod@file`]: the revision file format (parse and write), revision ids.
//! * [`split`]: the statement splitter.
//! * [`checksum()`]: checksums over normalized statements.
//! * [`graph`]: the pure revision graph and upgrade/downgrade planning.
//! * [`dir`]: a migrations directory loaded as [`Migrations`].
//! * [`runner`]: applying, undoing and stamping revisions on a live [`retort_dialect::Driver`],
//!   and the offline `--sql` script.
#![deny(missing_docs)]

pub mod checksum;
pub mod dir;
pub mod error;
pub mod file;
pub mod graph;
mod lex;
pub mod lint;
pub mod runner;
pub mod split;
mod time;

pub use checksum::{checksum, normalize_statement};
pub use dir::{Direction, Migrations, Plan};
pub use error::MigrateError;
pub use file::{
    NewRevision, Revision, Section, SectionKind, Todo, is_revision_id, new_revision_id,
    parse_revision, render_revision, revision_file_name, slug, validate_revision_id,
    write_revision,
};
pub use graph::{Graph, GraphEntry, Target};
pub use runner::{
    AppliedRevision, Options, RanRevision, RunReport, StampReport, applied, applied_problems,
    current, downgrade, refuse_todos, sql_script, stamp, upgrade,
};
pub use split::{SplitStatement, split_statements};
