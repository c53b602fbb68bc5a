//! `retort upgrade`, `downgrade`, `stamp` and `current`: the commands that read or
//! change the version table.

use std::collections::BTreeSet;

use retort_migrate::{Migrations, Target};
use serde::Serialize;

use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output;

/// `retort upgrade [TARGET] [--sql]`.
pub async fn upgrade(ctx: &mut Ctx, target: &str, sql: bool) -> Result<(), CliError> {
    let migrations = ctx.migrations()?;
    let target = Target::parse(target)?;
    if sql {
        // Offline: from base (nothing applied) to the target.
        let plan = migrations.plan_upgrade(&BTreeSet::new(), &target)?;
        retort_migrate::refuse_todos(
            &migrations,
            &plan.revisions,
            retort_migrate::SectionKind::Upgrade,
        )?;
        return print_script(ctx, &migrations, &plan);
    }
    let opts = ctx.run_options()?;
    let mut driver = ctx.connect().await?;
    let report = retort_migrate::upgrade(driver.as_mut(), &migrations, &target, &opts).await?;
    print_run(ctx, &migrations, "Applied", &report)
}

/// `retort downgrade TARGET [--sql]`.
pub async fn downgrade(ctx: &mut Ctx, target: &str, sql: bool) -> Result<(), CliError> {
    let migrations = ctx.migrations()?;
    let target = Target::parse(target)?;
    if matches!(target, Target::Head | Target::Heads)
        || matches!(target, Target::Relative(n) if n > 0)
    {
        return Err(
            CliError::input(format!("downgrade target {target} is above the database"))
                .with_help("use -N, a revision id, or base"),
        );
    }
    if sql {
        // Offline: from every revision applied down to the target.
        let all: BTreeSet<String> = migrations.revisions.iter().map(|r| r.id.clone()).collect();
        let plan = migrations.plan_downgrade(&all, &target)?;
        retort_migrate::refuse_todos(
            &migrations,
            &plan.revisions,
            retort_migrate::SectionKind::Downgrade,
        )?;
        return print_script(ctx, &migrations, &plan);
    }
    let opts = ctx.run_options()?;
    let mut driver = ctx.connect().await?;
    let report = retort_migrate::downgrade(driver.as_mut(), &migrations, &target, &opts).await?;
    print_run(ctx, &migrations, "Reverted", &report)
}

fn print_script(
    ctx: &mut Ctx,
    migrations: &Migrations,
    plan: &retort_migrate::Plan,
) -> Result<(), CliError> {
    let dialect = ctx.dialect()?;
    let table = ctx.config()?.version_table.clone();
    print!(
        "{}",
        retort_migrate::sql_script(migrations, dialect, plan, &table)
    );
    Ok(())
}

fn print_run(
    ctx: &Ctx,
    migrations: &Migrations,
    verb: &str,
    report: &retort_migrate::RunReport,
) -> Result<(), CliError> {
    if ctx.json() {
        return output::json(report);
    }
    if ctx.global.quiet {
        return Ok(());
    }
    if report.ran.is_empty() {
        println!("Nothing to do: the database is already there");
    }
    for r in &report.ran {
        let msg = migrations
            .get(&r.revision)
            .map(|x| x.message.as_str())
            .unwrap_or("");
        println!("{verb} {} {msg} ({} ms)", r.revision, r.duration_ms);
    }
    Ok(())
}

/// `retort stamp TARGET`.
pub async fn stamp(ctx: &mut Ctx, target: &str) -> Result<(), CliError> {
    let migrations = ctx.migrations()?;
    let target = Target::parse(target)?;
    let opts = ctx.run_options()?;
    let mut driver = ctx.connect().await?;
    let report = retort_migrate::stamp(driver.as_mut(), &migrations, &target, &opts).await?;
    if ctx.json() {
        return output::json(&report);
    }
    if !ctx.global.quiet {
        for id in &report.added {
            println!("Stamped {id}");
        }
        for id in &report.removed {
            println!("Unstamped {id}");
        }
        for id in &report.updated {
            println!("Re-recorded the checksum of {id}");
        }
        if report.added.is_empty() && report.removed.is_empty() && report.updated.is_empty() {
            if migrations.graph.heads().is_empty() && matches!(target, Target::Head | Target::Heads)
            {
                println!("Nothing to stamp: there are no revisions yet (head is base)");
            } else {
                println!("Nothing to do: the version table is already at {target}");
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct CurrentEntry {
    revision: String,
    message: Option<String>,
    is_head: bool,
    applied_at: String,
}

/// `retort current`.
pub async fn current(ctx: &mut Ctx) -> Result<(), CliError> {
    let migrations = ctx.migrations()?;
    let opts = ctx.run_options()?;
    let mut driver = ctx.connect().await?;
    let rows = retort_migrate::current(driver.as_mut(), &migrations, &opts).await?;
    let heads: BTreeSet<&str> = migrations.graph.heads().into_iter().collect();
    let entries: Vec<CurrentEntry> = rows
        .iter()
        .map(|r| CurrentEntry {
            revision: r.revision.clone(),
            message: migrations.get(&r.revision).map(|x| x.message.clone()),
            is_head: heads.contains(r.revision.as_str()),
            applied_at: r.applied_at.clone(),
        })
        .collect();
    if ctx.json() {
        return output::json(&serde_json::json!({ "current": entries }));
    }
    if entries.is_empty() {
        println!("(base: no revision applied)");
    }
    for e in &entries {
        let head = if e.is_head { " (head)" } else { "" };
        let msg = e
            .message
            .as_deref()
            .map(|m| format!(", {m}"))
            .unwrap_or_else(|| ", (no file)".into());
        println!("{}{head}{msg}", e.revision);
    }
    Ok(())
}
