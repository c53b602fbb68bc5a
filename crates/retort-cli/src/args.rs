//! Command-line flags and subcommands (SPEC 6), as clap data.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// retort keeps a database schema in step with the application's models.
#[derive(Debug, Parser)]
#[command(name = "retort", version, about, propagate_version = true)]
pub struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: Global,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
pub struct Global {
    /// Configuration file (default: retort.toml, found by walking up from the working directory).
    #[arg(short = 'c', long = "config", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL; wins over DATABASE_URL and retort.toml.
    #[arg(long = "database-url", global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print only errors and results.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more about what happens.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Never color the output.
    #[arg(long = "no-color", global = true)]
    pub no_color: bool,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable text.
    Text,
    /// Stable JSON (see docs/json.md).
    Json,
    /// A Mermaid diagram (`graph`, `erd`).
    Mermaid,
    /// A Graphviz dot diagram (`graph`, `erd`).
    Dot,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write retort.toml and migrations/ into DIR (default: the working directory).
    Init {
        /// Where to create the project.
        dir: Option<PathBuf>,
    },
    /// Create a new revision; with --autogenerate, from the difference between the models and the database.
    Revision(RevisionArgs),
    /// Apply revisions up to TARGET: head (default), heads, an id, or +N.
    Upgrade {
        /// The target revision.
        #[arg(default_value = "head", allow_hyphen_values = true)]
        target: String,
        /// Print the SQL instead of running it (needs no database).
        #[arg(long)]
        sql: bool,
    },
    /// Undo revisions down to TARGET: -N, an id, or base.
    Downgrade {
        /// The target revision.
        #[arg(allow_hyphen_values = true)]
        target: String,
        /// Print the SQL instead of running it (needs no database).
        #[arg(long)]
        sql: bool,
    },
    /// Show the revisions the database is at.
    Current,
    /// List revisions, newest first.
    History {
        /// Range FROM:TO (either side may be empty; ids, prefixes, base, head).
        #[arg(short = 'r', long = "rev-range")]
        range: Option<String>,
        /// Show whole headers.
        #[arg(long)]
        verbose: bool,
    },
    /// Show the heads of the revision graph.
    Heads,
    /// Show the branch points of the revision graph.
    Branches,
    /// Create a merge revision of REVS (default: all heads).
    Merge {
        /// The message.
        #[arg(short, long)]
        message: String,
        /// Revisions to merge.
        revs: Vec<String>,
    },
    /// Mark the database as being at TARGET without running any SQL.
    Stamp {
        /// The target revision: an id, head, heads or base.
        #[arg(allow_hyphen_values = true)]
        target: String,
    },
    /// Show one revision, whole.
    Show {
        /// The revision id or a unique prefix.
        rev: String,
    },
    /// Exit 1 when the models and the database disagree, or the migrations need attention.
    Check,
    /// Print the SQL that would bring the database to the models; writes nothing.
    Diff,
    /// The safety findings of revisions (default: those not applied yet), with live figures.
    Lint {
        /// Revisions to lint (ids or prefixes).
        revs: Vec<String>,
    },
    /// Show the revision graph (--format mermaid, the default, or dot).
    Graph,
    /// On a scratch database: one head; upgrade base to head; models match; every downgrade undoes its upgrade.
    Verify,
    /// Show the models as an entity-relationship diagram (--format mermaid, the default, or dot).
    Erd,
}

/// Flags of `revision`.
#[derive(Debug, Args)]
pub struct RevisionArgs {
    /// The message (the first line of the file; also its name).
    #[arg(short, long)]
    pub message: String,
    /// Compare the models with the database and write the changes.
    #[arg(long)]
    pub autogenerate: bool,
    /// Use this id (12 lowercase hex digits) instead of a random one.
    #[arg(long = "rev-id")]
    pub rev_id: Option<String>,
    /// The revision this one revises (default: the single head).
    #[arg(long = "head")]
    pub head: Option<String>,
    /// Treat a table or column as renamed: TABLE.OLD=NEW (column) or OLD=NEW (table). Repeatable.
    #[arg(long = "rename", value_name = "T.OLD=NEW")]
    pub rename: Vec<String>,
    /// Fill existing rows of a new NOT NULL column: TABLE.COLUMN=SQL. Repeatable.
    #[arg(long = "backfill", value_name = "T.COL=SQL")]
    pub backfill: Vec<String>,
    /// Write the file even when nothing changed.
    #[arg(long = "allow-empty")]
    pub allow_empty: bool,
    /// Write the autogenerated revision without first verifying it on a scratch database.
    #[arg(long = "no-verify")]
    pub no_verify: bool,
}
