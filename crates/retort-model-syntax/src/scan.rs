//! The source scanner: reads model files the way the compiler would see them,
//! without compiling anything.
//!
//! [`scan_files`] walks the given files and folders for `.rs` files, parses each
//! with `syn`, and hands every struct deriving `Model` and every enum deriving
//! `DbEnum` (any derive path ending in those names) to the same parser the derive
//! uses. Field types the mapping does not know are looked up among the scanned
//! DbEnums by name. Every mistake of every file is collected, then the whole
//! schema is checked ([`crate::validate`]), and all errors come back together,
//! sorted by file and line.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use proc_macro2::Span;
use retort_schema::{ColumnType, QualifiedName, Schema, Table};
use syn::punctuated::Punctuated;
use syn::{Attribute, Item, Token};

use crate::check::{ProblemKind, assemble, validate};
use crate::diagnostic::{Diagnostic, ModelError};
use crate::model::{EnumDef, parse_db_enum, parse_model_lenient};

/// Scan `.rs` files and folders (recursively; hidden folders and `target` are
/// skipped) for models, and build their schema.
pub fn scan_files(paths: &[PathBuf]) -> Result<Schema, Vec<Diagnostic>> {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for path in paths {
        collect(path, &mut files, &mut diagnostics);
    }
    let mut sources = Vec::new();
    for file in files {
        match std::fs::read_to_string(&file) {
            Ok(text) => sources.push((file, text)),
            Err(e) => diagnostics.push(whole_file(file, format!("cannot read the file: {e}"))),
        }
    }
    match scan_sources(&sources) {
        Ok(schema) if diagnostics.is_empty() => Ok(schema),
        Ok(_) => Err(diagnostics),
        Err(more) => {
            diagnostics.extend(more);
            Err(diagnostics)
        }
    }
}

/// Scan source texts already in memory (`(file name, text)` pairs) for models.
pub fn scan_sources(sources: &[(PathBuf, String)]) -> Result<Schema, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut parsed_files = Vec::new();
    for (file, text) in sources {
        match syn::parse_file(text) {
            Ok(parsed) => parsed_files.push((file.as_path(), parsed)),
            Err(e) => diagnostics.push(Diagnostic::from_model_error(
                file.clone(),
                &ModelError::new(e.span(), format!("the file does not parse as Rust: {e}")),
            )),
        }
    }
    let report = |diagnostics: &mut Vec<Diagnostic>, file: &Path, errors: &[ModelError]| {
        diagnostics.extend(
            errors
                .iter()
                .map(|e| Diagnostic::from_model_error(file.to_path_buf(), e)),
        );
    };

    // First every DbEnum of every file, so models may use enums declared anywhere.
    let mut enums: HashMap<String, EnumDef> = HashMap::new();
    for (file, parsed) in &parsed_files {
        let mut items = Vec::new();
        flatten(&parsed.items, &mut items);
        for item in items {
            match item {
                Item::Enum(e) if derives(&e.attrs, "DbEnum") => match parse_db_enum(e) {
                    Ok(def) => match enums.get(&def.ident.to_string()) {
                        Some(first) if first.column_type() != def.column_type() => {
                            diagnostics.push(misplaced(
                                file,
                                def.ident.span(),
                                &format!(
                                    "a different DbEnum named `{}` is declared in another model file; the scanner resolves field types by name",
                                    def.ident
                                ),
                            ));
                        }
                        Some(_) => {}
                        None => {
                            enums.insert(def.ident.to_string(), def);
                        }
                    },
                    Err(errors) => report(&mut diagnostics, file, &errors),
                },
                Item::Struct(s) if derives(&s.attrs, "DbEnum") => diagnostics.push(misplaced(
                    file,
                    s.ident.span(),
                    "derive(DbEnum) works on fieldless enums",
                )),
                _ => {}
            }
        }
    }
    let lookup = |name: &str| -> Option<ColumnType> { enums.get(name).map(EnumDef::column_type) };

    let mut placed: Vec<(Table, &Path, Vec<Span>, Span)> = Vec::new();
    let mut broken: HashSet<QualifiedName> = HashSet::new();
    for (file, parsed) in &parsed_files {
        let mut items = Vec::new();
        flatten(&parsed.items, &mut items);
        for item in items {
            match item {
                Item::Struct(s) if derives(&s.attrs, "Model") => {
                    let (m, errors) = parse_model_lenient(s, Some(&lookup));
                    if errors.is_empty() {
                        placed.push((m.table, file, m.column_spans, m.ident.span()));
                    } else {
                        broken.insert(m.table.qualified_name());
                        report(&mut diagnostics, file, &errors);
                    }
                }
                Item::Enum(e) if derives(&e.attrs, "Model") => diagnostics.push(misplaced(
                    file,
                    e.ident.span(),
                    "derive(Model) works on structs; for an enum column type, derive DbEnum",
                )),
                _ => {}
            }
        }
    }
    placed.sort_by_key(|(t, ..)| t.qualified_name());
    let places: Vec<(&Path, Vec<Span>, Span)> = placed
        .iter()
        .map(|(_, f, c, s)| (*f, c.clone(), *s))
        .collect();
    let schema = assemble(placed.into_iter().map(|(t, ..)| t).collect());
    for problem in validate(&schema) {
        // A reference to a model that failed to parse is not a second mistake.
        if let ProblemKind::UnknownTable { table } = &problem.kind
            && broken.contains(table)
        {
            continue;
        }
        let (file, column_spans, struct_span) = &places[problem.table];
        let span = problem
            .column
            .and_then(|c| column_spans.get(c).copied())
            .unwrap_or(*struct_span);
        let mut error = ModelError::new(span, problem.message.clone());
        error.help = problem.help.clone();
        diagnostics.push(Diagnostic::from_model_error(file.to_path_buf(), &error));
    }
    if diagnostics.is_empty() {
        Ok(schema)
    } else {
        diagnostics.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        Err(diagnostics)
    }
}

fn misplaced(file: &Path, span: Span, message: &str) -> Diagnostic {
    Diagnostic::from_model_error(file.to_path_buf(), &ModelError::new(span, message))
}

fn whole_file(file: PathBuf, message: String) -> Diagnostic {
    Diagnostic {
        file,
        line: 0,
        column: 0,
        message,
        help: None,
    }
}

fn collect(path: &Path, files: &mut Vec<PathBuf>, diagnostics: &mut Vec<Diagnostic>) {
    if path.is_file() {
        files.push(path.to_path_buf());
        return;
    }
    if !path.is_dir() {
        diagnostics.push(whole_file(
            path.to_path_buf(),
            "no such file or folder (listed in `[models] rust`)".into(),
        ));
        return;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) => {
            diagnostics.push(whole_file(
                path.to_path_buf(),
                format!("cannot read the folder: {e}"),
            ));
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        let name = child.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if child.is_dir() {
            if !name.starts_with('.') && name != "target" {
                collect(&child, files, diagnostics);
            }
        } else if name.ends_with(".rs") {
            files.push(child);
        }
    }
}

/// Every item, including those of inline modules, except what `#[cfg(test)]`
/// hides from a normal build (models of a test module are not the program's).
fn flatten<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
    for item in items {
        let attrs = match item {
            Item::Mod(m) => &m.attrs,
            Item::Struct(s) => &s.attrs,
            Item::Enum(e) => &e.attrs,
            _ => continue,
        };
        if attrs.iter().any(is_cfg_test) {
            continue;
        }
        if let Item::Mod(m) = item
            && let Some((_, inner)) = &m.content
        {
            flatten(inner, out);
        }
        out.push(item);
    }
}

/// `#[cfg(test)]`.
fn is_cfg_test(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg")
        && attr
            .parse_args::<syn::Path>()
            .is_ok_and(|p| p.is_ident("test"))
}

/// Whether `#[derive(..)]` lists a path ending in `name`.
fn derives(attrs: &[Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .is_ok_and(|paths| {
                    paths
                        .iter()
                        .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
                })
        })
}
