//! `[models] sql`: a project declared only with `schema.sql` goes through the
//! whole workflow, and DDL errors point at file and line.

use retort_dialect::DialectKind;

use crate::harness::{Project, scratches_of};

dialect_tests! {
    sql_only_project_workflow => sql_only_project_workflow;
    sql_model_errors_name_file_and_line => sql_model_errors_name_file_and_line;
}

/// Plain DDL as a user would write it: comments, several statements,
/// CREATE INDEX, a named unique constraint, a check, and a foreign key added by
/// ALTER TABLE where the dialect has it (SQLite declares it inline).
fn schema_sql(kind: DialectKind) -> String {
    let inline_fk = if kind == DialectKind::Sqlite {
        ",\n  CONSTRAINT fk_posts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE"
    } else {
        ""
    };
    let alter_fk = if kind == DialectKind::Sqlite {
        ""
    } else {
        "ALTER TABLE posts ADD CONSTRAINT fk_posts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;\n"
    };
    format!(
        "-- The blog, declared as DDL.\n\
         CREATE TABLE users (\n  id INTEGER NOT NULL PRIMARY KEY,\n  username VARCHAR(50) NOT NULL,\n  email VARCHAR(100) NOT NULL,\n  CONSTRAINT uq_users_username UNIQUE (username)\n);\n\
         CREATE UNIQUE INDEX ux_users_email ON users (email);\n\n\
         /* posts belong to users */\n\
         CREATE TABLE posts (\n  id INTEGER NOT NULL PRIMARY KEY,\n  user_id INTEGER NOT NULL,\n  title VARCHAR(200) NOT NULL,\n  body TEXT,\n  CONSTRAINT ck_posts_id CHECK (id > 0){inline_fk}\n);\n\
         CREATE INDEX ix_posts_user_title ON posts (user_id, title);\n{alter_fk}"
    )
}

fn sql_only_project_workflow(kind: DialectKind) {
    let p = Project::new_sql(kind, &schema_sql(kind));
    let mut pids = Vec::new();
    let mut run = |args: &[&str], code: i32| {
        let (r, pid) = p.retort_pid(args);
        pids.push(pid);
        r.expect_code(code)
    };
    run(
        &[
            "revision",
            "--autogenerate",
            "-m",
            "init",
            "--rev-id",
            "aaaaaaaaaaaa",
        ],
        0,
    );
    let init = p.migration_text("aaaaaaaaaaaa");
    for needle in [
        "users",
        "posts",
        "ux_users_email",
        "ix_posts_user_title",
        "fk_posts_user",
    ] {
        assert!(init.contains(needle), "{needle} missing from:\n{init}");
    }
    run(&["upgrade", "head"], 0);
    run(&["check"], 0);

    let db = p.db.schema();
    let posts = db.tables.iter().find(|t| t.name == "posts").expect("posts");
    assert!(
        posts
            .foreign_keys
            .iter()
            .any(|fk| fk.columns == ["user_id"] && fk.ref_table.name == "users")
    );

    // Change the DDL: the next revision adds exactly that column.
    p.write(
        "schema.sql",
        &schema_sql(kind).replace(
            "  email VARCHAR(100) NOT NULL,\n",
            "  email VARCHAR(100) NOT NULL,\n  phone VARCHAR(20),\n",
        ),
    );
    let r = run(&["check"], 1);
    assert!(r.stdout.contains("phone"), "{}", r.stdout);
    run(
        &[
            "revision",
            "--autogenerate",
            "-m",
            "phone",
            "--rev-id",
            "bbbbbbbbbbbb",
        ],
        0,
    );
    let phone = p.migration_text("bbbbbbbbbbbb");
    assert!(phone.contains("phone"), "{phone}");
    run(&["upgrade", "head"], 0);
    run(&["check"], 0);
    let v = run(&["verify"], 0);
    assert!(v.stdout.contains("stairway"), "{}", v.stdout);
    run(&["revision", "--autogenerate", "-m", "nothing"], 0);
    assert_eq!(p.migration_files().len(), 2);

    for pid in pids {
        assert_eq!(
            scratches_of(kind, pid),
            Vec::<String>::new(),
            "run {pid} left a scratch"
        );
    }
}

fn sql_model_errors_name_file_and_line(kind: DialectKind) {
    let p = Project::new_sql(
        kind,
        "-- fine\nCREATE TABLE a (id INTEGER PRIMARY KEY);\n\nCREATE TABLE b (id INTEGER PRIMARY KEY,\n  oops NOT A TYPE AT ALL\n);\n",
    );
    let (r, pid) = p.retort_pid(&["revision", "--autogenerate", "-m", "x"]);
    let r = r.expect_code(2);
    assert!(
        r.stderr
            .contains("[PROJECT]/schema.sql:4: the database rejected this statement"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("CREATE TABLE b"), "{}", r.stderr);
    assert!(p.migration_files().is_empty());
    assert_eq!(scratches_of(kind, pid), Vec::<String>::new());

    // Views are executed but not managed: a warning names them.
    p.write(
        "schema.sql",
        "CREATE TABLE a (id INTEGER PRIMARY KEY);\nCREATE VIEW v AS SELECT id FROM a;\n",
    );
    let r = p.retort(&["check"]).expect_code(1);
    assert!(
        r.stderr
            .contains("schema.sql:2: CREATE VIEW is executed but not managed"),
        "{}",
        r.stderr
    );
}
