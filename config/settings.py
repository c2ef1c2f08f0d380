"""Settings for writing-api: one module, every knob an environment variable.

Defaults are safe for production; `make run` switches on debug for local work.
Every variable read here is listed, with its default, in the README.
"""

import re
import secrets
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core -------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", default=False)

_INSECURE_DEV_KEY = "django-insecure-writing-api-local-development-only"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", default=_INSECURE_DEV_KEY if DEBUG else "")
# Without a key in production mode, commands that need none (makemigrations, migrate,
# shell) still work; serving does not: the WSGI application (gunicorn, runserver)
# refuses to load and `check --deploy` fails (config/wsgi.py, config/checks.py). The
# random stand-in signs nothing that outlives the process.
SECRET_KEY_MISSING = not SECRET_KEY
if SECRET_KEY_MISSING:
    SECRET_KEY = "unset-" + secrets.token_urlsafe(50)

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS",
    default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [],
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite (the embedded default) builds the writing index's covering index without
# its INCLUDE columns; that is intended, so its warning is not shown. The operator
# may silence more (comma-separated ids, e.g. writing_api.W002 on a single host).
SILENCED_SYSTEM_CHECKS = [
    "models.W040",
    *env_list("DJANGO_SILENCED_SYSTEM_CHECKS", default=[]),
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",  # its templates (api/sitemaps.py)
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "config.apps.ProjectConfig",
    "blog",
    "api",
]

MIDDLEWARE = [
    # Outermost: it sees (and stores) the final bytes and headers of API responses.
    "api.caching.ResponseCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "api.middleware.ContentSecurityPolicyMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "api.middleware.MalformedQueryMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # api/templates first: it overrides drf-spectacular's ReDoc page.
        "DIRS": [BASE_DIR / "api" / "templates", BASE_DIR / "blog" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (psycopg 3); unset means the embedded SQLite file.

DATABASE_URL = env_str("DATABASE_URL", default="")
SQLITE_PATH = env_str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3"))
DATABASE_STATEMENT_TIMEOUT_MS = env_int("DATABASE_STATEMENT_TIMEOUT_MS", default=5000)


def _server_database(url: str) -> dict:
    """A database server's settings from its URL (dj-database-url)."""
    database = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    if database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("OPTIONS", {})
        # Fail fast while the server is down instead of hanging a worker, and never
        # let one slow query hold a worker for longer than the statement timeout.
        database["OPTIONS"].setdefault("connect_timeout", 3)
        # work_mem: the index sorts ~4 MB of rows; PostgreSQL's 4 MB default would
        # spill that sort to disk. random_page_cost: a blog's tables and indexes
        # stay in memory, where an index page costs about what a table page does;
        # with the default 4 (a spinning disk) the planner reads the whole posts
        # table and sorts it for the index instead of walking its covering index
        # (39 ms against 13 ms under EXPLAIN ANALYZE at 10,000 posts; 5-10 ms less
        # per index request measured from the client).
        database["OPTIONS"].setdefault(
            "options",
            f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS} -c work_mem=16MB"
            " -c random_page_cost=1.1",
        )
    return database


if DATABASE_URL:
    _default_db = _server_database(DATABASE_URL)
else:
    _default_db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": SQLITE_PATH,
        # The server and the worker write the same file: WAL lets readers go on
        # during a write, and IMMEDIATE takes the write lock when a transaction
        # starts instead of failing to upgrade a read lock halfway through.
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        },
    }
DATABASES = {"default": _default_db}

# Streaming replicas of the primary (blog/replicas.py): public API renders read from
# one that has replayed the current content version; everything else reads and
# writes the primary. The test run reads the test database through them.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", default=[])
DATABASE_REPLICA_WAIT_MS = env_int("DATABASE_REPLICA_WAIT_MS", default=0)
DATABASE_REPLICA_MAX_LAG_S = env_int("DATABASE_REPLICA_MAX_LAG_S", default=5)
if DATABASE_REPLICA_URLS and _default_db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs a PostgreSQL DATABASE_URL.")
for _n, _url in enumerate(DATABASE_REPLICA_URLS):
    _replica = _server_database(_url)
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS item {_n + 1} is not PostgreSQL."
        )
    DATABASES[f"replica_{_n}"] = {**_replica, "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["blog.replicas.ReplicaRouter"] if DATABASE_REPLICA_URLS else []

# --- Cache ------------------------------------------------------------------------
# The response cache, the content version and rate-limit counters must be shared by
# every process that serves the API, or one worker would keep answering with what
# another has already invalidated. REDIS_URL selects Redis (production, several
# hosts); unset, a file-based cache in DJANGO_CACHE_DIR is shared by the processes
# of one host.

REDIS_URL = env_str("REDIS_URL", default="")
CACHE_DIR = env_str("DJANGO_CACHE_DIR", default=str(BASE_DIR / ".cache" / "django"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.PooledClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "writing-api",
            # Short: a cache that does not answer is skipped (config/cache.py).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientFileBasedCache",
            "LOCATION": CACHE_DIR,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# --- Internationalisation: UTC everywhere ------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves the admin's and the API docs' assets under gunicorn; with finders
# on, it works without a `collectstatic` step (run it anyway in images).
WHITENOISE_USE_FINDERS = True

# --- Media: the image library (blog/images.py) --------------------------------------

IMAGE_MAX_UPLOAD_BYTES = env_int("IMAGE_MAX_UPLOAD_BYTES", default=20_000_000)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", default=50_000_000)
try:
    _widths = env_list("IMAGE_WIDTHS", ["320", "640", "960", "1280", "1920"])
    IMAGE_WIDTHS = sorted({int(width) for width in _widths})
except ValueError:
    raise ImproperlyConfigured(
        "IMAGE_WIDTHS must be comma-separated pixel widths, e.g. 320,640,1280."
    ) from None
if not IMAGE_WIDTHS or IMAGE_WIDTHS[0] < 1:
    raise ImproperlyConfigured("IMAGE_WIDTHS must name at least one positive width.")
# "worker": `manage.py run_worker` makes renditions after the upload commits;
# "sync": in the request (tests, scripts).
IMAGE_PROCESSING = env_str("IMAGE_PROCESSING", default="worker")
if IMAGE_PROCESSING not in {"worker", "sync"}:
    raise ImproperlyConfigured("IMAGE_PROCESSING must be worker or sync.")

MEDIA_URL = env_str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGE_BACKEND = env_str("STORAGE_BACKEND", default="local")
# A year, immutable: every stored file's name is made of its content's hash.
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"
if STORAGE_BACKEND == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME", default=""),
            "region_name": env_str("AWS_S3_REGION_NAME", default="") or None,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", default="") or None,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
            "default_acl": env_str("AWS_DEFAULT_ACL", default="public-read") or None,
            "querystring_auth": False,  # public, immutable URLs
            "file_overwrite": False,
            "object_parameters": {"CacheControl": MEDIA_CACHE_CONTROL},
        },
    }
    if not _default_storage["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
else:
    raise ImproperlyConfigured("STORAGE_BACKEND must be local or s3.")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Security ---------------------------------------------------------------------
# Production-safe by default: `manage.py check --deploy` passes with DEBUG off.

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Health checks come from load balancers over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int(
    "DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# A TLS-terminating proxy in front tells us the original scheme with this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = env_bool("DJANGO_USE_X_FORWARDED_HOST", default=False)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Number of trusted reverse proxies in front of the app; the client address is the
# one that many hops from the right of X-Forwarded-For. 0 trusts no header.
NUM_PROXIES = env_int("DJANGO_NUM_PROXIES", default=0)

ADMIN_URL = env_str("DJANGO_ADMIN_URL", default="admin/").strip("/") + "/"

_PASSWORD_VALIDATION = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_PASSWORD_VALIDATION}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_PASSWORD_VALIDATION}.MinimumLengthValidator"},
    {"NAME": f"{_PASSWORD_VALIDATION}.CommonPasswordValidator"},
    {"NAME": f"{_PASSWORD_VALIDATION}.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin login attempts: lock a username+address pair after 5 failures for an hour.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address DJANGO_NUM_PROXIES trusts, as the rate limit reads it; without this,
# axes falls back to REMOTE_ADDR: the proxy's own address, shared by every editor.
AXES_CLIENT_IP_CALLABLE = "config.proxies.request_client_address"
AXES_VERBOSE = False

# --- CORS: the API is public and read-only ------------------------------------------

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_ALL_ORIGINS = not CORS_ALLOWED_ORIGINS
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_URLS_REGEX = r"^/(api|ghost/api)/.*$"
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Content-Version"]
# Ghost's client sends Accept-Version from the browser (api.ghost).
CORS_ALLOW_HEADERS = (*default_cors_headers, "accept-version")

# --- The API ----------------------------------------------------------------------

API_CACHE_MAX_AGE = env_int("API_CACHE_MAX_AGE", default=60)
API_STALE_WHILE_REVALIDATE = env_int("API_STALE_WHILE_REVALIDATE", default=30)
API_RESPONSE_CACHE = env_bool("API_RESPONSE_CACHE", default=True)
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", default="")
if API_THROTTLE_RATE and not re.fullmatch(r"\d+/[smhd][a-z]*", API_THROTTLE_RATE):
    raise ImproperlyConfigured(
        f"API_THROTTLE_RATE={API_THROTTLE_RATE!r}: expected requests/period, "
        "e.g. 600/minute (period: second, minute, hour or day)"
    )
# Error answers (4xx) may be kept this long by shared caches (cut short before the
# next scheduled publish, like successful ones).
API_ERROR_MAX_AGE = env_int("API_ERROR_MAX_AGE", default=10)
# How long a process trusts the cache's copy of the content version before checking
# it against the database: the bound on serving answers a lost write left stale.
API_VERSION_RECHECK_SECONDS = env_int("API_VERSION_RECHECK_SECONDS", default=1)
# With Redis: let it push changes of the version's copy (config/tracking.py) instead
# of reading the copy on every request.
API_VERSION_TRACKING = env_bool("API_VERSION_TRACKING", default=True)
# Longer query strings are a 400 before any parameter is read.
API_MAX_QUERY_STRING = 4096
# At most this many values of a repeated parameter (`tag`, `exclude_tag`).
API_MAX_REPEATED_VALUES = 20
API_SEARCH_MAX_LENGTH = 200
PREVIEW_TOKEN_MAX_AGE = env_int("PREVIEW_TOKEN_MAX_AGE", default=3600)
FRONTEND_PREVIEW_URL = env_str("FRONTEND_PREVIEW_URL", default="")
FRONTEND_POST_URL = env_str("FRONTEND_POST_URL", default="")
FRONTEND_TAG_URL = env_str("FRONTEND_TAG_URL", default="")
FRONTEND_AUTHOR_URL = env_str("FRONTEND_AUTHOR_URL", default="")
FRONTEND_PAGE_URL = env_str("FRONTEND_PAGE_URL", default="")

# Where this API is reached from outside: absolute URLs in content rendered with no
# request to take them from (webhook bodies).
API_PUBLIC_URL = env_str("API_PUBLIC_URL", default="http://127.0.0.1:8000")

# The front-end's origin: relative links in content leaving the API (feeds) are
# made absolute against it.
SITE_URL = env_str("SITE_URL", default="")

# Ghost's Content API (api.ghost): `limit=all` answers at most this many, and its
# answers carry Ghost's own default `Cache-Control: public, max-age=0` (a CDN
# revalidates every time, with the ETag: a 304 while nothing changed).
GHOST_LIMIT_ALL_MAX = env_int("GHOST_LIMIT_ALL_MAX", default=1000)
GHOST_CACHE_MAX_AGE = env_int("GHOST_CACHE_MAX_AGE", default=0)
# The site settings' first values (`blog.site.Site`): read once, when its row is
# made on first use; afterwards the admin's "Site settings" is the truth.
SITE_TITLE = env_str("SITE_TITLE", default="writing-api")
SITE_DESCRIPTION = env_str("SITE_DESCRIPTION", default="An engineering blog.")
# A BCP 47 language tag (`en`, `en-GB`, `pt-BR`): `blog.site.LOCALE_PATTERN`.
SITE_LOCALE = env_str("SITE_LOCALE", default="en")
if not re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*", SITE_LOCALE):
    raise ImproperlyConfigured(
        f"SITE_LOCALE must be a BCP 47 language tag such as en or en-GB, not "
        f"{SITE_LOCALE!r}."
    )
# The byline of posts with no author of their own (the data migration gives it to
# posts written before authors existed, and new posts of editors without a name).
SITE_AUTHOR_NAME = env_str("SITE_AUTHOR_NAME", default=SITE_TITLE)
FEED_ITEMS = env_int("FEED_ITEMS", default=20)
# The feed's own public address when the front-end proxies it, e.g.
# `https://www.example.com/{format}.xml` (`{tag}` for tag feeds); unset, the API's.
FEED_PUBLIC_URL = env_str("FEED_PUBLIC_URL", default="")

# --- Publishing events: webhooks, surrogate keys, CDN purges (blog/worker.py) -------

# The header carrying a response's surrogate keys; `Cache-Tag` (Cloudflare) is
# comma-separated, any other space-separated; empty turns them off.
CACHE_TAG_HEADER = env_str("CACHE_TAG_HEADER", default="Surrogate-Key")
# Private and loopback webhook addresses are refused unless this is true.
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", default=10)
# Build hooks: at most one request per this many seconds, however many changes.
WEBHOOK_DEBOUNCE_SECONDS = env_int("WEBHOOK_DEBOUNCE_SECONDS", default=60)
# Finished deliveries and their events are deleted after this many days.
WEBHOOK_LOG_DAYS = env_int("WEBHOOK_LOG_DAYS", default=30)
# How often an idle worker looks for work (milliseconds).
WORKER_POLL_MS = env_int("WORKER_POLL_MS", default=250)
# `varnish`, `fastly`, `cloudflare` or empty (no CDN to purge).
CDN_PURGE = env_str("CDN_PURGE", default="").lower()
if CDN_PURGE not in {"", "varnish", "fastly", "cloudflare"}:
    raise ImproperlyConfigured(
        f"CDN_PURGE={CDN_PURGE!r}: use varnish, fastly, cloudflare or leave it empty."
    )
# Varnish: the URLs PURGE requests go to, one per Varnish server.
VARNISH_PURGE_URLS = env_list("VARNISH_PURGE_URLS", default=["http://127.0.0.1:6081/"])
FASTLY_SERVICE_ID = env_str("FASTLY_SERVICE_ID", default="")
FASTLY_API_TOKEN = env_str("FASTLY_API_TOKEN", default="")
FASTLY_API_URL = env_str("FASTLY_API_URL", default="https://api.fastly.com")
CLOUDFLARE_ZONE_ID = env_str("CLOUDFLARE_ZONE_ID", default="")
CLOUDFLARE_API_TOKEN = env_str("CLOUDFLARE_API_TOKEN", default="")
CLOUDFLARE_API_URL = env_str(
    "CLOUDFLARE_API_URL", default="https://api.cloudflare.com/client/v4"
)
# Soft purges (Varnish, Fastly) mark content stale instead of dropping it.
CDN_SOFT_PURGE = env_bool("CDN_SOFT_PURGE", default=False)

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # The rate limit (API_THROTTLE_RATE) is counted in front of Django, cached
    # answers included (api/throttling.py), not by DRF's throttles.
    "DEFAULT_THROTTLE_CLASSES": [],
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.JSONOnlyNegotiation",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "COERCE_DECIMAL_TO_STRING": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "writing-api",
    "DESCRIPTION": (
        "The read-only content API of an engineering blog: posts, tags, the full "
        "writing index. JSON only; every list is newest first; only published posts "
        "whose publish time has passed are ever visible."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"RedirectType": ["post", "tag", "author", "page"]},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["api.schema.only_public_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
        "api.schema.add_plain_views",
        "api.schema.add_moved_responses",
    ],
    "DISABLE_ERRORS_AND_WARNINGS": False,
}

# --- Logging ----------------------------------------------------------------------

LOG_LEVEL = env_str("DJANGO_LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False}
    },
}
