//! The migration lock: a session-level advisory lock on `hashtext(key)`.
//!
//! [`acquire`] polls `pg_try_advisory_lock` until it succeeds or the timeout
//! passes; on timeout the error names the session holding the lock (pid,
//! application name, client address), read from `pg_locks` and `pg_stat_activity`.

use std::time::{Duration, Instant};

use retort_dialect::{DbError, DbErrorKind};
use sqlx::{PgConnection, Row};

const Q_TRY_LOCK: &str = "SELECT pg_try_advisory_lock(hashtext($1))";
const Q_UNLOCK: &str = "SELECT pg_advisory_unlock(hashtext($1))";
/// An advisory lock on one bigint is stored as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
const Q_HOLDER: &str = "\
SELECT a.pid::int8, coalesce(a.application_name, '')::text, coalesce(a.client_addr::text, 'local socket')
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.objid::int8 = (hashtext($1)::int8 & 4294967295)
  AND l.classid::int8 = ((hashtext($1)::int8 >> 32) & 4294967295)
  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
LIMIT 1";

/// How long to wait between two attempts.
const POLL: Duration = Duration::from_millis(100);

/// Take the lock named `key`, waiting at most `timeout`.
pub async fn acquire(conn: &mut PgConnection, key: &str, timeout: Duration) -> Result<(), DbError> {
    let start = Instant::now();
    loop {
        let got: bool = sqlx::query_scalar(Q_TRY_LOCK)
            .bind(key)
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| {
                DbError::query(
                    format!("taking the migration lock \"{key}\" failed: {e}"),
                    Q_TRY_LOCK,
                )
            })?;
        if got {
            return Ok(());
        }
        if start.elapsed() >= timeout {
            let holder = sqlx::query(Q_HOLDER)
                .bind(key)
                .fetch_optional(&mut *conn)
                .await
                .ok()
                .flatten();
            let who = match holder {
                Some(r) => {
                    let pid: i64 = r.try_get(0).unwrap_or_default();
                    let app: String = r.try_get(1).unwrap_or_default();
                    let addr: String = r.try_get(2).unwrap_or_default();
                    let app = if app.is_empty() {
                        String::new()
                    } else {
                        format!(", application \"{app}\"")
                    };
                    format!("it is held by backend pid {pid}{app}, client {addr}")
                }
                None => "its holder could not be read (it may just have released it)".to_string(),
            };
            return Err(DbError {
                kind: DbErrorKind::LockTimeout,
                message: format!(
                    "could not take the migration lock \"{key}\" within {:.1}s: {who}",
                    timeout.as_secs_f64()
                ),
                sql: None,
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Release the lock named `key`.
pub async fn release(conn: &mut PgConnection, key: &str) -> Result<(), DbError> {
    sqlx::query_scalar::<_, bool>(Q_UNLOCK)
        .bind(key)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| {
            DbError::query(
                format!("releasing the migration lock \"{key}\" failed: {e}"),
                Q_UNLOCK,
            )
        })?;
    Ok(())
}
