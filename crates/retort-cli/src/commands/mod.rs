//! One module per family of commands; [`run`] dispatches.

mod check;
mod erd;
mod info;
mod init;
mod lint;
mod revision;
mod run;
mod verify;

use crate::args::Command;
use crate::ctx::Ctx;
use crate::error::CliError;

/// Run one command.
pub async fn run(ctx: &mut Ctx, command: Command) -> Result<(), CliError> {
    let result = dispatch(ctx, command).await;
    if retort::scratch::interrupted() {
        // A signal arrived: its handler is dropping the scratch databases (which
        // may have made this command fail) and ends the process with 130 or 143.
        retort::scratch::wait_for_signal_exit();
    }
    result
}

async fn dispatch(ctx: &mut Ctx, command: Command) -> Result<(), CliError> {
    match command {
        Command::Init { dir } => init::init(ctx, dir),
        Command::Revision(args) => revision::revision(ctx, args).await,
        Command::Merge { message, revs } => revision::merge(ctx, &message, &revs),
        Command::Upgrade { target, sql } => run::upgrade(ctx, &target, sql).await,
        Command::Downgrade { target, sql } => run::downgrade(ctx, &target, sql).await,
        Command::Stamp { target } => run::stamp(ctx, &target).await,
        Command::Current => run::current(ctx).await,
        Command::History { range, verbose } => info::history(ctx, range.as_deref(), verbose),
        Command::Heads => info::heads(ctx),
        Command::Branches => info::branches(ctx),
        Command::Show { rev } => info::show(ctx, &rev),
        Command::Graph => info::graph(ctx),
        Command::Check => check::check(ctx).await,
        Command::Diff => check::diff(ctx).await,
        Command::Lint { revs } => lint::lint(ctx, &revs).await,
        Command::Verify => verify::verify(ctx).await,
        Command::Erd => erd::erd(ctx),
    }
}
