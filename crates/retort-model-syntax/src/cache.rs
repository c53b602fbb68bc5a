//! The scanner's cache: what each model file yielded, kept between runs.
//!
//! Parsing model files with `syn` is most of what `retort check` spends on its
//! own side for a big project. The cache keeps, per file, the scanner's result
//! for that file (its models and DbEnums, before field types are resolved across
//! files and before the schema-wide checks, which always run), keyed by the
//! sha256 of the file's bytes. The whole cache of one list of model paths is one
//! JSON file, read at once; it also records the build that wrote it (retort's
//! version, the cache format and the size and modification time of the running
//! program), and a cache of another build is ignored as a whole. A file whose
//! scan found any mistake is never cached, so its errors are found again, with
//! their file and line, on every run. A cache file that cannot be read or
//! decoded is ignored and rewritten; writing is best effort (a read-only project
//! still scans, just without the cache).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use retort_schema::Schema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diagnostic::Diagnostic;
use crate::scan::{Event, finish_events, source_events};

/// Bumped whenever what a cache entry holds changes shape or meaning.
const FORMAT: u32 = 1;

#[derive(Serialize)]
struct Write<'a> {
    build: &'a str,
    files: BTreeMap<&'a str, &'a [Event]>,
}

#[derive(Deserialize)]
struct Read {
    build: String,
    files: HashMap<String, Vec<Event>>,
}

/// The identity of the running build: a cache written by another is not used.
fn build_key() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(exe).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!(
        "retort-model-syntax {} format {FORMAT} exe {} {}.{:09}",
        env!("CARGO_PKG_VERSION"),
        meta.len(),
        modified.as_secs(),
        modified.subsec_nanos()
    ))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The cache file of this list of sources in `dir`.
fn cache_file(dir: &Path, sources: &[(PathBuf, String)]) -> PathBuf {
    let mut h = Sha256::new();
    for (p, _) in sources {
        h.update(p.to_string_lossy().as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    dir.join(format!("scan-{}.json", &hex(&digest)[..16]))
}

/// Scan `sources` as [`crate::scan_sources`] does, taking each unchanged file's
/// result from the cache in `dir` and storing the new ones there.
pub(crate) fn scan_with_cache(
    sources: &[(PathBuf, String)],
    dir: &Path,
) -> Result<Schema, Vec<Diagnostic>> {
    let Some(build) = build_key() else {
        return crate::scan_sources(sources);
    };
    let path = cache_file(dir, sources);
    let hashes: Vec<String> = sources
        .iter()
        .map(|(_, text)| hex(&Sha256::digest(text.as_bytes())))
        .collect();
    let mut stored: HashMap<String, Vec<Event>> = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Read>(&bytes).ok())
        .filter(|r| r.build == build)
        .map(|r| r.files)
        .unwrap_or_default();
    let stale = stored.len();
    let known: Vec<Option<Vec<Event>>> = sources
        .iter()
        .zip(&hashes)
        .map(|((file, _), hash)| {
            let mut events = stored.remove(hash)?;
            // The same bytes may have been read under another name.
            for event in &mut events {
                if let Event::Model(found) = event {
                    for (_, _, d) in &mut found.externals {
                        d.file.clone_from(file);
                    }
                }
            }
            Some(events)
        })
        .collect();
    let hits = known.iter().filter(|k| k.is_some()).count();
    drop(stored);
    let events = source_events(sources, known);
    let files: BTreeMap<&str, &[Event]> = hashes
        .iter()
        .zip(&events)
        .filter(|(_, ev)| cacheable(ev))
        .map(|(h, ev)| (h.as_str(), ev.as_slice()))
        .collect();
    // Rewrite when something new was scanned or the file held other entries.
    if files.len() != hits || stale != hits {
        store(
            dir,
            &path,
            &Write {
                build: &build,
                files,
            },
        );
    }
    finish_events(sources, events)
}

/// Only a file that scanned without a mistake is kept.
fn cacheable(events: &[Event]) -> bool {
    events.iter().all(|e| match e {
        Event::Diag(_) => false,
        Event::Model(found) => found.errors.is_empty(),
        Event::Enum { .. } => true,
    })
}

/// Write the cache file through a temporary file renamed into place, so a reader
/// sees the old file or the new one, never half of one. Failures are ignored.
fn store(dir: &Path, path: &Path, contents: &Write<'_>) {
    let Ok(bytes) = serde_json::to_vec(contents) else {
        return;
    };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = "#[derive(Model)]\nstruct Post {\n    #[model(primary_key)]\n    id: i64,\n    title: String,\n}\n";

    fn scan(dir: &Path, cache: &Path) -> Result<Schema, Vec<Diagnostic>> {
        crate::scan_files_cached(&[dir.join("models.rs")], Some(cache))
    }

    fn cache_files(cache: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(cache)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_cached_scan_equals_a_fresh_one_and_sees_edits() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("cache");
        std::fs::write(tmp.path().join("models.rs"), MODEL).unwrap();
        let fresh = crate::scan_files(&[tmp.path().join("models.rs")]).unwrap();
        let first = scan(tmp.path(), &cache).unwrap();
        assert_eq!(first, fresh);
        assert_eq!(cache_files(&cache).len(), 1, "one cache file written");
        let second = scan(tmp.path(), &cache).unwrap();
        assert_eq!(second, fresh, "the cached result is the scanned one");

        // An edit changes the hash: the new column is seen.
        std::fs::write(
            tmp.path().join("models.rs"),
            MODEL.replace(
                "title: String,",
                "title: String,\n    body: Option<String>,",
            ),
        )
        .unwrap();
        let edited = scan(tmp.path(), &cache).unwrap();
        let cols: Vec<&str> = edited.tables[0]
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(cols, ["id", "title", "body"]);
        // Back to the first text: the first result again.
        std::fs::write(tmp.path().join("models.rs"), MODEL).unwrap();
        assert_eq!(scan(tmp.path(), &cache).unwrap(), fresh);
    }

    #[test]
    fn a_corrupted_cache_file_is_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("cache");
        std::fs::write(tmp.path().join("models.rs"), MODEL).unwrap();
        let fresh = scan(tmp.path(), &cache).unwrap();
        let file = cache_files(&cache).pop().unwrap();
        let good = std::fs::read(&file).unwrap();
        for bad in [
            b"not json at all".to_vec(),
            good[..good.len() / 2].to_vec(),
            b"{\"build\":\"other\",\"files\":{}}".to_vec(),
            Vec::new(),
        ] {
            std::fs::write(&file, &bad).unwrap();
            assert_eq!(scan(tmp.path(), &cache).unwrap(), fresh);
        }
        // An entry that does not decode as a scan result fails the whole file.
        let text = String::from_utf8(good).unwrap();
        let broken = text.replacen("\"Model\"", "\"Modle\"", 1);
        assert_ne!(broken, text);
        std::fs::write(&file, broken).unwrap();
        assert_eq!(scan(tmp.path(), &cache).unwrap(), fresh);
    }

    #[test]
    fn mistakes_are_never_cached() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("cache");
        let bad = MODEL.replace("#[model(primary_key)]", "#[model(primary_key, bogus)]");
        std::fs::write(tmp.path().join("models.rs"), &bad).unwrap();
        for _ in 0..2 {
            let errors = scan(tmp.path(), &cache).expect_err("bogus");
            assert_eq!(errors[0].line, 3, "{errors:?}");
            assert!(errors[0].file.ends_with("models.rs"));
        }
        let stored: String = cache_files(&cache)
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect();
        assert!(!stored.contains("bogus"), "{stored}");
    }

    #[test]
    fn an_unknown_enum_type_is_still_reported_with_its_place() {
        // The file itself scans cleanly (its unresolved types wait for the other
        // files), so it is cached; the error comes back from the cache.
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("cache");
        let src = MODEL.replace("title: String,", "status: Status,");
        std::fs::write(tmp.path().join("models.rs"), &src).unwrap();
        let first = scan(tmp.path(), &cache).expect_err("unknown type");
        let second = scan(tmp.path(), &cache).expect_err("unknown type");
        assert_eq!(first, second);
        assert_eq!(first[0].line, 5, "{first:?}");
    }

    #[test]
    fn every_kind_of_attribute_comes_back_from_the_cache_unchanged() {
        let src = r#"
#[derive(DbEnum)]
#[model(name = "prio", schema = "app")]
enum Priority { Low, #[model(rename = "urgent")] High }

#[derive(Model)]
#[model(table = "accounts", schema = "app", renamed_from = "users", comment = "people")]
#[model(index(columns = ["email", "created_at DESC", "name asc nulls first"]), check(expr = "id > 0"))]
#[model(index(expr = "lower(email)", unique, where = "name IS NOT NULL", method = "btree"))]
#[model(charset = "utf8mb4", collation = "utf8mb4_unicode_ci", engine = "InnoDB", row_format = "dynamic")]
struct Account {
    #[model(primary_key, auto_increment = false)]
    id: i64,
    #[model(unique, index, max_length = 50, comment = "login")]
    email: String,
    #[model(column = "lang", sql_type = "CHAR(2)", collation = "latin1_general_ci")]
    language: String,
    #[model(precision = 12, scale = 2, server_default = "0")]
    balance: rust_decimal::Decimal,
    #[model(not_null, backfill = "'{}'")]
    settings: Option<serde_json::Value>,
    name: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
    prio: Priority,
    #[model(skip)]
    cache: Vec<u8>,
}

#[derive(Model)]
#[model(table = "memberships", primary_key(columns = ["account_id", "team_name"]))]
struct Membership {
    #[model(references = "app.accounts.id", on_delete = "set null", on_update = "cascade")]
    account_id: Option<i64>,
    #[model(column = "team_name", renamed_from = "team")]
    team: String,
    #[model(sql_type = "INET")]
    address: String,
}
"#;
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("cache");
        std::fs::write(tmp.path().join("models.rs"), src).unwrap();
        let fresh = match crate::scan_files(&[tmp.path().join("models.rs")]) {
            Ok(s) => s,
            Err(d) => panic!("{d:?}"),
        };
        assert_eq!(scan(tmp.path(), &cache).unwrap(), fresh);
        assert_eq!(scan(tmp.path(), &cache).unwrap(), fresh);
        let stored: String = cache_files(&cache)
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect();
        assert!(
            stored.contains("latin1_general_ci"),
            "the second scan read the cache"
        );
    }
}
