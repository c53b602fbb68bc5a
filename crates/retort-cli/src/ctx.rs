//! What every command needs: the configuration, the migrations, the models and a
//! connection, each loaded on first use.

use std::time::Duration;

use retort_dialect::{Dialect, Driver, Scope, redact_url};
use retort_migrate::{MigrateError, Migrations};
use retort_schema::Schema;

use crate::args::{Format, Global};
use crate::config::{self, Config};
use crate::error::CliError;

/// The command context.
pub struct Ctx {
    /// Global flags.
    pub global: Global,
    config: Option<Config>,
}

impl From<MigrateError> for CliError {
    fn from(e: MigrateError) -> Self {
        CliError::input(e.to_string())
    }
}

impl Ctx {
    /// A context for these flags.
    pub fn new(global: Global) -> Self {
        Self {
            global,
            config: None,
        }
    }

    /// Whether JSON output was asked for.
    pub fn json(&self) -> bool {
        self.global.format == Format::Json
    }

    /// The configuration, loaded on first use.
    pub fn config(&mut self) -> Result<&Config, CliError> {
        if self.config.is_none() {
            self.config = Some(config::load(
                self.global.config.as_deref(),
                self.global.database_url.as_deref(),
            )?);
        }
        Ok(self.config.as_ref().expect("just loaded"))
    }

    /// The migrations directory, parsed and checked.
    pub fn migrations(&mut self) -> Result<Migrations, CliError> {
        let dir = self.config()?.migrations_dir.clone();
        Ok(Migrations::load(&dir)?)
    }

    /// Runner settings from the configuration.
    pub fn run_options(&mut self) -> Result<retort_migrate::Options, CliError> {
        let c = self.config()?;
        Ok(retort_migrate::Options {
            version_table: c.version_table.clone(),
            lock_timeout: Duration::from_secs(c.lock_timeout_secs),
        })
    }

    /// The pure dialect of the configured URL, for offline work.
    pub fn dialect(&mut self) -> Result<&'static dyn Dialect, CliError> {
        let url = self.config()?.database_url.clone();
        retort::dialect_for_url(&url).ok_or_else(|| {
            CliError::input(format!("unsupported database URL {}", redact_url(&url)))
                .with_help("use sqlite://, postgres:// or mysql://")
        })
    }

    /// Connect to the configured database.
    pub async fn connect(&mut self) -> Result<Box<dyn Driver>, CliError> {
        let url = self.config()?.database_url.clone();
        Ok(retort::connect(&url).await?)
    }

    /// The desired schema: the models the configuration names.
    pub fn models(&mut self) -> Result<Schema, CliError> {
        let c = self.config()?.clone();
        if c.rust_models.is_empty() && c.sql_models.is_empty() {
            let at = c
                .file
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_else(|| "retort.toml".into());
            return Err(CliError::input(format!("no models configured in {at}"))
                .with_help("set [models] rust = [\"src/models\"] (or sql = [\"schema.sql\"]) in retort.toml"));
        }
        if !c.sql_models.is_empty() {
            if !c.rust_models.is_empty() {
                return Err(CliError::input(
                    "[models] names both rust and sql models: declare the schema one way",
                )
                .with_help("keep either [models] rust or [models] sql in retort.toml"));
            }
            // Files in the order given; a folder stands for its `.sql` files by name.
            let mut files = Vec::new();
            for p in &c.sql_models {
                if p.is_dir() {
                    let mut inside: Vec<std::path::PathBuf> = std::fs::read_dir(p)
                        .map_err(|e| CliError::input(format!("cannot read {}: {e}", p.display())))?
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "sql"))
                        .collect();
                    inside.sort();
                    if inside.is_empty() {
                        return Err(CliError::input(format!(
                            "SQL models folder {} holds no .sql file",
                            p.display()
                        ))
                        .with_help("fix [models] sql in retort.toml"));
                    }
                    files.extend(inside);
                } else if p.is_file() {
                    files.push(p.clone());
                } else {
                    return Err(CliError::input(format!(
                        "SQL models file {} does not exist",
                        p.display()
                    ))
                    .with_help("fix [models] sql in retort.toml"));
                }
            }
            // The DDL runs on a scratch database; `models()` is synchronous, so the
            // loading gets a runtime of its own on a helper thread.
            retort::scratch::drop_scratches_on_signal();
            let base = c.dev_url.clone().unwrap_or_else(|| c.database_url.clone());
            let scope = Scope {
                schemas: Vec::new(),
                exclude_tables: c.exclude_tables.clone(),
                version_table: c.version_table.clone(),
            };
            let loaded = std::thread::scope(|s| {
                s.spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| CliError::input(format!("cannot start a runtime: {e}")))?;
                    rt.block_on(retort::sql_models::load(&files, &base, &scope))
                        .map_err(|e| match e {
                            retort::sql_models::SqlModelError::Db(db) => {
                                let mut e = CliError::from(db);
                                if e.help.is_none() {
                                    e.help = Some("SQL models run on a scratch database: the role needs the right to create databases (on PostgreSQL, or schemas), or set [database] dev_url to a server where it has it".into());
                                }
                                e
                            }
                            other => CliError::input(other.to_string())
                                .with_help("fix the DDL in the file named; it is run as is on a scratch database"),
                        })
                })
                .join()
                .map_err(|_| CliError::input("loading the SQL models panicked"))?
            })?;
            if !self.global.quiet {
                for note in &loaded.ignored {
                    eprintln!("warning: {note}");
                }
            }
            return Ok(loaded.schema);
        }
        scan_rust_models(&c)
    }

    /// The models, scanned on a thread of their own while the caller goes on
    /// (Rust models only; SQL models, which need the database, and every
    /// configuration mistake are dealt with by [`Ctx::models`] when waited for).
    pub fn models_in_background(&mut self) -> Result<PendingModels, CliError> {
        let c = self.config()?.clone();
        if c.rust_models.is_empty() || !c.sql_models.is_empty() {
            return Ok(PendingModels::Ready(Box::new(self.models())));
        }
        let spawned = std::thread::Builder::new()
            .name("retort-scan".into())
            .stack_size(8 * 1024 * 1024)
            .spawn(move || scan_rust_models(&c));
        Ok(match spawned {
            Ok(handle) => PendingModels::Thread(handle),
            Err(_) => PendingModels::Ready(Box::new(self.models())),
        })
    }

    /// The scope of the models before they are known: the default schema only,
    /// with the configured exclusions. When the models name no schema,
    /// [`Ctx::scope`] is this very scope.
    pub fn default_scope(&mut self) -> Result<Scope, CliError> {
        let c = self.config()?;
        Ok(Scope {
            schemas: Vec::new(),
            exclude_tables: c.exclude_tables.clone(),
            version_table: c.version_table.clone(),
        })
    }

    /// The introspection scope of these models.
    pub fn scope(&mut self, models: &Schema) -> Result<Scope, CliError> {
        let c = self.config()?;
        Ok(retort::engine::scope_for(
            models,
            &c.exclude_tables,
            &c.version_table,
        ))
    }
}

/// Where the scanner keeps its cache: `RETORT_CACHE_DIR` when set (`off`, or
/// empty, turns the cache off; a relative path is taken from the working
/// directory), else `target/retort-cache` beside `retort.toml`, a folder Rust
/// projects already leave out of version control.
fn scan_cache_dir(root: &std::path::Path) -> Option<std::path::PathBuf> {
    match std::env::var_os("RETORT_CACHE_DIR") {
        Some(v) if v.is_empty() || v == "off" => None,
        Some(v) => Some(std::path::PathBuf::from(v)),
        None => Some(root.join("target").join("retort-cache")),
    }
}

/// Models being scanned on another thread, or already at hand.
pub enum PendingModels {
    /// The result, computed in place.
    Ready(Box<Result<Schema, CliError>>),
    /// The scanning thread.
    Thread(std::thread::JoinHandle<Result<Schema, CliError>>),
}

impl PendingModels {
    /// Whether the models are being scanned on another thread.
    pub fn in_background(&self) -> bool {
        matches!(self, PendingModels::Thread(_))
    }

    /// The models, once scanned.
    pub fn wait(self) -> Result<Schema, CliError> {
        match self {
            PendingModels::Ready(r) => *r,
            PendingModels::Thread(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
        }
    }
}

/// Scan the Rust models the configuration names.
fn scan_rust_models(c: &Config) -> Result<Schema, CliError> {
    for p in &c.rust_models {
        if !p.exists() {
            return Err(
                CliError::input(format!("models path {} does not exist", p.display()))
                    .with_help("fix [models] rust in retort.toml"),
            );
        }
    }
    let cache = scan_cache_dir(&c.root);
    retort_model_syntax::scan_files_cached(&c.rust_models, cache.as_deref()).map_err(|diags| {
        let text = diags
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        CliError::input(format!("the models have {} error(s):\n{text}", diags.len()))
    })
}
