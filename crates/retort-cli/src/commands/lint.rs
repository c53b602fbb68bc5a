//! `retort lint [REV...]`: the safety findings of revisions (SPEC 7).

use std::collections::BTreeSet;

use retort_migrate::lint::{self, Finding, Severity};
use serde::Serialize;

use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output;

#[derive(Serialize)]
struct Report {
    ok: bool,
    live: bool,
    revisions: Vec<String>,
    findings: Vec<Finding>,
}

/// Lint the given revisions; by default those the database has not applied yet
/// (every revision when the database cannot be reached).
pub async fn lint(ctx: &mut Ctx, revs: &[String]) -> Result<(), CliError> {
    let migrations = ctx.migrations()?;
    let opts = ctx.run_options()?;
    let mut driver = ctx.connect().await.ok();
    let ids: Vec<String> = if !revs.is_empty() {
        revs.iter()
            .map(|r| migrations.resolve(r).map(|r| r.id.clone()))
            .collect::<Result<_, _>>()?
    } else {
        let applied: BTreeSet<String> = match driver.as_mut() {
            Some(d) => retort_migrate::applied(d.as_mut(), &opts)
                .await?
                .into_iter()
                .map(|r| r.revision)
                .collect(),
            None => BTreeSet::new(),
        };
        migrations
            .graph
            .topological()
            .into_iter()
            .filter(|id| !applied.contains(*id))
            .map(String::from)
            .collect()
    };
    let live = driver.is_some();
    let root = ctx.config()?.root.clone();
    let mut findings = Vec::new();
    for id in &ids {
        let Some(rev) = migrations.get(id) else {
            continue;
        };
        let file = rev
            .path
            .strip_prefix(&root)
            .unwrap_or(&rev.path)
            .display()
            .to_string();
        for st in &rev.upgrade.statements {
            for risk in lint::risks(&st.sql) {
                let (severity, message) = match driver.as_mut() {
                    Some(d) => lint::assess(Some(d.as_mut()), &risk).await,
                    None => lint::assess(None, &risk).await,
                };
                findings.push(Finding {
                    revision: id.clone(),
                    file: file.clone(),
                    line: st.line,
                    severity,
                    risk,
                    message,
                });
            }
        }
    }
    let ok = findings.iter().all(|f| f.severity != Severity::Error);
    let report = Report {
        ok,
        live,
        revisions: ids,
        findings,
    };
    if ctx.json() {
        output::json(&report)?;
    } else {
        if !report.live && !ctx.global.quiet {
            eprintln!("note: the database cannot be reached; findings have no live figures");
        }
        for f in &report.findings {
            let sev = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            println!(
                "{}:{}: {sev}: {} (revision {})",
                f.file, f.line, f.message, f.revision
            );
        }
        if report.findings.is_empty() && !ctx.global.quiet {
            println!("No findings in {} revision(s)", report.revisions.len());
        }
    }
    if ok {
        Ok(())
    } else {
        Err(CliError::problem(""))
    }
}
