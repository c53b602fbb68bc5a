//! The revision graph, pure: built from `(id, revises)` pairs, no files, no database.
//!
//! It answers the questions of the commands: heads, bases, branch points,
//! merges, ancestry, history order, id-prefix resolution and, given the set of
//! applied revisions, which revisions an `upgrade` or `downgrade` to a
//! [`Target`] runs, in order.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;

use crate::error::MigrateError;

/// One node to build a [`Graph`] from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphEntry {
    /// The revision id.
    pub id: String,
    /// The ids it revises.
    pub revises: Vec<String>,
    /// Where it comes from, for errors (its file).
    pub source: PathBuf,
}

impl GraphEntry {
    /// An entry from plain data.
    pub fn new(id: &str, revises: &[&str], source: impl Into<PathBuf>) -> Self {
        Self {
            id: id.to_string(),
            revises: revises.iter().map(|s| s.to_string()).collect(),
            source: source.into(),
        }
    }
}

/// Where `upgrade`, `downgrade` or `stamp` should go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The single head.
    Head,
    /// All heads.
    Heads,
    /// Before the first revision.
    Base,
    /// A revision id or unique prefix.
    Revision(String),
    /// `+N` (positive) or `-N` (negative) steps from where the database is.
    Relative(i64),
}

impl Target {
    /// Parse `head`, `heads`, `base`, `+N`, `-N` or a revision id / prefix.
    pub fn parse(s: &str) -> Result<Target, MigrateError> {
        let t = s.trim();
        let invalid = |reason: &str| MigrateError::InvalidTarget {
            target: s.to_string(),
            reason: reason.to_string(),
        };
        match t.to_ascii_lowercase().as_str() {
            "head" => return Ok(Target::Head),
            "heads" => return Ok(Target::Heads),
            "base" => return Ok(Target::Base),
            _ => {}
        }
        if let Some(n) = t.strip_prefix('+').or_else(|| t.strip_prefix('-')) {
            let n: i64 = n.parse().map_err(|_| {
                invalid("a relative target is `+N` or `-N` with N a positive number")
            })?;
            if n <= 0 {
                return Err(invalid("a relative target needs at least one step"));
            }
            return Ok(Target::Relative(if t.starts_with('-') { -n } else { n }));
        }
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(
                "expected `head`, `heads`, `base`, `+N`, `-N` or a revision id (hex digits)",
            ));
        }
        Ok(Target::Revision(t.to_ascii_lowercase()))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Head => f.write_str("head"),
            Target::Heads => f.write_str("heads"),
            Target::Base => f.write_str("base"),
            Target::Revision(r) => f.write_str(r),
            Target::Relative(n) if *n > 0 => write!(f, "+{n}"),
            Target::Relative(n) => write!(f, "{n}"),
        }
    }
}

/// The revision graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    ids: Vec<String>,
    sources: Vec<PathBuf>,
    parents: Vec<Vec<usize>>,
    children: Vec<Vec<usize>>,
    index: HashMap<String, usize>,
    /// Node indexes, parents before children; ties keep the input order.
    topo: Vec<usize>,
    /// Position of each node in `topo`.
    rank: Vec<usize>,
}

impl Graph {
    /// Build the graph; fails on duplicate ids, unknown `revises` ids and cycles.
    pub fn new(entries: impl IntoIterator<Item = GraphEntry>) -> Result<Graph, MigrateError> {
        let entries: Vec<GraphEntry> = entries.into_iter().collect();
        let mut g = Graph::default();
        for (i, e) in entries.iter().enumerate() {
            if let Some(&first) = g.index.get(&e.id) {
                return Err(MigrateError::DuplicateRevision {
                    id: e.id.clone(),
                    first: g.sources[first].clone(),
                    second: e.source.clone(),
                });
            }
            g.index.insert(e.id.clone(), i);
            g.ids.push(e.id.clone());
            g.sources.push(e.source.clone());
        }
        g.parents = vec![Vec::new(); entries.len()];
        g.children = vec![Vec::new(); entries.len()];
        for (i, e) in entries.iter().enumerate() {
            for p in &e.revises {
                let &pi = g.index.get(p).ok_or_else(|| MigrateError::UnknownParent {
                    path: e.source.clone(),
                    parent: p.clone(),
                })?;
                if !g.parents[i].contains(&pi) {
                    g.parents[i].push(pi);
                    g.children[pi].push(i);
                }
            }
        }
        g.sort()?;
        Ok(g)
    }

    /// Kahn's algorithm, lowest input index first; a leftover means a cycle.
    fn sort(&mut self) -> Result<(), MigrateError> {
        let n = self.ids.len();
        let mut missing: Vec<usize> = self.parents.iter().map(Vec::len).collect();
        let mut ready: BTreeSet<usize> = (0..n).filter(|&i| missing[i] == 0).collect();
        while let Some(i) = ready.pop_first() {
            self.topo.push(i);
            for &c in &self.children[i] {
                missing[c] -= 1;
                if missing[c] == 0 {
                    ready.insert(c);
                }
            }
        }
        if self.topo.len() < n {
            // Walk parent edges among the unsorted nodes until one repeats.
            let left: HashSet<usize> = (0..n).filter(|&i| missing[i] > 0).collect();
            let mut path = Vec::new();
            let mut at = left.iter().copied().min().unwrap_or(0);
            while !path.contains(&at) {
                path.push(at);
                at = self.parents[at]
                    .iter()
                    .copied()
                    .find(|p| left.contains(p))
                    .unwrap_or(at);
            }
            let start = path.iter().position(|&x| x == at).unwrap_or(0);
            let mut ids: Vec<String> = path[start..]
                .iter()
                .rev()
                .map(|&i| self.ids[i].clone())
                .collect();
            ids.push(ids[0].clone());
            return Err(MigrateError::Cycle { ids });
        }
        self.rank = vec![0; n];
        for (r, &i) in self.topo.iter().enumerate() {
            self.rank[i] = r;
        }
        Ok(())
    }

    /// Number of revisions.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no revisions.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether a revision with exactly this id exists.
    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    fn names(&self, nodes: impl IntoIterator<Item = usize>) -> Vec<&str> {
        let mut v: Vec<usize> = nodes.into_iter().collect();
        v.sort_by_key(|&i| self.rank[i]);
        v.into_iter().map(|i| self.ids[i].as_str()).collect()
    }

    fn node(&self, id: &str) -> Result<usize, MigrateError> {
        self.index
            .get(id)
            .copied()
            .ok_or_else(|| MigrateError::UnknownRevision {
                prefix: id.to_string(),
            })
    }

    /// All ids, parents before children.
    pub fn topological(&self) -> Vec<&str> {
        self.topo.iter().map(|&i| self.ids[i].as_str()).collect()
    }

    /// All ids, newest first (children before parents).
    pub fn history(&self) -> Vec<&str> {
        self.topo
            .iter()
            .rev()
            .map(|&i| self.ids[i].as_str())
            .collect()
    }

    /// Revisions nothing revises.
    pub fn heads(&self) -> Vec<&str> {
        self.names((0..self.len()).filter(|&i| self.children[i].is_empty()))
    }

    /// Revisions that revise nothing.
    pub fn bases(&self) -> Vec<&str> {
        self.names((0..self.len()).filter(|&i| self.parents[i].is_empty()))
    }

    /// Revisions revised by more than one revision.
    pub fn branch_points(&self) -> Vec<&str> {
        self.names((0..self.len()).filter(|&i| self.children[i].len() > 1))
    }

    /// Revisions that revise more than one revision.
    pub fn merges(&self) -> Vec<&str> {
        self.names((0..self.len()).filter(|&i| self.parents[i].len() > 1))
    }

    /// The revisions `id` revises.
    pub fn parents(&self, id: &str) -> Result<Vec<&str>, MigrateError> {
        Ok(self.names(self.parents[self.node(id)?].iter().copied()))
    }

    /// The revisions that revise `id`.
    pub fn children(&self, id: &str) -> Result<Vec<&str>, MigrateError> {
        Ok(self.names(self.children[self.node(id)?].iter().copied()))
    }

    fn closure(&self, start: usize, up: bool) -> HashSet<usize> {
        let mut seen = HashSet::new();
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            let next = if up {
                &self.parents[i]
            } else {
                &self.children[i]
            };
            for &n in next {
                if seen.insert(n) {
                    stack.push(n);
                }
            }
        }
        seen
    }

    /// Every revision `id` descends from (not itself), parents first.
    pub fn ancestors(&self, id: &str) -> Result<Vec<&str>, MigrateError> {
        Ok(self.names(self.closure(self.node(id)?, true)))
    }

    /// Every revision that descends from `id` (not itself), parents first.
    pub fn descendants(&self, id: &str) -> Result<Vec<&str>, MigrateError> {
        Ok(self.names(self.closure(self.node(id)?, false)))
    }

    /// Every edge `(parent, child)`, in topological order of the children (for
    /// `retort graph`).
    pub fn edges(&self) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        for &c in &self.topo {
            let mut parents = self.parents[c].clone();
            parents.sort_by_key(|&p| self.rank[p]);
            out.extend(
                parents
                    .into_iter()
                    .map(|p| (self.ids[p].as_str(), self.ids[c].as_str())),
            );
        }
        out
    }

    /// The revisions between `from` and `to` (ids or prefixes, both included),
    /// newest first, for `history -r FROM:TO`: those descending from `from` (all
    /// when `None`, i.e. `base`) that `to` descends from (all when `None`, i.e. `heads`).
    pub fn range(&self, from: Option<&str>, to: Option<&str>) -> Result<Vec<&str>, MigrateError> {
        let lower = match from {
            Some(f) => {
                let n = self.node(self.resolve(f)?)?;
                let mut set = self.closure(n, false);
                set.insert(n);
                Some(set)
            }
            None => None,
        };
        let upper = match to {
            Some(t) => {
                let n = self.node(self.resolve(t)?)?;
                let mut set = self.closure(n, true);
                set.insert(n);
                Some(set)
            }
            None => None,
        };
        let mut out = self.names(
            (0..self.len())
                .filter(|i| lower.as_ref().is_none_or(|s| s.contains(i)))
                .filter(|i| upper.as_ref().is_none_or(|s| s.contains(i))),
        );
        out.reverse();
        Ok(out)
    }

    /// The full id of an id or unique prefix.
    pub fn resolve(&self, prefix: &str) -> Result<&str, MigrateError> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if let Some(&i) = self.index.get(&prefix) {
            return Ok(&self.ids[i]);
        }
        let mut found: Vec<&str> = self
            .ids
            .iter()
            .filter(|id| !prefix.is_empty() && id.starts_with(&prefix))
            .map(String::as_str)
            .collect();
        match found.len() {
            1 => Ok(found[0]),
            0 => Err(MigrateError::UnknownRevision { prefix }),
            _ => {
                found.sort_unstable();
                Err(MigrateError::AmbiguousRevision {
                    prefix,
                    candidates: found.into_iter().map(String::from).collect(),
                })
            }
        }
    }

    /// The single head; an error when there are several (or none).
    pub fn single_head(&self) -> Result<&str, MigrateError> {
        match self.heads().as_slice() {
            [one] => Ok(one),
            [] => Err(MigrateError::InvalidTarget {
                target: "head".into(),
                reason: "there are no revisions yet; create one with `retort revision`".into(),
            }),
            many => Err(MigrateError::MultipleHeads {
                heads: many.iter().map(|s| s.to_string()).collect(),
            }),
        }
    }

    fn applied_nodes(&self, applied: &BTreeSet<String>) -> HashSet<usize> {
        applied
            .iter()
            .filter_map(|a| self.index.get(a).copied())
            .collect()
    }

    /// Where the database is: the applied revisions no applied revision descends
    /// from. Applied ids the graph does not know are listed too, at the end.
    pub fn current(&self, applied: &BTreeSet<String>) -> Vec<String> {
        let nodes = self.applied_nodes(applied);
        let mut out: Vec<String> = self
            .names(
                nodes
                    .iter()
                    .copied()
                    .filter(|&i| !self.closure(i, false).iter().any(|d| nodes.contains(d))),
            )
            .into_iter()
            .map(String::from)
            .collect();
        out.extend(applied.iter().filter(|a| !self.contains(a)).cloned());
        out
    }

    /// The revisions an upgrade to `target` applies, parents before children.
    pub fn upgrade_plan(
        &self,
        applied: &BTreeSet<String>,
        target: &Target,
    ) -> Result<Vec<String>, MigrateError> {
        let done = self.applied_nodes(applied);
        let goals: Vec<usize> = match target {
            Target::Head => vec![self.node(self.single_head()?)?],
            Target::Heads => (0..self.len())
                .filter(|&i| self.children[i].is_empty())
                .collect(),
            Target::Revision(p) => vec![self.node(self.resolve(p)?)?],
            Target::Relative(n) if *n > 0 => return self.steps(&done, *n as usize, target, true),
            Target::Base | Target::Relative(_) => {
                return Err(MigrateError::InvalidTarget {
                    target: target.to_string(),
                    reason: "upgrade goes forward: use `head`, `heads`, a revision id or `+N` (`downgrade` goes back)"
                        .into(),
                });
            }
        };
        let mut need = HashSet::new();
        for g in goals {
            need.insert(g);
            need.extend(self.closure(g, true));
        }
        Ok(self
            .names(need.into_iter().filter(|i| !done.contains(i)))
            .into_iter()
            .map(String::from)
            .collect())
    }

    /// `n` single steps from the applied set `done`. Forward, each step applies the one
    /// revision whose parents are all applied; backward, it undoes the one applied
    /// revision with no applied child. More than one candidate is ambiguous.
    fn steps(
        &self,
        done: &HashSet<usize>,
        n: usize,
        target: &Target,
        forward: bool,
    ) -> Result<Vec<String>, MigrateError> {
        let mut done = done.clone();
        let mut out = Vec::new();
        for step in 1..=n {
            let next: Vec<usize> = (0..self.len())
                .filter(|i| {
                    if forward {
                        !done.contains(i) && self.parents[*i].iter().all(|p| done.contains(p))
                    } else {
                        done.contains(i) && !self.children[*i].iter().any(|c| done.contains(c))
                    }
                })
                .collect();
            match next.as_slice() {
                [] => {
                    return Err(MigrateError::NotEnoughSteps {
                        target: target.to_string(),
                        requested: n,
                        available: step - 1,
                    });
                }
                [one] => {
                    if forward {
                        done.insert(*one);
                    } else {
                        done.remove(one);
                    }
                    out.push(self.ids[*one].clone());
                }
                many => {
                    return Err(MigrateError::AmbiguousStep {
                        target: target.to_string(),
                        step,
                        candidates: self
                            .names(many.iter().copied())
                            .into_iter()
                            .map(String::from)
                            .collect(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// The revisions a downgrade to `target` undoes, children before parents.
    pub fn downgrade_plan(
        &self,
        applied: &BTreeSet<String>,
        target: &Target,
    ) -> Result<Vec<String>, MigrateError> {
        let done = self.applied_nodes(applied);
        let undo: Vec<usize> = match target {
            Target::Base => done.iter().copied().collect(),
            Target::Revision(p) => {
                let t = self.node(self.resolve(p)?)?;
                if !done.contains(&t) {
                    return Err(MigrateError::NotApplied {
                        revision: self.ids[t].clone(),
                    });
                }
                self.closure(t, false)
                    .into_iter()
                    .filter(|d| done.contains(d))
                    .collect()
            }
            Target::Relative(n) if *n < 0 => {
                return self.steps(&done, n.unsigned_abs() as usize, target, false);
            }
            Target::Head | Target::Heads | Target::Relative(_) => {
                return Err(MigrateError::InvalidTarget {
                    target: target.to_string(),
                    reason: "downgrade goes back: use `-N`, a revision id or `base` (`upgrade` goes forward)".into(),
                });
            }
        };
        let mut names: Vec<String> = self.names(undo).into_iter().map(String::from).collect();
        names.reverse();
        Ok(names)
    }

    /// The set of applied revisions after `stamp target`: a revision and all its
    /// ancestors; `base` is empty; `+N`/`-N` move from `applied`. Without any
    /// revision, `head` and `heads` are `base`: there is nothing to stamp.
    pub fn stamp_set(
        &self,
        applied: &BTreeSet<String>,
        target: &Target,
    ) -> Result<BTreeSet<String>, MigrateError> {
        let mut set: BTreeSet<String> = BTreeSet::new();
        match target {
            Target::Base => {}
            Target::Head | Target::Heads if self.heads().is_empty() => {}
            Target::Relative(n) if *n > 0 => {
                set = applied.clone();
                set.extend(self.upgrade_plan(applied, target)?);
            }
            Target::Relative(_) => {
                set = applied.clone();
                for r in self.downgrade_plan(applied, target)? {
                    set.remove(&r);
                }
            }
            _ => set.extend(self.upgrade_plan(&BTreeSet::new(), target)?),
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> Result<Graph, MigrateError> {
        Graph::new(
            edges
                .iter()
                .map(|(id, rev)| GraphEntry::new(id, rev, format!("{id}.sql"))),
        )
    }

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    fn t(s: &str) -> Target {
        Target::parse(s).unwrap()
    }

    /// a - b - c - e (merge of c, d)
    ///      \- d -/
    ///            \- f
    fn diamond() -> Graph {
        graph(&[
            ("a1", &[]),
            ("b1", &["a1"]),
            ("c1", &["b1"]),
            ("d1", &["b1"]),
            ("e1", &["c1", "d1"]),
            ("f1", &["d1"]),
        ])
        .unwrap()
    }

    #[test]
    fn stamp_head_without_revisions_is_base() {
        let g = graph(&[]).unwrap();
        for target in ["head", "heads", "base"] {
            assert_eq!(g.stamp_set(&set(&[]), &t(target)).unwrap(), set(&[]));
        }
        // rows of revisions no file declares go, as with any stamp to head
        assert_eq!(g.stamp_set(&set(&["gone"]), &t("head")).unwrap(), set(&[]));
    }

    #[test]
    fn shape() {
        let g = diamond();
        assert_eq!(g.heads(), vec!["e1", "f1"]);
        assert_eq!(g.bases(), vec!["a1"]);
        assert_eq!(g.branch_points(), vec!["b1", "d1"]);
        assert_eq!(g.merges(), vec!["e1"]);
        assert_eq!(g.parents("e1").unwrap(), vec!["c1", "d1"]);
        assert_eq!(g.children("d1").unwrap(), vec!["e1", "f1"]);
        assert_eq!(g.ancestors("e1").unwrap(), vec!["a1", "b1", "c1", "d1"]);
        assert_eq!(g.descendants("c1").unwrap(), vec!["e1"]);
        assert_eq!(g.topological(), vec!["a1", "b1", "c1", "d1", "e1", "f1"]);
        assert_eq!(g.history(), vec!["f1", "e1", "d1", "c1", "b1", "a1"]);
    }

    #[test]
    fn order_follows_edges_not_input() {
        let g = graph(&[("c1", &["b1"]), ("b1", &["a1"]), ("a1", &[])]).unwrap();
        assert_eq!(g.topological(), vec!["a1", "b1", "c1"]);
    }

    #[test]
    fn edges_and_ranges() {
        let g = diamond();
        assert_eq!(
            g.edges(),
            vec![
                ("a1", "b1"),
                ("b1", "c1"),
                ("b1", "d1"),
                ("c1", "e1"),
                ("d1", "e1"),
                ("d1", "f1")
            ]
        );
        assert_eq!(g.range(Some("c1"), None).unwrap(), vec!["e1", "c1"]);
        assert_eq!(g.range(None, Some("d1")).unwrap(), vec!["d1", "b1", "a1"]);
        assert_eq!(
            g.range(Some("b1"), Some("e1")).unwrap(),
            vec!["e1", "d1", "c1", "b1"]
        );
        assert_eq!(g.range(None, None).unwrap().len(), 6);
        assert!(g.range(Some("99"), None).is_err());
    }

    #[test]
    fn bad_graphs() {
        let e = graph(&[("a1", &[]), ("b1", &["zz"])])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("b1.sql: revises unknown revision `zz`"),
            "{e}"
        );
        let e = graph(&[("a1", &[]), ("a1", &[])]).unwrap_err();
        assert!(matches!(&e, MigrateError::DuplicateRevision { id, .. } if id == "a1"));
        assert!(e.to_string().contains("a1.sql and in a1.sql"));
        let e = graph(&[
            ("a1", &[]),
            ("b1", &["a1", "d1"]),
            ("c1", &["b1"]),
            ("d1", &["c1"]),
        ])
        .unwrap_err();
        match e {
            MigrateError::Cycle { ids } => {
                assert_eq!(ids.first(), ids.last());
                let inner: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
                assert_eq!(inner, ["b1", "c1", "d1"].into_iter().collect());
            }
            other => panic!("{other}"),
        }
        assert!(matches!(
            graph(&[("a1", &["a1"])]),
            Err(MigrateError::Cycle { .. })
        ));
    }

    #[test]
    fn prefixes() {
        let g = graph(&[
            ("abc111", &[]),
            ("abc222", &["abc111"]),
            ("def333", &["abc222"]),
        ])
        .unwrap();
        assert_eq!(g.resolve("d").unwrap(), "def333");
        assert_eq!(g.resolve("ABC1").unwrap(), "abc111");
        match g.resolve("abc").unwrap_err() {
            MigrateError::AmbiguousRevision { candidates, .. } => {
                assert_eq!(candidates, vec!["abc111", "abc222"])
            }
            other => panic!("{other}"),
        }
        assert!(matches!(
            g.resolve("fff"),
            Err(MigrateError::UnknownRevision { .. })
        ));
        assert!(matches!(
            g.resolve(""),
            Err(MigrateError::UnknownRevision { .. })
        ));
        assert_eq!(
            g.upgrade_plan(&set(&[]), &t("abc2")).unwrap(),
            vec!["abc111", "abc222"]
        );
    }

    #[test]
    fn targets_parse() {
        assert_eq!(t("head"), Target::Head);
        assert_eq!(t("HEADS"), Target::Heads);
        assert_eq!(t(" base "), Target::Base);
        assert_eq!(t("+2"), Target::Relative(2));
        assert_eq!(t("-1"), Target::Relative(-1));
        assert_eq!(t("AB12"), Target::Revision("ab12".into()));
        assert!(Target::parse("+0").is_err());
        assert!(Target::parse("+x").is_err());
        assert!(Target::parse("latest").is_err());
        assert_eq!(Target::Relative(-3).to_string(), "-3");
    }

    #[test]
    fn upgrade_plans() {
        let g = diamond();
        let e = g.upgrade_plan(&set(&[]), &Target::Head).unwrap_err();
        assert!(e.to_string().contains("there are 2 heads (e1, f1)"), "{e}");
        assert_eq!(
            g.upgrade_plan(&set(&[]), &Target::Heads).unwrap(),
            vec!["a1", "b1", "c1", "d1", "e1", "f1"]
        );
        assert_eq!(
            g.upgrade_plan(&set(&["a1", "b1", "c1"]), &t("e1")).unwrap(),
            vec!["d1", "e1"]
        );
        assert_eq!(
            g.upgrade_plan(&set(&[]), &t("+2")).unwrap(),
            vec!["a1", "b1"]
        );
        let e = g.upgrade_plan(&set(&["a1", "b1"]), &t("+1")).unwrap_err();
        assert!(
            matches!(&e, MigrateError::AmbiguousStep { candidates, .. } if candidates == &["c1", "d1"]),
            "{e}"
        );
        assert_eq!(
            g.upgrade_plan(&set(&["a1", "b1", "d1", "f1"]), &t("+2"))
                .unwrap(),
            vec!["c1", "e1"]
        );
        let e = g
            .upgrade_plan(&set(&["a1", "b1", "c1", "d1", "e1"]), &t("+2"))
            .unwrap_err();
        assert!(
            matches!(
                e,
                MigrateError::NotEnoughSteps {
                    requested: 2,
                    available: 1,
                    ..
                }
            ),
            "{e}"
        );
        assert!(g.upgrade_plan(&set(&[]), &Target::Base).is_err());
        assert!(g.upgrade_plan(&set(&[]), &t("-1")).is_err());
        let line = graph(&[("a1", &[]), ("b1", &["a1"])]).unwrap();
        assert_eq!(
            line.upgrade_plan(&set(&["a1"]), &Target::Head).unwrap(),
            vec!["b1"]
        );
        assert!(
            line.upgrade_plan(&set(&["a1", "b1"]), &Target::Head)
                .unwrap()
                .is_empty()
        );
        assert!(
            Graph::default()
                .upgrade_plan(&set(&[]), &Target::Head)
                .is_err()
        );
        assert!(
            Graph::default()
                .upgrade_plan(&set(&[]), &Target::Heads)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn downgrade_plans() {
        let g = diamond();
        let all = set(&["a1", "b1", "c1", "d1", "e1", "f1"]);
        assert_eq!(
            g.downgrade_plan(&all, &Target::Base).unwrap(),
            vec!["f1", "e1", "d1", "c1", "b1", "a1"]
        );
        assert_eq!(g.downgrade_plan(&all, &t("d1")).unwrap(), vec!["f1", "e1"]);
        assert_eq!(
            g.downgrade_plan(&all, &t("b1")).unwrap(),
            vec!["f1", "e1", "d1", "c1"]
        );
        let e = g.downgrade_plan(&all, &t("-1")).unwrap_err();
        assert!(
            matches!(&e, MigrateError::AmbiguousStep { candidates, .. } if candidates == &["e1", "f1"])
        );
        let upto_e = set(&["a1", "b1", "c1", "d1", "e1"]);
        assert_eq!(g.downgrade_plan(&upto_e, &t("-1")).unwrap(), vec!["e1"]);
        let e = g.downgrade_plan(&set(&["a1"]), &t("-2")).unwrap_err();
        assert!(matches!(
            e,
            MigrateError::NotEnoughSteps {
                requested: 2,
                available: 1,
                ..
            }
        ));
        assert!(matches!(
            g.downgrade_plan(&set(&["a1"]), &t("c1")),
            Err(MigrateError::NotApplied { .. })
        ));
        assert!(g.downgrade_plan(&all, &Target::Head).is_err());
        assert!(g.downgrade_plan(&all, &t("+1")).is_err());
    }

    #[test]
    fn current_and_stamp() {
        let g = diamond();
        assert_eq!(g.current(&set(&["a1", "b1", "c1", "d1"])), vec!["c1", "d1"]);
        assert_eq!(g.current(&set(&["a1", "zz"])), vec!["a1", "zz"]);
        assert!(g.current(&set(&[])).is_empty());
        assert_eq!(
            g.stamp_set(&set(&["a1"]), &t("e1")).unwrap(),
            set(&["a1", "b1", "c1", "d1", "e1"])
        );
        assert_eq!(
            g.stamp_set(&set(&["a1", "b1"]), &Target::Base).unwrap(),
            set(&[])
        );
        assert_eq!(
            g.stamp_set(&set(&["a1"]), &t("+1")).unwrap(),
            set(&["a1", "b1"])
        );
        assert_eq!(
            g.stamp_set(&set(&["a1", "b1"]), &t("-1")).unwrap(),
            set(&["a1"])
        );
    }
}
