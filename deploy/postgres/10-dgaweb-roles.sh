#!/usr/bin/env bash
# The roles of dgaweb's database (dgaweb-roles.psql beside this file). The postgres image runs
# this once, when its volume is new (docker-compose.yml mounts this folder as
# /docker-entrypoint-initdb.d; it runs *.sh and *.sql there and ignores the .psql file). To set up
# a server by hand, run it as a superuser with POSTGRES_USER, POSTGRES_DB and the two passwords
# set (and PGHOST/PGPORT as psql reads them); dgaweb/tests/test_database_roles.py does that.
set -euo pipefail

: "${POSTGRES_OWNER_PASSWORD:?set POSTGRES_OWNER_PASSWORD in .env}"
: "${POSTGRES_APP_PASSWORD:?set POSTGRES_APP_PASSWORD in .env}"

psql --no-psqlrc --set ON_ERROR_STOP=1 \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-dgaweb}" \
  --set db="${POSTGRES_DB:-dgaweb}" \
  --set owner="${POSTGRES_OWNER_USER:-dgaweb_owner}" \
  --set owner_password="$POSTGRES_OWNER_PASSWORD" \
  --set app="${POSTGRES_APP_USER:-dgaweb_app}" \
  --set app_password="$POSTGRES_APP_PASSWORD" \
  --file "$(dirname "${BASH_SOURCE[0]}")/dgaweb-roles.psql"
