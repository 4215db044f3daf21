#!/bin/sh
# Starts Debian's PostgreSQL for the server's test suite and prints the DATABASE_URL on stdout (everything else
# goes to stderr), so CI can run: TEST_DATABASE_URL=$(sh scripts/ci-postgres.sh) npx vitest run server
# Needs root (it installs packages and runs psql as the postgres user). Safe to run again: each step is idempotent.
set -eu

DB_USER=recordkeeper
DB_NAME=recordkeeper_test
DB_PASSWORD=${RK_TEST_DB_PASSWORD:-recordkeeper-test}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
fi

# The newest installed major version and its first cluster ("main" on Debian).
VERSION=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main"' | grep -q .; then
  pg_createcluster "$VERSION" main >&2
fi
pg_ctlcluster "$VERSION" main start >&2 2>/dev/null || true
PORT=$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" { print $3 }')

# Wait for it to accept connections rather than racing the first test.
tries=0
until su postgres -c "psql -p $PORT -Atqc 'SELECT 1'" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -gt 30 ]; then
    echo "PostgreSQL $VERSION did not start; see /var/log/postgresql/postgresql-$VERSION-main.log" >&2
    exit 1
  fi
  sleep 1
done

su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -q" >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD';
  ELSE
    ALTER ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD';
  END IF;
END \$\$;
SQL
if ! su postgres -c "psql -p $PORT -Atqc \"SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'\"" | grep -q 1; then
  su postgres -c "createdb -p $PORT -O $DB_USER $DB_NAME" >&2
fi

echo "postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB_NAME"
