//! `embed_migrations!("dir")`: the revision files of a folder, compiled in.
//!
//! The folder is relative to the `CARGO_MANIFEST_DIR` of the crate being
//! compiled (like `sqlx::migrate!`). Every `*.sql` file (not recursively, in
//! file-name order, as `retort` reads the folder) is embedded with
//! `include_str!`, so editing a file rebuilds the crate. The files are parsed
//! and their graph checked now, so a broken revision is a compile error naming
//! the file and line. Adding or removing a file is only noticed on the next
//! rebuild of the crate: a `build.rs` with
//! `println!("cargo:rerun-if-changed=migrations");` makes Cargo watch the folder.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::quote;
use retort_migrate::Migrations;

/// Expand the macro for the folder literal in `input`, resolved against `manifest_dir`.
pub(crate) fn expand(input: TokenStream, manifest_dir: Option<&Path>) -> TokenStream {
    let lit = match syn::parse2::<syn::LitStr>(input) {
        Ok(l) => l,
        Err(e) => {
            return syn::Error::new(
                e.span(),
                "embed_migrations! takes the migrations folder as a string literal, e.g. embed_migrations!(\"migrations\")",
            )
            .to_compile_error();
        }
    };
    let dir = lit.value();
    let error = |message: String| syn::Error::new(lit.span(), message).to_compile_error();
    let Some(manifest_dir) = manifest_dir else {
        return error(
            "embed_migrations!: CARGO_MANIFEST_DIR is not set; build with Cargo".to_string(),
        );
    };
    let path = manifest_dir.join(&dir);
    let files = match sql_files(&path) {
        Ok(f) => f,
        Err(message) => return error(format!("embed_migrations!({dir:?}): {message}")),
    };
    let mut sources = Vec::with_capacity(files.len());
    for file in &files {
        match std::fs::read_to_string(file) {
            Ok(text) => sources.push((file.clone(), text)),
            Err(e) => {
                return error(format!(
                    "embed_migrations!({dir:?}): cannot read {}: {e}",
                    file.display()
                ));
            }
        }
    }
    if let Err(e) = Migrations::from_sources(sources) {
        return error(format!("embed_migrations!({dir:?}): {e}"));
    }
    let entries = files.iter().map(|file| {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let full = file.to_string_lossy().into_owned();
        let full = syn::LitStr::new(&full, Span::call_site());
        quote! { (#name, ::core::include_str!(#full)) }
    });
    quote! {
        ::retort::EmbeddedMigrations::new(#dir, &[#(#entries),*])
    }
}

/// The `*.sql` files of `dir`, sorted by name; an error message when the
/// folder is missing or unreadable, or a name is not UTF-8.
fn sql_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    if !dir.is_dir() {
        return Err(format!(
            "the migrations folder {} does not exist (the path is relative to the crate's Cargo.toml; create it, or run `retort init`)",
            dir.display()
        ));
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .path();
        if path.extension().is_some_and(|e| e == "sql") && path.is_file() {
            if path.to_str().is_none() {
                return Err(format!("{} is not a UTF-8 path", path.display()));
            }
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::expand;
    use quote::quote;

    const REVISION: &str = "-- Create things\n--\n-- revision: 0123456789ab\n-- revises:\n\n-- retort:upgrade\nCREATE TABLE \"things\" (\"id\" INTEGER);\n\n-- retort:downgrade\nDROP TABLE \"things\";\n";

    #[test]
    fn embeds_every_sql_file_in_name_order() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("migrations");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::write(dir.join("20260101000000_create_things.sql"), REVISION).expect("write");
        std::fs::write(dir.join("README.md"), "not a revision").expect("write");
        let out = expand(quote!("migrations"), Some(tmp.path())).to_string();
        assert!(
            out.contains("EmbeddedMigrations :: new (\"migrations\""),
            "{out}"
        );
        assert!(
            out.contains("\"20260101000000_create_things.sql\""),
            "{out}"
        );
        assert!(out.contains("include_str !"), "{out}");
        assert!(!out.contains("README"), "{out}");
    }

    #[test]
    fn an_empty_folder_embeds_nothing() {
        let tmp = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(tmp.path().join("migrations")).expect("mkdir");
        let out = expand(quote!("migrations"), Some(tmp.path())).to_string();
        assert!(out.contains("new (\"migrations\" , & [])"), "{out}");
    }

    #[test]
    fn a_missing_folder_is_a_compile_error_naming_it() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let out = expand(quote!("nowhere"), Some(tmp.path())).to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("nowhere"), "{out}");
        assert!(out.contains("does not exist"), "{out}");
    }

    #[test]
    fn a_broken_revision_is_a_compile_error_naming_the_file() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("migrations");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::write(dir.join("1_bad.sql"), "SELECT 1;\n").expect("write");
        let out = expand(quote!("migrations"), Some(tmp.path())).to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("1_bad.sql"), "{out}");
    }

    #[test]
    fn a_non_literal_is_a_compile_error() {
        let out = expand(quote!(MIGRATIONS_DIR), None).to_string();
        assert!(out.contains("string literal"), "{out}");
    }
}
