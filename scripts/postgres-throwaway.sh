#!/usr/bin/env bash
# A throwaway PostgreSQL server for trying a node on PostgreSQL, benchmarks and local networks; never for real data.
#   scripts/postgres-throwaway.sh start DIR   -> makes a cluster in DIR (initdb), starts it on a free port of 127.0.0.1,
#                                               prints the Npgsql connection string to pass to 'careledger init --postgres'
#   scripts/postgres-throwaway.sh stop DIR    -> stops it and deletes DIR
# As root (initdb refuses root) the cluster belongs to Debian's unprivileged 'postgres' user. Needs Debian's 'postgresql'.
set -euo pipefail
command=${1:?usage: $0 start|stop DIR}; dir=${2:?usage: $0 start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL is not installed: apt-get install postgresql" >&2; exit 1; }
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$command" in
  start)
    mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
    [ -e "$dir/data" ] && { echo "$dir already holds a cluster" >&2; exit 1; }
    password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    echo "$password" > "$dir/password"
    [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
    chmod 700 "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U careledger --pwfile="$dir/password" --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --no-locale >/dev/null
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=300" start >/dev/null
    echo "Host=127.0.0.1;Port=$port;Database=postgres;Username=careledger;Password=$password"
    ;;
  stop)
    dir=$(cd "$dir" && pwd)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 1 ;;
esac
