//! [`Error`]: the one error type of the application-facing API
//! ([`check_schema_drift`](crate::check_schema_drift), [`create_all`](crate::create_all),
//! [`EmbeddedMigrations`](crate::EmbeddedMigrations)).

use retort_dialect::DbError;
use retort_migrate::MigrateError;
use retort_model_syntax::Problem;

use crate::engine::CompareError;

/// What went wrong in a library call. Every variant says what retort was doing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No connection could be taken from the application's pool.
    #[error(
        "{context}: cannot get a connection to the {dialect} database {target} from the pool ({open} open, {idle} idle): {source}{}",
        pool_hint(.source)
    )]
    Pool {
        /// What retort was doing.
        context: String,
        /// `sqlite`, `postgres` or `mysql`.
        dialect: &'static str,
        /// Where the pool connects (`user@host:port/database`, or the SQLite
        /// file), never with the password.
        target: String,
        /// Connections the pool had open.
        open: u32,
        /// Of which idle.
        idle: usize,
        /// The pool's error.
        #[source]
        source: sqlx::Error,
    },
    /// The database failed (connecting, or a statement).
    #[error("{context}: {}", db_message(.source))]
    Database {
        /// What retort was doing.
        context: String,
        /// The database's error (its `sql` names the failed statement).
        #[source]
        source: DbError,
    },
    /// The comparison of the models with the database failed.
    #[error("{context}: {source}")]
    Compare {
        /// What retort was doing.
        context: String,
        /// The engine's error.
        #[source]
        source: Box<CompareError>,
    },
    /// Reading, planning or running revisions failed.
    #[error("{context}: {source}")]
    Migrate {
        /// What retort was doing.
        context: String,
        /// The migration error (names the revision file and line where it can).
        #[source]
        source: Box<MigrateError>,
    },
    /// The models contradict each other (a reference to a missing table, ...).
    #[error("{context}: the models are invalid:\n{}", list(.problems))]
    InvalidModels {
        /// What retort was doing.
        context: String,
        /// Each problem, naming the table and column.
        problems: Vec<Problem>,
    },
    /// [`create_all`](crate::create_all) found changes it does not make on its
    /// own (dropping a column, a change that needs a decision); nothing was applied.
    #[error(
        "{context}: refused, nothing was applied: the database has data the models would lose, or a change needs a decision:\n{}\nhelp: write a revision with `retort revision --autogenerate`, or start from an empty database",
        reasons.iter().map(|r| format!("  - {r}")).collect::<Vec<_>>().join("\n")
    )]
    Refused {
        /// What retort was doing.
        context: String,
        /// One line per refused change.
        reasons: Vec<String>,
    },
}

fn pool_hint(e: &sqlx::Error) -> &'static str {
    match e {
        sqlx::Error::PoolTimedOut => {
            "\nhelp: no connection came within the pool's acquire_timeout: the server may be unreachable, or every connection is in use"
        }
        _ => "",
    }
}

fn db_message(e: &DbError) -> String {
    match &e.sql {
        Some(sql) => format!("{}\n  statement: {}", e.message, sql.trim()),
        None => e.message.clone(),
    }
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    pub(crate) fn db(context: &str, source: DbError) -> Self {
        Error::Database {
            context: context.to_string(),
            source,
        }
    }

    pub(crate) fn migrate(context: &str, source: MigrateError) -> Self {
        Error::Migrate {
            context: context.to_string(),
            source: Box::new(source),
        }
    }

    pub(crate) fn compare(context: &str, source: CompareError) -> Self {
        match source {
            // A database failure reads better without the engine's wrapper.
            CompareError::Db(e) => Error::db(context, e),
            other => Error::Compare {
                context: context.to_string(),
                source: Box::new(other),
            },
        }
    }
}
