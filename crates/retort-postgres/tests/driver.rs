//! The live half: queries, errors, the advisory lock, catalog oddities, and
//! expressions read back from the catalog in the same normal form as the models.

mod common;

use std::time::{Duration, Instant};

use retort_dialect::{DbErrorKind, Dialect, Driver};
use retort_postgres::{PostgresDialect, PostgresDriver};
use retort_schema::ColumnType;

#[tokio::test(flavor = "multi_thread")]
async fn query_returns_text_and_nulls() {
    let db = common::TestDb::create().await;
    let mut d = db.driver().await;
    let rows = d
        .query("SELECT 1::int4, 2::int8, 'x'::text, NULL::text, true, 1.5::float8, '\\x0102'::bytea, '2020-01-02'::date")
        .await
        .expect("query");
    assert_eq!(
        rows,
        vec![vec![
            Some("1".into()),
            Some("2".into()),
            Some("x".into()),
            None,
            Some("t".into()),
            Some("1.5".into()),
            Some("\\x0102".into()),
            Some("2020-01-02".into())
        ]]
    );
    assert_eq!(
        d.execute("CREATE TABLE t (a int); INSERT INTO t VALUES (1), (2)")
            .await
            .expect("exec"),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_name_the_statement_and_never_the_password() {
    let err = PostgresDriver::connect("postgres://postgres:s3cr3t-pw@127.0.0.1:1/nowhere")
        .await
        .expect_err("no server");
    assert_eq!(err.kind, DbErrorKind::Connect);
    assert!(!err.message.contains("s3cr3t-pw"), "{}", err.message);
    assert!(err.message.contains("***"), "{}", err.message);
    let db = common::TestDb::create().await;
    let mut d = db.driver().await;
    let err = d.execute("SELEC 1").await.expect_err("syntax error");
    assert_eq!(err.kind, DbErrorKind::Query);
    assert_eq!(err.sql.as_deref(), Some("SELEC 1"));
    assert!(
        err.message.contains("syntax error") && err.message.contains("42601"),
        "{}",
        err.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn lock_waits_times_out_and_names_the_holder() {
    let db = common::TestDb::create().await;
    let mut holder = db.driver().await;
    holder
        .execute("SET application_name = 'retort-holder'")
        .await
        .expect("set");
    let mut waiter = db.driver().await;
    holder
        .lock("retort-test", Duration::from_secs(1))
        .await
        .expect("first lock");
    let start = Instant::now();
    let err = waiter
        .lock("retort-test", Duration::from_millis(300))
        .await
        .expect_err("held");
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(err.kind, DbErrorKind::LockTimeout);
    assert!(
        err.message.contains("retort-holder") && err.message.contains("pid"),
        "{}",
        err.message
    );
    // another key is free
    waiter
        .lock("other-key", Duration::from_millis(100))
        .await
        .expect("other key");
    // released: the waiter gets it while waiting
    let release = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        holder.unlock("retort-test").await.expect("unlock");
    };
    let (got, ()) = tokio::join!(waiter.lock("retort-test", Duration::from_secs(5)), release);
    got.expect("lock after release");
}

/// Eight connections race for the lock; each does a read-modify-write of a counter
/// while holding it. With mutual exclusion no increment is lost.
#[tokio::test(flavor = "multi_thread")]
async fn eight_upgraders_take_turns() {
    let db = common::TestDb::create().await;
    let mut setup = db.driver().await;
    setup
        .execute("CREATE TABLE counter (n int NOT NULL); INSERT INTO counter VALUES (0)")
        .await
        .expect("setup");
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let url = db.url.clone();
        tasks.push(tokio::spawn(async move {
            let mut d = PostgresDriver::connect(&url).await.expect("connect");
            d.lock("retort-migrate", Duration::from_secs(30))
                .await
                .expect("lock");
            let n: i64 = d.query("SELECT n FROM counter").await.expect("read")[0][0]
                .as_deref()
                .and_then(|v| v.parse().ok())
                .expect("number");
            tokio::time::sleep(Duration::from_millis(30)).await;
            d.execute(&format!("UPDATE counter SET n = {}", n + 1))
                .await
                .expect("write");
            d.unlock("retort-migrate").await.expect("unlock");
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let rows = setup.query("SELECT n FROM counter").await.expect("read");
    assert_eq!(rows[0][0].as_deref(), Some("8"));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_types_are_custom_and_partitions_are_skipped() {
    let db = common::TestDb::create().await;
    let mut d = db.driver().await;
    d.execute(
        "CREATE DOMAIN posint AS integer CHECK (VALUE > 0);\
         CREATE TYPE pair AS (a int, b int);\
         CREATE TABLE odd (p posint, q pair, r int4range, s tsvector, t interval, u numeric, v bit(3), w money, x \"char\",\
                           y timestamp(3), z int[][], gen int GENERATED ALWAYS AS IDENTITY);\
         CREATE TABLE parted (id int, at date) PARTITION BY RANGE (at);\
         CREATE TABLE parted_2020 PARTITION OF parted FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
    )
    .await
    .expect("create");
    let live = d.introspect(&common::scope(&[])).await.expect("introspect");
    let names: Vec<&str> = live.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["odd", "parted"]);
    let types: Vec<String> = live.tables[0]
        .columns
        .iter()
        .map(|c| match &c.ty {
            ColumnType::Custom { sql } => sql.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        types,
        [
            "posint",
            "pair",
            "int4range",
            "tsvector",
            "interval",
            "numeric",
            "bit(3)",
            "money",
            "\"char\"",
            "timestamp(3) without time zone",
            "integer[]",
            "Integer"
        ]
    );
    assert!(live.tables[0].columns[11].auto_increment);
    // the custom spellings read back are stable under normalization
    assert_eq!(PostgresDialect.normalize(&live).expect("normalize"), live);
}

/// Each expression, written as a model would, is stored by PostgreSQL as a CHECK,
/// a default or an index predicate and read back: both sides must normalize equal.
#[tokio::test(flavor = "multi_thread")]
async fn expressions_read_back_equal() {
    let checks = [
        "a > 0",
        "a >= 0 AND a <= 10",
        "a BETWEEN 1 AND 5",
        "a NOT BETWEEN 1 AND 5",
        "s IN ('x', 'y')",
        "s NOT IN ('x', 'y')",
        "v IN ('x', 'y')",
        "s LIKE 'a%' OR s ILIKE 'B%'",
        "s NOT LIKE '%z'",
        "(a + b) * 2 > 10",
        "a - (b - 1) > 0",
        "-a < 5",
        "a > -5",
        "NOT (a > 1 AND b > 1)",
        "a IS NOT NULL OR b IS NULL",
        "length(s) BETWEEN 1 AND 10",
        "lower(v) = v",
        "n > 0.5",
        "n >= 1.50",
        "at > '2020-01-01'",
        "j ? 'key'",
        "j @> '{\"a\": 1}'",
        "tags @> ARRAY['x']",
        "CASE WHEN a > 0 THEN b > 0 ELSE true END",
        "coalesce(a, 0) + coalesce(b, 0) < 100",
        "a % 2 = 0",
        "s || v <> ''",
        "\"Mixed\" > 0",
        "\"select\" <> 1",
        "s ~ '^[a-z]+$'",
        "m <> 'sad'",
        "flag",
        "NOT flag",
        "flag IS TRUE",
        "a IS DISTINCT FROM b",
        "at + interval '1 day' > '2020-01-01'",
        "d - 1 > DATE '2020-01-01'",
        "iv < interval '02:00:00' * 2",
        "(j ->> 'k')::int > 0",
        "v::varchar(3) <> 'abc'",
        "at::date = d",
    ];
    let defaults = [
        ("a", "42"),
        ("a", "-1"),
        ("b", "(1 + 2)"),
        ("s", "'x'"),
        ("s", "'it''s'"),
        ("v", "'y'::varchar"),
        ("n", "0.10"),
        ("n", "-2.5"),
        ("at", "CURRENT_TIMESTAMP"),
        ("at", "now()"),
        ("at", "'2020-01-01 00:00:00'"),
        ("d", "CURRENT_DATE"),
        ("flag", "TRUE"),
        ("flag", "false"),
        ("j", "'{}'::jsonb"),
        ("j", "'[]'"),
        ("tags", "'{}'"),
        ("tags", "ARRAY['a', 'b']"),
        ("m", "'happy'"),
        ("u", "gen_random_uuid()"),
        ("s", "lower('ABC')"),
        ("s", "NULL"),
        ("iv", "interval '1 day'"),
        ("iv", "'1 day'"),
    ];
    let db = common::TestDb::create().await;
    let mut d = db.driver().await;
    d.execute(
        "CREATE TYPE mood AS ENUM ('happy', 'sad');\
         CREATE TABLE e (a int, b int, s text, v varchar(10), n numeric(8,2), at timestamp, d date, flag boolean,\
                         j jsonb, tags text[], m mood, u uuid, \"Mixed\" int, \"select\" int, iv interval)",
    )
    .await
    .expect("create");
    for (i, c) in checks.iter().enumerate() {
        d.execute(&format!("ALTER TABLE e ADD CONSTRAINT c{i:02} CHECK ({c})"))
            .await
            .expect(c);
        d.execute(&format!("CREATE INDEX i{i:02} ON e (a) WHERE {c}"))
            .await
            .expect(c);
    }
    let live = d.introspect(&common::scope(&[])).await.expect("introspect");
    let t = &live.tables[0];
    for (i, c) in checks.iter().enumerate() {
        let want = retort_postgres::expr::normalize(c);
        assert_eq!(t.checks[i].expr, want, "check {c}");
        assert_eq!(
            t.indexes[i].predicate.as_deref(),
            Some(want.as_str()),
            "predicate {c}"
        );
        // the normal form is valid SQL that reads back as itself
        d.execute(&format!(
            "ALTER TABLE e ADD CONSTRAINT n{i:02} CHECK ({want})"
        ))
        .await
        .expect(&want);
    }
    let live = d.introspect(&common::scope(&[])).await.expect("introspect");
    let t = &live.tables[0];
    for i in 0..checks.len() {
        assert_eq!(
            t.checks[i].expr,
            t.checks[i + checks.len()].expr,
            "normal form read back: {}",
            checks[i]
        );
    }
    for (col, def) in defaults {
        d.execute(&format!(
            "ALTER TABLE e ALTER COLUMN {col} SET DEFAULT {def}"
        ))
        .await
        .expect(def);
        let live = d.introspect(&common::scope(&[])).await.expect("introspect");
        let c = live.tables[0].column(col).expect("column");
        let want = retort_postgres::normalize::normalize_default(Some(def));
        assert_eq!(c.default, want, "default {def} on {col}");
    }
}

/// A role that may not create tables gets PostgreSQL's message naming the privilege.
#[tokio::test(flavor = "multi_thread")]
async fn missing_privileges_are_named() {
    let db = common::TestDb::create().await;
    let mut admin = db.driver().await;
    let role = format!("{}_ro", db.name);
    admin
        .execute(&format!("CREATE ROLE \"{role}\" LOGIN; CREATE SCHEMA locked; REVOKE ALL ON SCHEMA locked FROM PUBLIC"))
        .await
        .expect("role");
    let url = db.url.replacen("postgres@", &format!("{role}@"), 1);
    let result = async {
        let mut d = PostgresDriver::connect(&url)
            .await
            .expect("connect as the role");
        d.execute("CREATE TABLE locked.t (a int)").await
    }
    .await;
    admin
        .execute(&format!(
            "DROP SCHEMA locked; DROP OWNED BY \"{role}\"; DROP ROLE \"{role}\""
        ))
        .await
        .ok();
    let err = result.expect_err("no privilege");
    assert!(
        err.message.contains("permission denied for schema locked")
            && err.message.contains("42501"),
        "{}",
        err.message
    );
}

/// The driver reads the catalog on several connections sharing one snapshot; the
/// result must equal a read on its own connection alone, with the session's own
/// settings (search_path, time zone, date style shape how defaults are spelled),
/// and inside a transaction it must see what only that transaction sees.
#[tokio::test(flavor = "multi_thread")]
async fn catalog_read_on_several_connections_equals_one_connection() {
    let db = common::TestDb::create().await;
    let mut d = db.driver().await;
    d.execute(
        "CREATE SCHEMA other;
         CREATE TYPE other.mood AS ENUM ('sad', 'ok');
         CREATE DOMAIN other.small AS int CHECK (VALUE < 10);
         CREATE TABLE t (
             id serial PRIMARY KEY,
             m other.mood,
             s other.small,
             d date DEFAULT '2020-01-02',
             ts timestamptz DEFAULT '2020-01-02 03:04:05+00',
             x int CHECK (x > 0)
         );
         CREATE TABLE u (id int PRIMARY KEY REFERENCES t (id), label text);
         CREATE INDEX t_x ON t (x) WHERE x > 0;
         CREATE INDEX t_d ON t ((d + 1) DESC);",
    )
    .await
    .expect("setup");
    d.execute(
        "SET search_path TO public, other; SET TimeZone = 'Asia/Tokyo'; SET DateStyle = 'German'",
    )
    .await
    .expect("session settings");
    let scope = retort_dialect::Scope::default();
    assert!(!retort_postgres::introspect::in_transaction(d.connection()).await);
    let parallel = d.introspect(&scope).await.expect("parallel read");
    let alone = retort_postgres::introspect::introspect(d.connection(), &scope)
        .await
        .expect("read on one connection");
    assert_eq!(parallel, alone);
    assert_eq!(parallel.tables.len(), 2);
    let ts = parallel.tables[0]
        .columns
        .iter()
        .find(|c| c.name == "ts")
        .expect("ts");
    assert!(
        format!("{:?}", ts.default).contains("JST") || format!("{:?}", ts.default).contains("+09"),
        "the default is spelled in the session's time zone: {:?}",
        ts.default
    );

    // In a transaction only that connection sees its own work: read there alone.
    d.execute("BEGIN; CREATE TABLE v (id int PRIMARY KEY)")
        .await
        .expect("begin");
    assert!(retort_postgres::introspect::in_transaction(d.connection()).await);
    let inside = d.introspect(&scope).await.expect("read in a transaction");
    assert_eq!(inside.tables.len(), 3, "{:?}", inside.tables);
    d.execute("ROLLBACK").await.expect("rollback");
}
