//! `retort verify`: the migrations, checked on a scratch database.

use retort::verify::{Report, VerifyError};

use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output;

/// `retort verify`: exit 1 when a check fails.
pub async fn verify(ctx: &mut Ctx) -> Result<(), CliError> {
    let migrations = ctx.migrations()?;
    let models = ctx.models()?;
    let scope = ctx.scope(&models)?;
    let opts = ctx.run_options()?;
    let base = {
        let c = ctx.config()?;
        c.dev_url.clone().unwrap_or_else(|| c.database_url.clone())
    };
    retort::scratch::drop_scratches_on_signal();
    let report = retort::verify::verify(&migrations, &models, &scope, &base, &opts)
        .await
        .map_err(|e| match e {
            VerifyError::Db(db) => CliError::from(db),
            e @ VerifyError::SharedDatabase(_) => CliError::input(e.to_string())
                .with_help("set [database] dev_url to a server where retort may create databases"),
            other => CliError::input(other.to_string()),
        })?;
    if ctx.json() {
        output::json(&report)?;
    } else {
        print_text(ctx, &report);
    }
    if report.ok {
        Ok(())
    } else {
        let failed = report.checks.iter().filter(|c| !c.ok).count();
        Err(CliError::problem(format!(
            "verify found {failed} problem(s)"
        )))
    }
}

fn print_text(ctx: &Ctx, report: &Report) {
    for c in &report.checks {
        if c.ok && ctx.global.quiet {
            continue;
        }
        let mark = if c.ok { "ok  " } else { "FAIL" };
        println!("{mark} {:<14} {}", c.name, c.message);
    }
    if report.ok && !ctx.global.quiet {
        println!("All {} checks passed", report.checks.len());
    }
}
