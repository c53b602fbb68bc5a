//! Boundary tests: the `retort` binary against real databases.
//!
//! One test binary (faster to link); each module is a feature. Tests that run on
//! every dialect are generated per dialect by `dialect_tests!`.

mod harness;

/// Generate `<name>_sqlite`, `<name>_postgres` and `<name>_mysql` from one body
/// `fn(DialectKind)`.
macro_rules! dialect_tests {
    ($($name:ident => $body:ident;)*) => {
        $(
            mod $name {
                #[test]
                fn sqlite() { super::$body(retort_dialect::DialectKind::Sqlite) }
                #[test]
                fn postgres() { super::$body(retort_dialect::DialectKind::Postgres) }
                #[test]
                fn mysql() { super::$body(retort_dialect::DialectKind::Mysql) }
            }
        )*
    };
}

mod adopt;
mod apply;
mod bad_input;
mod erd;
mod lint;
mod lost_connection;
mod model_indexes;
mod mysql_options;
mod property;
mod scan_cache;
mod scratch;
mod sql_models;
mod verify;
mod walkthrough;
