//! Migrations that verify themselves, on [`Scratch`] databases.
//!
//! * [`verify_revision`]: before autogenerate writes a revision, its upgrade is
//!   applied to a scratch copy of the live schema and must give the models; its
//!   downgrade must then give the start again.
//! * [`verify`] (`retort verify`): the graph has one head; upgrading an empty
//!   database from base to head works; the result matches the models; and for
//!   every revision, in topological order, upgrade then downgrade returns the
//!   schema before it, and upgrading again gives the same schema (the "stairway").

use retort_dialect::{DbError, DialectKind, Driver, Scope, Statement};
use retort_migrate::{Migrations, Options, Target};
use retort_schema::{
    Change, ColumnType, DiffOptions, QualifiedName, Schema, Table, TableChange, diff,
};
use serde::Serialize;

use crate::engine::{self, CompareError};
use crate::scratch::Scratch;

/// What stopped a verification from running at all (a failed check is not an error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The models cannot be compared (e.g. not expressible in the dialect).
    #[error(transparent)]
    Compare(#[from] CompareError),
    /// The scratch database could not be created, read or dropped.
    #[error("scratch database: {0}")]
    Db(#[from] DbError),
    /// The models use schemas a scratch schema in a shared database cannot hold.
    #[error("{0}")]
    SharedDatabase(String),
}

fn shared_database_message(scope: &Scope) -> String {
    format!(
        "the models use the schema(s) {}, and the scratch is only a schema in the live database (the role may not create databases): verifying would run DDL in the live database's own schemas",
        scope.schemas.join(", ")
    )
}

/// The result of `retort verify`: every check, in order.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    /// True when every check passed.
    pub ok: bool,
    /// The checks.
    pub checks: Vec<CheckResult>,
}

/// One check of `retort verify`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CheckResult {
    /// `single_head`, `upgrade`, `matches_models` or `stairway`.
    pub name: &'static str,
    /// The revision the check is about (`stairway`, and a failed `upgrade` when
    /// the failure is in one revision).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Whether it passed.
    pub ok: bool,
    /// What was found.
    pub message: String,
}

impl CheckResult {
    fn new(name: &'static str, revision: Option<&str>, ok: bool, message: String) -> Self {
        Self {
            name,
            revision: revision.map(str::to_string),
            ok,
            message,
        }
    }
}

/// Verify the migrations of a project on scratch databases made next to
/// `base_url` (the live database or a `dev_url`).
pub async fn verify(
    migrations: &Migrations,
    models: &Schema,
    scope: &Scope,
    base_url: &str,
    opts: &Options,
) -> Result<Report, VerifyError> {
    let mut checks = Vec::new();
    let heads = migrations.graph.heads();
    checks.push(match heads.len() {
        0 => CheckResult::new("single_head", None, true, "no revisions yet".into()),
        1 => CheckResult::new("single_head", None, true, format!("one head: {}", heads[0])),
        _ => CheckResult::new(
            "single_head",
            None,
            false,
            format!(
                "the graph has {} heads: {} (merge them with `retort merge`)",
                heads.len(),
                heads.join(", ")
            ),
        ),
    });

    // Upgrade base -> head in one run, then compare with the models.
    let scratch = Scratch::create(base_url).await?;
    if scratch.is_shared_database() && !scope.schemas.is_empty() {
        scratch.drop().await?;
        return Err(VerifyError::SharedDatabase(shared_database_message(scope)));
    }
    let result = async {
        let mut driver = scratch.connect().await?;
        prepare_schemas(driver.as_mut(), scope, &Schema::default()).await?;
        let mut out = Vec::new();
        match retort_migrate::upgrade(driver.as_mut(), migrations, &Target::Heads, opts).await {
            Ok(report) => {
                out.push(CheckResult::new(
                    "upgrade",
                    None,
                    true,
                    format!(
                        "base -> head on an empty database: {} revision(s) applied",
                        report.ran.len()
                    ),
                ));
                let cmp = engine::compare(driver.as_mut(), models, scope, &DiffOptions::default())
                    .await?;
                out.push(if cmp.is_clean() {
                    CheckResult::new(
                        "matches_models",
                        None,
                        true,
                        "the schema at head matches the models".into(),
                    )
                } else {
                    CheckResult::new(
                        "matches_models",
                        None,
                        false,
                        format!(
                            "the schema at head differs from the models; a new revision would: {}",
                            describe_all(&cmp.plan.changes)
                        ),
                    )
                });
            }
            Err(e) => out.push(CheckResult::new(
                "upgrade",
                failed_revision(&e),
                false,
                format!("base -> head fails on an empty database: {e}"),
            )),
        }
        Ok::<_, VerifyError>(out)
    }
    .await;
    let dropped = scratch.drop().await;
    checks.extend(result?);
    dropped?;

    // The stairway, on a fresh scratch database.
    if !migrations.graph.is_empty() {
        let scratch = Scratch::create(base_url).await?;
        let result = async {
            let mut driver = scratch.connect().await?;
            prepare_schemas(driver.as_mut(), scope, &Schema::default()).await?;
            stairway(driver.as_mut(), migrations, scope, opts).await
        }
        .await;
        let dropped = scratch.drop().await;
        checks.extend(result?);
        dropped?;
    }

    Ok(Report {
        ok: checks.iter().all(|c| c.ok),
        checks,
    })
}

async fn stairway(
    driver: &mut dyn Driver,
    migrations: &Migrations,
    scope: &Scope,
    opts: &Options,
) -> Result<Vec<CheckResult>, VerifyError> {
    let mut out = Vec::new();
    let fail = |id: &str, message: String| CheckResult::new("stairway", Some(id), false, message);
    for id in migrations.graph.topological() {
        let before = driver.introspect(scope).await?;
        let target = Target::Revision(id.to_string());
        if let Err(e) = retort_migrate::upgrade(driver, migrations, &target, opts).await {
            out.push(fail(id, format!("revision {id}: upgrade fails: {e}")));
            break;
        }
        let after = driver.introspect(scope).await?;
        let Some(down) = one_step_back(driver, migrations, id, opts).await? else {
            out.push(CheckResult::new(
                "stairway",
                Some(id),
                true,
                format!(
                    "revision {id}: upgrade works; its downgrade alone cannot be run here (other branches depend on the same parent), not checked"
                ),
            ));
            continue;
        };
        if let Err(e) = retort_migrate::downgrade(driver, migrations, &down, opts).await {
            out.push(fail(id, format!("revision {id}: downgrade fails: {e}")));
            break;
        }
        let undone = driver.introspect(scope).await?;
        let left = diff(&before, &undone, &DiffOptions::default());
        if !left.is_empty() {
            out.push(fail(
                id,
                format!(
                    "revision {id}: downgrade does not return the schema before it: {}",
                    leftovers(&left.changes)
                ),
            ));
            break;
        }
        if let Err(e) = retort_migrate::upgrade(driver, migrations, &target, opts).await {
            out.push(fail(
                id,
                format!("revision {id}: upgrade after its downgrade fails: {e}"),
            ));
            break;
        }
        let again = driver.introspect(scope).await?;
        let changed = diff(&after, &again, &DiffOptions::default());
        if !changed.is_empty() {
            out.push(fail(
                id,
                format!(
                    "revision {id}: upgrade, downgrade, upgrade gives a different schema than the first upgrade: {}",
                    describe_all(&changed.changes)
                ),
            ));
            break;
        }
        out.push(CheckResult::new(
            "stairway",
            Some(id),
            true,
            format!("revision {id}: upgrade, downgrade, upgrade round-trips"),
        ));
    }
    Ok(out)
}

/// The revision a runner error is about, if it names one.
fn failed_revision(e: &retort_migrate::MigrateError) -> Option<&str> {
    use retort_migrate::MigrateError as E;
    match e {
        E::Todo { revision, .. }
        | E::StatementFailed { revision, .. }
        | E::PartiallyApplied { revision, .. }
        | E::NotRecorded { revision, .. } => Some(revision),
        _ => None,
    }
}

/// The downgrade target that undoes exactly revision `id`, if there is one.
async fn one_step_back(
    driver: &mut dyn Driver,
    migrations: &Migrations,
    id: &str,
    opts: &Options,
) -> Result<Option<Target>, VerifyError> {
    let applied: std::collections::BTreeSet<String> = retort_migrate::applied(driver, opts)
        .await
        .map_err(|e| DbError::query(e.to_string(), "read the version table"))?
        .into_iter()
        .map(|r| r.revision)
        .collect();
    let parents = migrations.graph.parents(id).unwrap_or_default();
    let mut candidates = Vec::new();
    match parents.as_slice() {
        [] => candidates.push(Target::Base),
        [p] => candidates.push(Target::Revision(p.to_string())),
        _ => {}
    }
    candidates.push(Target::Relative(-1));
    for t in candidates {
        if let Ok(plan) = migrations.graph.downgrade_plan(&applied, &t)
            && plan == [id]
        {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// The outcome of [`verify_revision`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevisionCheck {
    /// The upgrade gives the models and the downgrade gives the start again.
    Passed,
    /// The revision does not round-trip: what went wrong, one line each.
    Failed(Vec<String>),
    /// The live schema could not be copied faithfully to a scratch database, so
    /// nothing can be concluded about the revision: why.
    NotVerified(String),
}

/// Self-verification of a new revision: on a scratch database brought to `live`
/// (the introspected live schema), apply `upgrade` and compare with `desired` (the
/// normalized models), then apply `downgrade` and compare with the start.
///
/// Only the part of the schema the plan's `changes` touch is copied and
/// compared (see [`touched`]), so that a small change to a schema of thousands
/// of tables is verified quickly.
pub async fn verify_revision(
    base_url: &str,
    live: &Schema,
    desired: &Schema,
    scope: &Scope,
    changes: &[Change],
    upgrade: &[Statement],
    downgrade: &[Statement],
) -> Result<RevisionCheck, DbError> {
    let (live, desired) = touched(live, desired, changes);
    let scratch = Scratch::create(base_url).await?;
    if scratch.is_shared_database() && !scope.schemas.is_empty() {
        scratch.drop().await?;
        return Ok(RevisionCheck::NotVerified(shared_database_message(scope)));
    }
    let result = async {
        let mut driver = scratch.connect().await?;
        verify_revision_on(driver.as_mut(), &live, &desired, scope, upgrade, downgrade).await
    }
    .await;
    let dropped = scratch.drop().await;
    let outcome = result?;
    dropped?;
    Ok(outcome)
}

/// The parts of `live` and `desired` a plan touches: the tables it creates,
/// drops, renames or alters, the tables using the enum types it changes, the
/// tables with foreign keys to any of those, and every table these reference
/// (transitively), so that all their foreign keys can be created. Enum types
/// are kept whole.
pub fn touched(live: &Schema, desired: &Schema, changes: &[Change]) -> (Schema, Schema) {
    use std::collections::BTreeSet;
    let mut names: BTreeSet<QualifiedName> = BTreeSet::new();
    let mut enums: Vec<QualifiedName> = Vec::new();
    for c in changes {
        match c {
            Change::CreateTable { table } | Change::DropTable { table } => {
                names.insert(table.qualified_name());
            }
            Change::RenameTable { from, to } => {
                names.insert(from.clone());
                names.insert(to.clone());
            }
            Change::AlterTable(d) => {
                names.insert(d.from.qualified_name());
                names.insert(d.to.qualified_name());
            }
            Change::CreateEnum { enum_type } | Change::DropEnum { enum_type } => {
                enums.push(enum_type.qualified_name());
            }
            Change::AlterEnum { from, columns, .. } => {
                enums.push(from.qualified_name());
                names.extend(columns.iter().map(|(t, _)| t.clone()));
            }
            // sequences are kept whole, like enum types
            Change::CreateSequence { .. }
            | Change::DropSequence { .. }
            | Change::AlterSequence { .. } => {}
        }
    }
    let uses_enum = |t: &Table| {
        t.columns.iter().any(|c| {
            matches!(&c.ty, ColumnType::Enum { name, schema, .. }
                if enums.iter().any(|e| &e.name == name && &e.schema == schema))
        })
    };
    for t in live.tables.iter().chain(&desired.tables) {
        if uses_enum(t) {
            names.insert(t.qualified_name());
        }
    }
    // Tables with foreign keys to a touched table (dropping or rebuilding it must
    // cope with them).
    let referencing: Vec<QualifiedName> = live
        .tables
        .iter()
        .chain(&desired.tables)
        .filter(|t| {
            t.foreign_keys
                .iter()
                .any(|fk| names.contains(&fk.ref_table))
        })
        .map(Table::qualified_name)
        .collect();
    names.extend(referencing);
    // Everything referenced, transitively, on either side.
    loop {
        let before = names.len();
        let refs: Vec<QualifiedName> = live
            .tables
            .iter()
            .chain(&desired.tables)
            .filter(|t| names.contains(&t.qualified_name()))
            .flat_map(|t| t.foreign_keys.iter().map(|fk| fk.ref_table.clone()))
            .collect();
        names.extend(refs);
        if names.len() == before {
            break;
        }
    }
    let keep = |s: &Schema| Schema {
        tables: s
            .tables
            .iter()
            .filter(|t| names.contains(&t.qualified_name()))
            .cloned()
            .collect(),
        enums: s.enums.clone(),
        sequences: s.sequences.clone(),
    };
    (keep(live), keep(desired))
}

/// [`verify_revision`] on a database the caller provides (it must be empty).
pub async fn verify_revision_on(
    driver: &mut dyn Driver,
    live: &Schema,
    desired: &Schema,
    scope: &Scope,
    upgrade: &[Statement],
    downgrade: &[Statement],
) -> Result<RevisionCheck, DbError> {
    prepare_schemas(driver, scope, live).await?;
    let create = diff(&Schema::default(), live, &DiffOptions::default());
    let setup = driver.dialect().render(&create.changes);
    if let Err(e) = apply(driver, &setup).await {
        return Ok(RevisionCheck::NotVerified(format!(
            "the live schema could not be copied to a scratch database: {}",
            db_message(&e)
        )));
    }
    let start = driver.introspect(scope).await?;
    let copy = diff(live, &start, &DiffOptions::default());
    if !copy.is_empty() {
        return Ok(RevisionCheck::NotVerified(format!(
            "the copy of the live schema on a scratch database differs from it: {}",
            describe_all(&copy.changes)
        )));
    }
    let mut problems = Vec::new();
    if let Err(e) = apply(driver, upgrade).await {
        problems.push(format!(
            "the upgrade fails on a copy of the database: {}",
            db_message(&e)
        ));
        return Ok(RevisionCheck::Failed(problems));
    }
    let after = driver.introspect(scope).await?;
    let missing = diff(&after, desired, &DiffOptions::default());
    if !missing.is_empty() {
        problems.push(format!(
            "after the upgrade the schema still differs from the models; still needed: {}",
            describe_all(&missing.changes)
        ));
    }
    if let Err(e) = apply(driver, downgrade).await {
        problems.push(format!(
            "the downgrade fails after the upgrade: {}",
            db_message(&e)
        ));
        return Ok(RevisionCheck::Failed(problems));
    }
    let undone = driver.introspect(scope).await?;
    let left = diff(&start, &undone, &DiffOptions::default());
    if !left.is_empty() {
        problems.push(format!(
            "the downgrade does not return the schema before the upgrade: {}",
            leftovers(&left.changes)
        ));
    }
    Ok(if problems.is_empty() {
        RevisionCheck::Passed
    } else {
        RevisionCheck::Failed(problems)
    })
}

/// Create the non-default schemas the scope or a schema names (PostgreSQL).
async fn prepare_schemas(
    driver: &mut dyn Driver,
    scope: &Scope,
    schema: &Schema,
) -> Result<(), DbError> {
    if driver.dialect().kind() != DialectKind::Postgres {
        return Ok(());
    }
    let mut names: Vec<String> = scope.schemas.clone();
    names.extend(schema.tables.iter().filter_map(|t| t.schema.clone()));
    names.extend(schema.enums.iter().filter_map(|e| e.schema.clone()));
    names.sort();
    names.dedup();
    for n in names {
        let q = driver.dialect().quote_ident(&n);
        driver
            .execute(&format!("CREATE SCHEMA IF NOT EXISTS {q}"))
            .await?;
    }
    Ok(())
}

/// Run statements as the runner would: in one transaction, unless one of them
/// cannot run in a transaction.
async fn apply(driver: &mut dyn Driver, statements: &[Statement]) -> Result<(), DbError> {
    let runnable: Vec<&Statement> = statements
        .iter()
        .filter(|s| !s.sql.trim().is_empty())
        .collect();
    if runnable.is_empty() {
        return Ok(());
    }
    let transaction = !runnable.iter().any(|s| s.no_transaction);
    if transaction {
        driver.begin().await?;
    }
    for st in &runnable {
        if let Err(e) = driver.execute(&st.sql).await {
            if transaction {
                let _ = driver.rollback().await;
            }
            return Err(e);
        }
    }
    if transaction && let Err(e) = driver.commit().await {
        let _ = driver.rollback().await;
        return Err(e);
    }
    Ok(())
}

fn db_message(e: &DbError) -> String {
    match &e.sql {
        Some(sql) => format!("{} (statement: {})", e.message, sql.trim()),
        None => e.message.clone(),
    }
}

/// Changes as one line: `add column users.phone; drop index ix`.
pub fn describe_all(changes: &[Change]) -> String {
    changes
        .iter()
        .flat_map(|c| c.describe().lines().map(str::to_string).collect::<Vec<_>>())
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a downgrade left behind, from the diff `before -> after downgrade`.
fn leftovers(changes: &[Change]) -> String {
    let mut out = Vec::new();
    for c in changes {
        match c {
            Change::CreateTable { table } => out.push(format!(
                "it leaves table {} that was not there before",
                table.qualified_name()
            )),
            Change::DropTable { table } => out.push(format!(
                "it does not restore table {}",
                table.qualified_name()
            )),
            Change::AlterTable(d) => {
                let t = d.to.qualified_name();
                for tc in &d.changes {
                    out.push(match tc {
                        TableChange::AddColumn { column } => format!(
                            "it leaves column {t}.{} that was not there before",
                            column.name
                        ),
                        TableChange::DropColumn { column } => {
                            format!("it does not restore column {t}.{}", column.name)
                        }
                        TableChange::AddIndex { index } => format!(
                            "it leaves index {} on {t} that was not there before",
                            index.name
                        ),
                        TableChange::DropIndex { index } => {
                            format!("it does not restore index {} on {t}", index.name)
                        }
                        other => format!("it differs: {}", other.describe(&t)),
                    });
                }
            }
            other => out.push(format!("it differs: {}", other.describe())),
        }
    }
    out.join("; ")
}

#[cfg(test)]
mod tests {
    use retort_schema::{Column, ForeignKey, TableDiff};

    use super::*;

    fn table(name: &str, refs: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: vec![Column::new("id", ColumnType::Integer)],
            foreign_keys: refs
                .iter()
                .map(|r| ForeignKey {
                    name: format!("fk_{name}_{r}"),
                    named: false,
                    columns: vec!["id".into()],
                    ref_table: QualifiedName::new(*r),
                    ref_columns: vec!["id".into()],
                    on_delete: Default::default(),
                    on_update: Default::default(),
                    deferrable: false,
                })
                .collect(),
            ..Default::default()
        }
    }

    fn names(s: &Schema) -> Vec<&str> {
        s.tables.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn only_the_touched_tables_are_copied() {
        let live = Schema {
            tables: vec![
                table("root", &[]),
                table("a", &["root"]),
                table("b", &["a"]),
                table("c", &[]),
                table("d", &["c"]),
            ],
            enums: vec![],
            sequences: Vec::new(),
        };
        let mut a2 = table("a", &["root"]);
        a2.columns.push(Column::new("x", ColumnType::Text));
        let mut desired = live.clone();
        desired.tables[1] = a2.clone();
        desired.tables.push(table("e", &["c"]));
        let changes = vec![
            Change::AlterTable(TableDiff {
                from: live.tables[1].clone(),
                to: a2,
                changes: vec![TableChange::AddColumn {
                    column: Column::new("x", ColumnType::Text),
                }],
            }),
            Change::CreateTable {
                table: table("e", &["c"]),
            },
        ];
        let (l, d) = touched(&live, &desired, &changes);
        // a (altered), b (references a), root (referenced by a), e (created), c (referenced by e).
        assert_eq!(names(&l), ["root", "a", "b", "c"]);
        assert_eq!(names(&d), ["root", "a", "b", "c", "e"]);
    }
}
