#!/usr/bin/env bash
# retort's schema benchmark: `check` with no changes and autogenerate with ~1% of the tables
# changed, at N tables, beside `pg_dump --schema-only` / `mysqldump --no-data` and Alembic,
# in one run on the same database. Peak memory of each tool's process tree too.
#
#   bench/run.sh                                   # N = 100,1000,5000 on pg and mysql, all tools
#   bench/run.sh --sizes 100,1000 --dialects pg    # a subset
#   bench/run.sh --tools ref                       # without Alembic (e.g. N = 5000 when short of time)
#   bench/run.sh --report                          # only rewrite the summary from the stored results
#
# The timing, the synthetic schema (gen_schema.py) and Alembic's side are the reference
# harness in ../shared/bench (BENCH_HARNESS); this script drives it, and bench/summarize.py
# turns its results.json into the table of docs/benchmark.md with the ratios the project
# tracks (Alembic ÷ retort, retort ÷ the dump tool) and the targets they are held to.
# Everything it writes goes under $BENCH_WORK (default /tmp/retort-bench); the summary is
# $BENCH_WORK/RETORT-SUMMARY.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HARNESS="${BENCH_HARNESS:-$ROOT/../shared/bench}"
export BENCH_WORK="${BENCH_WORK:-/tmp/retort-bench}"
SIZES=100,1000,5000
DIALECTS=pg,mysql
TOOLS=ref,alembic
QUIET_WAIT="${BENCH_QUIET_WAIT:-20}"
REPS=3
REPORT_ONLY=0

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="$2"; shift 2 ;;
    --dialects) DIALECTS="$2"; shift 2 ;;
    --tools) TOOLS="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    --report) REPORT_ONLY=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [ ! -f "$HARNESS/alembic_bench.py" ]; then
  echo "bench/run.sh: the reference harness is not at $HARNESS (set BENCH_HARNESS to the folder with alembic_bench.py)" >&2
  exit 2
fi
PY="$BENCH_WORK/venv/bin/python"

if [ "$REPORT_ONLY" = 0 ]; then
  bash "$HARNESS/setup.sh"
  if [ -z "${RETORT:-}" ]; then
    echo "bench/run.sh: building the release binary (cargo build --release -p retort-cli)"
    (cd "$ROOT" && cargo build --release -p retort-cli)
    RETORT="$ROOT/target/release/retort"
  fi
  RETORT="$(cd "$(dirname "$RETORT")" && pwd)/$(basename "$RETORT")"
  export RETORT
  echo "bench/run.sh: retort = $RETORT"
  rc=0
  # schema.load leaves the database every other job reads; the four jobs below are the
  # issue's (load, check, autogenerate, catalog dump); phases.autogen (Alembic-only) is left out
  "$PY" "$HARNESS/alembic_bench.py" run --jobs schema --sizes "$SIZES" --dialects "$DIALECTS" \
    --tools "$TOOLS" --reps "$REPS" --quiet-wait "$QUIET_WAIT" \
    --only schema.load,schema.check,schema.autogen,schema.catalog || rc=$?
  # retort on the very databases just measured (see bench/retort_jobs.py for why not the
  # harness's own retort column: add ",retort" to --tools to run that one as well)
  "$PY" "$ROOT/bench/retort_jobs.py" --retort "$RETORT" --sizes "$SIZES" --dialects "$DIALECTS" --reps "$REPS" || rc=$?
else
  rc=0
fi
"$PY" "$ROOT/bench/summarize.py" "$BENCH_WORK/results/results.json" "$BENCH_WORK/results/retort_own.json" \
  > "$BENCH_WORK/RETORT-SUMMARY.md"
cat "$BENCH_WORK/RETORT-SUMMARY.md"
echo
echo "bench/run.sh: summary in $BENCH_WORK/RETORT-SUMMARY.md; the harness's full report is $BENCH_WORK/RESULTS.md"
exit "$rc"
