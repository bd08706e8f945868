#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 server started from the Debian binaries.
# Usage: scripts/with-postgres.sh COMMAND...   (DATABASE_URL is set for the command)
# PostgreSQL refuses to run as root, so as root the server runs as the user "kiemdiem-pg".
set -euo pipefail

PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "Không tìm thấy PostgreSQL: cài gói Debian 'postgresql' (apt-get install -y postgresql)." >&2
  exit 1
fi

# KIEMDIEM_PGDATA=dir keeps the server's files in dir between runs (make bench-national reuses its
# loaded data set); without it everything is thrown away at the end.
if [ -n "${KIEMDIEM_PGDATA:-}" ]; then
  mkdir -p "$KIEMDIEM_PGDATA"
  DIR=$(cd "$KIEMDIEM_PGDATA" && pwd)
  KEEP=1
else
  DIR=$(mktemp -d /tmp/kiemdiem-pg.XXXXXX)
  KEEP=0
fi
RUN_AS=()
if [ "$(id -u)" = "0" ]; then
  id kiemdiem-pg >/dev/null 2>&1 || useradd --system --no-create-home kiemdiem-pg
  chown kiemdiem-pg "$DIR"
  RUN_AS=(runuser -u kiemdiem-pg --)
fi

cleanup() {
  if [ "$KEEP" = "1" ]; then  # a clean stop: the kept files must open next time
    "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
  else
    "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
  fi
}
trap cleanup EXIT

if [ ! -f "$DIR/data/PG_VERSION" ]; then
  "${RUN_AS[@]}" "$PGBIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
# A random port, another one if it is taken (on a busy machine a client's connection may hold
# it: the range overlaps the kernel's ephemeral ports); PGPORT_TEST fixes it.
for attempt in 1 2 3 4 5; do
  PORT=${PGPORT_TEST:-$(( 20000 + RANDOM % 12000 ))}
  if "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null; then
    break
  fi
  if [ -n "${PGPORT_TEST:-}" ] || [ "$attempt" = 5 ]; then
    echo "with-postgres: PostgreSQL did not start; see $DIR/server.log" >&2
    exit 1
  fi
done

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
echo "PostgreSQL tạm thời: $("$PGBIN/postgres" --version) trên cổng $PORT"
"$@"
