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

/// The shape of a `pg_dump --schema-only` file: `\\restrict` lines, session settings, an emptied
/// `search_path`, names qualified with `public`, constraints added by ALTER TABLE ONLY,
/// ownership and privileges of roles the scratch server does not have (skipped).
#[test]
fn pg_dump_style_schema() {
    let dump = "--\n-- PostgreSQL database dump\n--\n\n\\restrict k3yk3yk3y\n\n\
        SET statement_timeout = 0;\nSET client_encoding = 'UTF8';\n\
        SELECT pg_catalog.set_config('search_path', '', false);\n\
        SET default_table_access_method = heap;\n\n\
        CREATE TYPE public.mood AS ENUM (\n    'happy',\n    'sad'\n);\n\n\
        CREATE TABLE public.users (\n    id integer NOT NULL,\n    name character varying(40) NOT NULL,\n    mood public.mood\n);\n\n\
        CREATE SEQUENCE public.users_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;\n\
        ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;\n\
        ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);\n\
        ALTER TABLE ONLY public.users\n    ADD CONSTRAINT users_pkey PRIMARY KEY (id);\n\
        CREATE INDEX users_name_idx ON public.users USING btree (name);\n\
        COMMENT ON TABLE public.users IS 'people';\n\
        ALTER TABLE public.users OWNER TO no_such_role;\n\
        GRANT SELECT ON TABLE public.users TO no_such_role;\n\n\
        -- PostgreSQL database dump complete\n\n\\unrestrict k3yk3yk3y\n";
    let p = Project::new_sql(DialectKind::Postgres, dump);
    p.retort(&["revision", "--autogenerate", "-m", "init"])
        .expect_code(0);
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    p.retort(&["verify"]).expect_code(0);
}

/// The shape of a `mysqldump --no-data` file (executable comments turn foreign
/// key checks off, so a table may reference one created later; a trigger between
/// `DELIMITER` commands), and a refused `USE`.
#[test]
fn mysqldump_style_schema() {
    let dump = "-- MySQL dump\n\
        /*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n\
        /*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n\
        CREATE TABLE `posts` (\n  `id` int(11) NOT NULL,\n  `user_id` int(11) NOT NULL,\n  PRIMARY KEY (`id`),\n  CONSTRAINT `posts_user_fk` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`)\n) ENGINE=InnoDB;\n\
        DROP TABLE IF EXISTS `users`;\n\
        CREATE TABLE `users` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `name` varchar(40) NOT NULL,\n  PRIMARY KEY (`id`),\n  KEY `users_name_idx` (`name`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\
        DELIMITER ;;\n\
        /*!50003 CREATE TRIGGER users_name BEFORE INSERT ON users FOR EACH ROW BEGIN\n\
          SET NEW.name = TRIM(NEW.name);\n\
        END */;;\n\
        DELIMITER ;\n\
        /*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n";
    let p = Project::new_sql(DialectKind::Mysql, dump);
    p.retort(&["revision", "--autogenerate", "-m", "init"])
        .expect_code(0);
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    p.write("schema.sql", &format!("USE mysql;\n{dump}"));
    let r = p.retort(&["check"]).expect_code(2);
    assert!(
        r.stderr
            .contains("schema.sql:1: USE is not allowed in SQL models"),
        "{}",
        r.stderr
    );
}

/// The shape of an SQLite `.dump` of the schema: a transaction, pragmas, and
/// the internal `sqlite_sequence` table of an AUTOINCREMENT key (skipped).
#[test]
fn sqlite_dump_style_schema() {
    let dump = "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n\
        CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);\n\
        CREATE TABLE sqlite_sequence(name,seq);\n\
        CREATE INDEX users_name ON users (name);\n\
        COMMIT;\n";
    let p = Project::new_sql(DialectKind::Sqlite, dump);
    let r = p
        .retort(&["revision", "--autogenerate", "-m", "init"])
        .expect_code(0);
    assert!(
        r.stderr
            .contains("1 statement(s) about privileges or ownership"),
        "{}",
        r.stderr
    );
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    p.retort(&["verify"]).expect_code(0);
}

/// A folder in `[models] sql` stands for its `.sql` files, in name order.
#[test]
fn sql_models_from_a_folder() {
    let p = Project::new_sql(DialectKind::Sqlite, "");
    p.write(
        "retort.toml",
        &format!(
            "[database]\nurl = \"{}\"\n\n[models]\nsql = [\"schema\"]\n",
            p.db.url
        ),
    );
    p.write(
        "schema/02_posts.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id));\n",
    );
    p.write(
        "schema/01_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
    );
    p.write("schema/notes.txt", "not SQL");
    p.retort(&["revision", "--autogenerate", "-m", "init"])
        .expect_code(0);
    p.retort(&["upgrade", "head"]).expect_code(0);
    p.retort(&["check"]).expect_code(0);
    let tables: Vec<String> = p.db.schema().tables.into_iter().map(|t| t.name).collect();
    assert_eq!(tables, ["posts", "users"]);

    p.write(
        "retort.toml",
        &format!(
            "[database]\nurl = \"{}\"\n\n[models]\nsql = [\"missing.sql\"]\n",
            p.db.url
        ),
    );
    let r = p.retort(&["check"]).expect_code(2);
    assert!(
        r.stderr
            .contains("SQL models file [PROJECT]/missing.sql does not exist"),
        "{}",
        r.stderr
    );
}
