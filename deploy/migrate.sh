#!/bin/bash
# compose.yaml's one-off "migrate" service: runs before the app servers and the scheduler start,
# at every `docker compose up`.
# - A new database (no migration applied yet) gets `setup_portal --companies 0`: migrations, the
#   cache table, the coordinators' group, the seed content of fixtures/ (clusters, organisations,
#   projects, events, news, taxonomies, and the files they refer to, into the object store), the
#   directory's tables, and an "admin" superuser whose random password is shown to nobody: give it
#   one with `docker compose exec portal-1 python manage.py changepassword admin`.
# - An existing database gets only what an upgrade needs: migrations, the cache table and the
#   coordinators' group. Not setup_portal: it loads the seed fixtures again, which would put the
#   seed text back over what coordinators have edited since.
set -euo pipefail
cd "$(dirname "$0")/.."

if python manage.py showmigrations --plan | grep -q '^\[X\]'; then
    echo "migrate: existing database: migrate, createcachetable, setup_roles"
    python manage.py migrate --noinput
    python manage.py createcachetable
    python manage.py setup_roles
else
    echo "migrate: new database: setup_portal --companies 0"
    password="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    # setup_portal prints the admin password; keep it out of the logs.
    python manage.py setup_portal --companies 0 --admin-password "$password" \
        | sed -E 's/(password: ).*/\1(random, not shown: docker compose exec portal-1 python manage.py changepassword admin)/'
fi
echo "migrate: done"
