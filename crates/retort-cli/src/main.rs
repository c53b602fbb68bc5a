//! The `retort` command. Thin by design: it reads flags and `retort.toml`, calls
//! the libraries, prints, and maps errors to exit codes (see [`error`]).

mod args;
mod commands;
mod config;
mod ctx;
mod error;
mod output;

use clap::Parser;

fn main() {
    let cli = args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(2);
        }
    };
    let mut ctx = ctx::Ctx::new(cli.global);
    let result = runtime.block_on(commands::run(&mut ctx, cli.command));
    match result {
        Ok(()) => {}
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("error: {e}");
            }
            std::process::exit(e.code);
        }
    }
}
