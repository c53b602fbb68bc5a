//! The CLI's one error type and its mapping to exit codes.
//!
//! Exit codes (SPEC 6): 0 success; 1 the command ran and found a problem
//! (`check`, `lint`, `verify`); 2 bad usage, bad input, or an unreachable database.

use std::fmt;

/// What went wrong, how to say it, and which exit code it means.
#[derive(Debug)]
pub struct CliError {
    /// The exit code: 1 (a problem found) or 2 (bad input, database unreachable).
    pub code: i32,
    /// What went wrong, with file:line where there is one.
    pub message: String,
    /// What to do next.
    pub help: Option<String>,
}

impl CliError {
    /// Bad input or usage, or the database could not be reached: exit 2.
    pub fn input(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
            help: None,
        }
    }

    /// The command ran and found a problem: exit 1. The report was already printed.
    pub fn problem(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
            help: None,
        }
    }

    /// The same error with a hint on what to do next.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

impl From<retort_dialect::DbError> for CliError {
    fn from(e: retort_dialect::DbError) -> Self {
        let mut msg = e.message.clone();
        if let Some(sql) = &e.sql {
            msg.push_str(&format!("\n  statement: {}", sql.trim()));
        }
        let help = match e.kind {
            retort_dialect::DbErrorKind::Connect => Some(
                "check the URL (--database-url, DATABASE_URL or [database] url in retort.toml) and that the server is running",
            ),
            retort_dialect::DbErrorKind::LockTimeout => Some(
                "another retort is migrating this database; wait for it, or raise [migrations] lock_timeout",
            ),
            _ => None,
        };
        let mut err = CliError::input(msg);
        err.help = help.map(str::to_string);
        err
    }
}
