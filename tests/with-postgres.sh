#!/usr/bin/env bash
# Runs a command with DATABASE_URL_PG pointing at a throwaway PostgreSQL
# cluster, made for this run and dropped after it. An existing
# DATABASE_URL_PG is used as it is.
set -euo pipefail
if [ -n "${DATABASE_URL_PG:-}" ]; then exec "$@"; fi

"$(dirname "$0")/system-deps.sh"

# pg_virtualenv makes the cluster, exports PGHOST/PGPORT/PGUSER/PGPASSWORD,
# and drops the cluster afterwards. -t keeps the cluster in a directory of
# its own, even as root, and PGPORT is a port free right now, so that two
# runs on one machine never share a cluster name, directory or port.
PGPORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export PGPORT
# max_connections: `make bench --server gunicorn,waitress` runs six servers and four workers at
# once, each with its pools; PostgreSQL's default of 100 is too few for them.
exec pg_virtualenv -t -o max_connections=400 bash -c '
  export DATABASE_URL_PG="postgresql+psycopg://${PGUSER}:${PGPASSWORD}@${PGHOST}:${PGPORT}/${PGDATABASE:-postgres}"
  exec "$@"' consult-tests "$@"
