//! Reading a live schema from PostgreSQL's system catalogs.
//!
//! A fixed number of queries, whatever the number of tables: the default schema,
//! then tables, columns, constraints, indexes, sequences and enum types of every
//! schema in scope, each in one bulk query over `pg_catalog` (see the `Q_*`
//! constants). A driver that opened its own connection runs the columns and the
//! indexes queries on two more connections sharing its snapshot
//! ([`introspect_on`]). The rows are put
//! together in memory and passed through the same normal form as the models
//! ([`crate::normalize`]), so a schema created from `render(normalize(M))` reads
//! back as exactly `normalize(M)`.
//!
//! Tables of the connection's default schema (`current_schema()`) get `schema: None`,
//! others `Some(name)`. Partitions are skipped (their parent is read). Indexes that
//! back a primary key, unique or exclusion constraint are not reported as indexes.
//! Types retort has no logical variant for are reported as `Custom` with their
//! `format_type()` spelling, never as an error. A column's collation is read
//! where it is not its type's default (`pg_attribute.attcollation` against
//! `pg_type.typcollation`). A stored generated column is a
//! `Custom` type `<type> GENERATED ALWAYS AS (<expr>) STORED` with no default.
//! Index key parts carry their order (`DESC`, `NULLS FIRST|LAST`), operator class
//! and collation where these are not the defaults. Not read: `INCLUDE` columns,
//! exclusion constraints, `MATCH FULL`, `NOT VALID`; these compare equal to their
//! plain forms.

use std::collections::{BTreeMap, HashMap};

use retort_dialect::{DbError, Scope};
use retort_schema::{
    Column, ColumnType, EnumType, Identity, Index, IndexPart, NullsOrder, PrimaryKey,
    QualifiedName, Schema, Sequence, Spelling, Table,
};
use sqlx::{PgConnection, Row};

use crate::normalize::{self as norm};
use crate::types;

/// The schema unqualified names resolve to.
pub const Q_DEFAULT_SCHEMA: &str = "SELECT current_schema()::text";

/// Tables with their comments.
pub const Q_TABLES: &str = "\
SELECT c.oid::int8, n.nspname::text, c.relname::text, ds.description
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description ds
       ON ds.objoid = c.oid AND ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objsubid = 0
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1)
ORDER BY n.nspname, c.relname";

/// Columns: type, nullability, default, identity, owned sequence (serial), comment, enum
/// values, and the collation (schema, name) where it is not the type's default.
///
/// Cheap at thousands of tables: a default is deparsed without its table
/// (`pg_get_expr(adbin, 0)`: a default cannot name a column, and deparsing with
/// the table opens and locks each one); only a generated column's expression,
/// which names columns, is deparsed with its table. No `ORDER BY`: sorting the
/// wide rows spills to disk, so the rows are put in table and column order here.
pub const Q_COLUMNS: &str = "\
SELECT a.attrelid::int8, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, CASE WHEN a.attgenerated = '' THEN 0 ELSE d.adrelid END),
       a.attidentity::text, ds.description,
       t.typtype::text, tn.nspname::text, t.typname::text,
       CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                                            WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
            ELSE ARRAY[]::text[] END,
       CASE WHEN d.adbin IS NULL THEN false
            ELSE EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                         JOIN pg_catalog.pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
                         WHERE dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.refobjid = a.attrelid
                           AND dep.refobjsubid = a.attnum AND dep.classid = 'pg_catalog.pg_class'::regclass
                           AND dep.deptype = 'a') END,
       a.attgenerated::text, cn.nspname::text, col.collname::text, a.attnum
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_catalog.pg_description ds
       ON ds.objoid = a.attrelid AND ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objsubid = a.attnum
LEFT JOIN pg_catalog.pg_collation col ON col.oid = a.attcollation AND a.attcollation <> t.typcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = col.collnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1)
  AND a.attnum > 0 AND NOT a.attisdropped";

/// Primary keys, unique, foreign key and check constraints. Key columns come as
/// attribute numbers, named here from the columns query's rows (a subquery per
/// constraint costs more than the rest of the query); only a foreign key into a
/// schema out of scope gets its referenced columns' names from the server.
pub const Q_CONSTRAINTS: &str = "\
SELECT co.conrelid::int8, co.conname::text, co.contype::text, co.conkey,
       fn.nspname::text, fc.relname::text, co.confrelid::int8, co.confkey,
       CASE WHEN co.contype = 'f' AND NOT fn.nspname = ANY($1) THEN
         ARRAY(SELECT a.attname::text FROM unnest(co.confkey) WITH ORDINALITY AS k(num, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.num ORDER BY k.ord)
       END,
       co.confdeltype::text, co.confupdtype::text, co.condeferrable AND co.condeferred,
       CASE WHEN co.contype = 'c' THEN pg_get_constraintdef(co.oid, true) END
FROM pg_catalog.pg_constraint co
JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class fc ON fc.oid = co.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
WHERE co.contype IN ('p', 'u', 'f', 'c') AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname = ANY($1)
ORDER BY co.conrelid, co.conname";

/// Indexes not backing a constraint. Each key part is `c<column>` or `e<expression>`;
/// per part also: DESC, NULLS FIRST (`indoption` bits 0 and 1), the operator class
/// when it is not its type's default, the collation when it is not the column's
/// (or, for an expression, its type's).
pub const Q_INDEXES: &str = "\
SELECT i.indrelid::int8, ic.relname::text, i.indisunique, am.amname::text,
       ARRAY(SELECT CASE WHEN i.indkey[k.n - 1] <> 0 THEN 'c' || a.attname::text
                         ELSE 'e' || pg_get_indexdef(i.indexrelid, k.n, true) END
             FROM generate_series(1, i.indnkeyatts::int) AS k(n)
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n - 1]
             ORDER BY k.n),
       pg_get_expr(i.indpred, i.indrelid, true),
       ARRAY(SELECT (i.indoption[k.n - 1] & 1) <> 0 FROM generate_series(1, i.indnkeyatts::int) AS k(n) ORDER BY k.n),
       ARRAY(SELECT (i.indoption[k.n - 1] & 2) <> 0 FROM generate_series(1, i.indnkeyatts::int) AS k(n) ORDER BY k.n),
       ARRAY(SELECT CASE WHEN opc.opcdefault THEN NULL
                         WHEN opn.nspname = 'pg_catalog' THEN opc.opcname::text
                         ELSE opn.nspname::text || '.' || opc.opcname::text END
             FROM generate_series(1, i.indnkeyatts::int) AS k(n)
             LEFT JOIN pg_catalog.pg_opclass opc ON opc.oid = i.indclass[k.n - 1]
             LEFT JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace
             ORDER BY k.n),
       ARRAY(SELECT CASE WHEN i.indcollation[k.n - 1] = 0
                           OR i.indcollation[k.n - 1] = CASE WHEN i.indkey[k.n - 1] <> 0 THEN ta.attcollation
                                                             ELSE ty.typcollation END
                         THEN NULL ELSE co.collname::text END
             FROM generate_series(1, i.indnkeyatts::int) AS k(n)
             LEFT JOIN pg_catalog.pg_attribute ta ON ta.attrelid = i.indrelid AND ta.attnum = i.indkey[k.n - 1]
             LEFT JOIN pg_catalog.pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum = k.n
             LEFT JOIN pg_catalog.pg_type ty ON ty.oid = ia.atttypid
             LEFT JOIN pg_catalog.pg_collation co ON co.oid = i.indcollation[k.n - 1]
             ORDER BY k.n)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co
                  WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x'))
ORDER BY i.indrelid, ic.relname";

/// Free-standing sequences: not owned by a column (`OWNED BY`, serial: deptype
/// `a`; identity: `i`), which belong to their column.
pub const Q_SEQUENCES: &str = "\
SELECT n.nspname::text, c.relname::text, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
       s.seqmin, s.seqmax, s.seqcache, s.seqcycle
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                  WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
                    AND dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.deptype IN ('a', 'i'))
ORDER BY 1, 2";

/// Enum types with their values in order.
pub const Q_ENUMS: &str = "\
SELECT n.nspname::text, t.typname::text,
       ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND n.nspname = ANY($1)
ORDER BY 1, 2";

fn catalog_error(what: &str, sql: &str, e: sqlx::Error) -> DbError {
    DbError::query(
        format!("reading {what} from the PostgreSQL catalog failed: {e}"),
        sql,
    )
}

/// The session's `jit` setting (`NULL` where the server has none).
const Q_JIT: &str = "SELECT current_setting('jit', true)";
/// Whether the session is inside a transaction block: only on the first command
/// of a transaction are the statement's and the transaction's start times equal.
/// Sent as a simple query (one message): with the extended protocol, the Bind
/// that starts the implicit transaction and the Execute are two commands.
const Q_IN_TRANSACTION: &str = "SELECT (statement_timestamp() <> transaction_timestamp())::text";

/// Whether `conn` is inside a transaction block (true when that cannot be told):
/// [`introspect_on`] then reads on `conn` alone.
pub async fn in_transaction(conn: &mut PgConnection) -> bool {
    if sqlx::Connection::is_in_transaction(&*conn) {
        return true;
    }
    match sqlx::raw_sql(Q_IN_TRANSACTION).fetch_one(&mut *conn).await {
        Ok(row) => row.try_get::<&str, _>(0).map_or(true, |v| v != "false"),
        Err(_) => true,
    }
}
/// Set `jit` for the session (`set_config(.., false)`), returning the new value.
const Q_SET_JIT: &str = "SELECT set_config('jit', $1, false)";

/// Read every table, column, constraint, index and enum type in scope.
///
/// With JIT compilation off for the time of the catalog queries: at thousands of
/// tables their estimated cost passes `jit_above_cost`, and compiling them takes
/// longer than running them. The session's setting is put back afterwards.
pub async fn introspect(conn: &mut PgConnection, scope: &Scope) -> Result<Schema, DbError> {
    introspect_on(conn, None, scope).await
}

/// [`introspect`], reading the catalog on three connections at once when `url`
/// (the one `conn` was opened with) is given and `conn` is in no transaction (a
/// transaction's own uncommitted work is visible to it alone):
/// `conn` opens a read-only repeatable-read transaction and exports its snapshot,
/// two more connections to `url` import it (so all three see one state of the
/// catalog) and copy the settings `conn`'s session changed (`search_path` and
/// the like, which shape how types and expressions are spelled), then the
/// columns and the indexes queries run beside the others. When any of that
/// cannot be done, the queries run one after another on `conn`, as without `url`.
pub async fn introspect_on(
    conn: &mut PgConnection,
    url: Option<&str>,
    scope: &Scope,
) -> Result<Schema, DbError> {
    let jit: Option<String> = sqlx::query_scalar(Q_JIT)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| catalog_error("the jit setting", Q_JIT, e))?;
    let jit = jit.filter(|v| v != "off");
    if jit.is_some() {
        set_jit(conn, "off").await?;
    }
    let alone = url.is_none() || in_transaction(conn).await;
    let result = match url {
        Some(url) if !alone => read_in_parallel(conn, url, scope).await,
        _ => read(conn, scope, None).await,
    };
    if let Some(v) = jit {
        // Best effort after a failed read: the transaction may be aborted.
        let restored = set_jit(conn, &v).await;
        if result.is_ok() {
            restored?;
        }
    }
    result
}

async fn set_jit(conn: &mut PgConnection, value: &str) -> Result<(), DbError> {
    sqlx::query_scalar::<_, Option<String>>(Q_SET_JIT)
        .bind(value)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| catalog_error("the jit setting", Q_SET_JIT, e))?;
    Ok(())
}

/// The statements that start a helper's transaction on the snapshot of `conn`'s.
const Q_BEGIN_SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
const Q_EXPORT_SNAPSHOT: &str = "SELECT pg_export_snapshot()";
/// Settings `conn`'s session changed, to be copied to the helpers.
const Q_SESSION_SETTINGS: &str = "SELECT name, setting FROM pg_catalog.pg_settings WHERE source = 'session' AND name NOT LIKE 'transaction%'";
const Q_SET_LOCAL: &str = "SELECT set_config($1, $2, true)";

/// [`read`] with the columns and indexes queries on helper connections.
async fn read_in_parallel(
    conn: &mut PgConnection,
    url: &str,
    scope: &Scope,
) -> Result<Schema, DbError> {
    use sqlx::Connection;
    let helpers = tokio::join!(PgConnection::connect(url), PgConnection::connect(url));
    let (Ok(h1), Ok(h2)) = helpers else {
        return read(conn, scope, None).await;
    };
    let mut helpers = [h1, h2];
    let mut began = sqlx::raw_sql(Q_BEGIN_SNAPSHOT)
        .execute(&mut *conn)
        .await
        .is_ok();
    let shared = began && share_snapshot(conn, &mut helpers).await.is_ok();
    if began && !shared {
        // Leave no aborted transaction behind: read on `conn` alone, as usual.
        began = false;
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
    }
    let result = read(conn, scope, shared.then_some(&mut helpers)).await;
    if began {
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = sqlx::raw_sql(end).execute(&mut *conn).await;
        if result.is_ok() {
            ended.map_err(|e| catalog_error("the end of the catalog transaction", end, e))?;
        }
    }
    for h in helpers {
        let _ = h.close().await;
    }
    result
}

/// Start each helper's transaction on `conn`'s snapshot, with `conn`'s session
/// settings.
async fn share_snapshot(
    conn: &mut PgConnection,
    helpers: &mut [PgConnection; 2],
) -> Result<(), sqlx::Error> {
    let snapshot: String = sqlx::query_scalar(Q_EXPORT_SNAPSHOT)
        .fetch_one(&mut *conn)
        .await?;
    let settings: Vec<(String, String)> = sqlx::query_as(Q_SESSION_SETTINGS)
        .fetch_all(&mut *conn)
        .await?;
    for h in helpers.iter_mut() {
        sqlx::raw_sql(Q_BEGIN_SNAPSHOT).execute(&mut *h).await?;
        let import = format!(
            "SET TRANSACTION SNAPSHOT '{}'",
            snapshot.replace('\'', "''")
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(import))
            .execute(&mut *h)
            .await?;
        for (name, value) in &settings {
            sqlx::query(Q_SET_LOCAL)
                .bind(name)
                .bind(value)
                .execute(&mut *h)
                .await?;
        }
    }
    Ok(())
}

/// The catalog rows of every query.
struct CatalogRows {
    tables: Vec<sqlx::postgres::PgRow>,
    enums: Vec<sqlx::postgres::PgRow>,
    columns: Vec<sqlx::postgres::PgRow>,
    constraints: Vec<sqlx::postgres::PgRow>,
    indexes: Vec<sqlx::postgres::PgRow>,
    sequences: Vec<sqlx::postgres::PgRow>,
}

async fn fetch_rows(
    conn: &mut PgConnection,
    helpers: Option<&mut [PgConnection; 2]>,
    schemas: &[String],
) -> Result<CatalogRows, DbError> {
    let Some([h1, h2]) = helpers else {
        return Ok(CatalogRows {
            tables: fetch(conn, Q_TABLES, schemas, "tables").await?,
            enums: fetch(conn, Q_ENUMS, schemas, "enum types").await?,
            columns: fetch(conn, Q_COLUMNS, schemas, "columns").await?,
            constraints: fetch(conn, Q_CONSTRAINTS, schemas, "constraints").await?,
            indexes: fetch(conn, Q_INDEXES, schemas, "indexes").await?,
            sequences: fetch(conn, Q_SEQUENCES, schemas, "sequences").await?,
        });
    };
    let rest = async {
        Ok::<_, DbError>((
            fetch(conn, Q_TABLES, schemas, "tables").await?,
            fetch(conn, Q_ENUMS, schemas, "enum types").await?,
            fetch(conn, Q_CONSTRAINTS, schemas, "constraints").await?,
            fetch(conn, Q_SEQUENCES, schemas, "sequences").await?,
        ))
    };
    let (columns, indexes, rest) = tokio::join!(
        fetch(h1, Q_COLUMNS, schemas, "columns"),
        fetch(h2, Q_INDEXES, schemas, "indexes"),
        rest
    );
    let (tables, enums, constraints, sequences) = rest?;
    Ok(CatalogRows {
        tables,
        enums,
        columns: columns?,
        constraints,
        indexes: indexes?,
        sequences,
    })
}

async fn read(
    conn: &mut PgConnection,
    scope: &Scope,
    helpers: Option<&mut [PgConnection; 2]>,
) -> Result<Schema, DbError> {
    let default_schema: Option<String> = sqlx::query_scalar(Q_DEFAULT_SCHEMA)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| catalog_error("the default schema", Q_DEFAULT_SCHEMA, e))?;
    let default_schema = default_schema.ok_or_else(|| {
        DbError::query(
            "the connection has no default schema (search_path names no existing schema): set search_path or create the schema",
            Q_DEFAULT_SCHEMA,
        )
    })?;
    let mut schemas = vec![default_schema.clone()];
    for s in &scope.schemas {
        if !schemas.contains(s) {
            schemas.push(s.clone());
        }
    }
    let schema_of = |s: String| if s == default_schema { None } else { Some(s) };
    let fetched = fetch_rows(conn, helpers, &schemas).await?;

    let mut tables: BTreeMap<i64, Table> = BTreeMap::new();
    let rows = fetched.tables;
    for r in rows {
        let name: String = get(&r, 2, Q_TABLES)?;
        if scope.is_excluded(&name) {
            continue;
        }
        let table = Table {
            schema: schema_of(get(&r, 1, Q_TABLES)?),
            name,
            comment: norm::normalize_comment(get::<Option<String>>(&r, 3, Q_TABLES)?.as_deref()),
            ..Table::default()
        };
        tables.insert(get(&r, 0, Q_TABLES)?, table);
    }

    let mut enums: BTreeMap<QualifiedName, EnumType> = BTreeMap::new();
    for r in fetched.enums {
        let e = EnumType {
            schema: schema_of(get(&r, 0, Q_ENUMS)?),
            name: get(&r, 1, Q_ENUMS)?,
            values: get(&r, 2, Q_ENUMS)?,
        };
        enums.insert(e.qualified_name(), e);
    }

    let mut rows = Vec::new();
    for r in fetched.columns {
        let relid: i64 = get(&r, 0, Q_COLUMNS)?;
        let attnum: i16 = get(&r, 15, Q_COLUMNS)?;
        rows.push((relid, attnum, r));
    }
    rows.sort_unstable_by_key(|(relid, attnum, _)| (*relid, *attnum));
    // (table oid, attribute number) → column name, for the constraints' keys
    let mut attnames: HashMap<(i64, i16), String> = HashMap::with_capacity(rows.len());
    let mut types_seen: HashMap<String, ColumnType> = HashMap::new();
    for (relid, attnum, r) in rows {
        let name: String = get(&r, 1, Q_COLUMNS)?;
        attnames.insert((relid, attnum), name.clone());
        let Some(table) = tables.get_mut(&relid) else {
            continue;
        };
        let format: &str = get(&r, 2, Q_COLUMNS)?;
        let not_null: bool = get(&r, 3, Q_COLUMNS)?;
        let default: Option<String> = get(&r, 4, Q_COLUMNS)?;
        let identity: &str = get(&r, 5, Q_COLUMNS)?;
        let comment: Option<String> = get(&r, 6, Q_COLUMNS)?;
        let typtype: &str = get(&r, 7, Q_COLUMNS)?;
        let owns_sequence: bool = get(&r, 11, Q_COLUMNS)?;
        let generated: &str = get(&r, 12, Q_COLUMNS)?;
        let collation_schema: Option<String> = get(&r, 13, Q_COLUMNS)?;
        let collation_name: Option<String> = get(&r, 14, Q_COLUMNS)?;
        let collation = collation_schema
            .zip(collation_name)
            .and_then(|(s, n)| norm::catalog_collation(&s, &n, &default_schema));
        let ty = if typtype == "e" {
            let e = EnumType {
                schema: schema_of(get(&r, 8, Q_COLUMNS)?),
                name: get(&r, 9, Q_COLUMNS)?,
                values: get(&r, 10, Q_COLUMNS)?,
            };
            let ty = ColumnType::Enum {
                name: e.name.clone(),
                schema: e.schema.clone(),
                values: e.values.clone(),
            };
            enums.entry(e.qualified_name()).or_insert(e);
            ty
        } else if generated == "s" {
            // a stored generated column: the expression belongs to the column's type
            let expr = default.clone().unwrap_or_default();
            types::from_sql(&format!("{format} GENERATED ALWAYS AS ({expr}) STORED")).ty
        } else if let Some(ty) = types_seen.get(format) {
            // a few distinct spellings among thousands of columns
            ty.clone()
        } else {
            let ty = types::from_sql(format).ty;
            types_seen.insert(format.to_string(), ty.clone());
            ty
        };
        let default = if generated.is_empty() { default } else { None };
        let serial = owns_sequence
            && default
                .as_deref()
                .is_some_and(|d| d.starts_with("nextval("));
        let auto_increment = !identity.is_empty() || serial;
        let identity_style = match identity {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ if serial => Some(Identity::Serial),
            _ => None,
        };
        let raw_default = default.as_deref().map(str::trim).filter(|d| !d.is_empty());
        let default = if auto_increment {
            None
        } else {
            norm::normalize_default(raw_default)
        };
        // the catalog's spelling, where the normal form reads differently
        // (`'0'::bigint`, `NULL::character varying`), so a rebuild writes it again
        let spelling = Spelling {
            ty: None,
            default: raw_default
                .filter(|r| !auto_increment && default.as_deref() != Some(*r))
                .map(str::to_string),
        };
        table.columns.push(Column {
            name,
            ty,
            nullable: !not_null,
            default,
            auto_increment,
            identity: identity_style,
            comment: norm::normalize_comment(comment.as_deref()),
            collation,
            spelling,
            renamed_from: None,
            backfill: None,
        });
    }

    let names_of = |relid: i64, nums: Option<Vec<i16>>| -> Result<Vec<String>, DbError> {
        nums.unwrap_or_default()
            .into_iter()
            .map(|n| {
                attnames.get(&(relid, n)).cloned().ok_or_else(|| {
                    DbError::query(
                        format!("a constraint names attribute {n} of table {relid}, which the columns query did not return"),
                        Q_CONSTRAINTS,
                    )
                })
            })
            .collect()
    };
    for r in fetched.constraints {
        let relid: i64 = get(&r, 0, Q_CONSTRAINTS)?;
        let Some(table) = tables.get_mut(&relid) else {
            continue;
        };
        let name: String = get(&r, 1, Q_CONSTRAINTS)?;
        let kind: String = get(&r, 2, Q_CONSTRAINTS)?;
        let columns = || names_of(relid, get(&r, 3, Q_CONSTRAINTS)?);
        match kind.as_str() {
            "p" => {
                table.primary_key = Some(PrimaryKey {
                    columns: columns()?,
                    name: Some(name),
                })
            }
            "u" => table.uniques.push(norm::unique(name, columns()?)),
            "f" => {
                let ref_schema: Option<String> = get(&r, 4, Q_CONSTRAINTS)?;
                let ref_name: Option<String> = get(&r, 5, Q_CONSTRAINTS)?;
                let ref_table = QualifiedName {
                    schema: ref_schema.and_then(schema_of),
                    name: ref_name.unwrap_or_default(),
                };
                let ref_columns = match get::<Option<Vec<String>>>(&r, 8, Q_CONSTRAINTS)? {
                    Some(named) => named,
                    None => names_of(get(&r, 6, Q_CONSTRAINTS)?, get(&r, 7, Q_CONSTRAINTS)?)?,
                };
                let on_delete: String = get(&r, 9, Q_CONSTRAINTS)?;
                let on_update: String = get(&r, 10, Q_CONSTRAINTS)?;
                table.foreign_keys.push(norm::foreign_key(
                    name,
                    columns()?,
                    ref_table,
                    ref_columns,
                    &on_delete,
                    &on_update,
                    get(&r, 11, Q_CONSTRAINTS)?,
                ));
            }
            _ => {
                let def: Option<String> = get(&r, 12, Q_CONSTRAINTS)?;
                table.checks.push(norm::check_from_def(
                    name,
                    def.as_deref().unwrap_or_default(),
                ));
            }
        }
    }

    for r in fetched.indexes {
        let Some(table) = tables.get_mut(&get::<i64>(&r, 0, Q_INDEXES)?) else {
            continue;
        };
        let raw_parts: Vec<String> = get(&r, 4, Q_INDEXES)?;
        let descs: Vec<bool> = get(&r, 6, Q_INDEXES)?;
        let nulls_first: Vec<bool> = get(&r, 7, Q_INDEXES)?;
        let opclasses: Vec<Option<String>> = get(&r, 8, Q_INDEXES)?;
        let collations: Vec<Option<String>> = get(&r, 9, Q_INDEXES)?;
        let parts = raw_parts
            .into_iter()
            .enumerate()
            .map(|(k, p)| {
                let mut part = match p.strip_prefix('c') {
                    Some(col) => IndexPart::column(col),
                    None => IndexPart::expression(p.get(1..).unwrap_or_default()),
                };
                part.desc = descs.get(k).copied().unwrap_or(false);
                let first = nulls_first.get(k).copied().unwrap_or(part.desc);
                part.nulls = Some(if first {
                    NullsOrder::First
                } else {
                    NullsOrder::Last
                });
                part.opclass = opclasses.get(k).cloned().flatten();
                part.collation = collations.get(k).cloned().flatten();
                part
            })
            .collect();
        table.indexes.push(Index {
            name: get(&r, 1, Q_INDEXES)?,
            named: false,
            parts,
            unique: get(&r, 2, Q_INDEXES)?,
            predicate: get(&r, 5, Q_INDEXES)?,
            method: Some(get(&r, 3, Q_INDEXES)?),
        });
    }

    let mut sequences = Vec::new();
    for r in fetched.sequences {
        let name: String = get(&r, 1, Q_SEQUENCES)?;
        if scope.is_excluded(&name) {
            continue;
        }
        sequences.push(Sequence {
            schema: schema_of(get(&r, 0, Q_SEQUENCES)?),
            name,
            data_type: get(&r, 2, Q_SEQUENCES)?,
            start: get(&r, 3, Q_SEQUENCES)?,
            increment: get(&r, 4, Q_SEQUENCES)?,
            min_value: get(&r, 5, Q_SEQUENCES)?,
            max_value: get(&r, 6, Q_SEQUENCES)?,
            cache: get(&r, 7, Q_SEQUENCES)?,
            cycle: get(&r, 8, Q_SEQUENCES)?,
        });
    }
    sequences.sort_by_key(Sequence::qualified_name);

    let mut out: Vec<Table> = tables.into_values().collect();
    for t in &mut out {
        norm::normalize_table_parts(t);
    }
    out.sort_by_key(|t| t.qualified_name());
    Ok(Schema {
        tables: out,
        enums: enums.into_values().collect(),
        sequences,
    })
}

async fn fetch(
    conn: &mut PgConnection,
    sql: &'static str,
    schemas: &[String],
    what: &str,
) -> Result<Vec<sqlx::postgres::PgRow>, DbError> {
    sqlx::query(sql)
        .bind(schemas)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| catalog_error(what, sql, e))
}

fn get<'r, T>(row: &'r sqlx::postgres::PgRow, i: usize, sql: &str) -> Result<T, DbError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    // Every column of the catalog queries is cast to the type read here, so the
    // per-value type check `try_get` adds is skipped; decoding still fails on a
    // value of the wrong size or encoding.
    row.try_get_unchecked(i)
        .map_err(|e| DbError::query(format!("unexpected catalog value in column {i}: {e}"), sql))
}
