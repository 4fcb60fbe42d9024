#!/usr/bin/env bash
# The whole test suite: lint, pytest on SQLite, pytest on PostgreSQL, browser journeys in headless Chromium.
# Installs what it needs: Python packages into .venv, Debian's chromium, and a throwaway PostgreSQL
# cluster when none is reachable at $PGHOST:$PGPORT (default 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
apt_install() {
  echo "== installing Debian packages: $*"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

echo "== Python packages"
make --no-print-directory install-test >/dev/null

if [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi
export MENGKEJU_CHROMIUM=${MENGKEJU_CHROMIUM:-/usr/bin/chromium}

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== pytest on SQLite"
set +e
env -u DATABASE_URL .venv/bin/pytest -q "$@"
sqlite_rc=$?
set -e

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
pg_cleanup() { :; }
if ! .venv/bin/python - "$PGHOST" "$PGPORT" "$PGUSER" <<'PY' 2>/dev/null
import sys, psycopg
psycopg.connect(host=sys.argv[1], port=int(sys.argv[2]), user=sys.argv[3], dbname="postgres", connect_timeout=3).close()
PY
then
  echo "== no PostgreSQL at $PGHOST:$PGPORT: starting a throwaway cluster"
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$PG_BIN" ]; then apt_install postgresql; PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); fi
  PGDATA=$(mktemp -d /tmp/mengkeju-pg.XXXXXX)
  PGHOST=$PGDATA; PGPORT=54329; PGUSER=postgres
  RUN_AS=""
  if [ "$(id -u)" = "0" ]; then chown -R postgres "$PGDATA" 2>/dev/null || { useradd -r postgres && chown -R postgres "$PGDATA"; }; RUN_AS="runuser -u postgres --"; fi
  $RUN_AS "$PG_BIN/initdb" -D "$PGDATA/data" -U postgres -A trust >/dev/null
  $RUN_AS "$PG_BIN/pg_ctl" -D "$PGDATA/data" -o "-k $PGDATA -p $PGPORT -c listen_addresses=''" -w start >/dev/null
  pg_cleanup() { $RUN_AS "$PG_BIN/pg_ctl" -D "$PGDATA/data" -m fast stop >/dev/null || true; rm -rf "$PGDATA"; }
  trap pg_cleanup EXIT
fi
echo "== pytest on PostgreSQL ($PGHOST:$PGPORT)"
set +e
PGHOST_ENC=$(.venv/bin/python -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PGHOST")
DATABASE_URL="postgres://$PGUSER@$PGHOST_ENC:$PGPORT/postgres" .venv/bin/pytest -q "$@"
pg_rc=$?
set -e

echo "== results: SQLite exit $sqlite_rc, PostgreSQL exit $pg_rc"
[ "$sqlite_rc" = "0" ] && [ "$pg_rc" = "0" ]
