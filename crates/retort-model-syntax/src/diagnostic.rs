//! Errors of the model parser ([`ModelError`], carrying a span) and of the
//! scanner ([`Diagnostic`], carrying a file, line and column).

use std::fmt;
use std::path::PathBuf;

use proc_macro2::Span;

/// A mistake in one model's attributes or types, at a place in its source.
#[derive(Debug, Clone)]
pub struct ModelError {
    /// Where the mistake is.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl ModelError {
    /// An error without help text.
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Self {
            span,
            message: message.into(),
            help: None,
        }
    }

    /// The same error with help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The error as `syn` reports it in a `compile_error!`: the message, then the help.
    pub fn to_syn_error(&self) -> syn::Error {
        let text = match &self.help {
            Some(help) => format!("{}\n= help: {help}", self.message),
            None => self.message.clone(),
        };
        syn::Error::new(self.span, text)
    }

    /// All errors as one `syn::Error` (several `compile_error!`s once expanded).
    pub fn combine(errors: &[ModelError]) -> Option<syn::Error> {
        let mut iter = errors.iter();
        let mut first = iter.next()?.to_syn_error();
        for e in iter {
            first.combine(e.to_syn_error());
        }
        Some(first)
    }

    /// 1-based line and column of the span's start (outside a proc macro; inside
    /// one, the compiler places the error itself).
    pub fn line_column(&self) -> (usize, usize) {
        let start = self.span.start();
        (start.line, start.column + 1)
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// One error of a scan, placed in a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// The file, as given to the scanner (joined with the walked folder path).
    pub file: PathBuf,
    /// 1-based line; 0 when the error concerns the whole file.
    pub line: usize,
    /// 1-based column; 0 when the error concerns the whole file.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic for `error`, found in `file`.
    pub fn from_model_error(file: PathBuf, error: &ModelError) -> Self {
        let (line, column) = error.line_column();
        Self {
            file,
            line,
            column,
            message: error.message.clone(),
            help: error.help.clone(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        write!(f, ": error: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}
