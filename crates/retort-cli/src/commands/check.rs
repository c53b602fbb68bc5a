//! `retort check` and `retort diff`: compare the models with the database.

use std::collections::BTreeSet;

use retort_dialect::{Driver, Scope};
use retort_schema::{Change, DiffOptions, Schema};
use serde::Serialize;

use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output;

use super::revision::compare_error;

/// One reason `check` fails.
#[derive(Debug, Serialize)]
struct Problem {
    /// `multiple_heads`, `behind_head`, `unknown_revision`, `edited_revision`, `schema_drift`.
    kind: &'static str,
    message: String,
}

/// The JSON shape of `check` (documented in docs/json.md).
#[derive(Debug, Serialize)]
struct CheckReport {
    clean: bool,
    dialect: &'static str,
    heads: Vec<String>,
    current: Vec<String>,
    problems: Vec<Problem>,
    summary: Vec<String>,
    changes: Vec<Change>,
    upgrade_sql: String,
}

/// The models, their scope and a connection. The Rust models are scanned on a
/// thread of their own while the database's default schema is read; that read is
/// handed on when the models name no other schema (else the comparison reads the
/// catalog again, for the whole scope). Errors come in the order of a plain run:
/// the models' before the connection's.
pub(crate) async fn models_and_database(
    ctx: &mut Ctx,
) -> Result<(Schema, Scope, Box<dyn Driver>, Option<Schema>), CliError> {
    let pending = ctx.models_in_background()?;
    let mut connected = None;
    let mut early = None;
    if pending.in_background() {
        let base = ctx.default_scope()?;
        let mut conn = ctx.connect().await;
        if let Ok(driver) = &mut conn {
            early = driver.introspect(&base).await.ok();
        }
        connected = Some(conn);
    }
    let models = pending.wait()?;
    let scope = ctx.scope(&models)?;
    let driver = match connected {
        Some(conn) => conn?,
        None => ctx.connect().await?,
    };
    let early = early.filter(|_| scope.schemas.is_empty());
    Ok((models, scope, driver, early))
}

/// `retort check`.
pub async fn check(ctx: &mut Ctx) -> Result<(), CliError> {
    let migrations = ctx.migrations()?;
    let (models, scope, mut driver, early) = models_and_database(ctx).await?;
    let opts = ctx.run_options()?;
    let mut problems = Vec::new();

    let heads: Vec<String> = migrations
        .graph
        .heads()
        .into_iter()
        .map(String::from)
        .collect();
    if heads.len() > 1 {
        problems.push(Problem {
            kind: "multiple_heads",
            message: format!(
                "the revision graph has {} heads ({}): merge them with `retort merge -m \"merge\"`",
                heads.len(),
                heads.join(", ")
            ),
        });
    }
    let rows = retort_migrate::applied(driver.as_mut(), &opts).await?;
    for p in retort_migrate::applied_problems(&migrations, &rows) {
        let kind = match p {
            retort_migrate::MigrateError::ChecksumMismatch { .. } => "edited_revision",
            _ => "unknown_revision",
        };
        problems.push(Problem {
            kind,
            message: p.to_string(),
        });
    }
    let applied: BTreeSet<String> = rows.iter().map(|r| r.revision.clone()).collect();
    let current: Vec<String> = migrations.graph.current(&applied);
    let pending: Vec<&str> = migrations
        .graph
        .topological()
        .into_iter()
        .filter(|id| !applied.contains(*id))
        .collect();
    if !pending.is_empty() {
        problems.push(Problem {
            kind: "behind_head",
            message: format!(
                "the database is behind head: {} revision(s) not applied ({}); run `retort upgrade head`",
                pending.len(),
                pending.join(", ")
            ),
        });
    }

    let cmp = compare(driver.as_mut(), &models, &scope, early).await?;
    // The process ends after the report: freeing every model table one by one
    // would only delay the exit.
    std::mem::forget(models);
    let summary: Vec<String> = cmp
        .plan
        .changes
        .iter()
        .flat_map(|c| c.describe().lines().map(String::from).collect::<Vec<_>>())
        .collect();
    if !cmp.is_clean() {
        problems.push(Problem {
            kind: "schema_drift",
            message: format!(
                "the database and the models disagree ({} change(s))",
                summary.len()
            ),
        });
    }
    let report = CheckReport {
        clean: problems.is_empty(),
        dialect: driver.dialect().kind().name(),
        heads,
        current,
        summary: summary.clone(),
        changes: cmp.plan.changes.clone(),
        upgrade_sql: output::statements_sql(&cmp.upgrade),
        problems,
    };
    if ctx.json() {
        output::json(&report)?;
    } else if report.clean {
        if !ctx.global.quiet {
            println!("OK: the database matches the models and is at head");
        }
    } else {
        for p in &report.problems {
            println!("problem: {}", p.message);
        }
        if !summary.is_empty() {
            println!("\nTo bring the database to the models:");
            for s in &summary {
                println!("  {s}");
            }
            if ctx.global.verbose {
                println!("\n{}", report.upgrade_sql);
            }
            println!(
                "\nWrite a revision with `retort revision --autogenerate -m \"...\"`, or `retort diff` to see the SQL."
            );
        }
    }
    if report.clean {
        Ok(())
    } else {
        Err(CliError::problem(""))
    }
}

/// Compare the models with the database (default options), reusing a catalog read
/// made while the models were scanned.
async fn compare(
    driver: &mut dyn Driver,
    models: &Schema,
    scope: &Scope,
    early: Option<Schema>,
) -> Result<retort::engine::Comparison, CliError> {
    retort::engine::compare_with(driver, models, scope, &DiffOptions::default(), early)
        .await
        .map_err(compare_error)
}

/// `retort diff`.
pub async fn diff(ctx: &mut Ctx) -> Result<(), CliError> {
    let (models, scope, mut driver, early) = models_and_database(ctx).await?;
    let cmp = compare(driver.as_mut(), &models, &scope, early).await?;
    if ctx.json() {
        return output::json(&serde_json::json!({
            "clean": cmp.is_clean(),
            "changes": cmp.plan.changes,
            "notes": cmp.plan.notes,
            "findings": cmp.findings,
            "upgrade": cmp.upgrade,
            "downgrade": cmp.downgrade,
        }));
    }
    if cmp.is_clean() {
        if !ctx.global.quiet {
            println!("-- No changes detected");
        }
        return Ok(());
    }
    print!("{}", output::statements_sql(&cmp.upgrade));
    for f in &cmp.findings {
        eprintln!("warning: {}", f.message);
    }
    Ok(())
}
