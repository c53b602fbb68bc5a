//! The scanner's cache: kept in `target/retort-cache` beside `retort.toml`,
//! moved or turned off with `RETORT_CACHE_DIR`, never in the way of an edit.

use std::path::Path;
use std::process::Command;

use retort_dialect::DialectKind;

use crate::harness::{BLOG_V1, Project, blog_v2};

fn cache_files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

fn erd_with_cache_dir(p: &Project, value: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_retort"))
        .args(["erd"])
        .current_dir(p.path())
        .env_remove("DATABASE_URL")
        .env("RETORT_CACHE_DIR", value)
        .output()
        .expect("run retort");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_cache_follows_every_edit_and_survives_corruption() {
    let p = Project::new(DialectKind::Sqlite);
    p.write("src/models/blog.rs", BLOG_V1);
    let v1 = p.retort(&["erd"]).expect_code(0).stdout;
    let cache = p.path().join("target/retort-cache");
    let files = cache_files(&cache);
    assert_eq!(files.len(), 1, "one cache file in target/retort-cache");
    assert_eq!(p.retort(&["erd"]).expect_code(0).stdout, v1);

    p.write("src/models/blog.rs", &blog_v2());
    let v2 = p.retort(&["erd"]).expect_code(0).stdout;
    assert!(v2.contains("phone") && !v1.contains("phone"), "{v2}");

    std::fs::write(&files[0], b"{\"build\": 1, garbage").expect("corrupt");
    assert_eq!(p.retort(&["erd"]).expect_code(0).stdout, v2);

    // A mistake is found again, at its place, on every run.
    p.write(
        "src/models/blog.rs",
        &BLOG_V1.replacen("#[model(primary_key)]", "#[model(primary_key, bogus)]", 1),
    );
    let first = p.retort(&["erd"]).expect_code(2).stderr;
    let second = p.retort(&["erd"]).expect_code(2).stderr;
    assert_eq!(first, second);
    assert!(first.contains("blog.rs:"), "{first}");
}

#[test]
fn retort_cache_dir_moves_or_turns_off_the_cache() {
    let p = Project::new(DialectKind::Sqlite);
    p.write("src/models/blog.rs", BLOG_V1);
    let off = erd_with_cache_dir(&p, "off");
    assert!(
        !p.path().join("target").exists(),
        "no cache with RETORT_CACHE_DIR=off"
    );
    let elsewhere = p.path().join("elsewhere");
    let moved = erd_with_cache_dir(&p, &elsewhere.display().to_string());
    assert_eq!(moved, off);
    assert_eq!(cache_files(&elsewhere).len(), 1);
    assert!(!p.path().join("target").exists());
}
