#!/usr/bin/env bash
# The test command: lint, type-check, run every test on the embedded SQLite database, then run
# every database test again on PostgreSQL (DYSTONIA_TEST_POSTGRES_URL; .ci/run starts one).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff check"; python3 -m ruff check src tests tools benchmarks
echo "== ruff format --check"; python3 -m ruff format --check src tests tools benchmarks
echo "== mypy"; python3 -m mypy
echo "== pytest (SQLite)"; python3 -m pytest -q
if [ -n "${DYSTONIA_TEST_POSTGRES_URL:-}" ]; then
  echo "== pytest -m db (PostgreSQL)"
  DYSTONIA_TEST_DB=postgresql python3 -m pytest -q -m db
elif [ -n "${CI:-}" ]; then
  echo "CI needs PostgreSQL: DYSTONIA_TEST_POSTGRES_URL is not set (see .ci/run)" >&2
  exit 1
else
  echo "== PostgreSQL pass skipped: set DYSTONIA_TEST_POSTGRES_URL (bash tools/postgres-up.sh prints it)"
fi
