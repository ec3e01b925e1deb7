"""The portal's one settings module, driven by the environment.

Development needs no variable at all (SQLite in the project folder, DEBUG on). With DEBUG off the
portal refuses to start unless SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL are set.
"""

import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def require(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"The environment variable {name} is required when DEBUG is off."
        )
    return value


DEBUG = env_bool("DEBUG", True)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
    DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
else:
    SECRET_KEY = require("SECRET_KEY")
    ALLOWED_HOSTS = [h.strip() for h in require("ALLOWED_HOSTS").split(",") if h.strip()]
    DATABASE_URL = require("DATABASE_URL")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # modeltranslation must come before the admin so that its admin integration registers first.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_countries",
    "django_filters",
    "phonenumber_field",
    "import_export",
    "simple_history",
    "axes",
    # the open data API (api/): Django REST framework, its OpenAPI schema, CORS for GET
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "clusters",
    "portal",
    "companies",
    "board",
    "representatives",
    "projects",
    "events",
    "api",
    # the clusters' figures for funders (indicators/): counts over the apps above and keeps the
    # memberships' history (simple-history), from which "left in the period" is counted
    "indicators",
]
# The demo-data generator (seed_demo) is for development: production has neither it nor Faker.
if importlib.util.find_spec("demo") and importlib.util.find_spec("faker"):
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # CORS headers for the open data API's GET requests only (api/cors.py decides per request).
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The database unreachable: a 503 with Retry-After, not a 500 (portal/middleware.py).
    "portal.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inline styles (never scripts) on admin URLs only: see portal/csp.py.
    "portal.csp.AdminInlineStyleMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # axes must be last: it reads the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    },
]

# Persistent connections are checked before a request reuses them, so a restarted database costs
# no request an error.
DB_CONNECTION = {
    "conn_max_age": env_int("DB_CONN_MAX_AGE", 60),
    "conn_health_checks": env_bool("DB_CONN_HEALTH_CHECKS", True),
}
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, **DB_CONNECTION)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers (the quick start's database): wait for the lock instead of failing with
    # "database is locked", take the write lock when a transaction starts (no deadlock on
    # upgrading a read lock), and let readers go on while one writes (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )
# A read replica of the primary (streaming replication): the directory engine reads from it.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, **DB_CONNECTION)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["portal.routers.DirectoryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- Languages -------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("sv", _("Swedish")),
    ("fi", _("Finnish")),
    ("pl", _("Polish")),
    ("lt", _("Lithuanian")),
]
LANGUAGE_CODES = [code for code, _name in LANGUAGES]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Local corrections of Django's formats (portal/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["portal.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Helsinki"

# The one fallback chain per language (content). Swedish and Finnish, Finland's two official
# languages, fall back to each other first; then English; then the rest so a field is never empty.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = tuple(LANGUAGE_CODES)
MODELTRANSLATION_FALLBACK_LANGUAGES = {
    "default": ("en", "sv", "fi", "pl", "lt"),
    "en": ("sv", "fi", "pl", "lt"),
    "sv": ("fi", "en", "pl", "lt"),
    "fi": ("sv", "en", "pl", "lt"),
    "pl": ("en", "lt", "sv", "fi"),
    "lt": ("en", "pl", "sv", "fi"),
}
# Admin translation tabs: jQuery UI is served from our own static files, never a CDN.
JQUERY_UI_URL = "vendor/jquery-ui/jquery-ui.min.js"

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Private files (internal project documents, files waiting in an import) never get a public URL:
# the portal hands out signed links that expire (clusters/files.py).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private-media")))
PRIVATE_FILE_URL_MAX_AGE = env_int("PRIVATE_FILE_URL_MAX_AGE", 600)
# Several app servers share uploads through S3-compatible object storage (django-storages): public
# files under public/ (readable through S3_PUBLIC_DOMAIN, e.g. the proxy's /media/), private ones
# under private/. Without S3_BUCKET, files stay on this machine's disk.
S3_BUCKET = env_str("S3_BUCKET", "")


def s3_storages(bucket, endpoint_url=None, public_domain=None, url_protocol="https:", **keys):
    """The public and the private storage in one S3 bucket (also used by the tests)."""
    common = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url,
        "addressing_style": "path",
        "file_overwrite": False,
        **keys,
    }
    public = {
        "location": "public",
        "querystring_auth": False,
        "custom_domain": public_domain,
        "url_protocol": url_protocol,
    }
    return (
        {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**common, **public}},
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**common, "location": "private", "default_acl": "private"},
        },
    )


if S3_BUCKET:
    _public_storage, _private_storage = s3_storages(
        S3_BUCKET,
        endpoint_url=env_str("S3_ENDPOINT_URL"),
        public_domain=env_str("S3_PUBLIC_DOMAIN"),
        url_protocol=env_str("S3_URL_PROTOCOL", "https:"),
        region_name=env_str("S3_REGION", "us-east-1"),
        access_key=env_str("S3_ACCESS_KEY_ID"),
        secret_key=env_str("S3_SECRET_ACCESS_KEY"),
    )
else:
    _public_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": "/files/"},
    }
# Without a proxy in front (or S3), the portal serves public uploads itself (portal/urls.py).
SERVE_MEDIA = env_bool("SERVE_MEDIA", not S3_BUCKET)
STORAGES = {
    "default": _public_storage,
    "private": _private_storage,
    # An import's uploaded file waits between "preview" and "confirm", which may reach another app
    # server: django-import-export keeps it in the shared private storage, not in one node's /tmp.
    "import_export": _private_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Cache -----------------------------------------------------------------------------------
# django-ratelimit needs a cache shared by all workers: Redis in production, the database cache
# otherwise (created by `manage.py createcachetable`, run in setup).
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }

# --- E-mail ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A mail server that never answers must not hold a request or send_outbox: the message stays in
# the outbox and is retried.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Cluster portal <noreply@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security --------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_USERNAME_CALLABLE = "representatives.accounts.axes_username"

# Behind a proxy: the header that carries the visitor's address (nginx's X-Real-IP), so that rate
# limits and lock-outs count each visitor rather than the proxy (clusters/clientip.py).
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "")
RATELIMIT_IP_META_KEY = "clusters.clientip.client_ip"
AXES_CLIENT_IP_CALLABLE = "clusters.clientip.client_ip"

RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
# Posts per client and hour on each public form (offers, jobs, interest, registration, visits).
PUBLIC_POST_RATELIMIT = env_str("PUBLIC_POST_RATELIMIT", "10/h")
# Days after expiry before job posts (personal data) are deleted by `purge_expired_jobs`.
JOB_RETENTION_DAYS = env_int("JOB_RETENTION_DAYS", 90)
# How long a renewed cooperation offer stays open.
OFFER_RENEWAL_DAYS = env_int("OFFER_RENEWAL_DAYS", 90)
# Who hears of public submissions for a cluster that has no coordinator with an e-mail address.
MANAGERS = [("Portal managers", address) for address in env_list("MANAGERS_EMAILS", [])]

# --- Open data API (api/) --------------------------------------------------------------------
# Requests per client (address, see CLIENT_IP_HEADER) to /api/v1/, in django-ratelimit's form;
# beyond it the API answers 429 with Retry-After. Counted where the public forms' limits are
# (Redis, or RateLimitCount rows in the database), so the limit holds across workers and servers.
API_RATELIMIT = env_str("API_RATELIMIT", "600/h")
# The most rows a page may hold (?page_size=1 to this; 20 without it).
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 100)
# Seconds a client or a proxy may reuse an answer before it asks again (If-None-Match → 304).
API_CACHE_SECONDS = env_int("API_CACHE_SECONDS", 60)
# Who may read the API from a browser page of another site (CORS for GET, HEAD and OPTIONS, never
# with credentials): "*" for anyone, or comma-separated origins such as https://example.org.
API_CORS_ORIGINS = env_list("API_CORS_ORIGINS", ["*"])
CORS_ALLOW_ALL_ORIGINS = API_CORS_ORIGINS == ["*"]
CORS_ALLOWED_ORIGINS = [] if CORS_ALLOW_ALL_ORIGINS else API_CORS_ORIGINS
# No URL is enabled by the pattern: api/cors.py enables GET, HEAD and OPTIONS under /api/ only.
CORS_URLS_REGEX = r"(?!)"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ["Content-Language", "ETag", "Link", "Retry-After"]
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.base.exception_handler",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cluster portal open data API",
    "DESCRIPTION": (
        "Read-only open data of the cluster portal: companies (public profile fields), clusters, "
        "projects, events and open cooperation offers. The data is licensed under CC BY 4.0 "
        "(https://creativecommons.org/licenses/by/4.0/): credit the cluster portal."
    ),
    "VERSION": "1.0.0",
    "LICENSE": {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI from the package's own static files (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "defaultModelsExpandDepth": 0},
}

PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"

SIMPLE_HISTORY_REVERT_DISABLED = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
