#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers at $DATABASE_URL (default: the local
# server on 127.0.0.1:5432, user postgres) and exports DATABASE_URL.
# Sourced by scripts/test.sh; run it alone to check the database.
#
# If nothing answers and the Debian PostgreSQL packages are installed, the local
# cluster is started. Otherwise it fails with one line saying what to install:
# the PostgreSQL tests are never skipped silently.

: "${DATABASE_URL:=postgres://postgres@127.0.0.1:5432/postgres}"
export DATABASE_URL

postgres_answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -d "$DATABASE_URL" -t 3
  else
    # Without the client tools, a TCP connect to the URL's host and port will do.
    local hostport=${DATABASE_URL#*@}
    hostport=${hostport%%/*}
    local host=${hostport%%:*} port=${hostport##*:}
    [ "$port" = "$hostport" ] && port=5432
    timeout 3 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
  fi
}

ensure_postgres() {
  postgres_answers && return 0
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "PostgreSQL is not answering at $DATABASE_URL: starting local cluster $version/main" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do
      postgres_answers && return 0
      sleep 1
    done
  fi
  echo "error: no PostgreSQL at $DATABASE_URL and none to start: install it (apt-get install postgresql) or set DATABASE_URL" >&2
  return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  ensure_postgres && echo "PostgreSQL answers at $DATABASE_URL"
else
  ensure_postgres || exit 1
fi
