//! Reading `#[model(...)]` attributes into entries, and entries into values.
//!
//! Parsing happens in two steps so that every mistake of an attribute list is
//! reported in one run: first the attribute syntax is read into [`Entry`]s
//! (`key`, `key = expr` or `key(...)`), accepting any key; then each context
//! (struct, field, enum, variant, nested list) interprets its entries, recording a
//! [`ModelError`] for each unknown key or malformed value and carrying on.

use std::collections::HashSet;

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Attribute, Expr, ExprLit, Lit, Token};

use crate::diagnostic::ModelError;
use crate::suggest::closest;

/// A value with the span of where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// The value part of an entry.
pub(crate) enum Value {
    /// `key`.
    Flag,
    /// `key = expr`.
    Expr(Box<Expr>),
    /// `key(...)`.
    List(Vec<Entry>),
}

/// One `key`, `key = value` or `key(...)` of an attribute list.
pub(crate) struct Entry {
    pub key: String,
    pub span: Span,
    pub value: Value,
}

/// The collected errors of one item.
#[derive(Default)]
pub(crate) struct Errors(pub Vec<ModelError>);

impl Errors {
    pub fn push(&mut self, e: ModelError) {
        self.0.push(e);
    }
    pub fn at(&mut self, span: Span, msg: impl Into<String>) {
        self.0.push(ModelError::new(span, msg));
    }
    pub fn help(&mut self, span: Span, msg: impl Into<String>, help: impl Into<String>) {
        self.0.push(ModelError::new(span, msg).with_help(help));
    }
}

/// The entries of every `#[model(...)]` attribute in `attrs`, in order.
pub(crate) fn entries(attrs: &[Attribute], errors: &mut Errors) -> Vec<Entry> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("model")) {
        if let syn::Meta::Path(p) = &attr.meta {
            errors.help(
                p.span(),
                "`#[model]` needs a list of attributes",
                "write e.g. `#[model(primary_key)]`",
            );
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            out.push(entry(meta)?);
            Ok(())
        });
        if let Err(e) = result {
            for e in e {
                errors.at(
                    e.span(),
                    format!("malformed `#[model(...)]` attribute: {e}"),
                );
            }
        }
    }
    out
}

fn entry(meta: ParseNestedMeta) -> syn::Result<Entry> {
    let key = meta
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::");
    let span = meta.path.span();
    let value = if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
        Value::Expr(Box::new(value_expr(meta.input)?))
    } else if meta.input.peek(syn::token::Paren) {
        let mut inner = Vec::new();
        meta.parse_nested_meta(|m| {
            inner.push(entry(m)?);
            Ok(())
        })?;
        Value::List(inner)
    } else {
        Value::Flag
    };
    Ok(Entry { key, span, value })
}

/// The expression after `key =`. A lone literal (`"..."`, `12`, `true`), by far
/// the most common value, is read without the full expression parser: the same
/// `Expr::Lit` it would produce, for less work.
fn value_expr(input: syn::parse::ParseStream) -> syn::Result<Expr> {
    use syn::parse::discouraged::Speculative as _;
    if input.peek(Lit) {
        let fork = input.fork();
        if let Ok(lit) = fork.parse::<Lit>()
            && (fork.is_empty() || fork.peek(Token![,]))
        {
            input.advance_to(&fork);
            return Ok(Expr::Lit(ExprLit {
                attrs: Vec::new(),
                lit,
            }));
        }
    }
    input.parse()
}

/// Tracks which keys a context has seen, to reject repeats.
#[derive(Default)]
pub(crate) struct Seen(HashSet<String>);

impl Seen {
    /// False (and an error) when `entry`'s key was seen before.
    pub fn first(&mut self, entry: &Entry, errors: &mut Errors) -> bool {
        if self.0.insert(entry.key.clone()) {
            true
        } else {
            errors.at(entry.span, format!("`{}` is given twice", entry.key));
            false
        }
    }
}

/// Report an unknown key, suggesting the closest known one, or the context it
/// belongs to when it is a key of another context.
pub(crate) fn unknown(
    entry: &Entry,
    context: &str,
    known: &[&str],
    elsewhere: &[(&str, &[&str])],
    errors: &mut Errors,
) {
    let message = format!("unknown {context} attribute `{}`", entry.key);
    let help = if let Some((other, _)) = elsewhere
        .iter()
        .find(|(_, keys)| keys.contains(&entry.key.as_str()))
    {
        format!("`{}` is a {other} attribute", entry.key)
    } else if let Some(near) = closest(&entry.key, known) {
        format!("did you mean `{near}`?")
    } else {
        format!("{context} attributes are: {}", known.join(", "))
    };
    errors.help(entry.span, message, help);
}

fn expr(entry: &Entry) -> Option<&Expr> {
    match &entry.value {
        Value::Expr(e) => Some(e),
        _ => None,
    }
}

fn value_span(entry: &Entry) -> Span {
    match &entry.value {
        Value::Expr(e) => e.span(),
        _ => entry.span,
    }
}

/// `key = "text"`.
pub(crate) fn string(entry: &Entry, errors: &mut Errors) -> Option<Spanned<String>> {
    if let Some(Expr::Lit(ExprLit {
        lit: Lit::Str(s), ..
    })) = expr(entry)
    {
        return Some(Spanned {
            value: s.value(),
            span: s.span(),
        });
    }
    errors.help(
        value_span(entry),
        format!("`{}` takes a string", entry.key),
        format!("write `{} = \"...\"`", entry.key),
    );
    None
}

/// `key = "text"` with a non-empty, trimmed text.
pub(crate) fn name(entry: &Entry, errors: &mut Errors) -> Option<Spanned<String>> {
    let s = string(entry, errors)?;
    if s.value.trim().is_empty() {
        errors.at(s.span, format!("`{}` must not be empty", entry.key));
        return None;
    }
    Some(s)
}

/// `key = 123` (a positive integer that fits in 32 bits).
pub(crate) fn positive(entry: &Entry, errors: &mut Errors) -> Option<Spanned<u32>> {
    if let Some(Expr::Lit(ExprLit {
        lit: Lit::Int(i), ..
    })) = expr(entry)
        && let Ok(v) = i.base10_parse::<u32>()
        && v > 0
    {
        return Some(Spanned {
            value: v,
            span: i.span(),
        });
    }
    errors.help(
        value_span(entry),
        format!("`{}` takes a positive integer", entry.key),
        format!("write e.g. `{} = 50`", entry.key),
    );
    None
}

/// `key = 0` allowed too (for `scale`).
pub(crate) fn non_negative(entry: &Entry, errors: &mut Errors) -> Option<Spanned<u32>> {
    if let Some(Expr::Lit(ExprLit {
        lit: Lit::Int(i), ..
    })) = expr(entry)
        && let Ok(v) = i.base10_parse::<u32>()
    {
        return Some(Spanned {
            value: v,
            span: i.span(),
        });
    }
    errors.help(
        value_span(entry),
        format!("`{}` takes a non-negative integer", entry.key),
        format!("write e.g. `{} = 2`", entry.key),
    );
    None
}

/// `key` or `key = true|false`.
pub(crate) fn flag(entry: &Entry, errors: &mut Errors) -> Option<bool> {
    if matches!(entry.value, Value::Flag) {
        return Some(true);
    }
    match expr(entry) {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        })) => Some(b.value),
        _ => {
            errors.help(
                value_span(entry),
                format!("`{}` is a flag and takes no value", entry.key),
                format!("write `{0}`, or `{0} = false`", entry.key),
            );
            None
        }
    }
}

/// `key(...)`.
pub(crate) fn list<'a>(
    entry: &'a Entry,
    example: &str,
    errors: &mut Errors,
) -> Option<&'a [Entry]> {
    if let Value::List(items) = &entry.value {
        return Some(items);
    }
    errors.help(
        value_span(entry),
        format!("`{}` takes a parenthesized list", entry.key),
        format!("write e.g. `{example}`"),
    );
    None
}

/// `key = ["a", "b"]`.
pub(crate) fn strings(entry: &Entry, errors: &mut Errors) -> Option<Vec<Spanned<String>>> {
    if let Some(Expr::Array(array)) = expr(entry) {
        let mut out = Vec::new();
        let mut ok = true;
        for elem in &array.elems {
            match elem {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => out.push(Spanned {
                    value: s.value(),
                    span: s.span(),
                }),
                other => {
                    ok = false;
                    errors.help(
                        other.span(),
                        format!("`{}` lists column names as strings", entry.key),
                        format!("write e.g. `{} = [\"user_id\", \"created_at\"]`", entry.key),
                    );
                }
            }
        }
        if out.is_empty() && ok {
            errors.at(
                array.span(),
                format!("`{}` must name at least one column", entry.key),
            );
            return None;
        }
        return ok.then_some(out);
    }
    errors.help(
        value_span(entry),
        format!("`{}` takes a list of column names", entry.key),
        format!("write e.g. `{} = [\"user_id\", \"created_at\"]`", entry.key),
    );
    None
}
