//! [`EmbeddedMigrations`]: revision files compiled into the application
//! binary by [`embed_migrations!`](crate::embed_migrations), applied at start-up.

use std::path::{Path, PathBuf};

use retort_migrate::{AppliedRevision, MigrateError, Migrations, Options, RunReport, Target};

use crate::error::Error;
use crate::pool::Connectable;

/// The revision files of a migrations folder, embedded in the binary.
///
/// Made by [`embed_migrations!`](crate::embed_migrations); the files are parsed
/// (and their graph checked) when the macro expands, and again, cheaply, on
/// each call. The runner is the one `retort upgrade` uses: the same version
/// table, checksums, lock and transactions.
///
/// ```no_run
/// // Usually `embed_migrations!("migrations")`: the folder next to Cargo.toml.
/// static MIGRATIONS: retort::EmbeddedMigrations =
///     retort::embed_migrations!("tests/fixtures/migrations_postgres");
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let pool = sqlx::PgPool::connect("postgres://app@localhost/app").await?;
/// let report = MIGRATIONS.upgrade(&pool, "head").await?;
/// for ran in &report.ran {
///     println!("applied {} in {} ms", ran.revision, ran.duration_ms);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedMigrations {
    dir: &'static str,
    files: &'static [(&'static str, &'static str)],
}

impl EmbeddedMigrations {
    /// Migrations from `(file name, contents)` pairs; `dir` is the folder they
    /// came from, used in messages. [`embed_migrations!`](crate::embed_migrations)
    /// calls this.
    pub const fn new(dir: &'static str, files: &'static [(&'static str, &'static str)]) -> Self {
        EmbeddedMigrations { dir, files }
    }

    /// The folder the files came from, as given to the macro.
    pub fn dir(&self) -> &'static str {
        self.dir
    }

    /// The embedded `(file name, contents)` pairs, in file-name order.
    pub fn files(&self) -> &'static [(&'static str, &'static str)] {
        self.files
    }

    /// The parsed revisions and their graph.
    pub fn migrations(&self) -> Result<Migrations, Error> {
        Migrations::from_sources(
            self.files
                .iter()
                .map(|(name, text)| (Path::new(self.dir).join(name), (*text).to_string())),
        )
        .map_err(|e| {
            Error::migrate(
                &format!("reading the embedded migrations of {}", self.dir),
                e,
            )
        })
    }

    /// Apply the revisions up to `target` (`head`, `heads`, `+N` or a revision id
    /// or prefix), with the version table `retort_version`. Without any
    /// revision, `head` changes nothing.
    pub async fn upgrade<P: Connectable + ?Sized>(
        &self,
        pool: &P,
        target: &str,
    ) -> Result<RunReport, Error> {
        self.upgrade_with(pool, target, &Options::default()).await
    }

    /// [`upgrade`](Self::upgrade) with another version table or lock timeout.
    pub async fn upgrade_with<P: Connectable + ?Sized>(
        &self,
        pool: &P,
        target: &str,
        options: &Options,
    ) -> Result<RunReport, Error> {
        let context = format!("upgrading the database to {target} ({} embedded)", self.dir);
        let migrations = self.migrations()?;
        let target = Target::parse(target).map_err(|e| Error::migrate(&context, e))?;
        let mut driver = pool.driver(&context).await?;
        let driver = driver.as_mut();
        if migrations.graph.is_empty() && matches!(target, Target::Head | Target::Heads) {
            // Nothing to apply; still refuse a database that ran revisions this
            // binary does not know.
            let applied = retort_migrate::applied(driver, options)
                .await
                .map_err(|e| Error::migrate(&context, e))?;
            return match applied.into_iter().next() {
                Some(row) => Err(Error::migrate(
                    &context,
                    MigrateError::AppliedRevisionMissing {
                        revision: row.revision,
                    },
                )),
                None => Ok(RunReport::default()),
            };
        }
        retort_migrate::upgrade(driver, &migrations, &target, options)
            .await
            .map_err(|e| Error::migrate(&context, e))
    }

    /// Undo the revisions above `target` (`-N`, a revision id or prefix, or
    /// `base`), newest first, with the version table `retort_version`.
    pub async fn downgrade<P: Connectable + ?Sized>(
        &self,
        pool: &P,
        target: &str,
    ) -> Result<RunReport, Error> {
        self.downgrade_with(pool, target, &Options::default()).await
    }

    /// [`downgrade`](Self::downgrade) with another version table or lock timeout.
    pub async fn downgrade_with<P: Connectable + ?Sized>(
        &self,
        pool: &P,
        target: &str,
        options: &Options,
    ) -> Result<RunReport, Error> {
        let context = format!(
            "downgrading the database to {target} ({} embedded)",
            self.dir
        );
        let migrations = self.migrations()?;
        let target = Target::parse(target).map_err(|e| Error::migrate(&context, e))?;
        let mut driver = pool.driver(&context).await?;
        retort_migrate::downgrade(driver.as_mut(), &migrations, &target, options)
            .await
            .map_err(|e| Error::migrate(&context, e))
    }

    /// Where the database is: the applied revisions no applied revision descends
    /// from (empty before the first upgrade), with the version table `retort_version`.
    pub async fn current<P: Connectable + ?Sized>(
        &self,
        pool: &P,
    ) -> Result<Vec<AppliedRevision>, Error> {
        self.current_with(pool, &Options::default()).await
    }

    /// [`current`](Self::current) with another version table.
    pub async fn current_with<P: Connectable + ?Sized>(
        &self,
        pool: &P,
        options: &Options,
    ) -> Result<Vec<AppliedRevision>, Error> {
        let context = format!("reading the current revision ({} embedded)", self.dir);
        let migrations = self.migrations()?;
        let mut driver = pool.driver(&context).await?;
        retort_migrate::current(driver.as_mut(), &migrations, options)
            .await
            .map_err(|e| Error::migrate(&context, e))
    }

    /// The embedded revisions not applied to the database yet, parents before
    /// children (empty when it is at every head), with the version table
    /// `retort_version`. Fails, as `upgrade` would, when the database ran a
    /// revision the binary lacks or one whose file was edited since.
    ///
    /// ```no_run
    /// # async fn run(pool: &sqlx::SqlitePool, m: &retort::EmbeddedMigrations) -> Result<(), retort::Error> {
    /// let pending = m.pending(pool).await?;
    /// if !pending.is_empty() {
    ///     eprintln!("the database is behind: {}", pending.join(", "));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn pending<P: Connectable + ?Sized>(&self, pool: &P) -> Result<Vec<String>, Error> {
        self.pending_with(pool, &Options::default()).await
    }

    /// [`pending`](Self::pending) with another version table.
    pub async fn pending_with<P: Connectable + ?Sized>(
        &self,
        pool: &P,
        options: &Options,
    ) -> Result<Vec<String>, Error> {
        let context = format!("reading the applied revisions ({} embedded)", self.dir);
        let migrations = self.migrations()?;
        let mut driver = pool.driver(&context).await?;
        let rows = retort_migrate::applied(driver.as_mut(), options)
            .await
            .map_err(|e| Error::migrate(&context, e))?;
        if let Some(problem) = retort_migrate::applied_problems(&migrations, &rows)
            .into_iter()
            .next()
        {
            return Err(Error::migrate(&context, problem));
        }
        Ok(migrations
            .graph
            .topological()
            .into_iter()
            .filter(|id| !rows.iter().any(|r| r.revision == *id))
            .map(String::from)
            .collect())
    }

    /// The paths of the embedded files, as `dir/name`.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files
            .iter()
            .map(|(name, _)| Path::new(self.dir).join(name))
            .collect()
    }
}
