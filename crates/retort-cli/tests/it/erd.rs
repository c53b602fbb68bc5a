//! `retort erd`: the models as Mermaid and dot diagrams.

use retort_dialect::DialectKind;

use crate::harness::{BLOG_V1, Project};

#[test]
fn erd_of_the_blog() {
    let p = Project::new(DialectKind::Sqlite);
    p.write("src/models/blog.rs", BLOG_V1);
    let mermaid = p.retort(&["erd", "--format", "mermaid"]).expect_code(0);
    insta::assert_snapshot!("erd_mermaid", mermaid.stdout);
    let text = p.retort(&["erd"]).expect_code(0);
    assert_eq!(text.stdout, mermaid.stdout, "mermaid is the default");
    let dot = p.retort(&["erd", "--format", "dot"]).expect_code(0);
    insta::assert_snapshot!("erd_dot", dot.stdout);
    p.retort(&["erd", "--format", "json"]).expect_code(2);
}
