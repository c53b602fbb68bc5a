//! The migration lock: a named server lock (`GET_LOCK`), held by the connection.
//!
//! `GET_LOCK` waits up to a whole number of seconds; on timeout the error names
//! the connection that holds the lock (`IS_USED_LOCK`) and its user and host
//! from the process list. The lock is the server's, not the database's, so its
//! name carries the database too (`retort:<database>.<key>`): runs against two
//! databases of one server do not wait for each other. Lock names are limited to
//! 64 characters: longer names are cut and end in a hash, so the same database and
//! key always name the same lock.

use std::time::Duration;

use retort_dialect::{DbError, DbErrorKind};
use sqlx::mysql::MySqlConnection;

use crate::introspect::text_rows;
use crate::types::quote_string;

/// The server-side lock name for a key in a database.
pub fn lock_name(database: &str, key: &str) -> String {
    let name = format!("retort:{database}.{key}");
    if name.chars().count() <= 64 {
        return name;
    }
    let hash = retort_schema::naming::fnv1a(name.as_bytes());
    let head: String = name.chars().take(55).collect();
    format!("{head}_{hash:08x}")
}

/// Take the lock, waiting at most `timeout` (rounded up to whole seconds).
pub async fn acquire(
    conn: &mut MySqlConnection,
    database: &str,
    key: &str,
    timeout: Duration,
) -> Result<(), DbError> {
    let name = quote_string(&lock_name(database, key));
    let secs = timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0);
    let sql = format!("SELECT GET_LOCK({name}, {secs})");
    let rows = text_rows(conn, &sql).await?;
    match rows
        .first()
        .and_then(|r| r.first())
        .cloned()
        .flatten()
        .as_deref()
    {
        Some("1") => Ok(()),
        Some("0") => {
            let holder = holder(conn, &name)
                .await
                .unwrap_or_else(|_| "another connection".to_string());
            Err(DbError {
                kind: DbErrorKind::LockTimeout,
                message: format!(
                    "the migration lock `{}` is held by {holder}; gave up after {secs}s (another upgrade may be running)",
                    lock_name(database, key)
                ),
                sql: Some(sql),
            })
        }
        other => Err(DbError::query(
            format!("GET_LOCK failed (returned {other:?})"),
            sql,
        )),
    }
}

async fn holder(conn: &mut MySqlConnection, quoted_name: &str) -> Result<String, DbError> {
    let sql = format!(
        "SELECT CAST(IS_USED_LOCK({quoted_name}) AS CHAR), CAST(p.USER AS CHAR), CAST(p.HOST AS CHAR) \
         FROM (SELECT 1) x LEFT JOIN information_schema.PROCESSLIST p ON p.ID = IS_USED_LOCK({quoted_name})"
    );
    let rows = text_rows(conn, &sql).await?;
    let r = rows.into_iter().next().unwrap_or_default();
    let get = |i: usize| r.get(i).cloned().flatten();
    Ok(match (get(0), get(1), get(2)) {
        (Some(id), Some(user), Some(host)) => format!("connection {id} ({user}@{host})"),
        (Some(id), _, _) => format!("connection {id}"),
        _ => "another connection (it has just released it)".to_string(),
    })
}

/// Release the lock.
pub async fn release(conn: &mut MySqlConnection, database: &str, key: &str) -> Result<(), DbError> {
    let sql = format!(
        "SELECT RELEASE_LOCK({})",
        quote_string(&lock_name(database, key))
    );
    text_rows(conn, &sql).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::lock_name;

    #[test]
    fn names_carry_the_database_and_fit_the_limit() {
        assert_eq!(
            lock_name("app", "retort_version"),
            "retort:app.retort_version"
        );
        assert_ne!(lock_name("app", "v"), lock_name("app_test", "v"));
        let long = "d".repeat(70);
        let (a, b) = (lock_name(&long, "v1"), lock_name(&long, "v2"));
        assert_eq!(a.chars().count(), 64);
        assert_ne!(a, b);
        assert_eq!(a, lock_name(&long, "v1"));
    }
}
