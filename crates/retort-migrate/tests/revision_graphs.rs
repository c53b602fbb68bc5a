//! Golden tests of migrations directories: every `testdata/revisions/<case>/`
//! is loaded and its graph (or its error) compared with a snapshot.

use std::fmt::Write;
use std::path::Path;

use retort_migrate::Migrations;

fn describe(m: &Migrations) -> String {
    let g = &m.graph;
    let mut out = String::new();
    writeln!(out, "heads: {}", g.heads().join(" ")).unwrap();
    writeln!(out, "bases: {}", g.bases().join(" ")).unwrap();
    writeln!(out, "branch points: {}", g.branch_points().join(" ")).unwrap();
    writeln!(out, "merges: {}", g.merges().join(" ")).unwrap();
    writeln!(out, "history:").unwrap();
    for rev in m.history() {
        let file = rev.path.file_name().and_then(|f| f.to_str()).unwrap_or("?");
        writeln!(
            out,
            "  {} <- [{}] {} ({file})",
            rev.id,
            rev.revises.join(", "),
            rev.message
        )
        .unwrap();
    }
    writeln!(out, "edges:").unwrap();
    for (p, c) in g.edges() {
        writeln!(out, "  {p} -> {c}").unwrap();
    }
    out
}

#[test]
fn revision_goldens() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/revisions");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .expect("testdata/revisions exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 5);
    for case in cases {
        let name = case
            .file_name()
            .and_then(|s| s.to_str())
            .expect("utf-8 name")
            .to_string();
        let out = match Migrations::load(&case) {
            Ok(m) => {
                assert!(!name.starts_with("err_"), "{name} should fail to load");
                describe(&m)
            }
            Err(e) => {
                assert!(name.starts_with("err_"), "{name}: {e}");
                assert!(e.is_user_error());
                e.to_string()
                    .replace(&format!("{}/", case.display()), "<dir>/")
            }
        };
        insta::with_settings!({ prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("revisions_{name}"), out);
        });
    }
}
