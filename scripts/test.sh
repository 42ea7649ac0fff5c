#!/usr/bin/env bash
# Installs the test dependencies, starts what the suite needs beyond pip, runs the whole suite.
# As root with apt it installs PostgreSQL, Chromium and a CJK font from Debian's packages;
# otherwise it says what it could not set up, and those tests skip with a plain message.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e ".[test]"

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=""
  command -v pg_ctlcluster >/dev/null || need="$need postgresql"
  [ -x /usr/bin/chromium ] || need="$need chromium"
  fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need="$need fonts-noto-cjk"
  if [ -n "$need" ]; then
    echo "test.sh: installing$need from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  fi
fi

if [ -z "${SALESBOT_TEST_PG_URL:-}" ] && [ "$(id -u)" = 0 ] && command -v pg_lsclusters >/dev/null; then
  cluster=$(pg_lsclusters -h | head -n 1)
  if [ -z "$cluster" ]; then
    ver=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
    pg_createcluster "$ver" main >/dev/null
    cluster=$(pg_lsclusters -h | head -n 1)
  fi
  set -- $cluster "$@"
  ver=$1; name=$2; port=$3; shift 7 || shift $#
  pg_ctlcluster "$ver" "$name" start 2>/dev/null || true
  su postgres -c "psql -p $port -tAc \"select 1 from pg_roles where rolname='sb'\"" | grep -q 1 \
    || su postgres -c "psql -p $port -qc \"create user sb with password 'sb' superuser;\""
  su postgres -c "psql -p $port -tAc \"select 1 from pg_database where datname='sb'\"" | grep -q 1 \
    || su postgres -c "psql -p $port -qc 'create database sb owner sb;'"
  export SALESBOT_TEST_PG_URL="postgresql+psycopg://sb:sb@127.0.0.1:$port/sb"
fi
[ -n "${SALESBOT_TEST_PG_URL:-}" ] || echo "test.sh: no PostgreSQL (not root or no apt): PostgreSQL tests will be skipped"
[ -x /usr/bin/chromium ] || echo "test.sh: no /usr/bin/chromium: browser tests will be skipped"

if [ $# -eq 0 ] && [ -n "${SALESBOT_TEST_PG_URL:-}" ]; then
  .venv/bin/python -m pytest
  # the conversation's tests (the `bot` fixture) again in queue mode: a web process deferring to
  # procrastinate, a worker running the jobs (tests/chat_bot.py)
  exec .venv/bin/python -m pytest -q -m pg --queue-backend procrastinate
fi
exec .venv/bin/python -m pytest "$@"
