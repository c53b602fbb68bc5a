//! Offline commands that read only the migrations folder: `history`, `heads`,
//! `branches`, `show` and `graph`.

use std::collections::BTreeSet;

use retort_migrate::{Migrations, Revision};
use serde::Serialize;

use crate::args::Format;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output;

#[derive(Serialize)]
struct Entry<'a> {
    revision: &'a str,
    revises: &'a [String],
    message: &'a str,
    created: Option<&'a str>,
    path: String,
    is_head: bool,
    is_branch_point: bool,
    is_merge: bool,
}

fn entry<'a>(ctx: &mut Ctx, m: &Migrations, r: &'a Revision) -> Result<Entry<'a>, CliError> {
    let root = ctx.config()?.root.clone();
    Ok(Entry {
        revision: &r.id,
        revises: &r.revises,
        message: &r.message,
        created: r.created.as_deref(),
        path: r
            .path
            .strip_prefix(&root)
            .unwrap_or(&r.path)
            .display()
            .to_string(),
        is_head: m.graph.heads().contains(&r.id.as_str()),
        is_branch_point: m.graph.branch_points().contains(&r.id.as_str()),
        is_merge: r.revises.len() > 1,
    })
}

fn line(e: &Entry<'_>) -> String {
    let parents = if e.revises.is_empty() {
        "<base>".to_string()
    } else {
        e.revises.join(", ")
    };
    let mut marks = Vec::new();
    if e.is_head {
        marks.push("head");
    }
    if e.is_branch_point {
        marks.push("branchpoint");
    }
    if e.is_merge {
        marks.push("mergepoint");
    }
    let marks = if marks.is_empty() {
        String::new()
    } else {
        format!(" ({})", marks.join(", "))
    };
    format!("{parents} -> {}{marks}, {}", e.revision, e.message)
}

fn print_entries(
    ctx: &mut Ctx,
    entries: &[Entry<'_>],
    key: &str,
    verbose: bool,
) -> Result<(), CliError> {
    if ctx.json() {
        return output::json(&serde_json::json!({ key: entries }));
    }
    for e in entries {
        if verbose {
            println!("Revision: {}", e.revision);
            println!(
                "Revises: {}",
                if e.revises.is_empty() {
                    "<base>".into()
                } else {
                    e.revises.join(", ")
                }
            );
            println!("Path: {}", e.path);
            if let Some(c) = e.created {
                println!("Created: {c}");
            }
            println!("\n    {}\n", e.message);
        } else {
            println!("{}", line(e));
        }
    }
    Ok(())
}

/// `retort history [-r FROM:TO] [--verbose]`.
pub fn history(ctx: &mut Ctx, range: Option<&str>, verbose: bool) -> Result<(), CliError> {
    let m = ctx.migrations()?;
    let keep: Option<BTreeSet<String>> = match range {
        None => None,
        Some(r) => Some(range_set(&m, r)?),
    };
    let revs: Vec<&Revision> = m
        .history()
        .into_iter()
        .filter(|r| keep.as_ref().is_none_or(|k| k.contains(&r.id)))
        .collect();
    let entries = revs
        .iter()
        .map(|r| entry(ctx, &m, r))
        .collect::<Result<Vec<_>, _>>()?;
    print_entries(ctx, &entries, "history", verbose)
}

/// The revisions of `FROM:TO`: descendants of FROM (exclusive, like Alembic) up to TO (inclusive).
fn range_set(m: &Migrations, range: &str) -> Result<BTreeSet<String>, CliError> {
    let (from, to) = range.split_once(':').ok_or_else(|| {
        CliError::input(format!(
            "-r {range}: expected FROM:TO (either side may be empty)"
        ))
    })?;
    let all: BTreeSet<String> = m.revisions.iter().map(|r| r.id.clone()).collect();
    let upper: BTreeSet<String> = match to.trim() {
        "" | "head" | "heads" => all.clone(),
        t => {
            let id = m.resolve(t)?.id.clone();
            let mut s: BTreeSet<String> = m
                .graph
                .ancestors(&id)?
                .into_iter()
                .map(String::from)
                .collect();
            s.insert(id);
            s
        }
    };
    let lower: BTreeSet<String> = match from.trim() {
        "" | "base" => all,
        f => {
            let id = m.resolve(f)?.id.clone();
            let mut s: BTreeSet<String> = m
                .graph
                .descendants(&id)?
                .into_iter()
                .map(String::from)
                .collect();
            s.insert(id);
            s
        }
    };
    Ok(upper.intersection(&lower).cloned().collect())
}

/// `retort heads`.
pub fn heads(ctx: &mut Ctx) -> Result<(), CliError> {
    let m = ctx.migrations()?;
    let ids: Vec<String> = m.graph.heads().into_iter().map(String::from).collect();
    let entries = ids
        .iter()
        .filter_map(|id| m.get(id))
        .map(|r| entry(ctx, &m, r))
        .collect::<Result<Vec<_>, _>>()?;
    print_entries(ctx, &entries, "heads", false)
}

/// `retort branches`.
pub fn branches(ctx: &mut Ctx) -> Result<(), CliError> {
    let m = ctx.migrations()?;
    let ids: Vec<String> = m
        .graph
        .branch_points()
        .into_iter()
        .map(String::from)
        .collect();
    let entries = ids
        .iter()
        .filter_map(|id| m.get(id))
        .map(|r| entry(ctx, &m, r))
        .collect::<Result<Vec<_>, _>>()?;
    print_entries(ctx, &entries, "branches", false)
}

/// `retort show REV`.
pub fn show(ctx: &mut Ctx, rev: &str) -> Result<(), CliError> {
    let m = ctx.migrations()?;
    let r = m.resolve(rev)?;
    if ctx.json() {
        let e = entry(ctx, &m, r)?;
        return output::json(
            &serde_json::json!({ "revision": e, "upgrade": r.upgrade, "downgrade": r.downgrade, "todos": r.todos, "checksum": r.checksum }),
        );
    }
    let text = std::fs::read_to_string(&r.path)
        .map_err(|e| CliError::input(format!("cannot read {}: {e}", r.path.display())))?;
    println!("{}", r.path.display());
    print!("{text}");
    Ok(())
}

/// `retort graph [--format mermaid|dot]`.
pub fn graph(ctx: &mut Ctx) -> Result<(), CliError> {
    let m = ctx.migrations()?;
    let mut revs: Vec<&Revision> = m.history();
    revs.reverse();
    let label = |r: &Revision| format!("{} {}", r.id, r.message).replace('"', "'");
    match ctx.global.format {
        Format::Dot => {
            println!("digraph revisions {{");
            println!("  rankdir=BT;");
            for r in &revs {
                println!("  \"{}\" [label=\"{}\"];", r.id, label(r));
                for p in &r.revises {
                    println!("  \"{}\" -> \"{p}\";", r.id);
                }
            }
            println!("}}");
        }
        Format::Mermaid | Format::Text => {
            println!("graph BT");
            for r in &revs {
                println!("  r{}[\"{}\"]", r.id, label(r));
                for p in &r.revises {
                    println!("  r{} --> r{p}", r.id);
                }
            }
        }
        Format::Json => {
            let edges: Vec<(String, String)> = revs
                .iter()
                .flat_map(|r| r.revises.iter().map(|p| (r.id.clone(), p.clone())))
                .collect();
            output::json(
                &serde_json::json!({ "nodes": revs.iter().map(|r| &r.id).collect::<Vec<_>>(), "edges": edges }),
            )?;
        }
    }
    Ok(())
}
