//! `retort.toml`: finding it, reading it, and resolving paths and the database URL.
//!
//! Precedence for the URL: `--database-url`, then `DATABASE_URL` (the environment,
//! or a `.env` file), then `[database] url`, then `sqlite://retort.db` next to the
//! configuration file. Relative paths in the file (model folders, the migrations
//! folder, SQLite database files) are relative to the file.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::CliError;

/// The name of the configuration file.
pub const FILE_NAME: &str = "retort.toml";

/// The parsed configuration, with every path made absolute.
#[derive(Debug, Clone)]
pub struct Config {
    /// The folder holding `retort.toml` (or the working directory when there is none).
    pub root: PathBuf,
    /// The configuration file, if one was found.
    pub file: Option<PathBuf>,
    /// The database URL after precedence, SQLite paths resolved.
    pub database_url: String,
    /// `[database] dev_url`: the server where scratch databases are made
    /// (default: the server of `database_url`).
    pub dev_url: Option<String>,
    /// Rust files or folders scanned for models.
    pub rust_models: Vec<PathBuf>,
    /// Declarative SQL schema files.
    pub sql_models: Vec<PathBuf>,
    /// Glob patterns of tables retort never touches.
    pub exclude_tables: Vec<String>,
    /// The migrations folder.
    pub migrations_dir: PathBuf,
    /// The version table's name.
    pub version_table: String,
    /// How long `upgrade`/`downgrade` wait for the migration lock, in seconds.
    pub lock_timeout_secs: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    database: RawDatabase,
    #[serde(default)]
    models: RawModels,
    #[serde(default)]
    migrations: RawMigrations,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    url: Option<String>,
    dev_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModels {
    #[serde(default)]
    rust: Vec<String>,
    #[serde(default)]
    sql: Vec<String>,
    #[serde(default)]
    exclude_tables: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMigrations {
    dir: Option<String>,
    version_table: Option<String>,
    lock_timeout: Option<u64>,
}

/// Walk up from `start` to the first folder holding `retort.toml`.
pub fn find(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// Load the configuration: the given file, or the one found from the working
/// directory, or defaults rooted at the working directory.
pub fn load(explicit: Option<&Path>, url_flag: Option<&str>) -> Result<Config, CliError> {
    let cwd = std::env::current_dir()
        .map_err(|e| CliError::input(format!("cannot read the working directory: {e}")))?;
    let file = match explicit {
        Some(p) => {
            let p = if p.is_absolute() {
                p.to_path_buf()
            } else {
                cwd.join(p)
            };
            if !p.is_file() {
                return Err(CliError::input(format!(
                    "configuration file {} does not exist",
                    p.display()
                ))
                .with_help(
                    "create one with `retort init`, or pass the right path to -c/--config",
                ));
            }
            Some(p)
        }
        None => find(&cwd),
    };
    let root = file
        .as_ref()
        .and_then(|f| f.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| cwd.clone());
    let raw: RawConfig = match &file {
        Some(f) => {
            let text = std::fs::read_to_string(f)
                .map_err(|e| CliError::input(format!("cannot read {}: {e}", f.display())))?;
            toml::from_str(&text).map_err(|e| {
                let line = e.span().map(|s| text[..s.start].lines().count().max(1));
                let at = match line {
                    Some(l) => format!("{}:{l}", f.display()),
                    None => f.display().to_string(),
                };
                CliError::input(format!("{at}: invalid configuration: {}", e.message()))
                    .with_help("see the configuration section of the README for the accepted keys")
            })?
        }
        None => RawConfig::default(),
    };
    // `.env` next to the working directory or above it, as sqlx-cli and diesel do.
    let _ = dotenvy::dotenv();
    let (url, base) = match url_flag {
        Some(u) => (u.to_string(), cwd.clone()),
        None => match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(u) => (u, cwd.clone()),
            None => match raw.database.url {
                Some(u) => (u, root.clone()),
                None => ("sqlite://retort.db".to_string(), root.clone()),
            },
        },
    };
    let rel = |p: &str| -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            root.join(p)
        }
    };
    let version_table = raw
        .migrations
        .version_table
        .unwrap_or_else(|| "retort_version".to_string());
    if version_table.is_empty() {
        return Err(CliError::input(
            "[migrations] version_table must not be empty",
        ));
    }
    let dev_url = raw
        .database
        .dev_url
        .filter(|u| !u.is_empty())
        .map(|u| resolve_sqlite_path(&u, &root));
    if let Some(dev) = &dev_url {
        let kind = retort_dialect::DialectKind::from_url;
        if kind(dev) != kind(&url) {
            return Err(CliError::input(format!(
                "[database] dev_url {} is not of the same dialect as the database URL {}",
                retort_dialect::redact_url(dev),
                retort_dialect::redact_url(&url)
            ))
            .with_help("scratch databases must be of the database's dialect: point dev_url at a server of the same kind, or remove it"));
        }
    }
    Ok(Config {
        database_url: resolve_sqlite_path(&url, &base),
        dev_url,
        rust_models: raw.models.rust.iter().map(|p| rel(p)).collect(),
        sql_models: raw.models.sql.iter().map(|p| rel(p)).collect(),
        exclude_tables: raw.models.exclude_tables,
        migrations_dir: rel(raw.migrations.dir.as_deref().unwrap_or("migrations")),
        version_table,
        lock_timeout_secs: raw.migrations.lock_timeout.unwrap_or(60),
        root,
        file,
    })
}

/// Make the path of a relative `sqlite://` URL absolute against `base`.
pub fn resolve_sqlite_path(url: &str, base: &Path) -> String {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return url.to_string();
    };
    if rest.starts_with(":memory:") || rest.is_empty() {
        return url.to_string();
    }
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let p = Path::new(path);
    if p.is_absolute() {
        return url.to_string();
    }
    let abs = base.join(p);
    match query {
        Some(q) => format!("sqlite://{}?{q}", abs.display()),
        None => format!("sqlite://{}", abs.display()),
    }
}

/// The text `retort init` writes.
pub fn template() -> &'static str {
    r#"# retort configuration. Paths are relative to this file.

[database]
# --database-url and DATABASE_URL (also from .env) win over this.
url = "sqlite://retort.db"

[models]
# .rs files or folders scanned for #[derive(Model)]
rust = ["src/models"]
# or: declarative SQL DDL as the desired schema
# sql = ["schema.sql"]
# tables retort must never touch (glob patterns)
exclude_tables = []

[migrations]
dir = "migrations"
version_table = "retort_version"
# seconds upgrade/downgrade wait for another upgrader's lock
lock_timeout = 60
"#
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_resolve_against_the_base() {
        let base = Path::new("/proj");
        assert_eq!(
            resolve_sqlite_path("sqlite://app.db", base),
            "sqlite:///proj/app.db"
        );
        assert_eq!(
            resolve_sqlite_path("sqlite:app.db?mode=rwc", base),
            "sqlite:///proj/app.db?mode=rwc"
        );
        assert_eq!(
            resolve_sqlite_path("sqlite::memory:", base),
            "sqlite::memory:"
        );
        assert_eq!(
            resolve_sqlite_path("sqlite:///abs/x.db", base),
            "sqlite:///abs/x.db"
        );
        assert_eq!(
            resolve_sqlite_path("postgres://u@h/db", base),
            "postgres://u@h/db"
        );
    }
}
