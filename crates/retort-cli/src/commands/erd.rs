//! `retort erd`: the models as an entity-relationship diagram.

use crate::args::Format;
use crate::ctx::Ctx;
use crate::error::CliError;

/// `retort erd [--format mermaid|dot]` (text means mermaid).
pub fn erd(ctx: &mut Ctx) -> Result<(), CliError> {
    let mut models = ctx.models()?;
    let excluded = ctx.scope(&models)?;
    models.tables.retain(|t| !excluded.is_excluded(&t.name));
    let text = match ctx.global.format {
        Format::Dot => retort::erd::dot(&models),
        Format::Mermaid | Format::Text => retort::erd::mermaid(&models),
        Format::Json => {
            return Err(CliError::input("erd has no JSON output")
                .with_help("use --format mermaid or --format dot"));
        }
    };
    print!("{text}");
    Ok(())
}
