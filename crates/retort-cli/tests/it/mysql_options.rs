//! MySQL/MariaDB collations, table options and display widths: declared in Rust
//! models or read from an SQL schema, built, compared clean and changed.

use retort_dialect::DialectKind;

use crate::harness::Project;

fn models(accounts_options: &str) -> String {
    format!(
        r#"
use retort::Model;

#[derive(Model)]
#[model(table = "accounts", {accounts_options})]
pub struct Account {{
    #[model(primary_key)]
    pub id: i32,
    #[model(max_length = 64, collation = "latin1_general_cs")]
    pub login: String,
    #[model(sql_type = "varchar(20) BINARY")]
    pub note: Option<String>,
    #[model(max_length = 40)]
    pub name: Option<String>,
}}

#[derive(Model)]
#[model(table = "plain", collation = "utf8mb4_general_ci")]
pub struct Plain {{
    #[model(primary_key)]
    pub id: i32,
    #[model(max_length = 10, collation = "utf8mb4_general_ci")]
    pub tag: Option<String>,
}}
"#
    )
}

fn collations(p: &Project, table: &str) -> Vec<String> {
    p.db.query(&format!(
        "SELECT CONCAT(COLUMN_NAME, ' ', COALESCE(COLLATION_NAME, '-')) FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}' ORDER BY ORDINAL_POSITION"
    ))
    .into_iter()
    .map(|r| r[0].clone().unwrap_or_default())
    .collect()
}

fn table_info(p: &Project, table: &str) -> String {
    let r = p.db.query(&format!(
        "SELECT CONCAT(TABLE_COLLATION, ' ', CREATE_OPTIONS) FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}'"
    ));
    r[0][0].clone().unwrap_or_default().trim().to_string()
}

#[test]
fn model_collations_and_table_options_are_built_compared_and_changed() {
    let p = Project::new(DialectKind::Mysql);
    let v1 = models(r#"charset = "latin1", row_format = "dynamic""#);
    p.write("src/models/m.rs", &v1);
    p.autogenerate("init", "aaaaaaaaaaaa");
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    assert_eq!(
        table_info(&p, "accounts"),
        "latin1_swedish_ci row_format=DYNAMIC"
    );
    assert_eq!(
        collations(&p, "accounts"),
        [
            "id -",
            "login latin1_general_cs",
            "note latin1_bin",
            "name latin1_swedish_ci"
        ]
    );
    p.db.exec("INSERT INTO accounts (id, login, name) VALUES (1, 'Ab', 'café')");

    // The table's default moves to utf8mb4: the inheriting column follows, the
    // declared collation stays, `BINARY` is now utf8mb4's, the data survives.
    let v2 = models(r#"collation = "utf8mb4_unicode_ci""#);
    p.write("src/models/m.rs", &v2);
    p.retort(&["check"]).expect_code(1);
    p.autogenerate("to utf8mb4", "bbbbbbbbbbbb");
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    assert_eq!(table_info(&p, "accounts"), "utf8mb4_unicode_ci");
    assert_eq!(
        collations(&p, "accounts"),
        [
            "id -",
            "login latin1_general_cs",
            "note utf8mb4_bin",
            "name utf8mb4_unicode_ci"
        ]
    );
    let name = p.db.query("SELECT name FROM accounts WHERE id = 1");
    assert_eq!(name[0][0].as_deref(), Some("café"));

    p.retort(&["downgrade", "-1"]).expect_code(0);
    for f in p.migration_files() {
        if std::fs::read_to_string(&f)
            .unwrap_or_default()
            .contains("revision: bbbbbbbbbbbb")
        {
            std::fs::remove_file(f).expect("remove the undone revision");
        }
    }
    p.write("src/models/m.rs", &v1);
    p.retort(&["check"]).expect_code(0);
    assert_eq!(
        table_info(&p, "accounts"),
        "latin1_swedish_ci row_format=DYNAMIC"
    );
    assert_eq!(collations(&p, "accounts")[3], "name latin1_swedish_ci");
}

#[test]
fn sql_models_keep_collations_options_and_display_widths() {
    let p = Project::new_sql(
        DialectKind::Mysql,
        "CREATE TABLE t (\n  id int(10) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  k varchar(64) BINARY NOT NULL,\n  n int(3) NOT NULL DEFAULT 0,\n  o varchar(20) CHARACTER SET latin1,\n  UNIQUE KEY uk (k)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC;\n",
    );
    p.autogenerate("init", "aaaaaaaaaaaa");
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    let create = p.db.query("SHOW CREATE TABLE t")[0][1]
        .clone()
        .unwrap_or_default();
    for needle in [
        "`n` int(3) NOT NULL",
        "`k` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
        "`o` varchar(20) CHARACTER SET latin1",
        "COLLATE=utf8mb4_unicode_ci",
        "ROW_FORMAT=DYNAMIC",
    ] {
        assert!(create.contains(needle), "{needle:?} not in\n{create}");
    }
}

fn keyed(collation: &str) -> String {
    format!(
        r#"
use retort::Model;

#[derive(Model)]
#[model(table = "parent")]
pub struct Parent {{
    #[model(primary_key, max_length = 10{collation})]
    pub code: String,
}}

#[derive(Model)]
#[model(table = "child")]
pub struct Child {{
    #[model(primary_key)]
    pub id: i32,
    #[model(max_length = 10, references = "parent.code"{collation})]
    pub code: Option<String>,
}}
"#
    )
}

#[test]
fn a_collation_change_on_foreign_key_columns() {
    let p = Project::new(DialectKind::Mysql);
    p.write("src/models/m.rs", &keyed(""));
    p.autogenerate("init", "aaaaaaaaaaaa");
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.db.exec("INSERT INTO parent (code) VALUES ('a')");
    p.db.exec("INSERT INTO child (id, code) VALUES (1, 'a')");
    // InnoDB refuses to change the collation of a column a foreign key uses: the
    // key is dropped first and added again after both columns changed.
    p.write("src/models/m.rs", &keyed(r#", collation = "utf8mb4_bin""#));
    p.autogenerate("bin", "bbbbbbbbbbbb");
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    assert_eq!(collations(&p, "child"), ["id -", "code utf8mb4_bin"]);
    p.retort(&["downgrade", "base"]).expect_code(0);
}
