"""Settings of the benchmark server: the production settings (portal.settings with DEBUG off, read
from the environment by bench/run.py) plus one URL, /bench-floor, a Django view that answers "ok"
without touching the database, so every page can be compared with the framework's own floor on
the same server, through the same middleware, and a middleware that counts each request's SQL
queries (bench/middleware.py)."""

from portal.settings import *  # noqa: F403
from portal.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
