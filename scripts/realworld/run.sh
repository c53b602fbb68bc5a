#!/usr/bin/env bash
# Real-world schema round trip: a schema that ships inside a Debian package, declared as
# retort's target (`[models] sql`), built by retort on an empty database, compared with the
# same DDL loaded directly.
#
#   scripts/realworld/run.sh DIALECT SCHEMA      DIALECT: pg | mysql   SCHEMA: zabbix | roundcube | icinga | pdns
#   scripts/realworld/run.sh pg all              every schema of one dialect
#
# Steps (each reported PASS/FAIL, then one overall verdict):
#   1. fetch: `apt-get download` the package, `dpkg-deb -x` it (no install), keep the DDL only
#   2. load the DDL into an empty database A with the database's own client
#   3. a retort project whose models are `sql = ["schema.sql"]`, pointed at an empty database B:
#      `retort revision --autogenerate -m init`, `retort upgrade head`
#   4. `pg_dump --schema-only` / `mysqldump --no-data` of A and B match modulo ordering
#      (compare_dumps.py says which statements differ)
#   5. `retort check` is clean (exit 0) and `retort verify` passes (when the binary has it)
# Exit 0: every step passed; 1: some step failed; 2: a prerequisite is missing.
# Work files (packages, schema, project, dumps, logs) go under $RW_WORK (default
# /tmp/retort-realworld); the schemas never enter the repository. The databases
# rw_<schema>_a / rw_<schema>_b are dropped at the end unless RW_KEEP=1.
# RETORT: the binary (default: target/debug/retort, built with `cargo build -p retort-cli`).
# PostgreSQL: RW_PG (default postgres://postgres@127.0.0.1:5432); MySQL/MariaDB: RW_MYSQL_HOST,
# RW_MYSQL_PORT, RW_MYSQL_USER (127.0.0.1, 3306, root; no password).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RW_WORK="${RW_WORK:-/tmp/retort-realworld}"
RW_PG="${RW_PG:-postgres://postgres@127.0.0.1:5432}"
MY_HOST="${RW_MYSQL_HOST:-127.0.0.1}" MY_PORT="${RW_MYSQL_PORT:-3306}" MY_USER="${RW_MYSQL_USER:-root}"

die() { echo "realworld: $*" >&2; exit 2; }
[ $# -eq 2 ] || die "usage: run.sh pg|mysql zabbix|roundcube|icinga|pdns|all"
DIALECT="$1" SCHEMA="$2"
case "$DIALECT" in pg|mysql) ;; *) die "dialect must be pg or mysql, got '$DIALECT'" ;; esac
if [ "$SCHEMA" = all ]; then
  rc=0
  for s in zabbix roundcube icinga pdns; do "${BASH_SOURCE[0]}" "$DIALECT" "$s" || rc=1; echo; done
  exit $rc
fi

# package and the file in it that holds the schema
case "$DIALECT/$SCHEMA" in
  pg/zabbix) PKG=zabbix-server-pgsql FILE=usr/share/zabbix-server-pgsql/schema.sql.gz ;;
  mysql/zabbix) PKG=zabbix-server-mysql FILE=usr/share/zabbix-server-mysql/schema.sql.gz ;;
  pg/roundcube) PKG=roundcube-core FILE=usr/share/roundcube/SQL/postgres.initial.sql ;;
  mysql/roundcube) PKG=roundcube-core FILE=usr/share/roundcube/SQL/mysql.initial.sql ;;
  pg/icinga) PKG=icinga2-ido-pgsql FILE=usr/share/icinga2-ido-pgsql/schema/pgsql.sql ;;
  mysql/icinga) PKG=icinga2-ido-mysql FILE=usr/share/icinga2-ido-mysql/schema/mysql.sql ;;
  pg/pdns) PKG=pdns-backend-pgsql FILE=usr/share/pdns-backend-pgsql/schema/schema.pgsql.sql ;;
  mysql/pdns) PKG=pdns-backend-mysql FILE=usr/share/pdns-backend-mysql/schema/schema.mysql.sql ;;
  *) die "unknown schema '$SCHEMA' (zabbix, roundcube, icinga, pdns, all)" ;;
esac

if [ -z "${RETORT:-}" ]; then
  (cd "$ROOT" && cargo build -q -p retort-cli) || die "cargo build -p retort-cli failed"
  RETORT="$ROOT/target/debug/retort"
fi
case "$RETORT" in /*) ;; *) RETORT="$PWD/$RETORT" ;; esac
[ -x "$RETORT" ] || die "no retort binary at $RETORT"

W="$RW_WORK/$DIALECT-$SCHEMA"
rm -rf "$W/proj" "$W/logs" "$W/dump"; mkdir -p "$W/deb" "$W/proj/migrations" "$W/logs" "$W/dump"
DB_A="rw_${SCHEMA}_a" DB_B="rw_${SCHEMA}_b"
declare -a STEPS=()
FAILED=0
step() { # step NAME STATUS DETAIL
  STEPS+=("$(printf '%-34s %s%s' "$1" "$2" "${3:+  ($3)}")")
  [ "$2" = FAIL ] && FAILED=1
  echo "== $1: $2${3:+ ($3)}"
}
tsec() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(tsec)" 'BEGIN{printf "%.2fs", b-a}'; }

# ---- database helpers
pg_admin() { psql "$RW_PG/postgres" -v ON_ERROR_STOP=1 -qAt -c "$1"; }
my() { mysql -h "$MY_HOST" -P "$MY_PORT" -u "$MY_USER" "$@"; }
fresh_db() {
  if [ "$DIALECT" = pg ]; then
    pg_admin "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" && pg_admin "CREATE DATABASE \"$1\""
  else
    my -e "DROP DATABASE IF EXISTS \`$1\`; CREATE DATABASE \`$1\`"
  fi
}
drop_db() {
  if [ "$DIALECT" = pg ]; then pg_admin "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"
  else my -e "DROP DATABASE IF EXISTS \`$1\`"; fi
}
db_url() { if [ "$DIALECT" = pg ]; then echo "$RW_PG/$1"; else echo "mysql://$MY_USER@$MY_HOST:$MY_PORT/$1"; fi; }
dump() { # dump DB OUT  (the version table is retort's bookkeeping, not part of the schema)
  if [ "$DIALECT" = pg ]; then
    pg_dump "$RW_PG/$1" --schema-only --no-owner --no-privileges --exclude-table=retort_version -f "$2"
  else
    mysqldump -h "$MY_HOST" -P "$MY_PORT" -u "$MY_USER" --no-data --compact --skip-comments \
      --single-transaction --ignore-table="$1.retort_version" "$1" > "$2"
  fi
}
cleanup() { [ "${RW_KEEP:-0}" = 1 ] || { drop_db "$DB_A"; drop_db "$DB_B"; } >/dev/null 2>&1; }
trap cleanup EXIT

echo "realworld: $DIALECT / $SCHEMA: package $PKG, $FILE; retort $RETORT; work dir $W"

# ---- 1. fetch
t=$(tsec)
deb=$(ls "$W"/deb/"${PKG}"_*.deb 2>/dev/null | head -1)
if [ -z "$deb" ]; then
  (cd "$W/deb" && apt-get download "$PKG" >"$W/logs/fetch.log" 2>&1) || {
    echo "realworld: apt-get download $PKG failed (run 'apt-get update' first?):"; tail -5 "$W/logs/fetch.log"; exit 2; }
  deb=$(ls "$W"/deb/"${PKG}"_*.deb | head -1)
fi
rm -rf "$W/x" && dpkg-deb -x "$deb" "$W/x" || die "dpkg-deb -x $deb failed"
[ -f "$W/x/$FILE" ] || die "$deb has no $FILE"
python3 "$HERE/ddl_only.py" "$W/x/$FILE" > "$W/proj/schema.sql" 2>"$W/logs/ddl_only.log" || die "ddl_only.py failed: $(cat "$W/logs/ddl_only.log")"
ntab=$(grep -ciE '^\s*CREATE TABLE' "$W/proj/schema.sql")
step "fetch $(basename "$deb")" PASS "$ntab tables, $(cat "$W/logs/ddl_only.log" | sed 's/.*: kept/kept/'), $(since "$t")"

# ---- 2. load into A
t=$(tsec)
fresh_db "$DB_A" >/dev/null && fresh_db "$DB_B" >/dev/null || die "cannot create $DB_A / $DB_B"
if [ "$DIALECT" = pg ]; then
  psql "$RW_PG/$DB_A" -v ON_ERROR_STOP=1 -q -1 -f "$W/proj/schema.sql" >"$W/logs/load.log" 2>&1
else
  my "$DB_A" < "$W/proj/schema.sql" >"$W/logs/load.log" 2>&1
fi
if [ $? -eq 0 ]; then step "load DDL into $DB_A" PASS "$(since "$t")"
else step "load DDL into $DB_A" FAIL "$(tail -3 "$W/logs/load.log" | tr '\n' ' ')"; fi

# ---- 3. retort project on B: autogenerate from empty, upgrade
cat > "$W/proj/retort.toml" <<TOML
[database]
url = "$(db_url "$DB_B")"

[models]
sql = ["schema.sql"]

[migrations]
dir = "migrations"
version_table = "retort_version"
TOML
R() { (cd "$W/proj" && env -u DATABASE_URL timeout 900 "$RETORT" "$@" </dev/null); }
t=$(tsec)
R revision --autogenerate -m init >"$W/logs/autogen.out" 2>"$W/logs/autogen.err"; rc=$?
rev=$(ls "$W/proj/migrations" | head -1)
if [ $rc -eq 0 ] && [ -n "$rev" ]; then
  step "retort revision --autogenerate" PASS "migrations/$rev, $(grep -c ';' "$W/proj/migrations/$rev") statements, $(since "$t")"
else
  step "retort revision --autogenerate" FAIL "exit $rc: $(head -c 600 "$W/logs/autogen.err" | tr '\n' ' ')"
fi
t=$(tsec)
R upgrade head >"$W/logs/upgrade.out" 2>"$W/logs/upgrade.err"; rc=$?
if [ $rc -eq 0 ]; then step "retort upgrade head" PASS "$(since "$t")"
else step "retort upgrade head" FAIL "exit $rc: $(head -c 600 "$W/logs/upgrade.err" | tr '\n' ' ')"; fi

# ---- 4. the two databases' dumps
dump "$DB_A" "$W/dump/a.sql" 2>"$W/logs/dump_a.err" && dump "$DB_B" "$W/dump/b.sql" 2>"$W/logs/dump_b.err" \
  || die "dump failed: $(cat "$W/logs/dump_a.err" "$W/logs/dump_b.err")"
python3 "$HERE/compare_dumps.py" "$DIALECT" "$W/dump/a.sql" "$W/dump/b.sql" > "$W/logs/compare.txt"; rc=$?
if head -1 "$W/logs/compare.txt" | grep -q "^compare: 0 statements in A"; then
  step "dumps of A and B match" FAIL "database A is empty: the load failed"
elif [ $rc -eq 0 ]; then step "dumps of A and B match" PASS "$(head -1 "$W/logs/compare.txt" | sed 's/compare: //')"
else step "dumps of A and B match" FAIL "$(tail -1 "$W/logs/compare.txt" | sed 's/compare: //'); details below"; fi

# ---- 5. check and verify
t=$(tsec)
R check >"$W/logs/check.out" 2>"$W/logs/check.err"; rc=$?
if [ $rc -eq 0 ]; then step "retort check" PASS "clean, $(since "$t")"
else step "retort check" FAIL "exit $rc; see below"; fi
if "$RETORT" verify --help >/dev/null 2>&1; then
  t=$(tsec)
  R verify >"$W/logs/verify.out" 2>"$W/logs/verify.err"; rc=$?
  if [ $rc -eq 0 ]; then step "retort verify" PASS "$(since "$t")"
  else step "retort verify" FAIL "exit $rc; see below"; fi
else
  step "retort verify" SKIP "this retort binary has no verify command"
fi

# ---- report
if [ $FAILED = 1 ]; then
  echo; echo "---- details"
  [ -s "$W/logs/compare.txt" ] && grep -q "differ" "$W/logs/compare.txt" && { echo "compare_dumps.py:"; head -c 20000 "$W/logs/compare.txt"; echo; }
  for f in check verify; do
    if [ -s "$W/logs/$f.out" ] || [ -s "$W/logs/$f.err" ]; then
      if ! grep -q "$f.*PASS" <(printf '%s\n' "${STEPS[@]}"); then
        echo "retort $f:"; head -c 8000 "$W/logs/$f.out"; head -c 4000 "$W/logs/$f.err"; echo
      fi
    fi
  done
fi
echo
echo "==== $DIALECT / $SCHEMA ($PKG)"
printf '  %s\n' "${STEPS[@]}"
if [ $FAILED = 0 ]; then echo "RESULT $DIALECT/$SCHEMA: PASS"; else echo "RESULT $DIALECT/$SCHEMA: FAIL (logs in $W/logs)"; fi
exit $FAILED
