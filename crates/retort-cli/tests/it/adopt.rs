//! A database made by another tool, with its own constraint and index names and
//! its own spellings of types and defaults, checks clean against equivalent models.

use retort_dialect::DialectKind;

use crate::harness::{BLOG_V1, Project, blog_v2};

dialect_tests! {
    other_tools_database_checks_clean => other_tools_database_checks_clean;
}

fn ddl(kind: DialectKind) -> &'static [&'static str] {
    match kind {
        DialectKind::Postgres => &[
            "CREATE TABLE users (id serial PRIMARY KEY, username character varying(50) NOT NULL UNIQUE, \
             email varchar(100) NOT NULL, created_at timestamp without time zone DEFAULT now(), \
             CONSTRAINT users_email_key UNIQUE (email))",
            "CREATE TABLE posts (id SERIAL NOT NULL, user_id int4 NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
             title varchar(200) NOT NULL, body text NOT NULL, created_at timestamp, CONSTRAINT posts_pk PRIMARY KEY (id))",
            "CREATE INDEX posts_user_created ON posts USING btree (user_id, created_at)",
        ],
        DialectKind::Mysql => &[
            "CREATE TABLE users (id INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, username VARCHAR(50) NOT NULL UNIQUE, \
             email VARCHAR(100) NOT NULL, created_at DATETIME DEFAULT CURRENT_TIMESTAMP(), UNIQUE KEY email_uq (email)) \
             ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE posts (id INT NOT NULL AUTO_INCREMENT, user_id INT NOT NULL, title VARCHAR(200) NOT NULL, \
             body TEXT NOT NULL, created_at DATETIME NULL DEFAULT NULL, PRIMARY KEY (id), \
             KEY posts_user_created (user_id, created_at), \
             CONSTRAINT posts_ibfk_1 FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE) ENGINE=InnoDB",
        ],
        DialectKind::Sqlite => &[
            "CREATE TABLE users (id INTEGER PRIMARY KEY, username VARCHAR(50) NOT NULL UNIQUE, \
             email VARCHAR(100) NOT NULL UNIQUE, created_at TIMESTAMP DEFAULT (CURRENT_TIMESTAMP))",
            "CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, \
             title VARCHAR(200) NOT NULL, body TEXT NOT NULL, created_at TIMESTAMP)",
            "CREATE INDEX posts_user_created ON posts (user_id, created_at)",
        ],
    }
}

fn other_tools_database_checks_clean(kind: DialectKind) {
    let p = Project::new(kind);
    for sql in ddl(kind) {
        p.db.exec(sql);
    }
    p.write("src/models/blog.rs", BLOG_V1);
    let out = p.retort(&["check"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = p
        .retort(&["revision", "--autogenerate", "-m", "adopt"])
        .expect_code(0);
    assert!(out.stdout.contains("No changes detected"), "{out:?}");
    // A real change is still found, and only it.
    p.write("src/models/blog.rs", &blog_v2());
    let out = p.retort(&["check"]).expect_code(1);
    assert!(out.stdout.contains("add column users.phone"), "{out:?}");
    assert_eq!(
        out.stdout.matches("\n  ").count(),
        1,
        "exactly one change: {out:?}"
    );
}
