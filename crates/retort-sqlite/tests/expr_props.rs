//! Property test of the expression normal form against SQLite itself: for
//! random expressions over real columns, the normal form is stable (normalizing
//! it again changes nothing) and means the same (SQLite evaluates the original
//! and the normal form to the same value on every row of a sample table).

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use retort_dialect::Driver;
use retort_sqlite::SqliteDriver;
use retort_sqlite::expr::normalize;

fn column() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_string()),
        Just("\"A\"".to_string()),
        Just("[a]".to_string()),
        Just("`a`".to_string()),
        Just("\"select\"".to_string()),
        Just("\"we\"\"ird\"".to_string()),
        Just("\"naïve col\"".to_string()),
        Just("\"Mixed\"".to_string()),
        Just("mixed".to_string()),
    ]
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_string()),
        Just("0".to_string()),
        Just("2.50".to_string()),
        Just("-3".to_string()),
        Just("'x'".to_string()),
        Just("'it''s'".to_string()),
        Just(r"'C:\d'".to_string()),
        Just("TRUE".to_string()),
        Just("false".to_string()),
        Just("NULL".to_string()),
        Just("x'0A'".to_string()),
    ]
}

fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![column(), literal()];
    leaf.prop_recursive(4, 24, 3, |inner| {
        let op = prop_oneof![
            Just("+"),
            Just("-"),
            Just("*"),
            Just("="),
            Just("=="),
            Just("!="),
            Just("<>"),
            Just("<"),
            Just(">="),
            Just("AND"),
            Just("or"),
            Just("||"),
        ];
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("{a} {o} {b}")),
            inner.clone().prop_map(|a| format!("( {a} )")),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.clone().prop_map(|a| format!("- {a}")),
            inner.clone().prop_map(|a| format!("NOT {a}")),
            inner.clone().prop_map(|a| format!("coalesce({a}, 0)")),
            inner.clone().prop_map(|a| format!("LOWER({a})")),
            (
                inner.clone(),
                prop_oneof![Just("TRUE"), Just("FALSE"), Just("NULL")],
                any::<bool>()
            )
                .prop_map(|(a, v, not)| format!("{a} IS {}{v}", if not { "NOT " } else { "" })),
            (inner.clone(), literal(), literal()).prop_map(|(a, x, y)| format!("{a} IN ({x},{y})")),
            (inner.clone(), literal(), literal())
                .prop_map(|(a, x, y)| format!("CASE WHEN {a} THEN {x} ELSE {y} END")),
        ]
    })
}

#[test]
fn normal_form_is_stable_and_means_the_same() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let driver = RefCell::new(rt.block_on(async {
        let mut d = SqliteDriver::connect("sqlite::memory:").await.expect("connect");
        for sql in [
            "CREATE TABLE t (a INTEGER, \"select\" INTEGER, \"we\"\"ird\" TEXT, \"naïve col\" REAL, mixed TEXT)",
            "INSERT INTO t VALUES (1, 0, 'x', 2.5, 'It''s'), (NULL, 3, NULL, -1, NULL), (0, NULL, 'C:\\d', NULL, 'x')",
        ] {
            d.execute(sql).await.expect("setup");
        }
        d
    }));
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&expression(), |e| {
        let n = normalize(&e);
        prop_assert_eq!(normalize(&n), n.clone(), "not stable: {}", e);
        let sql = format!("SELECT quote({e}), quote({n}) FROM t");
        let rows = rt.block_on(driver.borrow_mut().query(&sql));
        match rows {
            Ok(rows) => {
                for row in rows {
                    prop_assert_eq!(&row[0], &row[1], "{} and {} differ", e, n);
                }
            }
            // Both spellings must fail alike (e.g. a type error is no concern here).
            Err(err) => {
                let alone = rt.block_on(
                    driver
                        .borrow_mut()
                        .query(&format!("SELECT quote({e}) FROM t")),
                );
                prop_assert!(
                    alone.is_err(),
                    "only the normal form {} of {} fails: {}",
                    n,
                    e,
                    err
                );
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
