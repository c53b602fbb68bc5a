//! Randomized A -> B -> A on MariaDB: random schemas A (every mapped type,
//! nullability, defaults, comments, uniques, indexes, foreign keys with actions,
//! checks) and random edits B of them. For each pair: create A, upgrade with the
//! rendered diff, require B exactly and a clean diff, downgrade, require A.
//!
//! `RETORT_MYSQL_CASES` sets the number of pairs (default 100); `RETORT_MYSQL_SEED`
//! replays one failing seed.

mod common;

use common::fixtures::*;
use common::*;
use retort_dialect::Dialect;
use retort_mysql::MysqlDialect;
use retort_schema::{ColumnType as T, FkAction, Schema, Table};

/// xorshift64*: small, deterministic, good enough to pick cases.
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
}

fn random_type(r: &mut Rng) -> (T, Option<&'static str>) {
    let mood = |extra: bool| T::Enum {
        name: "mood".into(),
        schema: None,
        values: if extra {
            vec!["a".into(), "b".into(), "c'd".into()]
        } else {
            vec!["a".into(), "b".into()]
        },
    };
    match r.below(19) {
        0 => (T::SmallInt, Some("7")),
        1 => (T::Integer, Some("-3")),
        2 => (T::BigInt, Some("'12'")),
        3 => (
            T::Boolean,
            Some(if r.chance(50) { "TRUE" } else { "false" }),
        ),
        4 => (T::Real, Some("1.5")),
        5 => (T::Double, Some("2.25")),
        6 => (T::Text, Some("'txt'")),
        7 => (
            T::Varchar {
                length: [10, 50, 255][r.below(3)],
            },
            Some("'it''s'"),
        ),
        8 => (T::Blob, None),
        9 => (T::Date, Some("'2021-03-04'")),
        10 => (T::Time, Some("'01:02:03'")),
        11 => (T::Timestamp, Some("CURRENT_TIMESTAMP")),
        12 => (T::TimestampTz, Some("CURRENT_TIMESTAMP(6)")),
        13 => (T::Uuid, Some("(uuid())")),
        14 => (T::Json, Some("'[]'")),
        15 => (
            T::Decimal {
                precision: 8,
                scale: 2,
            },
            Some("'3.10'"),
        ),
        16 => (mood(r.chance(50)), Some("'b'")),
        17 => (
            T::Custom {
                sql: "MEDIUMTEXT".into(),
            },
            None,
        ),
        _ => (
            T::Custom {
                sql: "int(10) unsigned".into(),
            },
            Some("0"),
        ),
    }
}

fn keyable(ty: &T) -> bool {
    !matches!(ty, T::Text | T::Blob | T::Json | T::Custom { .. })
}

fn table_name(i: usize) -> String {
    ["t0", "order", "naïve", "we`ird", "t4", "t5"][i].to_string()
}

fn random_column(r: &mut Rng, name: String) -> retort_schema::Column {
    let (ty, default) = random_type(r);
    let mut c = col(&name, ty);
    c.nullable = r.chance(60);
    if let Some(d) = default
        && (r.chance(40) || !c.nullable)
    {
        c.default = Some(d.to_string());
    }
    if r.chance(15) {
        c.comment = Some(format!("comment of {name}, it's \"quoted\""));
    }
    c
}

fn random_schema(r: &mut Rng) -> Schema {
    let n = 1 + r.below(4);
    let mut tables = Vec::new();
    for i in 0..n {
        tables.push(random_table(r, table_name(i)));
    }
    // Foreign keys to any table's id (cycles allowed).
    for i in 0..tables.len() {
        if r.chance(50) {
            let target = r.below(tables.len());
            add_fk(r, &mut tables, i, target, "ref0");
        }
    }
    schema(tables)
}

fn random_table(r: &mut Rng, name: String) -> Table {
    {
        let mut t = Table {
            name: name.clone(),
            columns: vec![id(if r.chance(50) { T::Integer } else { T::BigInt })],
            primary_key: pk(&["id"]),
            ..Default::default()
        };
        for k in 0..1 + r.below(5) {
            let c = random_column(r, format!("c{k}"));
            t.columns.push(c);
        }
        if r.chance(20) {
            t.comment = Some(format!("table {name}"));
        }
        add_random_constraint(r, &mut t);
        add_random_constraint(r, &mut t);
        t
    }
}

fn add_fk(r: &mut Rng, tables: &mut [Table], from: usize, to: usize, col_name: &str) {
    if tables[from].column(col_name).is_some() {
        return;
    }
    let ty = tables[to].columns[0].ty.clone();
    let ref_name = tables[to].name.clone();
    let t = &mut tables[from];
    let mut c = col(col_name, ty);
    c.nullable = true;
    t.columns.push(c);
    let action = [
        FkAction::NoAction,
        FkAction::Cascade,
        FkAction::SetNull,
        FkAction::Restrict,
    ][r.below(4)];
    let mut f = fk(&t.name, &[col_name], &ref_name, &["id"], action);
    f.on_update = [FkAction::NoAction, FkAction::Cascade][r.below(2)];
    t.foreign_keys.push(f);
}

fn add_random_constraint(r: &mut Rng, t: &mut Table) {
    let keyed: Vec<String> = t
        .columns
        .iter()
        .skip(1)
        .filter(|c| keyable(&c.ty))
        .map(|c| c.name.clone())
        .collect();
    match r.below(4) {
        0 if !keyed.is_empty() => {
            let c = &keyed[r.below(keyed.len())];
            let u = unique(&t.name, &[c]);
            if !t.uniques.iter().any(|x| x.name == u.name) {
                t.uniques.push(u);
            }
        }
        1 if !keyed.is_empty() => {
            let a = &keyed[r.below(keyed.len())];
            let b = &keyed[r.below(keyed.len())];
            let cols: Vec<&str> = if a == b { vec![a] } else { vec![a, b] };
            let ix = index(&t.name, &cols);
            if !t.indexes.iter().any(|x| x.name == ix.name) {
                t.indexes.push(ix);
            }
        }
        2 => {
            let ints: Vec<String> = t
                .columns
                .iter()
                .skip(1)
                .filter(|c| {
                    matches!(c.ty, T::SmallInt | T::Integer | T::BigInt)
                        && !c.name.starts_with("ref")
                })
                .map(|c| c.name.clone())
                .collect();
            if let Some(c) = ints.first() {
                let ck = check(&t.name, &format!("`{c}` > -100 OR `{c}` IS NULL"));
                if !t.checks.iter().any(|x| x.name == ck.name) {
                    t.checks.push(ck);
                }
            }
        }
        _ => {}
    }
}

/// Remove everything in `t` that mentions column `c`.
fn forget_column(t: &mut Table, c: &str) {
    t.columns.retain(|x| x.name != c);
    t.uniques.retain(|u| !u.columns.iter().any(|x| x == c));
    t.indexes
        .retain(|i| !i.parts.iter().any(|p| p.column_name() == Some(c)));
    t.foreign_keys.retain(|f| !f.columns.iter().any(|x| x == c));
    t.checks.retain(|k| !k.expr.contains(&format!("`{c}`")));
}

fn referenced(s: &Schema, table: &str) -> bool {
    s.tables
        .iter()
        .any(|t| t.name != table && t.foreign_keys.iter().any(|f| f.ref_table.name == table))
}

fn mutate(r: &mut Rng, a: &Schema) -> Schema {
    let mut b = a.clone();
    for _ in 0..1 + r.below(4) {
        let ti = r.below(b.tables.len());
        let fk_cols: Vec<String> = b.tables[ti]
            .foreign_keys
            .iter()
            .flat_map(|f| f.columns.clone())
            .collect();
        let plain: Vec<usize> = (1..b.tables[ti].columns.len())
            .filter(|&k| !fk_cols.contains(&b.tables[ti].columns[k].name))
            .collect();
        match r.below(12) {
            0 => {
                let name = format!("n{}", r.below(1000));
                if b.tables[ti].column(&name).is_none() {
                    let mut c = random_column(r, name);
                    if !c.nullable && c.default.is_none() {
                        c.backfill = Some("DEFAULT".into());
                        c.nullable = true;
                    }
                    b.tables[ti].columns.push(c);
                }
            }
            1 if !plain.is_empty() => {
                let k = plain[r.below(plain.len())];
                let name = b.tables[ti].columns[k].name.clone();
                forget_column(&mut b.tables[ti], &name);
            }
            2 if !plain.is_empty() => {
                let k = plain[r.below(plain.len())];
                let (ty, d) = random_type(r);
                let t = &mut b.tables[ti];
                let name = t.columns[k].name.clone();
                if !keyable(&ty) {
                    t.uniques.retain(|u| !u.columns.contains(&name));
                    t.indexes.retain(|i| {
                        !i.parts
                            .contains(&retort_schema::IndexPart::column(name.clone()))
                    });
                }
                t.checks.retain(|c| !c.expr.contains(&format!("`{name}`")));
                t.columns[k].ty = ty;
                t.columns[k].default = d
                    .map(str::to_string)
                    .filter(|_| t.columns[k].default.is_some() || !t.columns[k].nullable);
                if !t.columns[k].nullable && t.columns[k].default.is_none() {
                    t.columns[k].nullable = true;
                }
            }
            3 if !plain.is_empty() => {
                let k = plain[r.below(plain.len())];
                let c = &mut b.tables[ti].columns[k];
                c.nullable = !c.nullable;
                if !c.nullable && c.default.is_none() {
                    c.nullable = true;
                }
            }
            4 if !plain.is_empty() => {
                let k = plain[r.below(plain.len())];
                let c = &mut b.tables[ti].columns[k];
                c.comment = if c.comment.is_some() {
                    None
                } else {
                    Some("new comment".into())
                };
            }
            5 => add_random_constraint(r, &mut b.tables[ti]),
            6 => {
                let t = &mut b.tables[ti];
                match r.below(3) {
                    0 => drop_one(r, &mut t.uniques),
                    1 => drop_one(r, &mut t.indexes),
                    _ => drop_one(r, &mut t.checks),
                }
            }
            7 => {
                let target = r.below(b.tables.len());
                add_fk(r, &mut b.tables, ti, target, "ref1");
            }
            8 => {
                if let Some(f) = b.tables[ti].foreign_keys.pop() {
                    forget_column(&mut b.tables[ti], &f.columns[0]);
                }
            }
            9 if b.tables.len() < 6 => {
                let free = (0..6)
                    .map(table_name)
                    .find(|n| b.tables.iter().all(|t| &t.name != n));
                if let Some(name) = free {
                    let extra = random_table(r, name);
                    b.tables.push(extra);
                }
            }
            11 => {
                // Flip the key type of a table and of every column that references it.
                let name = b.tables[ti].name.clone();
                let ty = if b.tables[ti].columns[0].ty == T::Integer {
                    T::BigInt
                } else {
                    T::Integer
                };
                b.tables[ti].columns[0].ty = ty.clone();
                for t in &mut b.tables {
                    let cols: Vec<String> = t
                        .foreign_keys
                        .iter()
                        .filter(|f| f.ref_table.name == name)
                        .flat_map(|f| f.columns.clone())
                        .collect();
                    for c in t.columns.iter_mut().filter(|c| cols.contains(&c.name)) {
                        c.ty = ty.clone();
                    }
                }
            }
            10 if b.tables.len() > 1 => {
                let name = b.tables[ti].name.clone();
                if !referenced(&b, &name) {
                    b.tables.remove(ti);
                }
            }
            _ => {
                let t = &mut b.tables[ti];
                t.comment = if t.comment.is_some() {
                    None
                } else {
                    Some("changed".into())
                };
            }
        }
    }
    b
}

fn drop_one<X>(r: &mut Rng, v: &mut Vec<X>) {
    if !v.is_empty() {
        let i = r.below(v.len());
        v.remove(i);
    }
}

#[tokio::test]
async fn random_pairs_round_trip() {
    let cases: u64 = std::env::var("RETORT_MYSQL_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let seeds: Vec<u64> = match std::env::var("RETORT_MYSQL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(s) => vec![s],
        None => (1..=cases).collect(),
    };
    let (_db, mut driver) = TestDb::create().await;
    for seed in seeds {
        eprintln!("case: RETORT_MYSQL_SEED={seed}");
        let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let a = random_schema(&mut r);
        let b = mutate(&mut r, &a);
        let (na, nb) = (norm(&a), norm(&b));
        let ctx =
            |what: &str| format!("seed {seed} (replay with RETORT_MYSQL_SEED={seed}): {what}");

        let create = retort_schema::diff(&live(&mut driver).await, &na, &Default::default());
        apply(&mut driver, &MysqlDialect.render(&create.changes)).await;
        let live_a = live(&mut driver).await;
        assert_eq!(strip(&live_a), strip(&na), "{}", ctx("A as created"));

        let plan = retort_schema::diff(&live_a, &nb, &Default::default());
        let up = MysqlDialect.render(&plan.changes);
        if std::env::var("RETORT_DEBUG").is_ok() {
            eprintln!(
                "{}",
                plan.changes
                    .iter()
                    .map(|c| c.describe())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            eprintln!("{}", sql_text(&up));
        }
        apply_skipping_todos(&mut driver, &up).await;
        let live_b = live(&mut driver).await;
        let again = retort_schema::diff(&live_b, &nb, &Default::default());
        assert!(
            again.is_empty(),
            "{}\n{}\n{:#?}",
            ctx("check after upgrade"),
            sql_text(&up),
            again.changes
        );
        assert_eq!(
            strip(&live_b),
            strip(&nb),
            "{}\n{}",
            ctx("after upgrade"),
            sql_text(&up)
        );

        let down = MysqlDialect.render(&plan.reverse());
        apply_skipping_todos(&mut driver, &down).await;
        let live_a2 = live(&mut driver).await;
        let again = retort_schema::diff(&live_a2, &na, &Default::default());
        assert!(
            again.is_empty(),
            "{}\n{}\n{:#?}",
            ctx("check after downgrade"),
            sql_text(&down),
            again.changes
        );
        assert_eq!(
            strip(&live_a2),
            strip(&na),
            "{}\n{}",
            ctx("after downgrade"),
            sql_text(&down)
        );

        // Back to empty for the next pair.
        let clear = retort_schema::diff(&live_a2, &Schema::default(), &Default::default());
        apply(&mut driver, &MysqlDialect.render(&clear.changes)).await;
        assert_eq!(
            live(&mut driver).await,
            Schema::default(),
            "{}",
            ctx("drop everything")
        );
    }
}
