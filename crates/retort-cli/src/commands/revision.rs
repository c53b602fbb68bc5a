//! `retort revision` (plain and `--autogenerate`) and `retort merge`.

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};
use std::time::SystemTime;

use retort::engine::{self, Comparison};
use retort_dialect::Statement;
use retort_migrate::{
    Migrations, NewRevision, new_revision_id, validate_revision_id, write_revision,
};
use retort_schema::{DiffOptions, Note, QualifiedName};
use serde::Serialize;

use crate::args::RevisionArgs;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output;

/// `retort revision`.
pub async fn revision(ctx: &mut Ctx, args: RevisionArgs) -> Result<(), CliError> {
    let migrations = ctx.migrations()?;
    let id = match &args.rev_id {
        Some(id) => {
            validate_revision_id(id)?;
            if migrations.get(id).is_some() {
                return Err(CliError::input(format!("revision {id} already exists"))
                    .with_help("choose another --rev-id"));
            }
            id.clone()
        }
        None => new_revision_id(),
    };
    let revises = parents(&migrations, args.head.as_deref())?;
    let mut opts = diff_options(&args.rename, &args.backfill)?;

    if !args.autogenerate {
        return write(
            ctx,
            &migrations,
            NewRevision {
                id,
                message: args.message,
                revises,
                created: SystemTime::now(),
                upgrade: Vec::new(),
                downgrade: Vec::new(),
                upgrade_no_transaction: false,
                downgrade_no_transaction: false,
            },
            &[],
        );
    }

    let (models, scope, mut driver, early) = super::check::models_and_database(ctx).await?;
    let run_opts = ctx.run_options()?;
    let applied: BTreeSet<String> = retort_migrate::applied(driver.as_mut(), &run_opts)
        .await?
        .into_iter()
        .map(|r| r.revision)
        .collect();
    let heads: BTreeSet<String> = migrations
        .graph
        .heads()
        .into_iter()
        .map(String::from)
        .collect();
    let current: BTreeSet<String> = migrations.graph.current(&applied).into_iter().collect();
    if current != heads {
        return Err(CliError::input(format!(
            "the database is not at head (it is at {}; head is {})",
            list_or(&current, "base"),
            list_or(&heads, "base")
        ))
        .with_help("run `retort upgrade head` first, so the new revision is computed from the latest schema"));
    }

    let mut cmp = engine::compare_with(driver.as_mut(), &models, &scope, &opts, early)
        .await
        .map_err(compare_error)?;
    // At an interactive terminal, offer to turn probable renames into renames.
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() && !ctx.json() {
        let mut changed = false;
        for note in cmp.plan.notes.clone() {
            if confirm_rename(&note)? {
                match note {
                    Note::ProbableTableRename { from, to } => opts.table_renames.push((from, to)),
                    Note::ProbableColumnRename { table, from, to } => {
                        opts.column_renames.push((table, from, to))
                    }
                }
                changed = true;
            }
        }
        if changed {
            cmp = engine::compare(driver.as_mut(), &models, &scope, &opts)
                .await
                .map_err(compare_error)?;
        }
    }

    if cmp.is_clean() && !args.allow_empty {
        if ctx.json() {
            output::json(&serde_json::json!({ "written": null, "changes": [] }))?;
        } else {
            println!("No changes detected");
        }
        return Ok(());
    }
    let findings: Vec<String> = cmp.findings.iter().map(|f| f.message.clone()).collect();
    let Comparison {
        upgrade, downgrade, ..
    } = cmp.clone();
    let summary: Vec<String> = cmp.plan.changes.iter().map(|c| c.describe()).collect();
    self_verify(ctx, driver.as_mut(), &models, &scope, &args, &cmp).await?;
    write(
        ctx,
        &migrations,
        NewRevision {
            id,
            message: args.message,
            revises,
            created: SystemTime::now(),
            upgrade,
            downgrade,
            upgrade_no_transaction: false,
            downgrade_no_transaction: false,
        },
        &WriteReport { summary, findings }.lines(),
    )
}

/// Apply the new revision to a scratch copy of the live schema before it is
/// written: the upgrade must give the models, the downgrade the start again.
/// Skipped with `--no-verify`, and (with a warning) when the revision has to-dos.
async fn self_verify(
    ctx: &mut Ctx,
    driver: &mut dyn retort_dialect::Driver,
    models: &retort_schema::Schema,
    scope: &retort_dialect::Scope,
    args: &RevisionArgs,
    cmp: &Comparison,
) -> Result<(), CliError> {
    let (upgrade, downgrade) = (&cmp.upgrade, &cmp.downgrade);
    if args.no_verify || (upgrade.is_empty() && downgrade.is_empty()) {
        return Ok(());
    }
    if upgrade.iter().chain(downgrade).any(|s| s.todo.is_some()) {
        if !ctx.global.quiet {
            eprintln!(
                "warning: the revision has retort:todo lines, so it was not verified on a scratch database; run `retort verify` once they are resolved"
            );
        }
        return Ok(());
    }
    let base = {
        let c = ctx.config()?;
        c.dev_url.clone().unwrap_or_else(|| c.database_url.clone())
    };
    let desired = engine::desired_schema(driver.dialect(), models, scope).map_err(compare_error)?;
    let live = driver.introspect(scope).await?;
    retort::scratch::drop_scratches_on_signal();
    let outcome = retort::verify::verify_revision(
        &base,
        &live,
        &desired,
        scope,
        &cmp.plan.changes,
        upgrade,
        downgrade,
    )
    .await
    .unwrap_or_else(|e| {
        // No scratch database (no right to create one, dev_url unreachable):
        // the revision is still worth writing, unverified.
        retort::verify::RevisionCheck::NotVerified(format!(
            "no scratch database could be used ({}); set [database] dev_url to a server where retort may create databases",
            e.message
        ))
    });
    let problems = match outcome {
        retort::verify::RevisionCheck::Passed => {
            if ctx.global.verbose {
                eprintln!(
                    "verified on a scratch database: the upgrade gives the models and the downgrade undoes it"
                );
            }
            return Ok(());
        }
        retort::verify::RevisionCheck::NotVerified(why) => {
            if !ctx.global.quiet {
                eprintln!("warning: the revision was not verified: {why}");
            }
            return Ok(());
        }
        retort::verify::RevisionCheck::Failed(problems) => problems,
    };
    let text = problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n");
    Err(CliError::input(format!(
        "the new revision does not round-trip on a scratch copy of the database, so no file was written:\n{text}"
    ))
    .with_help("the models use something retort cannot migrate (see the difference above); write the revision by hand, or pass --no-verify to write it anyway and edit it"))
}

/// Summary lines printed after a revision is written.
struct WriteReport {
    summary: Vec<String>,
    findings: Vec<String>,
}

impl WriteReport {
    fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .summary
            .iter()
            .flat_map(|s| s.lines().map(|l| format!("  {l}")))
            .collect();
        out.extend(self.findings.iter().map(|f| format!("warning: {f}")));
        out
    }
}

#[derive(Serialize)]
struct Written<'a> {
    written: String,
    revision: &'a str,
    revises: &'a [String],
    todos: Vec<String>,
    report: &'a [String],
}

fn write(
    ctx: &mut Ctx,
    migrations: &Migrations,
    rev: NewRevision,
    report: &[String],
) -> Result<(), CliError> {
    let _ = migrations;
    let dir = ctx.config()?.migrations_dir.clone();
    let root = ctx.config()?.root.clone();
    let path = write_revision(&dir, &rev)?;
    let shown = path
        .strip_prefix(&root)
        .unwrap_or(&path)
        .display()
        .to_string();
    let todos: Vec<String> = rev
        .upgrade
        .iter()
        .chain(&rev.downgrade)
        .filter_map(|s: &Statement| s.todo.clone())
        .collect();
    if ctx.json() {
        return output::json(&Written {
            written: shown,
            revision: &rev.id,
            revises: &rev.revises,
            todos,
            report,
        });
    }
    if !ctx.global.quiet {
        println!("Generated {shown} (revision {})", rev.id);
        for line in report {
            if line.starts_with("warning:") {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
        }
    }
    for t in &todos {
        eprintln!("warning: to do before upgrading: {t} (see the retort:todo line in {shown})");
    }
    Ok(())
}

/// `retort merge`.
pub fn merge(ctx: &mut Ctx, message: &str, revs: &[String]) -> Result<(), CliError> {
    let migrations = ctx.migrations()?;
    let revises: Vec<String> = if revs.is_empty() {
        migrations
            .graph
            .heads()
            .into_iter()
            .map(String::from)
            .collect()
    } else {
        revs.iter()
            .map(|r| migrations.resolve(r).map(|r| r.id.clone()))
            .collect::<Result<_, _>>()?
    };
    if revises.len() < 2 {
        return Err(CliError::input(format!(
            "a merge needs two or more revisions; {} given or found",
            revises.len()
        ))
        .with_help("`retort heads` lists the heads to merge"));
    }
    write(
        ctx,
        &migrations,
        NewRevision {
            id: new_revision_id(),
            message: message.to_string(),
            revises,
            created: SystemTime::now(),
            upgrade: Vec::new(),
            downgrade: Vec::new(),
            upgrade_no_transaction: false,
            downgrade_no_transaction: false,
        },
        &[],
    )
}

/// The parents of a new revision: `--head` or the single head.
fn parents(migrations: &Migrations, head: Option<&str>) -> Result<Vec<String>, CliError> {
    if let Some(h) = head {
        if h == "base" {
            return Ok(Vec::new());
        }
        return Ok(vec![migrations.resolve(h)?.id.clone()]);
    }
    let heads = migrations.graph.heads();
    match heads.len() {
        0 => Ok(Vec::new()),
        1 => Ok(vec![heads[0].to_string()]),
        _ => Err(CliError::input(format!(
            "the revision graph has several heads: {}",
            heads.join(", ")
        ))
        .with_help("merge them with `retort merge -m \"merge\"`, or choose one with --head")),
    }
}

/// Parse `--rename` and `--backfill` flags.
pub fn diff_options(renames: &[String], backfills: &[String]) -> Result<DiffOptions, CliError> {
    let mut opts = DiffOptions::default();
    for r in renames {
        let (lhs, new) = r.split_once('=').ok_or_else(|| {
            CliError::input(format!(
                "--rename {r}: expected TABLE.OLD=NEW for a column or OLD=NEW for a table"
            ))
        })?;
        let new = new.trim();
        if new.is_empty() || lhs.trim().is_empty() {
            return Err(CliError::input(format!(
                "--rename {r}: both names are needed"
            )));
        }
        match lhs.rsplit_once('.') {
            Some((table, old)) => {
                opts.column_renames
                    .push((qualified(table), old.trim().into(), new.into()))
            }
            None => opts.table_renames.push((qualified(lhs), qualified(new))),
        }
    }
    for b in backfills {
        let (lhs, sql) = b
            .split_once('=')
            .ok_or_else(|| CliError::input(format!("--backfill {b}: expected TABLE.COLUMN=SQL")))?;
        let (table, col) = lhs
            .rsplit_once('.')
            .ok_or_else(|| CliError::input(format!("--backfill {b}: expected TABLE.COLUMN=SQL")))?;
        if sql.trim().is_empty() {
            return Err(CliError::input(format!(
                "--backfill {b}: the SQL expression is empty"
            )));
        }
        opts.backfills
            .push((qualified(table), col.trim().into(), sql.trim().into()));
    }
    Ok(opts)
}

fn qualified(s: &str) -> QualifiedName {
    match s.trim().split_once('.') {
        Some((schema, name)) => QualifiedName {
            schema: Some(schema.into()),
            name: name.into(),
        },
        None => QualifiedName::new(s.trim()),
    }
}

fn list_or(set: &BTreeSet<String>, empty: &str) -> String {
    if set.is_empty() {
        empty.to_string()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

pub(crate) fn compare_error(e: engine::CompareError) -> CliError {
    CliError::input(e.to_string())
}

fn confirm_rename(note: &Note) -> Result<bool, CliError> {
    let question = match note {
        Note::ProbableTableRename { from, to } => {
            format!("Is table {to} the table {from} renamed? [y/N] ")
        }
        Note::ProbableColumnRename { table, from, to } => {
            format!("Is column {table}.{to} the column {table}.{from} renamed? [y/N] ")
        }
    };
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::input(format!("cannot read the answer: {e}")))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}
