//! `lint`: destructive and data-dependent changes, with live figures.

use retort_dialect::DialectKind;

use crate::harness::{BLOG_V1, Project};

dialect_tests! {
    lint_reports_live_figures => lint_reports_live_figures;
}

fn lint_reports_live_figures(kind: DialectKind) {
    let p = Project::new(kind);
    p.write("src/models/blog.rs", BLOG_V1);
    p.retort(&["revision", "--autogenerate", "-m", "init"])
        .expect_code(0);
    p.retort(&["upgrade"]).expect_code(0);
    p.retort(&["lint"]).expect_code(0);
    p.db.exec("INSERT INTO users (id, username, email) VALUES (1, 'ann', 'a@x')");
    p.db.exec("INSERT INTO posts (id, user_id, title, body) VALUES (1, 1, 'hi', 'one')");
    p.db.exec("INSERT INTO posts (id, user_id, title, body) VALUES (2, 1, 'hi', 'two')");
    let v2 = BLOG_V1.replacen("    pub body: String,\n", "", 1).replace(
        "    #[model(max_length = 200)]\n    pub title: String,",
        "    #[model(max_length = 200, unique)]\n    pub title: String,",
    );
    p.write("src/models/blog.rs", &v2);
    p.retort(&["revision", "--autogenerate", "-m", "risky"])
        .expect_code(0);
    let out = p.retort(&["lint"]).expect_code(1);
    match kind {
        DialectKind::Sqlite => {
            assert!(
                out.stdout
                    .contains("rebuild table posts: 2 row(s) are copied"),
                "{out:?}"
            );
        }
        _ => {
            assert!(
                out.stdout
                    .contains("drop column posts.body: 2 non-NULL value(s) would be lost"),
                "{out:?}"
            );
            assert!(
                out.stdout
                    .contains("unique (title) on posts: 1 value(s) are duplicated"),
                "{out:?}"
            );
        }
    }
    assert!(out.stdout.contains("_risky.sql:"), "{out:?}");
    let json = p.retort(&["lint", "--format", "json"]).expect_code(1);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["ok"], false);
    assert_eq!(v["live"], true);
}
