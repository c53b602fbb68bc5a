//! Randomized A -> B -> A: random schemas (every mapped type, enums, defaults,
//! uniques, plain/partial/expression indexes, FKs, checks, comments, a non-default
//! schema) and random edits of them. For each case: create A, apply
//! `render(diff(A, B))`, read back exactly B with a clean diff, apply the reverse,
//! read back A. Tables stay empty here (data is covered by `diff_round_trip`).
//!
//! `RETORT_PG_CASES=500 cargo test -p retort-postgres --test random_round_trip`
//! runs more cases; `RETORT_PG_SEED` picks the first seed.

mod common;

use common::fixtures::*;
use retort_dialect::{Dialect, Driver};
use retort_postgres::PostgresDialect;
use retort_schema::{
    ColumnType as T, DiffOptions, EnumType, FkAction, IndexPart, QualifiedName, Schema, Table, diff,
};

/// xorshift64*: small, deterministic, good enough to pick test shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, X>(&mut self, xs: &'a [X]) -> &'a X {
        &xs[self.below(xs.len())]
    }
}

fn mood_enum(values: &[&str]) -> EnumType {
    EnumType {
        schema: None,
        name: "mood".into(),
        values: values.iter().map(|s| s.to_string()).collect(),
    }
}

fn random_type(r: &mut Rng, mood: &EnumType) -> T {
    match r.below(21) {
        0 => T::SmallInt,
        1 => T::Integer,
        2 => T::BigInt,
        3 => T::Boolean,
        4 => T::Real,
        5 => T::Double,
        6 => T::Text,
        7 => T::Varchar {
            length: 5 + r.below(100) as u32,
        },
        8 => T::Blob,
        9 => T::Date,
        10 => T::Time,
        11 => T::Timestamp,
        12 => T::TimestampTz,
        13 => T::Uuid,
        14 => T::Json,
        15 => T::Decimal {
            precision: 5 + r.below(10) as u32,
            scale: r.below(4) as u32,
        },
        16 => mood_type(mood),
        17 => custom("text[]"),
        18 => custom("inet"),
        19 => custom("timestamp(3) with time zone"),
        _ => custom("json"),
    }
}

fn random_default(r: &mut Rng, ty: &T) -> Option<String> {
    if r.chance(50) {
        return None;
    }
    let options: &[&str] = match ty {
        T::SmallInt | T::Integer | T::BigInt => &["0", "42", "-7", "(1 + 2)"],
        T::Boolean => &["true", "FALSE"],
        T::Real | T::Double => &["1.5", "0", "-0.25"],
        T::Text | T::Varchar { .. } => &["'x'", "'it''s'", "''", "'x'::text"],
        T::Date => &["CURRENT_DATE", "'2020-01-01'"],
        T::Time => &["'12:00:00'", "CURRENT_TIME"],
        T::Timestamp => &[
            "CURRENT_TIMESTAMP",
            "now()",
            "'2020-01-01 10:00:00'",
            "'2021-02-03'",
        ],
        T::TimestampTz => &["now()", "current_timestamp"],
        T::Uuid => &["gen_random_uuid()"],
        T::Json => &["'{}'", "'[]'::jsonb", "'{\"a\": 1}'"],
        T::Decimal { .. } => &["0", "1.25", "0.50"],
        T::Enum { .. } => &["'v0'"],
        T::Custom { sql } if sql == "text[]" => &["'{}'", "ARRAY['a']"],
        T::Custom { sql } if sql.starts_with("timestamp") => &["now()"],
        _ => &[],
    };
    if options.is_empty() {
        None
    } else {
        Some(r.pick(options).to_string())
    }
}

/// Types a column of type `from` can be converted to with a plain cast.
fn convertible(r: &mut Rng, from: &T, mood: &EnumType) -> Option<T> {
    let options: Vec<T> = match from {
        T::SmallInt => vec![
            T::Integer,
            T::BigInt,
            T::Double,
            T::Text,
            T::Decimal {
                precision: 10,
                scale: 2,
            },
        ],
        T::Integer => vec![T::BigInt, T::SmallInt, T::Double, T::Text],
        T::BigInt => vec![
            T::Integer,
            T::Decimal {
                precision: 20,
                scale: 0,
            },
        ],
        T::Boolean => vec![T::Text, T::Integer],
        T::Real => vec![T::Double],
        T::Double => vec![
            T::Real,
            T::Decimal {
                precision: 12,
                scale: 4,
            },
        ],
        T::Text => vec![T::Varchar { length: 50 }, T::Blob, T::Json, mood_type(mood)],
        T::Varchar { length } => vec![
            T::Text,
            T::Varchar {
                length: length + 10,
            },
        ],
        T::Date => vec![T::Timestamp, T::TimestampTz, T::Text],
        T::Timestamp => vec![T::TimestampTz, T::Date],
        T::TimestampTz => vec![T::Timestamp],
        T::Uuid | T::Json | T::Time | T::Blob => vec![T::Text],
        T::Decimal { precision, scale } => vec![
            T::Decimal {
                precision: precision + 2,
                scale: *scale,
            },
            T::Double,
        ],
        T::Enum { .. } => vec![T::Text],
        _ => vec![],
    };
    if options.is_empty() {
        None
    } else {
        Some(r.pick(&options).clone())
    }
}

fn random_table(
    r: &mut Rng,
    schema: Option<&str>,
    name: &str,
    mood: &EnumType,
    earlier: &[QualifiedName],
) -> Table {
    let id_ty = if r.chance(50) { T::Integer } else { T::BigInt };
    let mut columns = vec![
        auto(col("id", id_ty)),
        default(col("label", T::Text), "'l'"),
    ];
    for i in 0..1 + r.below(6) {
        let ty = random_type(r, mood);
        let mut c = col(&format!("c{i}"), ty.clone());
        c.nullable = r.chance(60);
        c.default = random_default(r, &ty);
        if r.chance(15) {
            c.comment = Some(format!("column {i}"));
        }
        columns.push(c);
    }
    let mut t = table(schema, name, columns, &["id"]);
    if r.chance(30) {
        t.comment = Some(format!("table {name}"));
    }
    add_random_extras(r, &mut t, earlier);
    t
}

fn add_random_extras(r: &mut Rng, t: &mut Table, others: &[QualifiedName]) {
    let plain: Vec<String> = t
        .columns
        .iter()
        .skip(2)
        .filter(|c| !matches!(c.ty, T::Json | T::Custom { .. } | T::Blob))
        .map(|c| c.name.clone())
        .collect();
    if !plain.is_empty() && r.chance(40) {
        let c = r.pick(&plain).clone();
        if !t.uniques.iter().any(|u| u.columns == [c.clone()]) {
            unique(t, &[c.as_str()], None);
        }
    }
    if !plain.is_empty() && r.chance(50) {
        let c = r.pick(&plain).clone();
        let pred = if r.chance(40) {
            Some(format!("{c} IS NOT NULL"))
        } else {
            None
        };
        let name = retort_schema::naming::index(&t.name, &[IndexPart::column(c.clone())]);
        if !t.indexes.iter().any(|i| i.name == name) {
            index(
                t,
                vec![IndexPart::column(c)],
                r.chance(20),
                pred.as_deref(),
                None,
            );
        }
    }
    if r.chance(30) && !t.indexes.iter().any(|i| i.name.contains("_expr")) {
        index(
            t,
            vec![IndexPart::expression("lower(label)")],
            false,
            Some("label <> ''"),
            None,
        );
    }
    if r.chance(40) {
        let e = r
            .pick(&[
                "id > 0",
                "label IS NULL OR length(label) BETWEEN 0 AND 100",
                "label IN ('l', 'm')",
            ])
            .to_string();
        if !t.checks.iter().any(|c| c.expr == e) {
            check(t, &e, None);
        }
    }
    if !others.is_empty() && r.chance(50) {
        let target = r.pick(others).clone();
        let c = format!("ref_{}", target.name);
        if t.column(&c).is_none() {
            t.columns.push(col(&c, T::BigInt));
            let action = *r.pick(&[
                FkAction::NoAction,
                FkAction::Cascade,
                FkAction::SetNull,
                FkAction::Restrict,
            ]);
            fk(t, &[c.as_str()], target, &["id"], action, r.chance(20));
        }
    }
}

/// Whether the primary key is `(id)`, so foreign keys can reference it.
fn keyed_by_id(t: &Table) -> bool {
    t.primary_key.as_ref().is_some_and(|p| p.columns == ["id"])
}

/// Remove a column and everything built on it.
fn remove_column(t: &mut Table, name: &str) {
    t.columns.retain(|c| c.name != name);
    t.uniques.retain(|u| !u.columns.iter().any(|c| c == name));
    t.indexes
        .retain(|i| !i.parts.contains(&IndexPart::column(name.to_string())));
    t.foreign_keys
        .retain(|f| !f.columns.iter().any(|c| c == name));
}

fn random_schema(r: &mut Rng) -> Schema {
    let mood = mood_enum(&["v0", "v1", "v2"]);
    let mut tables: Vec<Table> = Vec::new();
    for i in 0..1 + r.below(4) {
        let schema = if r.chance(25) { Some("app") } else { None };
        let earlier: Vec<QualifiedName> = tables.iter().map(|t| t.qualified_name()).collect();
        tables.push(random_table(r, schema, &format!("t{i}"), &mood, &earlier));
    }
    Schema {
        tables,
        enums: vec![mood],
        sequences: Vec::new(),
    }
}

fn mutate(r: &mut Rng, a: &Schema) -> Schema {
    let mut b = a.clone();
    for _ in 0..1 + r.below(4) {
        let mood = b.enums[0].clone();
        match r.below(10) {
            0 => {
                // add a table
                let names: Vec<QualifiedName> =
                    b.tables.iter().map(|t| t.qualified_name()).collect();
                let n = format!("n{}", r.below(1000));
                if !names.iter().any(|q| q.name == n) {
                    let targets: Vec<QualifiedName> = b
                        .tables
                        .iter()
                        .filter(|t| keyed_by_id(t))
                        .map(|t| t.qualified_name())
                        .collect();
                    b.tables.push(random_table(r, None, &n, &mood, &targets));
                }
            }
            1 if b.tables.len() > 1 => {
                // drop a table and every FK to it
                let gone = b.tables.remove(r.below(b.tables.len())).qualified_name();
                for t in &mut b.tables {
                    let cols: Vec<String> = t
                        .foreign_keys
                        .iter()
                        .filter(|f| f.ref_table == gone)
                        .flat_map(|f| f.columns.clone())
                        .collect();
                    t.foreign_keys.retain(|f| f.ref_table != gone);
                    for c in cols {
                        remove_column(t, &c);
                    }
                }
            }
            2 => {
                // enum values: add, remove a non-first value, or reorder the tail
                let mut values = b.enums[0].values.clone();
                match r.below(3) {
                    0 => values.insert(1 + r.below(values.len()), format!("w{}", r.below(100))),
                    1 if values.len() > 1 => {
                        values.remove(1 + r.below(values.len() - 1));
                    }
                    _ => values[1..].reverse(),
                }
                values.dedup();
                let e = EnumType {
                    values,
                    ..b.enums[0].clone()
                };
                b.enums[0] = e.clone();
                for t in &mut b.tables {
                    for c in &mut t.columns {
                        if matches!(c.ty, T::Enum { .. }) {
                            c.ty = mood_type(&e);
                        }
                    }
                }
            }
            9 if r.chance(50) => {
                // rename a table (declared with renamed_from), following its references
                let i = r.below(b.tables.len());
                let old = b.tables[i].qualified_name();
                let new = QualifiedName {
                    schema: old.schema.clone(),
                    name: format!("{}_r{}", old.name, r.below(100)),
                };
                if b.tables.iter().all(|t| t.name != new.name)
                    && a.tables.iter().all(|t| t.name != new.name)
                {
                    b.tables[i].renamed_from = Some(old.name.clone());
                    b.tables[i].name = new.name.clone();
                    for t in &mut b.tables {
                        for f in &mut t.foreign_keys {
                            if f.ref_table == old {
                                f.ref_table = new.clone();
                            }
                        }
                    }
                }
            }
            k => {
                let i = r.below(b.tables.len());
                let me = b.tables[i].qualified_name();
                // foreign keys may only point at tables keyed by `id` alone
                let others: Vec<QualifiedName> = b
                    .tables
                    .iter()
                    .filter(|t| keyed_by_id(t))
                    .map(|t| t.qualified_name())
                    .filter(|q| q != &me)
                    .collect();
                let referenced = b
                    .tables
                    .iter()
                    .any(|t| t.foreign_keys.iter().any(|f| f.ref_table == me));
                let e = b.enums[0].clone();
                let t = &mut b.tables[i];
                let free: Vec<usize> = (0..t.columns.len())
                    .filter(|&j| t.columns[j].name.starts_with('c'))
                    .filter(|&j| {
                        let n = &t.columns[j].name;
                        !t.uniques.iter().any(|u| &u.columns[0] == n)
                            && !t
                                .indexes
                                .iter()
                                .any(|x| x.parts == [IndexPart::column(n.clone())])
                    })
                    .collect();
                match k {
                    3 => {
                        let ty = random_type(r, &e);
                        let mut c = col(&format!("c{}", 10 + r.below(90)), ty.clone());
                        c.default = random_default(r, &ty);
                        c.nullable = r.chance(50);
                        if !c.nullable && c.default.is_none() {
                            c.backfill = Some("NULL".into());
                        }
                        if t.column(&c.name).is_none() {
                            t.columns.push(c);
                        }
                    }
                    4 if !free.is_empty() => {
                        let j = *r.pick(&free);
                        let name = t.columns[j].name.clone();
                        remove_column(t, &name);
                    }
                    5 if !free.is_empty() => {
                        let j = *r.pick(&free);
                        let c = &mut t.columns[j];
                        if let Some(ty) = convertible(r, &c.ty, &e) {
                            c.default = random_default(r, &ty);
                            c.ty = ty;
                        }
                    }
                    6 if !free.is_empty() => {
                        let j = *r.pick(&free);
                        let c = &mut t.columns[j];
                        c.nullable = !c.nullable;
                        c.default = random_default(r, &c.ty.clone());
                        c.comment = if r.chance(50) {
                            Some("changed".into())
                        } else {
                            None
                        };
                    }
                    6 if r.chance(30) => {
                        // rename a column (declared with renamed_from)
                        if let Some(&j) = free.first() {
                            let new = format!("{}_r", t.columns[j].name);
                            if t.column(&new).is_none() {
                                let c = &mut t.columns[j];
                                c.renamed_from = Some(c.name.clone());
                                c.name = new;
                            }
                        }
                    }
                    6 if !referenced && r.chance(30) => {
                        // primary key: (id) <-> (id, label), identity on or off
                        let pk = t
                            .primary_key
                            .get_or_insert_with(|| retort_schema::PrimaryKey {
                                name: None,
                                columns: vec![],
                            });
                        pk.columns = if pk.columns.len() == 1 {
                            vec!["id".into(), "label".into()]
                        } else {
                            vec!["id".into()]
                        };
                        let id = &mut t.columns[0];
                        id.auto_increment = !id.auto_increment;
                    }
                    7 => {
                        t.uniques.clear();
                        t.indexes.clear();
                        t.checks.clear();
                        t.comment = if r.chance(50) {
                            Some("new comment".into())
                        } else {
                            None
                        };
                        add_random_extras(r, t, &others);
                    }
                    _ => {
                        t.foreign_keys.clear();
                        add_random_extras(r, t, &others);
                    }
                }
            }
        }
    }
    b
}

#[tokio::test(flavor = "multi_thread")]
async fn random_a_b_a() {
    let cases: u64 = std::env::var("RETORT_PG_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let first: u64 = std::env::var("RETORT_PG_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let scope = common::scope(&["app"]);
    for seed in first..first + cases {
        let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let a = random_schema(&mut r);
        let b = mutate(&mut r, &a);
        let a = PostgresDialect
            .normalize(&a)
            .unwrap_or_else(|e| panic!("seed {seed}: normalize A: {e:?}"));
        let b = PostgresDialect
            .normalize(&b)
            .unwrap_or_else(|e| panic!("seed {seed}: normalize B: {e:?}"));
        let db = common::TestDb::create().await;
        let mut d = db.driver().await;
        d.execute("CREATE SCHEMA app").await.expect("schema");
        common::apply(&mut d, &common::create_all(&a)).await;
        let live = d.introspect(&scope).await.expect("introspect");
        common::assert_same(&live, &a);
        let plan = diff(&live, &b, &DiffOptions::default());
        common::apply(&mut d, &plan.changes).await;
        let live_b = d.introspect(&scope).await.expect("introspect B");
        assert!(
            diff(&live_b, &b, &DiffOptions::default()).is_empty(),
            "seed {seed}: diff after upgrade: {:#?}",
            diff(&live_b, &b, &DiffOptions::default()).changes
        );
        common::assert_same(
            &common::without_constraint_names(&live_b),
            &common::without_constraint_names(&b),
        );
        common::apply(&mut d, &plan.reverse()).await;
        let live_a = d.introspect(&scope).await.expect("introspect A again");
        assert!(
            diff(&live_a, &a, &DiffOptions::default()).is_empty(),
            "seed {seed}: diff after downgrade"
        );
        common::assert_same(
            &common::without_constraint_names(&live_a),
            &common::without_constraint_names(&a),
        );
    }
}
