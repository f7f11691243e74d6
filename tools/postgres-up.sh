#!/usr/bin/env bash
# Start Debian's PostgreSQL on loopback and create the test role; prints the URL to export.
# Used by .ci/run; safe to run again. Needs root (apt-get, su postgres).
set -euo pipefail
# Only the URL goes to standard output; everything else goes to standard error.
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | grep -q "^${version} main"; then
  pg_createcluster "${version}" main >&2
fi
# Debian's default listen_addresses is localhost: loopback only.
pg_ctlcluster "${version}" main start >&2 2>/dev/null || pg_ctlcluster "${version}" main status >/dev/null
for _ in $(seq 1 30); do
  if su postgres -c "psql -qtAc 'SELECT 1'" >/dev/null 2>&1; then break; fi
  sleep 1
done
su postgres -c "psql -qtAc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='dystonia') THEN CREATE ROLE dystonia LOGIN PASSWORD 'dystonia' CREATEDB; END IF; END \\\$\\\$\"" >/dev/null
if ! su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='dystonia'\"" | grep -q 1; then
  su postgres -c "createdb -O dystonia dystonia" >&2
fi
echo "postgresql+psycopg://dystonia:dystonia@127.0.0.1:5432/dystonia"
