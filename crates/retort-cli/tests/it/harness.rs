//! The test harness: a throw-away project with its own database, driven
//! through the `retort` binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use retort_dialect::DialectKind;

/// Server URL of a dialect's admin database, from the environment or the local default.
pub fn server_url(kind: DialectKind) -> String {
    match kind {
        DialectKind::Postgres => std::env::var("DATABASE_URL_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        DialectKind::Mysql => std::env::var("DATABASE_URL_MYSQL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
        DialectKind::Sqlite => String::new(),
    }
}

fn unique_name() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "retort_it_{}_{}_{:x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(f)
}

/// A database of its own for one test; dropped when the value is.
pub struct TestDb {
    /// The dialect.
    pub kind: DialectKind,
    /// The URL of the test's database.
    pub url: String,
    name: String,
}

impl TestDb {
    /// Create a fresh, empty database (SQLite: a file in `dir`).
    pub fn new(kind: DialectKind, dir: &Path) -> TestDb {
        let name = unique_name();
        let url = match kind {
            DialectKind::Sqlite => format!("sqlite://{}", dir.join("test.db").display()),
            _ => {
                let admin = server_url(kind);
                block_on(async {
                    let mut d = retort::connect(&admin)
                        .await
                        .unwrap_or_else(|e| panic!("{} server unreachable: {e}", kind.name()));
                    d.execute(&format!(
                        "CREATE DATABASE {}",
                        d.dialect().quote_ident(&name)
                    ))
                    .await
                    .expect("create database");
                });
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .expect("server URL has a database");
                format!("{base}/{name}")
            }
        };
        TestDb { kind, url, name }
    }

    /// Run SQL on the test database (setup and inspection).
    pub fn exec(&self, sql: &str) {
        block_on(async {
            let mut d = retort::connect(&self.url).await.expect("connect");
            d.execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        });
    }

    /// Run SQL on the test database, returning the database's error.
    pub fn try_exec(&self, sql: &str) -> Result<(), String> {
        block_on(async {
            let mut d = retort::connect(&self.url).await.expect("connect");
            d.execute(sql).await.map(|_| ()).map_err(|e| e.to_string())
        })
    }

    /// Rows of a query, every column as text.
    pub fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        block_on(async {
            let mut d = retort::connect(&self.url).await.expect("connect");
            d.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
        })
    }

    /// The introspected schema (default scope).
    pub fn schema(&self) -> retort_schema::Schema {
        block_on(async {
            let mut d = retort::connect(&self.url).await.expect("connect");
            let scope = retort_dialect::Scope {
                version_table: "retort_version".into(),
                ..Default::default()
            };
            d.introspect(&scope).await.expect("introspect")
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.kind == DialectKind::Sqlite {
            return;
        }
        let admin = server_url(self.kind);
        let name = self.name.clone();
        let kind = self.kind;
        let _ = std::thread::spawn(move || {
            block_on(async {
                if let Ok(mut d) = retort::connect(&admin).await {
                    let q = d.dialect().quote_ident(&name);
                    let sql = match kind {
                        DialectKind::Postgres => {
                            format!("DROP DATABASE IF EXISTS {q} WITH (FORCE)")
                        }
                        _ => format!("DROP DATABASE IF EXISTS {q}"),
                    };
                    let _ = d.execute(&sql).await;
                }
            })
        })
        .join();
    }
}

/// The result of one `retort` run.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output, with the project path replaced by `[PROJECT]`.
    pub stdout: String,
    /// Standard error, likewise.
    pub stderr: String,
}

impl Run {
    /// Panic with the whole output unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A temporary retort project with its own database.
pub struct Project {
    /// The project folder.
    pub dir: tempfile::TempDir,
    /// Its database.
    pub db: TestDb,
}

impl Project {
    /// A project with `retort.toml` pointing at a fresh database and Rust models in `src/models`.
    pub fn new(kind: DialectKind) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = TestDb::new(kind, dir.path());
        let p = Project { dir, db };
        p.write(
            "retort.toml",
            &format!(
                "[database]\nurl = \"{}\"\n\n[models]\nrust = [\"src/models\"]\n\n[migrations]\ndir = \"migrations\"\n",
                p.db.url
            ),
        );
        std::fs::create_dir_all(p.path().join("src/models")).expect("models dir");
        std::fs::create_dir_all(p.path().join("migrations")).expect("migrations dir");
        p
    }

    /// The project folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write a file (parents created).
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }

    /// Run `retort` in the project folder.
    pub fn retort(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_retort"))
            .args(args)
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .output()
            .expect("run retort");
        let clean = |b: &[u8]| self.scrub(&String::from_utf8_lossy(b));
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: clean(&out.stdout),
            stderr: clean(&out.stderr),
        }
    }

    /// Replace what differs between runs (paths, database names, times) with placeholders.
    pub fn scrub(&self, text: &str) -> String {
        let mut t = text
            .replace(&self.db.url, "[URL]")
            .replace(&self.path().display().to_string(), "[PROJECT]");
        t = t.replace(&self.db.name, "[DB]");
        t.lines().map(scrub_line).collect::<Vec<_>>().join("\n")
    }

    /// Revision files in `migrations/`, sorted by name.
    pub fn migration_files(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.path().join("migrations"))
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "sql"))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// The text of the revision file with this id, scrubbed.
    pub fn migration_text(&self, id: &str) -> String {
        for f in self.migration_files() {
            let text = std::fs::read_to_string(&f).expect("read");
            if text.contains(&format!("-- revision: {id}")) {
                return self.scrub(&text);
            }
        }
        panic!("no revision file with id {id}");
    }
}

fn scrub_line(line: &str) -> String {
    if line.starts_with("-- created: ") {
        return "-- created: [TIME]".to_string();
    }
    // File names start with a UTC time stamp: `20261125194211_slug.sql`.
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let digits = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 14
            && chars.get(i + 14) == Some(&'_')
            && (i == 0 || !chars[i - 1].is_ascii_digit())
        {
            out.push_str("[TIME]");
            i += 14;
        } else if digits > 0 {
            out.extend(&chars[i..i + digits]);
            i += digits;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The seed example's v1 models (SPEC 4), without `phone`: the bundled
/// example's own file, so the tests and the README's quickstart use one model.
pub const BLOG_V1: &str = include_str!("../../../../examples/blog/src/models/mod.rs");

/// v2: v1 plus `phone: Option<String>` with `max_length = 20`.
pub fn blog_v2() -> String {
    let v2 = BLOG_V1.replace(
        "    // #[model(max_length = 20)]\n    // pub phone: Option<String>,",
        "    #[model(max_length = 20)]\n    pub phone: Option<String>,",
    );
    assert_ne!(v2, BLOG_V1, "the example marks where `phone` goes");
    v2
}

/// The scratch databases that process `pid` owns on the server right now
/// (SQLite scratches live in the process's memory: always none).
pub fn scratches_of(kind: DialectKind, pid: u32) -> Vec<String> {
    let prefix = format!("retort_scratch_{pid}_");
    let mut names: Vec<String> = match kind {
        DialectKind::Sqlite => Vec::new(),
        _ => block_on(async {
            let mut d = retort::connect(&server_url(kind))
                .await
                .expect("connect to the server");
            let mut sqls = vec!["SELECT schema_name FROM information_schema.schemata"];
            if kind == DialectKind::Postgres {
                sqls = vec![
                    "SELECT datname::text FROM pg_database",
                    "SELECT nspname::text FROM pg_namespace",
                ];
            }
            let mut out = Vec::new();
            for sql in sqls {
                let rows = d.query(sql).await.expect("list databases");
                out.extend(
                    rows.into_iter()
                        .filter_map(|r| r.into_iter().next().flatten()),
                );
            }
            out
        }),
    };
    names.retain(|n| n.starts_with(&prefix));
    names
}

impl Project {
    /// A project whose models are only `schema.sql` (`[models] sql`), with this text.
    pub fn new_sql(kind: DialectKind, schema_sql: &str) -> Project {
        let p = Project::new(kind);
        p.write(
            "retort.toml",
            &format!(
                "[database]\nurl = \"{}\"\n\n[models]\nsql = [\"schema.sql\"]\n\n[migrations]\ndir = \"migrations\"\n",
                p.db.url
            ),
        );
        p.write("schema.sql", schema_sql);
        p
    }

    /// Start `retort` in the project folder without waiting for it.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        Command::new(env!("CARGO_BIN_EXE_retort"))
            .args(args)
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start retort")
    }

    /// Run `retort` and also return its process id (to look for its scratch databases).
    pub fn retort_pid(&self, args: &[&str]) -> (Run, u32) {
        let child = self.spawn(args);
        let pid = child.id();
        let out = child.wait_with_output().expect("wait for retort");
        let clean = |b: &[u8]| self.scrub(&String::from_utf8_lossy(b));
        (
            Run {
                code: out.status.code().unwrap_or(-1),
                stdout: clean(&out.stdout),
                stderr: clean(&out.stderr),
            },
            pid,
        )
    }

    /// A project whose models are the bundled example's first version, with their
    /// revision `aaaaaaaaaaaa` ("init") written and applied.
    pub fn blog_at_init(kind: DialectKind) -> Project {
        let p = Project::new(kind);
        p.write("src/models/blog.rs", BLOG_V1);
        p.autogenerate("init", "aaaaaaaaaaaa");
        p.retort(&["upgrade", "head"]).expect_code(0);
        p
    }

    /// `retort revision --autogenerate -m <message> --rev-id <id>`, which must succeed.
    pub fn autogenerate(&self, message: &str, id: &str) -> Run {
        self.retort(&["revision", "--autogenerate", "-m", message, "--rev-id", id])
            .expect_code(0)
    }

    /// Write a hand-made revision file `<id>_<slug>.sql`.
    pub fn write_revision(&self, id: &str, revises: Option<&str>, upgrade: &str, downgrade: &str) {
        self.write(
            &format!("migrations/{id}_rev.sql"),
            &format!(
                "-- rev {id}\n--\n-- revision: {id}\n-- revises:{}\n-- created: 2026-01-01 00:00:00 UTC\n\n-- retort:upgrade\n{upgrade}\n\n-- retort:downgrade\n{downgrade}\n",
                revises.map(|r| format!(" {r}")).unwrap_or_default()
            ),
        );
    }
}
