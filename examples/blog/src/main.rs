//! The blog at start-up: apply the revisions compiled into the binary, then
//! check that the database matches the models (SPEC §9).
//!
//! ```text
//! cargo run -p blog                      # sqlite://blog.db?mode=rwc
//! DATABASE_URL=sqlite://other.db cargo run -p blog
//! ```

use std::process::ExitCode;

use retort::{EmbeddedMigrations, Metadata};

/// The revision files of `migrations/`, embedded at compile time.
static MIGRATIONS: EmbeddedMigrations = retort::embed_migrations!("migrations");

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(clean) if clean => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Upgrade to head and report drift; `Ok(false)` when the database and the
/// models disagree.
async fn run() -> Result<bool, Box<dyn std::error::Error>> {
    // Make sure every model of the library is linked in for `Metadata::all`.
    let _ = <blog::models::User as retort::Model>::table;
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://blog.db?mode=rwc".to_string());
    let pool = sqlx::SqlitePool::connect(&url).await?;

    let upgraded = MIGRATIONS.upgrade(&pool, "head").await?;
    if upgraded.ran.is_empty() {
        println!(
            "migrations: up to date ({} revision(s) embedded)",
            MIGRATIONS.files().len()
        );
    }
    for ran in &upgraded.ran {
        println!(
            "migrations: applied {} ({} ms)",
            ran.revision, ran.duration_ms
        );
    }

    let report = retort::check_schema_drift(&pool, &Metadata::all()).await?;
    println!("{report}");
    if !report.is_clean() {
        println!("(write a revision with `retort revision --autogenerate -m \"...\"`)");
    }
    pool.close().await;
    Ok(report.is_clean())
}
