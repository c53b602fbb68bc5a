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
use crate::model::{parse_db_enum, parse_model_lenient, unmappable};

/// Scan `.rs` files and folders (recursively; hidden folders and `target` are
/// skipped) for models, and build their schema.
pub fn scan_files(paths: &[PathBuf]) -> Result<Schema, Vec<Diagnostic>> {
    scan_files_cached(paths, None)
}

/// [`scan_files`], keeping what each file yielded in a cache folder (see
/// [`crate::cache`]): a file whose bytes are unchanged since the last run of the
/// same build is not parsed again. `None` scans without a cache.
pub fn scan_files_cached(
    paths: &[PathBuf],
    cache_dir: Option<&Path>,
) -> Result<Schema, Vec<Diagnostic>> {
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
    let scanned = match cache_dir {
        Some(dir) => crate::cache::scan_with_cache(&sources, dir),
        None => scan_sources(&sources),
    };
    match scanned {
        Ok(schema) if diagnostics.is_empty() => Ok(schema),
        Ok(_) => Err(diagnostics),
        Err(more) => {
            diagnostics.extend(more);
            Err(diagnostics)
        }
    }
}

/// Scan source texts already in memory (`(file name, text)` pairs) for models.
///
/// Each file is cut at the boundaries of its top-level items (found by a small
/// lexer that knows comments, strings and brackets) and only the pieces that can
/// declare a model or a DbEnum (their text names `Model` or `DbEnum`) are parsed
/// with `syn`, one at a time: the syntax tree of one piece is dropped before the
/// next is parsed. The other pieces are only tokenized, so a grammar mistake
/// inside, say, a function body is left to the compiler. When a piece does not
/// parse, or the file cannot be cut, the whole file is parsed at once, so a syntax
/// error is reported exactly as the compiler's parser sees it. Big inputs are
/// parsed on a few threads; the results are taken in file and item order, so the
/// outcome does not depend on them.
pub fn scan_sources(sources: &[(PathBuf, String)]) -> Result<Schema, Vec<Diagnostic>> {
    let known = sources.iter().map(|_| None).collect();
    let events = source_events(sources, known);
    finish_events(sources, events)
}

/// The events of each source: those given in `known` (from a cache) are taken as
/// they are, the others are scanned.
pub(crate) fn source_events(
    sources: &[(PathBuf, String)],
    known: Vec<Option<Vec<Event>>>,
) -> Vec<Vec<Event>> {
    let cuts: Vec<Option<Option<Vec<Piece>>>> = sources
        .iter()
        .zip(&known)
        .map(|((_, t), k)| k.is_none().then(|| split_items(t)))
        .collect();
    let jobs: Vec<(&Path, &str, &Piece)> = sources
        .iter()
        .zip(&cuts)
        .filter_map(|((file, text), cut)| {
            cut.as_ref()
                .and_then(Option::as_ref)
                .map(|c| (file.as_path(), text.as_str(), c))
        })
        .flat_map(|(file, text, pieces)| pieces.iter().map(move |p| (file, text, p)))
        .collect();
    let mut results = run_pieces(&jobs).into_iter();
    let mut out = Vec::with_capacity(sources.len());
    for (((file, text), cut), known) in sources.iter().zip(&cuts).zip(known) {
        let events = match (known, cut) {
            (Some(events), _) => events,
            (None, Some(Some(pieces))) => {
                let done: Vec<Option<Vec<Event>>> = results.by_ref().take(pieces.len()).collect();
                if done.iter().all(Option::is_some) {
                    done.into_iter().flatten().flatten().collect()
                } else {
                    // A piece that does not parse: read the file whole, for the
                    // parser's own error (or in case the cut went wrong).
                    whole_file_events(file, text)
                }
            }
            (None, _) => whole_file_events(file, text),
        };
        out.push(events);
    }
    out
}

/// The schema of the events of every source, or every mistake.
pub(crate) fn finish_events(
    sources: &[(PathBuf, String)],
    events: Vec<Vec<Event>>,
) -> Result<Schema, Vec<Diagnostic>> {
    let mut scan = Scan::default();
    for ((file, _), events) in sources.iter().zip(events) {
        for event in events {
            scan.event(file, event);
        }
    }
    scan.finish()
}

/// Parse the pieces, on several threads when there is much to parse.
fn run_pieces(jobs: &[(&Path, &str, &Piece)]) -> Vec<Option<Vec<Event>>> {
    const PER_THREAD: usize = 512 * 1024;
    let bytes: usize = jobs.iter().map(|(_, _, p)| p.range.len()).sum();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
        .min(bytes / PER_THREAD)
        .max(1);
    if threads == 1 {
        return jobs.iter().map(|(f, t, p)| piece_events(f, t, p)).collect();
    }
    // Contiguous runs of about equal size, one per thread.
    let mut runs: Vec<&[(&Path, &str, &Piece)]> = Vec::with_capacity(threads);
    let (mut from, mut acc) = (0usize, 0usize);
    for (i, (_, _, p)) in jobs.iter().enumerate() {
        acc += p.range.len();
        if acc * threads >= bytes * (runs.len() + 1) && runs.len() + 1 < threads {
            runs.push(&jobs[from..=i]);
            from = i + 1;
        }
    }
    runs.push(&jobs[from..]);
    std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|run| {
                std::thread::Builder::new()
                    .stack_size(8 * 1024 * 1024)
                    .spawn_scoped(scope, move || {
                        run.iter()
                            .map(|(f, t, p)| piece_events(f, t, p))
                            .collect::<Vec<_>>()
                    })
            })
            .collect();
        let mut out = Vec::with_capacity(jobs.len());
        // A run that found no thread is redone below.
        for h in handles.into_iter().flatten() {
            match h.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        if out.len() < jobs.len() {
            // Some run found no thread: redo everything in order on this one.
            out = jobs.iter().map(|(f, t, p)| piece_events(f, t, p)).collect();
        }
        out
    })
}

/// The events of one piece, `None` when it does not parse.
fn piece_events(file: &Path, text: &str, piece: &Piece) -> Option<Vec<Event>> {
    let src = &text[piece.range.clone()];
    if !(src.contains("Model") || src.contains("DbEnum")) {
        return src
            .parse::<proc_macro2::TokenStream>()
            .ok()
            .map(|_| Vec::new());
    }
    let parsed = syn::parse_file(src).ok()?;
    Some(item_events(file, piece.origin, &parsed.items))
}

fn whole_file_events(file: &Path, text: &str) -> Vec<Event> {
    match syn::parse_file(text) {
        Ok(parsed) => item_events(file, Origin::default(), &parsed.items),
        Err(e) => vec![Event::Diag(Diagnostic::from_model_error(
            file.to_path_buf(),
            &ModelError::new(e.span(), format!("the file does not parse as Rust: {e}")),
        ))],
    }
}

/// Where a parsed piece starts in its file: spans of the piece are relative to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Origin {
    /// 0-based line of the piece's first character.
    line: usize,
    /// 0-based column (in characters) of the piece's first character.
    column: usize,
}

impl Origin {
    /// 1-based line and column in the file of a span of the piece.
    fn place(self, span: Span) -> (usize, usize) {
        let start = span.start();
        if start.line <= 1 {
            (self.line + 1, self.column + start.column + 1)
        } else {
            (self.line + start.line, start.column + 1)
        }
    }

    fn diagnostic(self, file: &Path, error: &ModelError) -> Diagnostic {
        let (line, column) = self.place(error.span);
        Diagnostic {
            file: file.to_path_buf(),
            line,
            column,
            message: error.message.clone(),
            help: error.help.clone(),
        }
    }
}

/// What a piece contributes, with places already in file lines and columns (so
/// it carries no spans and can be made on any thread, or kept in the cache).
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) enum Event {
    /// A well-formed DbEnum: its name, column type and the place of its name.
    Enum {
        name: String,
        ty: ColumnType,
        at: (usize, usize),
    },
    /// A `#[derive(Model)]` struct.
    Model(Box<Found>),
    /// A mistake.
    Diag(Diagnostic),
}

/// One `#[derive(Model)]` struct, parsed; its field types that may be DbEnums
/// are resolved once every file has been read.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Found {
    pub(crate) table: Table,
    pub(crate) errors: Vec<Diagnostic>,
    /// (column index, type name, the error if no DbEnum has that name)
    pub(crate) externals: Vec<(usize, String, Diagnostic)>,
    /// The place of each column's field.
    columns: Vec<(usize, usize)>,
    /// The place of the struct's name.
    at: (usize, usize),
}

/// The models, DbEnums and mistakes of some items of `file`.
fn item_events(file: &Path, origin: Origin, items: &[Item]) -> Vec<Event> {
    let mut out = Vec::new();
    let mut all = Vec::new();
    flatten(items, &mut all);
    let diag = |span: Span, message: &str| {
        Event::Diag(origin.diagnostic(file, &ModelError::new(span, message)))
    };
    for item in all {
        match item {
            Item::Enum(e) if derives(&e.attrs, "DbEnum") => match parse_db_enum(e) {
                Ok(def) => out.push(Event::Enum {
                    name: def.ident.to_string(),
                    ty: def.column_type(),
                    at: origin.place(def.ident.span()),
                }),
                Err(errors) => out.extend(
                    errors
                        .iter()
                        .map(|e| Event::Diag(origin.diagnostic(file, e))),
                ),
            },
            Item::Struct(s) if derives(&s.attrs, "DbEnum") => out.push(diag(
                s.ident.span(),
                "derive(DbEnum) works on fieldless enums",
            )),
            Item::Struct(s) if derives(&s.attrs, "Model") => {
                // DbEnums may be declared further on: their columns wait in
                // `externals` until `finish`.
                let (model, errors) = parse_model_lenient(s, None);
                out.push(Event::Model(Box::new(Found {
                    errors: errors.iter().map(|e| origin.diagnostic(file, e)).collect(),
                    externals: model
                        .externals
                        .iter()
                        .map(|x| {
                            let error = unmappable(&x.field, &x.type_name, x.span, true);
                            (
                                x.column,
                                x.type_name.clone(),
                                origin.diagnostic(file, &error),
                            )
                        })
                        .collect(),
                    columns: model
                        .column_spans
                        .iter()
                        .map(|s| origin.place(*s))
                        .collect(),
                    at: origin.place(model.ident.span()),
                    table: model.table,
                })));
            }
            Item::Enum(e) if derives(&e.attrs, "Model") => out.push(diag(
                e.ident.span(),
                "derive(Model) works on structs; for an enum column type, derive DbEnum",
            )),
            _ => {}
        }
    }
    out
}

/// A model that parsed: its table, file, the place of each column and of its name.
type Placed<'a> = (Table, &'a Path, Vec<(usize, usize)>, (usize, usize));

#[derive(Default)]
struct Scan<'a> {
    diagnostics: Vec<Diagnostic>,
    /// Every DbEnum's column type by name (the first one met counts).
    enums: HashMap<String, ColumnType>,
    found: Vec<(&'a Path, Found)>,
}

impl<'a> Scan<'a> {
    fn event(&mut self, file: &'a Path, event: Event) {
        match event {
            Event::Enum { name, ty, at } => match self.enums.get(&name) {
                Some(first) if *first != ty => self.diagnostics.push(Diagnostic {
                    file: file.to_path_buf(),
                    line: at.0,
                    column: at.1,
                    message: format!(
                        "a different DbEnum named `{name}` is declared in another model file; the scanner resolves field types by name"
                    ),
                    help: None,
                }),
                Some(_) => {}
                None => {
                    self.enums.insert(name, ty);
                }
            },
            Event::Model(found) => self.found.push((file, *found)),
            Event::Diag(d) => self.diagnostics.push(d),
        }
    }

    fn finish(self) -> Result<Schema, Vec<Diagnostic>> {
        let Scan {
            mut diagnostics,
            enums,
            found,
        } = self;
        // (table, file, place of each column, place of the struct name)
        let mut placed: Vec<Placed<'_>> = Vec::new();
        let mut broken: HashSet<QualifiedName> = HashSet::new();
        for (file, mut f) in found {
            for (column, type_name, unresolved) in f.externals {
                match enums.get(&type_name) {
                    Some(ty) => f.table.columns[column].ty = ty.clone(),
                    None => f.errors.push(unresolved),
                }
            }
            if f.errors.is_empty() {
                placed.push((f.table, file, f.columns, f.at));
            } else {
                broken.insert(f.table.qualified_name());
                diagnostics.extend(f.errors);
            }
        }
        placed.sort_by(|a, b| (&a.0.schema, &a.0.name).cmp(&(&b.0.schema, &b.0.name)));
        let mut places = Vec::with_capacity(placed.len());
        let mut tables = Vec::with_capacity(placed.len());
        for (table, file, columns, at) in placed {
            tables.push(table);
            places.push((file, columns, at));
        }
        let schema = assemble(tables);
        for problem in validate(&schema) {
            // A reference to a model that failed to parse is not a second mistake.
            if let ProblemKind::UnknownTable { table } = &problem.kind
                && broken.contains(table)
            {
                continue;
            }
            let (file, columns, at) = &places[problem.table];
            let (line, column) = problem
                .column
                .and_then(|c| columns.get(c).copied())
                .unwrap_or(*at);
            diagnostics.push(Diagnostic {
                file: file.to_path_buf(),
                line,
                column,
                message: problem.message.clone(),
                help: problem.help.clone(),
            });
        }
        if diagnostics.is_empty() {
            Ok(schema)
        } else {
            diagnostics
                .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
            Err(diagnostics)
        }
    }
}

/// A run of whole top-level items of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Piece {
    range: std::ops::Range<usize>,
    origin: Origin,
}

/// Cut `text` between top-level items: after a `;` or a closing `}` at bracket
/// depth 0 that is followed by an attribute (`#`) or a word (`pub`, `struct`,
/// `fn`, ...). Comments and whitespace go with the item that follows them.
/// `None` when the text does not lex (unbalanced brackets, an unterminated
/// string or comment) or starts with a byte-order mark or `#!`: the caller then
/// parses the whole file.
fn split_items(text: &str) -> Option<Vec<Piece>> {
    if text.starts_with('\u{feff}') || text.starts_with("#!") {
        return None;
    }
    let b = text.as_bytes();
    let n = b.len();
    let mut pieces = Vec::new();
    let mut start = 0usize;
    let mut origin = Origin::default();
    let mut depth = 0usize;
    let mut pending: Option<usize> = None; // where a piece may end
    let mut i = 0usize;
    let is_word = |c: u8| c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80;
    while i < n {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr_from(b, b'\n', i).unwrap_or(n);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut nest = 1usize;
                i += 2;
                while nest > 0 {
                    if i + 1 >= n {
                        return None;
                    }
                    if b[i] == b'/' && b[i + 1] == b'*' {
                        nest += 1;
                        i += 2;
                    } else if b[i] == b'*' && b[i + 1] == b'/' {
                        nest -= 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
            }
            _ => {
                // A token: does a piece end before it?
                if let Some(end) = pending.take()
                    && depth == 0
                    && (c == b'#' || is_word(c))
                {
                    let src = &text[start..end];
                    pieces.push(Piece {
                        range: start..end,
                        origin,
                    });
                    let newlines = src.bytes().filter(|&x| x == b'\n').count();
                    if newlines > 0 {
                        origin.line += newlines;
                        let last = src.rfind('\n').unwrap_or(0);
                        origin.column = src[last + 1..].chars().count();
                    } else {
                        origin.column += src.chars().count();
                    }
                    start = end;
                }
                match c {
                    b'"' => i = skip_string(b, i + 1)?,
                    b'\'' => {
                        if b.get(i + 1) == Some(&b'\\') {
                            // '\n', '\'', '\u{..}'
                            i = memchr_from(b, b'\'', i + 3)? + 1;
                        } else {
                            let len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                            if b.get(i + 1 + len) == Some(&b'\'') {
                                i += len + 2;
                            } else {
                                i += 1; // a lifetime or label
                            }
                        }
                    }
                    b'{' | b'(' | b'[' => {
                        depth += 1;
                        i += 1;
                    }
                    b'}' | b')' | b']' => {
                        depth = depth.checked_sub(1)?;
                        i += 1;
                        if c == b'}' && depth == 0 {
                            pending = Some(i);
                        }
                    }
                    b';' => {
                        i += 1;
                        if depth == 0 {
                            pending = Some(i);
                        }
                    }
                    c if is_word(c) => {
                        let s = i;
                        while i < n && is_word(b[i]) {
                            i += 1;
                        }
                        let word = &b[s..i];
                        match (word, b.get(i)) {
                            (b"r" | b"br" | b"cr", Some(b'"' | b'#')) => {
                                let mut j = i;
                                while j < n && b[j] == b'#' {
                                    j += 1;
                                }
                                if b.get(j) == Some(&b'"') {
                                    i = skip_raw_string(b, j + 1, j - i)?;
                                }
                                // else `r#ident`: the `#` is read as punctuation
                            }
                            (b"b" | b"c", Some(b'"')) => i = skip_string(b, i + 1)?,
                            _ => {}
                        }
                    }
                    _ => i += 1,
                }
            }
        }
    }
    if depth != 0 {
        return None;
    }
    pieces.push(Piece {
        range: start..n,
        origin,
    });
    Some(pieces)
}

fn memchr_from(b: &[u8], needle: u8, from: usize) -> Option<usize> {
    b.get(from..)?
        .iter()
        .position(|&x| x == needle)
        .map(|p| p + from)
}

/// The index after the closing `"` of a string whose contents start at `i`.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The index after the closing `"###` of a raw string with `hashes` hashes whose
/// contents start at `i`.
fn skip_raw_string(b: &[u8], mut i: usize, hashes: usize) -> Option<usize> {
    while i < b.len() {
        if b[i] == b'"'
            && b.len() >= i + 1 + hashes
            && b[i + 1..i + 1 + hashes].iter().all(|&x| x == b'#')
        {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<&str> {
        split_items(src)
            .expect("splits")
            .into_iter()
            .map(|p| &src[p.range])
            .collect()
    }

    #[test]
    fn cuts_between_items_only() {
        let src = "use a::b;\n/// doc\n#[derive(Model)]\nstruct A { x: i32 }\nconst C: S = S { a: 1 };\nfn f() -> [u8; 2] { let s = \"} struct X;\"; let c = '}'; let r = r#\"}\"#; [1; 2] }\nimpl<'a> T<'a> for U { }\n/* } fn g() {} */ mod m { struct B; fn h() {} }";
        let pieces = texts(src);
        assert_eq!(pieces.concat(), src);
        assert_eq!(
            pieces,
            vec![
                "use a::b;",
                "\n/// doc\n#[derive(Model)]\nstruct A { x: i32 }",
                "\nconst C: S = S { a: 1 };",
                "\nfn f() -> [u8; 2] { let s = \"} struct X;\"; let c = '}'; let r = r#\"}\"#; [1; 2] }",
                "\nimpl<'a> T<'a> for U { }",
                "\n/* } fn g() {} */ mod m { struct B; fn h() {} }",
            ]
        );
    }

    #[test]
    fn pieces_know_where_they_start() {
        let src = "struct A;\n  struct \u{e9}B; struct C;";
        let pieces = split_items(src).expect("splits");
        let origins: Vec<_> = pieces
            .iter()
            .map(|p| (p.origin.line, p.origin.column))
            .collect();
        assert_eq!(origins, vec![(0, 0), (0, 9), (1, 12)]);
    }

    #[test]
    fn gives_up_on_what_does_not_lex() {
        assert_eq!(split_items("struct A { x: i32 "), None);
        assert_eq!(split_items("const S: &str = \"open;"), None);
        assert_eq!(split_items("/* open"), None);
        assert_eq!(split_items("#!/usr/bin/env run\nstruct A;"), None);
    }

    #[test]
    fn places_errors_of_later_pieces_in_the_file() {
        let src = "fn f() {}\n\n#[derive(Model)]\nstruct A {\n    #[model(primary_key, bogus)]\n    id: i32,\n}\n";
        let errors = scan_sources(&[(PathBuf::from("m.rs"), src.to_string())]).expect_err("bogus");
        assert_eq!((errors[0].line, errors[0].column), (5, 26), "{errors:?}");
    }
}
