#!/usr/bin/env bash
# Run every test of the workspace against SQLite, PostgreSQL and MariaDB.
# The server URLs default to the local servers; override them with
# DATABASE_URL_POSTGRES and DATABASE_URL_MYSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL_POSTGRES="${DATABASE_URL_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"
export DATABASE_URL_MYSQL="${DATABASE_URL_MYSQL:-mysql://root@127.0.0.1:3306/test}"
# The property tests draw their cases from this seed, so a run is repeatable;
# PROPTEST_RNG_SEED=<another number> explores other cases.
export PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-20261126}"
exec cargo test --workspace "$@"
