//! Check and default spellings: what the model says must read back equal after
//! MariaDB stored and re-printed it.

mod common;

use common::fixtures::*;
use common::*;
use retort_dialect::Driver;
use retort_schema::{Change, ColumnType as T, Table};

#[tokio::test]
async fn check_spellings_survive_the_server() {
    let exprs = [
        "a IN ('x', 'y')",
        "NOT (n > 1)",
        "a IS NOT NULL",
        "a LIKE 'x%'",
        "COALESCE(n, 0) > 1",
        "n BETWEEN 1 AND 5",
        "lower(a) <> ''",
        "n + m * 2 > 3",
        "(n + m) * 2 > 3",
        "CHAR_LENGTH(a) > 0",
        "a <> 'it''s'",
        "n >= -1.50",
        "n != m",
        "n > 0 OR m > 0 AND a IS NULL",
        "(n > 0 OR m > 0) AND a IS NULL",
        "upper(a) = a",
        "n % 2 = 0",
        "n DIV 2 < 10",
        "a NOT IN ('z')",
        "a REGEXP '^[a-z]+$'",
        "n IS NULL OR n > 0",
        "NOT n > 1",
        "trim(a) <> ''",
        "n > 0 AND m > 0 AND n <> m",
        "CASE WHEN n > 0 THEN m > 0 ELSE TRUE END",
        "length(a) < 10",
        "substr(a, 1, 1) = 'x'",
        "abs(n) < 100",
        "n IN (1, 2, 3)",
    ];
    let mut bad = Vec::new();
    for e in exprs {
        let (_db, mut driver) = TestDb::create().await;
        let t = Table {
            name: "t".into(),
            columns: vec![
                col("a", T::Varchar { length: 20 }),
                col("n", T::Integer),
                col("m", T::Integer),
            ],
            checks: vec![check("t", e)],
            ..Default::default()
        };
        let want = norm(&schema(vec![t]));
        if let Err(err) = driver
            .execute(
                &retort_dialect::Dialect::render(
                    &retort_mysql::MysqlDialect,
                    &[Change::CreateTable {
                        table: want.tables[0].clone(),
                    }],
                )[0]
                .sql,
            )
            .await
        {
            bad.push(format!("{e}: rendered check failed: {}", err.message));
            continue;
        }
        let got = live(&mut driver).await;
        if got.tables[0].checks != want.tables[0].checks {
            bad.push(format!(
                "{e}\n  model: {:?}\n  live:  {:?}",
                want.tables[0].checks[0].expr,
                got.tables[0].checks.first().map(|c| &c.expr)
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[tokio::test]
async fn default_spellings_survive_the_server() {
    let cases: Vec<(T, &str)> = vec![
        (T::Varchar { length: 10 }, "''"),
        (T::Varchar { length: 10 }, "'0'"),
        (T::Varchar { length: 10 }, "'NULL'"),
        (T::Varchar { length: 10 }, "'a\\\\b'"),
        (T::Varchar { length: 10 }, "\"dq\""),
        (T::Integer, "0"),
        (T::Integer, "-5"),
        (T::Integer, "'3'"),
        (T::Integer, "(1 + 2)"),
        (T::Double, "0.0"),
        (T::Double, "1e3"),
        (T::Real, "-0.5"),
        (
            T::Decimal {
                precision: 5,
                scale: 2,
            },
            "0",
        ),
        (
            T::Decimal {
                precision: 5,
                scale: 2,
            },
            "'2.50'",
        ),
        (T::Timestamp, "CURRENT_TIMESTAMP"),
        (T::Timestamp, "'2020-01-01 00:00:00'"),
        (T::Timestamp, "NOW()"),
        (T::TimestampTz, "CURRENT_TIMESTAMP(6)"),
        (T::Date, "'2020-01-01'"),
        (T::Date, "(curdate())"),
        (T::Uuid, "(uuid())"),
        (T::Boolean, "FALSE"),
        (T::Boolean, "'1'"),
        (T::Json, "'{}'"),
        (T::Text, "''"),
        (T::Time, "'12:00:00'"),
        (
            T::Enum {
                name: "e".into(),
                schema: None,
                values: vec!["a".into(), "b".into()],
            },
            "'b'",
        ),
    ];
    let (_db, mut driver) = TestDb::create().await;
    let t = Table {
        name: "d".into(),
        columns: cases
            .iter()
            .enumerate()
            .map(|(i, (ty, d))| with_default(col(&format!("c{i}"), ty.clone()), d))
            .collect(),
        ..Default::default()
    };
    let want = norm(&schema(vec![t]));
    apply_changes(
        &mut driver,
        &[Change::CreateTable {
            table: want.tables[0].clone(),
        }],
    )
    .await;
    let got = live(&mut driver).await;
    let mut bad = Vec::new();
    for (i, (w, g)) in want.tables[0]
        .columns
        .iter()
        .zip(&got.tables[0].columns)
        .enumerate()
    {
        if w != g {
            bad.push(format!(
                "{:?} {}: model {:?} {:?}, live {:?} {:?}",
                cases[i].0, cases[i].1, w.ty, w.default, g.ty, g.default
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
