//! The comparison at the heart of `check`, `diff`, autogenerate and drift
//! detection: models against a live database, through one dialect's normal form.

use retort_dialect::{DbError, Dialect, Driver, NormalizeError, Scope, Statement};
use retort_schema::{Change, DiffOptions, Plan, Schema, TableChange, diff};
use serde::Serialize;

/// What went wrong while comparing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompareError {
    /// The models use something the dialect cannot express.
    #[error("the models cannot be expressed in {dialect}:\n{}", list(.errors))]
    Normalize {
        /// The dialect.
        dialect: &'static str,
        /// Each problem.
        errors: Vec<NormalizeError>,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

fn list(errors: &[NormalizeError]) -> String {
    errors
        .iter()
        .map(|e| format!("  - {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The result of comparing the models with a database.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The changes that bring the database to the models, and notes.
    pub plan: Plan,
    /// The upgrade statements.
    pub upgrade: Vec<Statement>,
    /// The downgrade statements (the reverse of the plan).
    pub downgrade: Vec<Statement>,
    /// What the database would need to know before applying (row counts of
    /// dropped tables, NULLs in columns becoming NOT NULL, ...).
    pub findings: Vec<Finding>,
}

impl Comparison {
    /// True when the database matches the models.
    pub fn is_clean(&self) -> bool {
        self.plan.is_empty()
    }
}

/// A safety finding about one change, with live figures where a database was at hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `destructive`, `data-dependent` or `rename`.
    pub kind: &'static str,
    /// The sentence shown to the user.
    pub message: String,
}

/// The scope of a schema's models: the schemas they name, plus exclusions.
pub fn scope_for(models: &Schema, exclude_tables: &[String], version_table: &str) -> Scope {
    let mut schemas: Vec<String> = models
        .tables
        .iter()
        .filter_map(|t| t.schema.clone())
        .collect();
    schemas.extend(models.enums.iter().filter_map(|e| e.schema.clone()));
    schemas.sort();
    schemas.dedup();
    Scope {
        schemas,
        exclude_tables: exclude_tables.to_vec(),
        version_table: version_table.to_string(),
    }
}

/// The models without the tables the scope excludes, in the dialect's normal form.
pub fn desired_schema(
    dialect: &dyn Dialect,
    models: &Schema,
    scope: &Scope,
) -> Result<Schema, CompareError> {
    // A copy only when the scope leaves some table out.
    let kept;
    let models = if models.tables.iter().any(|t| scope.is_excluded(&t.name)) {
        let mut m = models.clone();
        m.tables.retain(|t| !scope.is_excluded(&t.name));
        kept = m;
        &kept
    } else {
        models
    };
    dialect
        .normalize(models)
        .map_err(|errors| CompareError::Normalize {
            dialect: dialect.kind().name(),
            errors,
        })
}

/// Render a plan both ways.
pub fn render_plan(dialect: &dyn Dialect, plan: &Plan) -> (Vec<Statement>, Vec<Statement>) {
    (
        dialect.render(&plan.changes),
        dialect.render(&plan.reverse()),
    )
}

/// Compare the models with the database the driver is connected to.
pub async fn compare(
    driver: &mut dyn Driver,
    models: &Schema,
    scope: &Scope,
    opts: &DiffOptions,
) -> Result<Comparison, CompareError> {
    compare_with(driver, models, scope, opts, None).await
}

/// [`compare`], with the database's schema already read for this scope when
/// `actual` is given (a caller that read the catalog while the models were
/// being scanned); otherwise it is read here.
pub async fn compare_with(
    driver: &mut dyn Driver,
    models: &Schema,
    scope: &Scope,
    opts: &DiffOptions,
    actual: Option<Schema>,
) -> Result<Comparison, CompareError> {
    let desired = desired_schema(driver.dialect(), models, scope)?;
    let actual = match actual {
        Some(actual) => actual,
        None => driver.introspect(scope).await?,
    };
    let plan = diff(&actual, &desired, opts);
    let (upgrade, downgrade) = render_plan(driver.dialect(), &plan);
    let findings = probe(driver, &plan).await?;
    Ok(Comparison {
        plan,
        upgrade,
        downgrade,
        findings,
    })
}

/// Gather the live figures that make a plan's risks concrete.
pub async fn probe(driver: &mut dyn Driver, plan: &Plan) -> Result<Vec<Finding>, DbError> {
    let mut out = Vec::new();
    // Tables renamed by the plan still have their old names when the probe runs.
    let old_name = |name: &retort_schema::QualifiedName| -> retort_schema::QualifiedName {
        plan.changes
            .iter()
            .find_map(|c| match c {
                Change::RenameTable { from, to } if to == name => Some(from.clone()),
                _ => None,
            })
            .unwrap_or_else(|| name.clone())
    };
    for note in &plan.notes {
        out.push(Finding {
            kind: "rename",
            message: note.message(),
        });
    }
    for change in &plan.changes {
        match change {
            Change::DropTable { table } => {
                let q = driver.dialect().quote_name(&table.qualified_name());
                let rows = count(driver, &format!("SELECT COUNT(*) FROM {q}")).await?;
                out.push(Finding {
                    kind: "destructive",
                    message: format!(
                        "drop table {}: its {rows} row(s) would be lost",
                        table.qualified_name()
                    ),
                });
            }
            Change::AlterTable(d) => {
                let tq = driver
                    .dialect()
                    .quote_name(&old_name(&d.from.qualified_name()));
                for c in &d.changes {
                    match c {
                        TableChange::DropColumn { column } => {
                            let cq = driver.dialect().quote_ident(&column.name);
                            let rows = count(
                                driver,
                                &format!("SELECT COUNT(*) FROM {tq} WHERE {cq} IS NOT NULL"),
                            )
                            .await?;
                            out.push(Finding {
                                kind: "destructive",
                                message: format!(
                                    "drop column {}.{}: {rows} non-NULL value(s) would be lost",
                                    d.to.qualified_name(),
                                    column.name
                                ),
                            });
                        }
                        TableChange::AddColumn { column }
                            if !column.nullable
                                && column.default.is_none()
                                && !column.auto_increment =>
                        {
                            let rows = count(driver, &format!("SELECT COUNT(*) FROM {tq}")).await?;
                            let how = match &column.backfill {
                                Some(b) => format!("they are backfilled with {b}"),
                                None => "no backfill is known: the revision has a retort:todo to resolve".to_string(),
                            };
                            out.push(Finding {
                                kind: "data-dependent",
                                message: format!(
                                    "add NOT NULL column {}.{} to a table with {rows} row(s): {how}",
                                    d.to.qualified_name(),
                                    column.name
                                ),
                            });
                        }
                        TableChange::AlterColumn { from, to } if from.nullable && !to.nullable => {
                            let cq = driver.dialect().quote_ident(&from.name);
                            let nulls = count(
                                driver,
                                &format!("SELECT COUNT(*) FROM {tq} WHERE {cq} IS NULL"),
                            )
                            .await?;
                            out.push(Finding {
                                kind: "data-dependent",
                                message: format!(
                                    "set NOT NULL on {}.{}: {nulls} row(s) are NULL now{}",
                                    d.to.qualified_name(),
                                    to.name,
                                    match (&to.backfill, nulls.0) {
                                        (_, Some(0)) => String::new(),
                                        (Some(b), _) => format!(" and are backfilled with {b}"),
                                        (None, _) =>
                                            " and the upgrade will fail unless they are filled"
                                                .to_string(),
                                    }
                                ),
                            });
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// A count for a message; `an unknown number of` when the query fails (for
/// example on a column that an earlier change of the same plan renames).
async fn count(driver: &mut dyn Driver, sql: &str) -> Result<Count, DbError> {
    Ok(match driver.query(sql).await {
        Ok(rows) => Count(
            rows.first()
                .and_then(|r| r.first())
                .and_then(|v| v.as_deref())
                .and_then(|v| v.parse().ok()),
        ),
        Err(_) => Count(None),
    })
}

#[derive(Clone, Copy)]
struct Count(Option<i64>);

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(n) => write!(f, "{n}"),
            None => f.write_str("an unknown number of"),
        }
    }
}
