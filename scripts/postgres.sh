#!/usr/bin/env bash
# A PostgreSQL server for the tests (and for trying the team server by hand): Debian's
# postgresql package, a cluster of its own on 127.0.0.1 (port $MITEOS_PG_PORT, 54329 by default),
# created on first use and started if it is not running. Prints the URL of its `postgres`
# database for the role `miteos` (password `miteos`, may create databases: each test makes its
# own). Idempotent; `scripts/postgres.sh stop` stops it.
#
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user the
# package creates, and lives where that user can write.
set -euo pipefail

port="${MITEOS_PG_PORT:-54329}"
dir="${MITEOS_PG_DIR:-/var/tmp/miteos-postgres-$(id -u)}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "postgres.sh: PostgreSQL is not installed (run scripts/setup.sh)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ "${1:-}" = stop ]; then
  [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  exit 0
fi

if [ ! -f "$dir/data/PG_VERSION" ]; then
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  pwfile="$(mktemp)"
  echo postgres >"$pwfile"
  chmod 644 "$pwfile"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; rm -f "$pwfile"; exit 1; }
  rm -f "$pwfile"
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
fi

if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { tail -20 "$dir/server.log" >&2; exit 1; }
fi

psql_admin() {
  as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'miteos'")" != 1 ]; then
  psql_admin -c "CREATE ROLE miteos LOGIN CREATEDB PASSWORD 'miteos'" >/dev/null
fi
# Databases earlier test runs left behind (a test's own is dropped when it ends, unless the
# test process was killed).
if [ "${MITEOS_PG_CLEAN:-}" = 1 ]; then
  for db in $(psql_admin -c "SELECT datname FROM pg_database WHERE datname LIKE 'miteos_test_%'"); do
    psql_admin -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
  done
fi

echo "postgres://miteos:miteos@127.0.0.1:$port/postgres"
