#!/usr/bin/env bash
# Starts a throwaway Postgres 15 and Redis on loopback (free ports, temporary directories) and
# prints the `export` lines for TEST_DATABASE_URL / TEST_REDIS_URL. `stop` tears them down.
# Usage: eval "$(scripts/test-backends.sh start)"; ...; scripts/test-backends.sh stop
set -euo pipefail

state=${GATEHOUSE_TEST_BACKENDS_DIR:-/tmp/gatehouse-test-backends}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    [ -n "$pgbin" ] || { echo "postgres is not installed (apt-get install postgresql)" >&2; exit 1; }
    command -v redis-server >/dev/null || { echo "redis-server is not installed" >&2; exit 1; }
    "$0" stop
    rm -rf "$state" && mkdir -p "$state"
    [ "$(id -u)" = 0 ] && chown postgres "$state"
    pg_port=$(free_port)
    redis_port=$(free_port)
    as_postgres "$pgbin/initdb" -D "$state/pg" -U postgres --auth=trust -E UTF8 >"$state/initdb.log" 2>&1
    as_postgres "$pgbin/pg_ctl" -D "$state/pg" -l "$state/pg.log" -w \
      -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -k $state" start >/dev/null
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --pidfile "$state/redis.pid" --logfile "$state/redis.log" --dir "$state"
    echo "$pg_port" >"$state/pg.port"
    echo "$redis_port" >"$state/redis.port"
    for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/postgres"
    echo "export TEST_REDIS_URL=redis://127.0.0.1:$redis_port"
    echo "export TEST_PG_BIN=$pgbin TEST_PG_DATA=$state/pg"
    ;;
  stop)
    [ -d "$state/pg" ] && as_postgres "$pgbin/pg_ctl" -D "$state/pg" -m immediate stop >/dev/null 2>&1 || true
    [ -f "$state/redis.pid" ] && kill "$(cat "$state/redis.pid")" 2>/dev/null || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
