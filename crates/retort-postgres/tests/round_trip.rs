//! Creating a model schema on a real server and reading it back gives exactly the
//! normalized model; normalizing twice changes nothing.

mod common;

use common::fixtures;
use retort_dialect::{Dialect, Driver};
use retort_postgres::PostgresDialect;

#[tokio::test(flavor = "multi_thread")]
async fn create_then_introspect_equals_normalized_model() {
    let db = common::TestDb::create().await;
    let mut driver = db.driver().await;
    driver
        .execute("CREATE SCHEMA app")
        .await
        .expect("create schema");
    let model = PostgresDialect
        .normalize(&fixtures::rich())
        .expect("normalize");
    assert_eq!(
        PostgresDialect.normalize(&model).expect("normalize again"),
        model,
        "normal form is stable"
    );
    common::apply(&mut driver, &common::create_all(&model)).await;
    let live = driver
        .introspect(&common::scope(&["app"]))
        .await
        .expect("introspect");
    common::assert_same(&live, &model);
    assert_eq!(
        PostgresDialect.normalize(&live).expect("normalize live"),
        live,
        "introspection is already normal"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tables_made_by_hand_read_as_expected() {
    let db = common::TestDb::create().await;
    let mut driver = db.driver().await;
    driver
        .execute(
            "CREATE TABLE t (id serial PRIMARY KEY, n int4 DEFAULT (1), s character varying(10) DEFAULT 'x'::character varying NOT NULL, \
             at timestamp without time zone DEFAULT now(), j json, CONSTRAINT c CHECK ((n > 0) AND (n < 10)));\
             CREATE TABLE retort_version (revision text);\
             CREATE TABLE skipped_tmp (x int)",
        )
        .await
        .expect("create");
    let mut scope = common::scope(&[]);
    scope.exclude_tables.push("skipped_*".into());
    let live = driver.introspect(&scope).await.expect("introspect");
    assert_eq!(
        live.tables.len(),
        1,
        "version table and excluded tables are skipped: {live:#?}"
    );
    let t = &live.tables[0];
    let id = &t.columns[0];
    assert!(
        id.auto_increment && id.default.is_none() && !id.nullable,
        "serial reads as auto increment: {id:?}"
    );
    assert_eq!(t.columns[1].default.as_deref(), Some("1"));
    assert_eq!(
        t.columns[2].ty,
        retort_schema::ColumnType::Varchar { length: 10 }
    );
    assert_eq!(t.columns[2].default.as_deref(), Some("'x'"));
    assert_eq!(
        id.identity,
        Some(retort_schema::Identity::Serial),
        "the serial style is kept"
    );
    assert_eq!(
        t.columns[2].spelling.default.as_deref(),
        Some("'x'::character varying"),
        "the catalog's spelling is kept for rebuilding"
    );
    assert_eq!(
        t.columns[1].spelling.default, None,
        "same as the normal form"
    );
    assert_eq!(t.columns[3].default.as_deref(), Some("current_timestamp"));
    assert_eq!(
        t.columns[4].ty,
        retort_schema::ColumnType::Custom { sql: "json".into() }
    );
    assert_eq!(t.checks[0].expr, "n > 0 and n < 10");
    assert!(
        !t.checks[0].named,
        "the catalog does not say who chose a name"
    );
}

/// A schema written by hand, the way other tools and DBAs write it, is read,
/// created again from the reading in an empty database, and reads the same.
#[tokio::test(flavor = "multi_thread")]
async fn a_hand_written_schema_copies_exactly() {
    let source = common::TestDb::create().await;
    let mut d = source.driver().await;
    d.execute(
        r#"CREATE SCHEMA billing;
        CREATE TYPE billing."Plan" AS ENUM ('free', 'pro', 'it''s complicated');
        CREATE SEQUENCE shared_seq;
        CREATE TABLE accounts (
            id bigserial PRIMARY KEY,
            handle character varying NOT NULL,
            code char(3) DEFAULT 'abc',
            ratio numeric,
            price numeric(10, 2) NOT NULL DEFAULT 9.90 CHECK (price >= 0),
            ticket int DEFAULT nextval('shared_seq'),
            created timestamp(3) with time zone DEFAULT now() NOT NULL,
            plan billing."Plan" DEFAULT 'free',
            tags varchar(20)[] DEFAULT '{}'::character varying[],
            doubled int GENERATED ALWAYS AS (ticket * 2) STORED,
            meta json,
            CONSTRAINT accounts_handle_key UNIQUE (handle)
        );
        COMMENT ON TABLE accounts IS 'who pays';
        COMMENT ON COLUMN accounts.handle IS 'public name';
        CREATE UNIQUE INDEX accounts_lower_handle ON accounts (lower(handle::text)) WHERE plan <> 'free';
        CREATE INDEX accounts_tags ON accounts USING gin (tags);
        CREATE TABLE billing.invoices (
            account_id bigint NOT NULL REFERENCES accounts (id) ON UPDATE CASCADE ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
            n integer NOT NULL,
            amount numeric(10, 2),
            "Paid" boolean DEFAULT false,
            PRIMARY KEY (account_id, n),
            CHECK (amount IS NULL OR amount > 0 AND n BETWEEN 1 AND 9999)
        );"#,
    )
    .await
    .expect("create");
    let scope = common::scope(&["billing"]);
    let schema = d.introspect(&scope).await.expect("introspect source");
    assert_eq!(
        PostgresDialect.normalize(&schema).expect("normalize"),
        schema,
        "introspection is normal"
    );
    let accounts = schema
        .table(&retort_schema::QualifiedName::new("accounts"))
        .expect("accounts");
    assert!(
        accounts.columns[0].auto_increment,
        "bigserial is auto-increment"
    );
    assert_eq!(
        accounts.columns[5].default.as_deref(),
        Some("nextval('shared_seq')"),
        "a shared sequence stays a default"
    );
    assert_eq!(
        accounts.columns[9].ty,
        retort_schema::ColumnType::Custom {
            sql: "integer GENERATED ALWAYS AS (ticket * 2) STORED".into()
        }
    );
    let copy_db = common::TestDb::create().await;
    let mut c = copy_db.driver().await;
    c.execute("CREATE SCHEMA billing; CREATE SEQUENCE shared_seq")
        .await
        .expect("schema");
    common::apply(&mut c, &common::create_all(&schema)).await;
    let copy = c.introspect(&scope).await.expect("introspect copy");
    common::assert_same(&copy, &schema);
    assert!(retort_schema::diff(&copy, &schema, &Default::default()).is_empty());
}

/// A primary key name someone chose is read and compared; the one PostgreSQL
/// chooses is no name; a model that names no key matches any name.
#[tokio::test(flavor = "multi_thread")]
async fn primary_key_names_chosen_by_someone_are_kept() {
    use retort_schema::{DiffOptions, PrimaryKey, TableChange, diff};
    let db = common::TestDb::create().await;
    let mut driver = db.driver().await;
    driver
        .execute(
            "CREATE TABLE a (id int, CONSTRAINT pk_acknowledgement_id PRIMARY KEY (id));\
             CREATE TABLE b (id int PRIMARY KEY)",
        )
        .await
        .expect("create");
    let live = driver
        .introspect(&common::scope(&[]))
        .await
        .expect("introspect");
    let pk = |i: usize| live.tables[i].primary_key.clone().expect("pk");
    assert_eq!(pk(0).name.as_deref(), Some("pk_acknowledgement_id"));
    assert_eq!(pk(1).name, None, "b_pkey is PostgreSQL's own name");

    // unnamed in the model: no difference
    let mut model = live.clone();
    for t in &mut model.tables {
        t.primary_key.as_mut().expect("pk").name = None;
    }
    assert!(diff(&live, &model, &DiffOptions::default()).is_empty());

    // named differently: the key is replaced, under the new name
    model.tables[0].primary_key = Some(PrimaryKey {
        name: Some("pk_a".into()),
        columns: vec!["id".into()],
    });
    model.tables[1].primary_key = Some(PrimaryKey {
        name: Some("pk_b".into()),
        columns: vec!["id".into()],
    });
    let model = PostgresDialect.normalize(&model).expect("normalize");
    let plan = diff(&live, &model, &DiffOptions::default());
    assert!(matches!(
        &plan.changes[0],
        retort_schema::Change::AlterTable(d)
            if matches!(d.changes[0], TableChange::SetPrimaryKey { .. })
    ));
    common::apply(&mut driver, &plan.changes).await;
    let after = driver
        .introspect(&common::scope(&[]))
        .await
        .expect("introspect");
    common::assert_same(&after, &model);
    common::apply(&mut driver, &plan.reverse()).await;
    let back = driver
        .introspect(&common::scope(&[]))
        .await
        .expect("introspect");
    common::assert_same(&back, &live);
}

/// Free-standing sequences are read in one query (those a column owns are part of
/// the column), created before the tables that use them and dropped after.
#[tokio::test(flavor = "multi_thread")]
async fn free_standing_sequences_come_and_go() {
    use retort_schema::{Change, DiffOptions, Schema, diff};
    let db = common::TestDb::create().await;
    let mut driver = db.driver().await;
    driver
        .execute(
            "CREATE SEQUENCE users_seq INCREMENT BY 1 NO MAXVALUE NO MINVALUE CACHE 1;\
             CREATE TABLE users (user_id integer DEFAULT nextval('users_seq'::text) PRIMARY KEY, n serial)",
        )
        .await
        .expect("create");
    let scope = common::scope(&[]);
    let live = driver.introspect(&scope).await.expect("introspect");
    assert_eq!(live.sequences.len(), 1, "{:#?}", live.sequences);
    let s = &live.sequences[0];
    assert_eq!(
        (
            s.name.as_str(),
            s.data_type.as_str(),
            s.start,
            s.increment,
            s.cache,
            s.cycle
        ),
        ("users_seq", "bigint", 1, 1, 1, false)
    );
    assert_eq!(s.max_value, i64::MAX);

    // rebuilt from nothing: the sequence comes first
    let plan = diff(&Schema::default(), &live, &DiffOptions::default());
    assert!(matches!(plan.changes[0], Change::CreateSequence { .. }));
    driver
        .execute("DROP TABLE users; DROP SEQUENCE users_seq")
        .await
        .expect("drop");
    common::apply(&mut driver, &plan.changes).await;
    let again = driver.introspect(&scope).await.expect("introspect");
    common::assert_same(&again, &live);

    // settings change in place, and back
    let mut changed = live.clone();
    changed.sequences[0].increment = 10;
    changed.sequences[0].cycle = true;
    let plan = diff(&again, &changed, &DiffOptions::default());
    assert!(matches!(plan.changes[..], [Change::AlterSequence { .. }]));
    common::apply(&mut driver, &plan.changes).await;
    common::assert_same(&driver.introspect(&scope).await.expect("read"), &changed);
    common::apply(&mut driver, &plan.reverse()).await;
    common::assert_same(&driver.introspect(&scope).await.expect("read"), &live);

    // everything dropped: the sequence after the table that uses it
    let plan = diff(&live, &Schema::default(), &DiffOptions::default());
    common::apply(&mut driver, &plan.changes).await;
    assert_eq!(
        driver.introspect(&scope).await.expect("read"),
        Schema::default()
    );
}
