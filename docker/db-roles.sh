#!/bin/sh
# compose's db-roles one-shot (postgres image), after migrate: as the tables' owner, creates
# or updates the app's role (.ci/app-role.sql: no table of its own, no UPDATE/DELETE/TRUNCATE
# on the audit history) and sets its password. Idempotent: runs after every migrate, so the
# tables a new migration adds are granted too.
set -eu
: "${TRACKER_DB_APP_ROLE:?set TRACKER_DB_APP_ROLE (the role in DATABASE_URL)}"
: "${TRACKER_DB_APP_PASSWORD:?set TRACKER_DB_APP_PASSWORD (the password in DATABASE_URL)}"
export PGHOST="${PGHOST:-db}" PGUSER="${POSTGRES_USER:-postgres}" \
    PGPASSWORD="${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}" PGDATABASE="${POSTGRES_DB:-tracker}"
psql -q -v ON_ERROR_STOP=1 -v app_role="$TRACKER_DB_APP_ROLE" -f /docker/app-role.sql
# psql reads the password from the environment (\getenv, psql 15+) and quotes it: it never
# appears in a command line.
psql -q -v ON_ERROR_STOP=1 -v app_role="$TRACKER_DB_APP_ROLE" <<'SQL'
\getenv app_password TRACKER_DB_APP_PASSWORD
ALTER ROLE :"app_role" PASSWORD :'app_password';
SQL
echo "db-roles: $TRACKER_DB_APP_ROLE may connect to $PGDATABASE, without owning its tables"
