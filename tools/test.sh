#!/usr/bin/env bash
# The test command of the README: lint, type-check and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff check"; python3 -m ruff check src tests tools benchmarks
echo "== ruff format --check"; python3 -m ruff format --check src tests tools benchmarks
echo "== mypy"; python3 -m mypy
echo "== pytest"; python3 -m pytest -q
