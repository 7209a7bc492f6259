#!/usr/bin/env bash
# Runs a command with DATABASE_URL_PG pointing at a throwaway PostgreSQL
# cluster, made for this run and dropped after it. An existing
# DATABASE_URL_PG is used as it is.
set -euo pipefail
if [ -n "${DATABASE_URL_PG:-}" ]; then exec "$@"; fi

if ! command -v pg_virtualenv >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "PostgreSQL is not installed; installing it (Debian packages)..." >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql postgresql-common >/dev/null
fi

# pg_virtualenv makes the cluster (as the postgres user when we are root),
# exports PGHOST/PGPORT/PGUSER/PGPASSWORD, and drops the cluster afterwards.
exec pg_virtualenv bash -c '
  export DATABASE_URL_PG="postgresql+psycopg://${PGUSER}:${PGPASSWORD}@${PGHOST}:${PGPORT}/${PGDATABASE:-postgres}"
  exec "$@"' consult-tests "$@"
