#!/usr/bin/env bash
# Runs a command with DATABASE_URL_PG pointing at a throwaway PostgreSQL
# cluster, made for this run and dropped after it. An existing
# DATABASE_URL_PG is used as it is.
set -euo pipefail
if [ -n "${DATABASE_URL_PG:-}" ]; then exec "$@"; fi

"$(dirname "$0")/system-deps.sh"

# pg_virtualenv makes the cluster (as the postgres user when we are root),
# exports PGHOST/PGPORT/PGUSER/PGPASSWORD, and drops the cluster afterwards.
exec pg_virtualenv bash -c '
  export DATABASE_URL_PG="postgresql+psycopg://${PGUSER}:${PGPASSWORD}@${PGHOST}:${PGPORT}/${PGDATABASE:-postgres}"
  exec "$@"' consult-tests "$@"
