//! A migrations directory: every `*.sql` file parsed, and the graph of their headers.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::error::{MigrateError, io};
use crate::file::{Revision, parse_revision};
use crate::graph::{Graph, GraphEntry, Target};

/// All revisions of a project and their graph.
#[derive(Debug, Clone)]
pub struct Migrations {
    /// The revisions, in file-name order.
    pub revisions: Vec<Revision>,
    /// Their graph.
    pub graph: Graph,
    by_id: HashMap<String, usize>,
}

impl Migrations {
    /// Read every `*.sql` file of `dir` (not recursively), in file-name order.
    pub fn load(dir: &Path) -> Result<Migrations, MigrateError> {
        if !dir.is_dir() {
            return Err(MigrateError::NoMigrationsDir {
                path: dir.to_path_buf(),
            });
        }
        let mut files: Vec<PathBuf> = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let path = entry.map_err(io(dir))?.path();
            if path.extension().is_some_and(|e| e == "sql") && path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        let mut sources = Vec::with_capacity(files.len());
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(io(&path))?;
            sources.push((path, text));
        }
        Migrations::from_sources(sources)
    }

    /// Parse revisions from `(path, text)` pairs (e.g. embedded in a binary).
    pub fn from_sources(
        sources: impl IntoIterator<Item = (PathBuf, String)>,
    ) -> Result<Migrations, MigrateError> {
        let mut revisions = Vec::new();
        for (path, text) in sources {
            revisions.push(parse_revision(&path, &text)?);
        }
        Migrations::from_revisions(revisions)
    }

    /// Build from parsed revisions.
    pub fn from_revisions(revisions: Vec<Revision>) -> Result<Migrations, MigrateError> {
        let graph = Graph::new(revisions.iter().map(|r| GraphEntry {
            id: r.id.clone(),
            revises: r.revises.clone(),
            source: r.path.clone(),
        }))?;
        let by_id = revisions
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        Ok(Migrations {
            revisions,
            graph,
            by_id,
        })
    }

    /// The revision with exactly this id.
    pub fn get(&self, id: &str) -> Option<&Revision> {
        self.by_id.get(id).map(|&i| &self.revisions[i])
    }

    /// The revision with this id or unique prefix.
    pub fn resolve(&self, prefix: &str) -> Result<&Revision, MigrateError> {
        let id = self.graph.resolve(prefix)?;
        self.get(id).ok_or_else(|| MigrateError::UnknownRevision {
            prefix: prefix.to_string(),
        })
    }

    /// The revisions, newest first.
    pub fn history(&self) -> Vec<&Revision> {
        self.graph
            .history()
            .into_iter()
            .filter_map(|id| self.get(id))
            .collect()
    }

    /// The offline plan of an upgrade from `applied` (empty: from base) to `target`.
    pub fn plan_upgrade(
        &self,
        applied: &BTreeSet<String>,
        target: &Target,
    ) -> Result<Plan, MigrateError> {
        Ok(Plan {
            direction: Direction::Upgrade,
            revisions: self.graph.upgrade_plan(applied, target)?,
        })
    }

    /// The offline plan of a downgrade from `applied` to `target`.
    pub fn plan_downgrade(
        &self,
        applied: &BTreeSet<String>,
        target: &Target,
    ) -> Result<Plan, MigrateError> {
        Ok(Plan {
            direction: Direction::Downgrade,
            revisions: self.graph.downgrade_plan(applied, target)?,
        })
    }
}

/// Which way a plan goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Run upgrade sections, record revisions.
    Upgrade,
    /// Run downgrade sections, forget revisions.
    Downgrade,
}

/// The revisions a command runs, in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// Upgrade or downgrade.
    pub direction: Direction,
    /// Revision ids in the order they run.
    pub revisions: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn rev(id: &str, revises: &str) -> String {
        format!(
            "-- m {id}\n-- revision: {id}\n-- revises: {revises}\n\n-- retort:upgrade\nSELECT 1;\n-- retort:downgrade\n"
        )
    }

    #[test]
    fn loads_a_directory() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "2_b.sql", &rev("bbbbbbbbbbbb", "aaaaaaaaaaaa"));
        write(d.path(), "1_a.sql", &rev("aaaaaaaaaaaa", ""));
        write(d.path(), "notes.txt", "not a revision");
        let m = Migrations::load(d.path()).unwrap();
        assert_eq!(m.revisions.len(), 2);
        assert_eq!(m.graph.heads(), vec!["bbbbbbbbbbbb"]);
        assert_eq!(m.resolve("b").unwrap().message, "m bbbbbbbbbbbb");
        let h: Vec<&str> = m.history().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(h, vec!["bbbbbbbbbbbb", "aaaaaaaaaaaa"]);
        let plan = m.plan_upgrade(&BTreeSet::new(), &Target::Head).unwrap();
        assert_eq!(plan.revisions, vec!["aaaaaaaaaaaa", "bbbbbbbbbbbb"]);
    }

    #[test]
    fn errors_name_files() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "1_a.sql", &rev("aaaaaaaaaaaa", "cccccccccccc"));
        let e = Migrations::load(d.path()).unwrap_err().to_string();
        assert!(
            e.contains("1_a.sql: revises unknown revision `cccccccccccc`"),
            "{e}"
        );
        write(d.path(), "1_a.sql", &rev("aaaaaaaaaaaa", ""));
        write(d.path(), "2_a.sql", &rev("aaaaaaaaaaaa", ""));
        let e = Migrations::load(d.path()).unwrap_err().to_string();
        assert!(
            e.contains("1_a.sql and in ") && e.contains("2_a.sql"),
            "{e}"
        );
        let e = Migrations::load(&d.path().join("nope")).unwrap_err();
        assert!(matches!(e, MigrateError::NoMigrationsDir { .. }));
    }
}
