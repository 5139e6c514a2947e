#!/usr/bin/env bash
# CI: start Debian's PostgreSQL (15) on 127.0.0.1 on a free port, as the postgres user, with its data under
# /tmp, and print the ledger URL for the tests. Source it (`. scripts/ci_postgres.sh`) to export
# TARGET_PIPEDRIVE_TEST_PG_URL; the server is stopped when the calling shell exits (after the EXIT trap
# the shell had already).
bindir="$(pg_config --bindir 2>/dev/null || true)"
if [ ! -x "$bindir/initdb" ]; then
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
fi
as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
data="$(mktemp -d /tmp/target-pipedrive-pg.XXXXXX)"
[ "$(id -u)" = 0 ] && chown postgres: "$data"
as_postgres "$bindir/initdb" -D "$data/db" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
as_postgres "$bindir/pg_ctl" -D "$data/db" -l "$data/log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c max_connections=200 -c fsync=off" \
    start >/dev/null
as_postgres "$bindir/psql" -h "$data" -p "$port" -U postgres -qc "ALTER USER postgres PASSWORD 'ledger-test'" >/dev/null
export TARGET_PIPEDRIVE_TEST_PG_URL="postgresql://postgres:ledger-test@127.0.0.1:$port/postgres"
_ci_pg_stop="as_postgres '$bindir/pg_ctl' -D '$data/db' -m fast stop >/dev/null 2>&1 || true"
_ci_pg_before="$(trap -p EXIT | sed -e "s/^trap -- '\(.*\)' EXIT\$/\1/" -e "s/'\\\\''/'/g")"
trap "${_ci_pg_before:+$_ci_pg_before; }$_ci_pg_stop" EXIT
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') for the tests on 127.0.0.1:$port" >&2
