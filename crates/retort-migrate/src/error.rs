//! Everything that can go wrong while reading, planning or applying migrations.
//!
//! Each variant reads like a diagnosis: what is wrong, where (file and line when
//! there is one), and what to do next. [`MigrateError::is_user_error`] tells the
//! CLI whether the cause is the user's input (exit code 2) or something that went
//! wrong while running (exit code 1).

use std::path::PathBuf;

use retort_dialect::{DbError, DbErrorKind};

use crate::file::SectionKind;

/// An error of the migration layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// The migrations directory does not exist.
    #[error("{}: no migrations directory here; run `retort init` or set [migrations] dir in retort.toml", path.display())]
    NoMigrationsDir {
        /// The directory that was looked for.
        path: PathBuf,
    },

    /// The file does not start with the header comment block.
    #[error("{}:1: missing header: a revision file starts with `-- <message>`, then `-- revision: <id>` and `-- revises: <ids>` lines", path.display())]
    MissingHeader {
        /// The file.
        path: PathBuf,
    },

    /// A required header line is missing.
    #[error("{}: missing `-- {field}:` line in the header{}", path.display(), field_hint(field))]
    MissingHeaderField {
        /// The file.
        path: PathBuf,
        /// `revision` or `revises`.
        field: &'static str,
    },

    /// A revision id in a file is not 12 lowercase hex digits.
    #[error("{}:{line}: malformed revision id `{id}`: ids are 12 lowercase hex digits, e.g. `3c5e2b9f41d0`", path.display())]
    MalformedId {
        /// The file.
        path: PathBuf,
        /// The line of the id.
        line: usize,
        /// The id as written.
        id: String,
    },

    /// A `--rev-id` given by the user is not 12 lowercase hex digits.
    #[error("invalid revision id `{id}`: ids are 12 lowercase hex digits, e.g. `3c5e2b9f41d0`")]
    InvalidRevisionId {
        /// The id as given.
        id: String,
    },

    /// A `-- retort:upgrade` or `-- retort:downgrade` section is missing.
    #[error("{}: missing `-- retort:{section}` section; add the line `-- retort:{section}` followed by its statements (it may be empty)", path.display())]
    MissingSection {
        /// The file.
        path: PathBuf,
        /// `upgrade` or `downgrade`.
        section: &'static str,
    },

    /// A section appears twice.
    #[error("{}:{line}: second `-- retort:{section}` section; a file has one upgrade and one downgrade section", path.display())]
    DuplicateSection {
        /// The file.
        path: PathBuf,
        /// The line of the second marker.
        line: usize,
        /// `upgrade` or `downgrade`.
        section: &'static str,
    },

    /// A `-- retort:` directive that retort does not know.
    #[error("{}:{line}: unknown directive `retort:{directive}`; known are retort:upgrade, retort:downgrade, retort:no-transaction and retort:todo", path.display())]
    UnknownDirective {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// The directive after `retort:`.
        directive: String,
    },

    /// `-- retort:no-transaction` is not followed by a section marker.
    #[error("{}:{line}: `-- retort:no-transaction` must come right before `-- retort:upgrade` or `-- retort:downgrade`", path.display())]
    MisplacedNoTransaction {
        /// The file.
        path: PathBuf,
        /// The line of the directive.
        line: usize,
    },

    /// SQL outside of any section.
    #[error("{}:{line}: SQL before the first section; put statements after `-- retort:upgrade` or `-- retort:downgrade`", path.display())]
    StatementOutsideSection {
        /// The file.
        path: PathBuf,
        /// The line of the SQL.
        line: usize,
    },

    /// A string, quoted identifier, comment or dollar quote never ends.
    #[error("{}:{line}: unterminated {what} starting here; close it, or the rest of the file is part of it", path.display())]
    Unterminated {
        /// The file.
        path: PathBuf,
        /// The line where it starts.
        line: usize,
        /// What is unterminated, e.g. `string literal`.
        what: &'static str,
    },

    /// Two files declare the same revision id.
    #[error("revision {id} is declared twice: in {} and in {}; give one of them a new id", first.display(), second.display())]
    DuplicateRevision {
        /// The id.
        id: String,
        /// The first file.
        first: PathBuf,
        /// The second file.
        second: PathBuf,
    },

    /// A `revises:` line names an id no file declares.
    #[error("{}: revises unknown revision `{parent}`; no file in the directory declares it (deleted or not yet pulled?)", path.display())]
    UnknownParent {
        /// The file of the child revision.
        path: PathBuf,
        /// The missing id.
        parent: String,
    },

    /// The revision graph has a cycle.
    #[error("the revision graph has a cycle: {} (each is revised by the next); fix the `revises:` lines of these revisions", ids.join(" -> "))]
    Cycle {
        /// The ids on the cycle.
        ids: Vec<String>,
    },

    /// No revision has the given id or prefix.
    #[error("no revision `{prefix}`; `retort history` lists them")]
    UnknownRevision {
        /// What was asked for.
        prefix: String,
    },

    /// A prefix matches several revisions.
    #[error("revision prefix `{prefix}` is ambiguous: it matches {}; give more digits", candidates.join(", "))]
    AmbiguousRevision {
        /// What was asked for.
        prefix: String,
        /// The matching ids.
        candidates: Vec<String>,
    },

    /// `head` was asked for but the graph has several heads.
    #[error("there are {} heads ({}); upgrade to `heads`, to one of them by id, or join them with `retort merge`", heads.len(), heads.join(", "))]
    MultipleHeads {
        /// The heads.
        heads: Vec<String>,
    },

    /// A target string or kind does not fit the command.
    #[error("invalid target `{target}`: {reason}")]
    InvalidTarget {
        /// The target as given.
        target: String,
        /// Why it does not fit, and what would.
        reason: String,
    },

    /// A relative step (`+N` / `-N`) has several possible next revisions.
    #[error("step {step} of `{target}` is ambiguous: it could go to {}; give a revision id instead", candidates.join(" or "))]
    AmbiguousStep {
        /// The target as given.
        target: String,
        /// Which step (1-based).
        step: usize,
        /// The possible next revisions.
        candidates: Vec<String>,
    },

    /// A relative step goes past the end or the beginning of the graph.
    #[error("cannot go {requested} steps with `{target}`: only {available} available")]
    NotEnoughSteps {
        /// The target as given.
        target: String,
        /// Steps asked for.
        requested: usize,
        /// Steps possible.
        available: usize,
    },

    /// A downgrade target that is not applied.
    #[error(
        "revision {revision} is not applied, so the database cannot be downgraded to it; `retort current` shows where it is"
    )]
    NotApplied {
        /// The target revision.
        revision: String,
    },

    /// A revision still has a `-- retort:todo` line.
    #[error("{}:{line}: revision {revision} has an open to-do: {text}; decide, edit the SQL, and delete the `-- retort:todo` line", path.display())]
    Todo {
        /// The revision.
        revision: String,
        /// The file.
        path: PathBuf,
        /// The line of the to-do.
        line: usize,
        /// The to-do text.
        text: String,
    },

    /// An applied revision's file changed since it was applied.
    #[error("{}: revision {revision} was edited after it was applied (checksum {recorded} in the database, {actual} now); restore the file, or if the database already matches the edit, record it with `retort stamp`", path.display())]
    ChecksumMismatch {
        /// The revision.
        revision: String,
        /// Its file.
        path: PathBuf,
        /// The checksum in the version table.
        recorded: String,
        /// The checksum of the file now.
        actual: String,
    },

    /// The database has applied a revision that no file declares.
    #[error(
        "the database has revision {revision} applied, but no file in the migrations directory declares it; restore the file, or move the database with `retort stamp`"
    )]
    AppliedRevisionMissing {
        /// The revision.
        revision: String,
    },

    /// A statement failed inside a transaction; the revision was rolled back.
    #[error("{}:{line}: revision {revision} failed and was rolled back, nothing of it is applied: {source}\n  statement: {sql}", path.display())]
    StatementFailed {
        /// The revision.
        revision: String,
        /// Its file.
        path: PathBuf,
        /// The line of the statement.
        line: usize,
        /// The statement.
        sql: String,
        /// The database error.
        source: Box<DbError>,
    },

    /// A statement failed outside a transaction; earlier statements stay applied.
    #[error("{}:{line}: revision {revision} failed at {} statement {} and could not be rolled back: {source}\n  statement: {sql}\n  {}; {}", path.display(), section.name(), ran_lines.len() + 1, ran_summary(ran_lines), recovery(*section, revision))]
    PartiallyApplied {
        /// The revision.
        revision: String,
        /// Which section was running.
        section: SectionKind,
        /// Its file.
        path: PathBuf,
        /// The line of the failing statement.
        line: usize,
        /// The failing statement.
        sql: String,
        /// The lines of the statements that ran before it (and stay applied).
        ran_lines: Vec<usize>,
        /// The database error.
        source: Box<DbError>,
    },

    /// The statements of a non-transactional revision all ran, but recording it failed.
    #[error("{}: all {} statements of revision {revision} ran, but recording that in the version table failed: {source}; fix the cause, then run `retort stamp` so the version table matches the database", path.display(), section.name())]
    NotRecorded {
        /// The revision.
        revision: String,
        /// Which section ran.
        section: SectionKind,
        /// Its file.
        path: PathBuf,
        /// The database error.
        source: Box<DbError>,
    },

    /// A database operation other than a migration statement failed.
    #[error("{context}: {source}")]
    Database {
        /// What retort was doing.
        context: String,
        /// The database error.
        source: Box<DbError>,
    },

    /// The writer would overwrite a file.
    #[error("{}: a file of this name exists already; choose another message or wait a second", path.display())]
    FileExists {
        /// The file.
        path: PathBuf,
    },
}

fn field_hint(field: &str) -> &'static str {
    match field {
        "revises" => "; write `-- revises:` with nothing after it for a root revision",
        _ => "; add `-- revision: <12 hex digits>` (`retort revision` makes one)",
    }
}

fn recovery(section: SectionKind, revision: &str) -> String {
    match section {
        SectionKind::Upgrade => format!(
            "the revision is not recorded as applied. Fix the cause and run the remaining statements by hand, then `retort stamp {revision}`; or undo the applied ones by hand and run `retort upgrade` again"
        ),
        SectionKind::Downgrade => format!(
            "the revision is still recorded as applied. Fix the cause and run the remaining downgrade statements by hand, then `retort stamp` the revision {revision} revises (or `base`); or redo the undone ones by hand and run `retort downgrade` again"
        ),
    }
}

fn ran_summary(lines: &[usize]) -> String {
    if lines.is_empty() {
        "no statement before it ran".to_string()
    } else {
        let l: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        format!(
            "{} statement(s) before it ran and stay in effect (lines {})",
            lines.len(),
            l.join(", ")
        )
    }
}

impl MigrateError {
    /// Whether the error comes from the user's input (files, targets, ids) or
    /// from a database that cannot be reached or locked: the CLI exits with 2.
    /// Otherwise (a statement failed while running) it exits with 1.
    pub fn is_user_error(&self) -> bool {
        match self {
            MigrateError::StatementFailed { .. }
            | MigrateError::PartiallyApplied { .. }
            | MigrateError::NotRecorded { .. } => false,
            MigrateError::Database { source, .. } => {
                matches!(source.kind, DbErrorKind::Connect | DbErrorKind::LockTimeout)
            }
            _ => true,
        }
    }

    /// The process exit code the CLI should use: 2 for [`Self::is_user_error`], else 1.
    pub fn exit_code(&self) -> i32 {
        if self.is_user_error() { 2 } else { 1 }
    }

    pub(crate) fn db(context: impl Into<String>, source: DbError) -> Self {
        MigrateError::Database {
            context: context.into(),
            source: Box::new(source),
        }
    }
}

/// A `map_err` adapter for I/O errors on `path`.
pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> MigrateError + '_ {
    move |source| MigrateError::Io {
        path: path.to_path_buf(),
        source,
    }
}
