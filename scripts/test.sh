#!/usr/bin/env bash
# The whole test suite: lint, the migrations check, pytest on SQLite and on PostgreSQL.
# The PostgreSQL pass runs everything; the SQLite pass leaves out the tests that run once (marker
# `slow`: the real embedding model, the full-demo crawl, the 10,000-enterprise cohort) and the browser
# journeys in headless Chromium (marker `browser`). With two or more cores the two passes run at once,
# each with its own var and temp folders, and their logs are printed at the end.
# Arguments go to both pytest passes (e.g. `scripts/test.sh -k permission`).
# Installs what it needs: Python packages into $VENV (.venv), Debian's chromium, and a throwaway
# PostgreSQL cluster when none is reachable at $PGHOST:$PGPORT (default 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."

export VENV=${VENV:-.venv}
PY="$VENV/bin/python"  # `python -m` puts this checkout first on the path
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

WORK=$(mktemp -d /tmp/mengkeju-test.XXXXXX)
declare -A PIDS=()
pg_cleanup() { :; }
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  pg_cleanup
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .

echo "== migrations match the models"
env -u DATABASE_URL MENGKEJU_DEMO=1 MENGKEJU_VAR_DIR="$WORK/migrations" DJANGO_SETTINGS_MODULE=mengkeju.settings \
  "$PY" -m django makemigrations --check --dry-run

echo "== production settings pass Django's deployment checks"
env -u DATABASE_URL -u DEBUG MENGKEJU_DEMO=0 MENGKEJU_BEHIND_TLS_PROXY=1 MENGKEJU_VAR_DIR="$WORK/deploy" \
  SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')" ALLOWED_HOSTS=mengkeju.example.cn \
  "$PY" -m mengkeju.cli check --deploy --fail-level WARNING

PARALLEL=${MENGKEJU_TEST_PARALLEL:-$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)}
declare -A RC=()
# run_pass NAME COMMAND…: pytest with its own var folder (index, media, SQLite file) and temp folder;
# in the background with its output to $WORK/NAME.log when PARALLEL=1, else in the foreground.
run_pass() {
  local name=$1
  shift
  mkdir -p "$WORK/$name"
  local cmd=("$@" --basetemp="$WORK/$name/tmp")
  if [ "$PARALLEL" = "1" ]; then
    echo "== pytest on $name: started, output in the log below when both are done"
    MENGKEJU_VAR_DIR="$WORK/$name/var" "${cmd[@]}" >"$WORK/$name.log" 2>&1 &
    PIDS[$name]=$!
  else
    echo "== pytest on $name"
    set +e
    MENGKEJU_VAR_DIR="$WORK/$name/var" "${cmd[@]}"
    RC[$name]=$?
    set -e
  fi
}

run_pass SQLite env -u DATABASE_URL "$PY" -m pytest -q -m "not slow and not browser" "$@"

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
if ! "$PY" - "$PGHOST" "$PGPORT" "$PGUSER" <<'PY' 2>/dev/null
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
fi
PGHOST_ENC=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PGHOST")
echo "== PostgreSQL at $PGHOST:$PGPORT"
run_pass PostgreSQL env DATABASE_URL="postgres://$PGUSER@$PGHOST_ENC:$PGPORT/postgres" "$PY" -m pytest -q "$@"

for name in SQLite PostgreSQL; do
  if [ -n "${PIDS[$name]:-}" ]; then
    set +e
    wait "${PIDS[$name]}"
    RC[$name]=$?
    set -e
    unset "PIDS[$name]"
    echo "== pytest on $name (exit ${RC[$name]})"
    cat "$WORK/$name.log"
  fi
done

# Arguments that select only PostgreSQL-only tests leave the SQLite pass empty (pytest's exit 5).
if [ $# -gt 0 ] && [ "${RC[SQLite]}" = "5" ]; then RC[SQLite]=0; fi
echo "== results: SQLite exit ${RC[SQLite]}, PostgreSQL exit ${RC[PostgreSQL]}"
[ "${RC[SQLite]}" = "0" ] && [ "${RC[PostgreSQL]}" = "0" ]
