# Production image: slim Python, non-root, dependencies from the lock file, messages compiled and
# static files collected at build time, served by gunicorn. No demo-data generator: .dockerignore
# leaves out demo/ and fixtures/demo/, and requirements.lock has no Faker.
# compose.yaml runs this one image as the app servers, the migrations and the scheduler.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext: compilemessages below; curl: the health check; postgresql-client: pg_dump and
# pg_restore for `manage.py backup` / `restore` (Debian bookworm's is PostgreSQL 15, the version of
# compose.yaml's database: pg_dump must not be older than the server).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext curl postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# A numeric user, so that the host and orchestrators can tell it is not root.
RUN groupadd --gid 1000 portal \
    && useradd --create-home --uid 1000 --gid 1000 portal
WORKDIR /app

COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY --chown=portal:portal . .

# Build-time steps need settings but no real secrets or database.
# /backups is where compose mounts the backups volume (a new volume takes this folder's owner).
RUN DEBUG=true python manage.py compilemessages --ignore=.venv -v0 \
    && DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
       python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/media /app/private-media /backups \
    && chown -R portal:portal /app /backups

USER 1000:1000
EXPOSE 8000
# GET /healthz with a Host from ALLOWED_HOSTS (see deploy/healthcheck.sh).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["sh", "/app/deploy/healthcheck.sh"]

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
