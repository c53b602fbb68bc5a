//! `retort init [DIR]`.

use std::path::PathBuf;

use crate::config::{FILE_NAME, template};
use crate::ctx::Ctx;
use crate::error::CliError;

/// Write `retort.toml` and `migrations/` into `dir` (default: the working directory).
pub fn init(ctx: &mut Ctx, dir: Option<PathBuf>) -> Result<(), CliError> {
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir)
        .map_err(|e| CliError::input(format!("cannot create {}: {e}", dir.display())))?;
    let file = dir.join(FILE_NAME);
    if file.exists() {
        return Err(
            CliError::input(format!("{} already exists", file.display()))
                .with_help("edit it, or run `retort init` in another folder"),
        );
    }
    std::fs::write(&file, template())
        .map_err(|e| CliError::input(format!("cannot write {}: {e}", file.display())))?;
    let migrations = dir.join("migrations");
    std::fs::create_dir_all(&migrations)
        .map_err(|e| CliError::input(format!("cannot create {}: {e}", migrations.display())))?;
    if !ctx.global.quiet {
        println!("Created {} and {}/", file.display(), migrations.display());
        println!(
            "Next: point [models] at your models, then run `retort revision --autogenerate -m \"init\"`."
        );
    }
    Ok(())
}
