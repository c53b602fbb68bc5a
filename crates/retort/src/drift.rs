//! Drift detection and schema creation for applications:
//! [`check_schema_drift`] and [`create_all`].
//!
//! Both compare the models with the live database through
//! [`engine::compare`](crate::engine::compare), the code `retort check` and
//! `retort diff` run, so a program and the command always agree.

use retort_dialect::{Driver, Statement};
use retort_schema::{Change, DiffOptions, Plan, TableChange};
use serde::Serialize;

use crate::engine::{self, Comparison, Finding};
use crate::error::Error;
use crate::metadata::Metadata;
use crate::pool::Connectable;

/// The version table name retort uses unless configured otherwise.
pub const DEFAULT_VERSION_TABLE: &str = "retort_version";

/// What the comparison leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DriftOptions {
    /// retort's version table (never reported). Default `retort_version`.
    pub version_table: String,
    /// Glob patterns (`*`, `?`) of tables to ignore, as `[database] exclude_tables`.
    pub exclude_tables: Vec<String>,
}

impl Default for DriftOptions {
    fn default() -> Self {
        DriftOptions {
            version_table: DEFAULT_VERSION_TABLE.to_string(),
            exclude_tables: Vec::new(),
        }
    }
}

impl DriftOptions {
    /// Use another version table name (as `[migrations] version_table`).
    pub fn version_table(mut self, name: impl Into<String>) -> Self {
        self.version_table = name.into();
        self
    }

    /// Ignore the tables matching these glob patterns.
    pub fn exclude_tables<S: Into<String>>(
        mut self,
        patterns: impl IntoIterator<Item = S>,
    ) -> Self {
        self.exclude_tables = patterns.into_iter().map(Into::into).collect();
        self
    }
}

/// One difference between the database and the models, readable and structured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Difference {
    /// What to do to the database: `create_table`, `drop_table`, `rename_table`,
    /// `add_column`, `drop_column`, `rename_column`, `alter_column`,
    /// `set_primary_key`, `add_unique`, `drop_unique`, `add_index`, `drop_index`,
    /// `add_foreign_key`, `drop_foreign_key`, `add_check`, `drop_check`,
    /// `set_comment`, `create_enum`, `drop_enum`, `alter_enum`.
    pub op: &'static str,
    /// The table (schema-qualified when it has a schema); `None` for enum types.
    pub table: Option<String>,
    /// The column, for column changes.
    pub column: Option<String>,
    /// One line, e.g. `add column users.phone` or
    /// `alter column users.email: type varchar(100) -> varchar(200)`.
    pub description: String,
}

/// The full difference between a live database and the models: what
/// [`check_schema_drift`] returns, and what [`create_all`] applied.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct DriftReport {
    /// `sqlite`, `postgres` or `mysql`.
    pub dialect: &'static str,
    /// The differences, one per table-level or column-level change, in the order
    /// an upgrade applies them. Empty when the database matches the models.
    pub differences: Vec<Difference>,
    /// Probable renames the comparison noticed (it cannot tell a rename from a
    /// drop and an add; the models' `renamed_from` says so).
    pub notes: Vec<String>,
    /// Live figures that make risks concrete (rows a drop would lose, NULLs in a
    /// column becoming NOT NULL).
    pub findings: Vec<Finding>,
    /// The statements that bring the database to the models.
    pub upgrade: Vec<Statement>,
    /// The statements that undo them.
    pub downgrade: Vec<Statement>,
    /// The plan itself, with the whole old and new definitions of every object.
    pub plan: Plan,
}

impl DriftReport {
    fn new(dialect: &'static str, cmp: Comparison) -> DriftReport {
        DriftReport {
            dialect,
            differences: differences(&cmp.plan.changes),
            notes: cmp.plan.notes.iter().map(|n| n.message()).collect(),
            findings: cmp.findings,
            upgrade: cmp.upgrade,
            downgrade: cmp.downgrade,
            plan: cmp.plan,
        }
    }

    /// True when the database matches the models.
    pub fn is_clean(&self) -> bool {
        self.plan.is_empty()
    }

    /// One line per difference.
    pub fn summary(&self) -> Vec<String> {
        self.differences
            .iter()
            .map(|d| d.description.clone())
            .collect()
    }

    /// The upgrade statements as one SQL script (comments and `retort:todo`
    /// lines included), as `retort diff` prints it.
    pub fn upgrade_sql(&self) -> String {
        statements_sql(&self.upgrade)
    }

    /// The downgrade statements as one SQL script.
    pub fn downgrade_sql(&self) -> String {
        statements_sql(&self.downgrade)
    }
}

/// A readable report: `the database matches the models`, or the differences,
/// notes, findings and the upgrade SQL.
impl std::fmt::Display for DriftReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_clean() {
            return write!(f, "the {} database matches the models", self.dialect);
        }
        writeln!(
            f,
            "the {} database differs from the models ({} difference(s)):",
            self.dialect,
            self.differences.len()
        )?;
        for d in &self.differences {
            writeln!(f, "  - {}", d.description)?;
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        for x in &self.findings {
            if x.kind != "rename" {
                writeln!(f, "warning: {}", x.message)?;
            }
        }
        write!(
            f,
            "\nSQL that brings the database to the models:\n{}",
            self.upgrade_sql()
        )
    }
}

/// SQL text of statements: comment lines, `-- retort:todo` lines, `stmt;`.
fn statements_sql(statements: &[Statement]) -> String {
    let mut out = String::new();
    for st in statements {
        for line in st.comment.iter().flat_map(|c| c.lines()) {
            out.push_str(&format!("-- {line}\n"));
        }
        for line in st.todo.iter().flat_map(|t| t.lines()) {
            out.push_str(&format!("-- retort:todo {line}\n"));
        }
        let sql = st.sql.trim().trim_end_matches(';');
        if !sql.is_empty() {
            out.push_str(sql);
            out.push_str(";\n");
        }
    }
    out
}

fn differences(changes: &[Change]) -> Vec<Difference> {
    let mut out = Vec::new();
    for change in changes {
        let (op, table) = match change {
            Change::CreateEnum { .. } => ("create_enum", None),
            Change::DropEnum { .. } => ("drop_enum", None),
            Change::AlterEnum { .. } => ("alter_enum", None),
            Change::CreateSequence { .. } => ("create_sequence", None),
            Change::DropSequence { .. } => ("drop_sequence", None),
            Change::AlterSequence { .. } => ("alter_sequence", None),
            Change::CreateTable { table } => ("create_table", Some(table.qualified_name())),
            Change::DropTable { table } => ("drop_table", Some(table.qualified_name())),
            Change::RenameTable { to, .. } => ("rename_table", Some(to.clone())),
            Change::AlterTable(d) => {
                let t = d.to.qualified_name();
                for c in &d.changes {
                    let (op, column) = table_change(c);
                    out.push(Difference {
                        op,
                        table: Some(t.to_string()),
                        column,
                        description: c.describe(&t),
                    });
                }
                continue;
            }
        };
        out.push(Difference {
            op,
            table: table.map(|t| t.to_string()),
            column: None,
            description: change.describe(),
        });
    }
    out
}

fn table_change(c: &TableChange) -> (&'static str, Option<String>) {
    match c {
        TableChange::AddColumn { column } => ("add_column", Some(column.name.clone())),
        TableChange::DropColumn { column } => ("drop_column", Some(column.name.clone())),
        TableChange::RenameColumn { to, .. } => ("rename_column", Some(to.clone())),
        TableChange::AlterColumn { to, .. } => ("alter_column", Some(to.name.clone())),
        TableChange::SetPrimaryKey { .. } => ("set_primary_key", None),
        TableChange::AddUnique { .. } => ("add_unique", None),
        TableChange::DropUnique { .. } => ("drop_unique", None),
        TableChange::AddIndex { .. } => ("add_index", None),
        TableChange::DropIndex { .. } => ("drop_index", None),
        TableChange::AddForeignKey { .. } => ("add_foreign_key", None),
        TableChange::DropForeignKey { .. } => ("drop_foreign_key", None),
        TableChange::AddCheck { .. } => ("add_check", None),
        TableChange::DropCheck { .. } => ("drop_check", None),
        TableChange::SetComment { .. } => ("set_comment", None),
        TableChange::SetOptions { .. } => ("set_options", None),
    }
}

fn validate(metadata: &Metadata, context: &str) -> Result<(), Error> {
    metadata
        .validate()
        .map_err(|problems| Error::InvalidModels {
            context: context.to_string(),
            problems,
        })
}

async fn compare(
    driver: &mut dyn Driver,
    metadata: &Metadata,
    options: &DriftOptions,
    context: &str,
) -> Result<DriftReport, Error> {
    let models = metadata.schema();
    let scope = engine::scope_for(models, &options.exclude_tables, &options.version_table);
    let cmp = engine::compare(driver, models, &scope, &DiffOptions::default())
        .await
        .map_err(|e| Error::compare(context, e))?;
    Ok(DriftReport::new(driver.dialect().kind().name(), cmp))
}

/// Compare the database with the models, at start-up: the full difference
/// (what changes, the SQL that would fix it, the risks), the same as `retort
/// check` finds. Nothing is written. The version table `retort_version` is
/// ignored; [`check_schema_drift_with`] takes other options.
///
/// `pool` is the application's `sqlx::PgPool`, `sqlx::MySqlPool` or
/// `sqlx::SqlitePool` (one connection is borrowed for the call), or a URL.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let pool = sqlx::SqlitePool::connect("sqlite://app.db").await?;
/// let report = retort::check_schema_drift(&pool, &retort::Metadata::all()).await?;
/// if !report.is_clean() {
///     eprintln!("{report}"); // each difference, then the SQL that fixes it
///     for d in &report.differences {
///         eprintln!("{} {:?} {:?}", d.op, d.table, d.column);
///     }
/// }
/// # Ok(()) }
/// ```
pub async fn check_schema_drift<P: Connectable + ?Sized>(
    pool: &P,
    metadata: &Metadata,
) -> Result<DriftReport, Error> {
    check_schema_drift_with(pool, metadata, &DriftOptions::default()).await
}

/// [`check_schema_drift`] with another version table name or excluded tables.
///
/// ```no_run
/// # async fn run(pool: &sqlx::PgPool) -> Result<(), retort::Error> {
/// use retort::DriftOptions;
/// let options = DriftOptions::default()
///     .version_table("schema_versions")
///     .exclude_tables(["spatial_ref_sys", "tmp_*"]);
/// let report = retort::check_schema_drift_with(pool, &retort::Metadata::all(), &options).await?;
/// println!("{report}");
/// # Ok(()) }
/// ```
pub async fn check_schema_drift_with<P: Connectable + ?Sized>(
    pool: &P,
    metadata: &Metadata,
    options: &DriftOptions,
) -> Result<DriftReport, Error> {
    const CONTEXT: &str = "checking the database schema against the models";
    validate(metadata, CONTEXT)?;
    let mut driver = pool.driver(CONTEXT).await?;
    compare(driver.as_mut(), metadata, options, CONTEXT).await
}

/// Create the schema of the models in the database, for tests: compare the
/// database with the models and apply the difference (no revision files, no
/// version table). On PostgreSQL and SQLite this runs in one transaction; MySQL
/// cannot roll back DDL, so a failure there names the statement that failed.
///
/// It only adds and alters: tables and enum types the models do not have are
/// left alone, and it refuses (applying nothing) when the database has a
/// column the models lack or a change needs a decision (a NOT NULL column
/// without default added to a table). Returns what it applied (clean when the
/// database already matched).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// # #[derive(retort::Model)] #[model(table = "users")] struct User { #[model(primary_key)] id: i32 }
/// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
/// retort::create_all(&pool, &retort::Metadata::of::<(User,)>()).await?;
/// # Ok(()) }
/// ```
pub async fn create_all<P: Connectable + ?Sized>(
    pool: &P,
    metadata: &Metadata,
) -> Result<DriftReport, Error> {
    create_all_with(pool, metadata, &DriftOptions::default()).await
}

/// [`create_all`] with another version table name or excluded tables.
pub async fn create_all_with<P: Connectable + ?Sized>(
    pool: &P,
    metadata: &Metadata,
    options: &DriftOptions,
) -> Result<DriftReport, Error> {
    const CONTEXT: &str = "creating the schema of the models";
    validate(metadata, CONTEXT)?;
    let mut driver = pool.driver(CONTEXT).await?;
    let driver = driver.as_mut();
    let mut report = compare(driver, metadata, options, CONTEXT).await?;
    // Leave what the models do not mention alone, like SQLAlchemy's create_all.
    let kept: Vec<Change> = report
        .plan
        .changes
        .iter()
        .filter(|c| !matches!(c, Change::DropTable { .. } | Change::DropEnum { .. }))
        .cloned()
        .collect();
    if kept.len() != report.plan.changes.len() {
        report.plan.changes = kept;
        let (upgrade, downgrade) = engine::render_plan(driver.dialect(), &report.plan);
        report.upgrade = upgrade;
        report.downgrade = downgrade;
        report.differences = differences(&report.plan.changes);
        report
            .findings
            .retain(|f| !f.message.starts_with("drop table "));
    }
    let mut reasons: Vec<String> = report
        .differences
        .iter()
        .filter(|d| d.op == "drop_column")
        .map(|d| d.description.clone())
        .collect();
    reasons.extend(report.upgrade.iter().filter_map(|s| s.todo.clone()));
    if !reasons.is_empty() {
        return Err(Error::Refused {
            context: CONTEXT.to_string(),
            reasons,
        });
    }
    apply(driver, &report.upgrade)
        .await
        .map_err(|e| Error::db(CONTEXT, e))?;
    Ok(report)
}

/// Run statements, in one transaction when the dialect rolls back DDL and no
/// statement must run outside one.
async fn apply(
    driver: &mut dyn Driver,
    statements: &[Statement],
) -> Result<(), retort_dialect::DbError> {
    let runnable: Vec<&Statement> = statements
        .iter()
        .filter(|s| !s.sql.trim().is_empty())
        .collect();
    if runnable.is_empty() {
        return Ok(());
    }
    let transaction =
        driver.dialect().transactional_ddl() && !runnable.iter().any(|s| s.no_transaction);
    if transaction {
        driver.begin().await?;
    }
    for st in runnable {
        if let Err(mut e) = driver.execute(&st.sql).await {
            if transaction {
                let _ = driver.rollback().await;
            }
            e.sql.get_or_insert_with(|| st.sql.clone());
            return Err(e);
        }
    }
    if transaction && let Err(e) = driver.commit().await {
        let _ = driver.rollback().await;
        return Err(e);
    }
    Ok(())
}
