//! Time one introspection: `cargo run -p retort-mysql --example introspect_time -- mysql://root@127.0.0.1/db`.

use std::time::Instant;

use retort_dialect::{Driver, Scope};
use retort_mysql::MysqlDriver;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "mysql://root@127.0.0.1:3306/test".into());
    let mut driver = match MysqlDriver::connect(&url).await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let scope = Scope {
        version_table: "retort_version".into(),
        ..Default::default()
    };
    let start = Instant::now();
    match driver.introspect(&scope).await {
        Ok(schema) => {
            let columns: usize = schema.tables.iter().map(|t| t.columns.len()).sum();
            println!(
                "{} tables, {columns} columns in {:?}",
                schema.tables.len(),
                start.elapsed()
            );
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
