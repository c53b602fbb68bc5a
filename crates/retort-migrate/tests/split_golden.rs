//! Golden tests of the statement splitter: every `testdata/split/NN_name.sql`
//! is split and the statements (with their lines) compared with a snapshot.

use std::path::Path;

use retort_migrate::split_statements;

#[test]
fn split_goldens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/split");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/split exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 8,
        "golden files missing in {}",
        dir.display()
    );
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable golden input");
        let statements = split_statements(&text, 1).expect("splits");
        let mut out = String::new();
        for s in statements {
            out.push_str(&format!("-- line {}\n{}\n-- end --\n", s.line, s.sql));
        }
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("utf-8 name")
            .to_string();
        insta::with_settings!({ input_file => &file, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("split_{name}"), out);
        });
    }
}
