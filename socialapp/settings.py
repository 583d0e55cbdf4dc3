"""Settings, read from the environment (12-factor).

With no environment at all the project runs on its embedded defaults: five SQLite files,
in-process event delivery, in-memory channel layer, local-memory cache, media on the local
filesystem and Celery tasks run inline. Setting a URL switches the matching production
component on. README.md lists every variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

from socialapp.deployment import parse_services

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

SOCIALAPP_VERSION: str = env.str("SOCIALAPP_VERSION", default="0.1.0")

# --- core -------------------------------------------------------------------------------
DEBUG: bool = env.bool("DEBUG", default=True)
DEFAULT_SECRET_KEY = "insecure-embedded-default-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY: str = env.str("SECRET_KEY", default=DEFAULT_SECRET_KEY)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var")))

# --- services ---------------------------------------------------------------------------
# Service name (what SOCIALAPP_SERVICES, the URL prefixes and the Kubernetes deployments use)
# -> Django app label. apps/auth takes the label "identity": "auth" is django.contrib.auth's.
SOCIALAPP_SERVICE_APPS: dict[str, str] = {
    "auth": "identity",
    "users": "users",
    "feed": "feed",
    "media": "media",
    "notifications": "notifications",
}
SOCIALAPP_ENABLED_SERVICES: list[str] = parse_services(
    env.str("SOCIALAPP_SERVICES", default="all"), list(SOCIALAPP_SERVICE_APPS)
)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "graphene_django",
    "channels",
    "socialapp",
    "apps.auth",
    "apps.users",
    "apps.feed",
    "apps.media",
    "apps.notifications",
]

MIDDLEWARE = [
    "socialapp.observability.middleware.RequestContextMiddleware",
    "socialapp.observability.middleware.PrometheusMiddleware",
    # Probes and scrapes come by pod IP: answer them before Host validation.
    "socialapp.observability.middleware.ProbeMiddleware",
    # Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 from their declared length (WSGI; ASGI refuses
    # them before Django: socialapp/body_limits.py).
    "socialapp.body_limits.OversizedBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The built web client's files (socialapp/web_client.py); not loaded when WEB_CLIENT_ENABLED is off.
    "socialapp.web_client.WebClientMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: keeps every middleware above in sync mode under ASGI (four thread crossings, not eight).
    "socialapp.middleware.SyncMiddlewareChain",
]

ROOT_URLCONF = "socialapp.urls"
ASGI_APPLICATION = "socialapp.asgi.application"
# gunicorn loads socialapp.wsgi:application by path for the HTTP-only services (ADR 0011);
# runserver serves the ASGI application, so Django is not pointed at a WSGI one.
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

# --- databases --------------------------------------------------------------------------
# One alias per service. Each comes from its own URL (AUTH_DATABASE_URL, ...); unset, it is
# DATABASE_URL's server with a database of its own (<name>_<alias>); with no DATABASE_URL,
# a SQLite file in DATA_DIR. "default" is deliberately empty: every model is routed.
DATABASE_ALIASES = ["auth", "users", "feed", "media", "notifications"]
# Off: a connection per request (CONN_MAX_AGE=0). On: a psycopg pool per alias and process,
# opened when the alias is first used; at most 5 x processes x max size server connections.
DATABASE_POOL: bool = env.bool("DATABASE_POOL", default=False)
DATABASE_POOL_MIN_SIZE: int = env.int("DATABASE_POOL_MIN_SIZE", default=1)
DATABASE_POOL_MAX_SIZE: int = env.int("DATABASE_POOL_MAX_SIZE", default=8)
# How long a request waits for a free connection before it fails.
DATABASE_POOL_TIMEOUT_SECONDS: float = env.float("DATABASE_POOL_TIMEOUT_SECONDS", default=10.0)

# App label -> database alias. django.contrib.auth and contenttypes live with identities.
DATABASE_APP_ALIASES: dict[str, str] = {
    "identity": "auth",
    "auth": "auth",
    "contenttypes": "auth",
    "users": "users",
    "feed": "feed",
    "media": "media",
    "notifications": "notifications",
}


def _database_for(alias: str) -> dict[str, Any]:
    own_url = env.str(f"{alias.upper()}_DATABASE_URL", default="")
    shared_url = env.str("DATABASE_URL", default="")
    if own_url:
        config = env.db_url_config(own_url)
    elif shared_url:
        config = env.db_url_config(shared_url)
        config["NAME"] = f"{config['NAME'] or 'socialapp'}_{alias}"
    else:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / f"{alias}.sqlite3")}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL and a busy timeout let the relay, consumers and the server share a file.
        config["OPTIONS"] = {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    else:
        # 0 under ASGI (Django's advice: requests run in varying threads); workers may set 60.
        config.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
        config["CONN_HEALTH_CHECKS"] = True
        if DATABASE_POOL:
            # A request takes a connection from the process's pool and gives it back at its end,
            # instead of opening one (docs/adr/0006-database-connection-pool.md). Django refuses a
            # pool beside persistent connections.
            if config["CONN_MAX_AGE"] != 0:
                raise ImproperlyConfigured(f"DATABASE_POOL needs DATABASE_CONN_MAX_AGE=0 ({alias}).")
            config.setdefault("OPTIONS", {})["pool"] = {
                "min_size": DATABASE_POOL_MIN_SIZE,
                "max_size": DATABASE_POOL_MAX_SIZE,
                "timeout": DATABASE_POOL_TIMEOUT_SECONDS,
            }
        config["TEST"] = {"NAME": f"test_{config['NAME']}"}
    # No alias depends on "default" (which is empty) when test databases are created.
    config.setdefault("TEST", {})["DEPENDENCIES"] = []
    return dict(config)


DATABASES: dict[str, dict[str, Any]] = {"default": {}}
DATABASES.update({alias: _database_for(alias) for alias in DATABASE_ALIASES})
DATABASE_ROUTERS = ["socialapp.db_router.ServiceDatabaseRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- redis, cache, channels, celery ----------------------------------------------------
REDIS_URL: str = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CONNECTION_FACTORY": "socialapp.cache.SharedClientConnectionFactory"},
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL: str = env.str("CELERY_BROKER_URL", default="")
# No broker: tasks run inline in the caller (the embedded default).
CELERY_TASK_ALWAYS_EAGER: bool = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"

# --- events -----------------------------------------------------------------------------
# With KAFKA_BOOTSTRAP_SERVERS set, outbox rows are relayed to Kafka by `manage.py
# relay_outbox` and consumed by `manage.py consume <service>`; without it, they are
# delivered to the in-process handlers right after commit.
KAFKA_BOOTSTRAP_SERVERS: str = env.str("KAFKA_BOOTSTRAP_SERVERS", default="")
KAFKA_TOPIC_PREFIX: str = env.str("KAFKA_TOPIC_PREFIX", default="")
KAFKA_CONSUMER_GROUP_PREFIX: str = env.str("KAFKA_CONSUMER_GROUP_PREFIX", default="socialapp")
KAFKA_TOPIC_PARTITIONS: int = env.int("KAFKA_TOPIC_PARTITIONS", default=3)
KAFKA_TOPIC_REPLICATION: int = env.int("KAFKA_TOPIC_REPLICATION", default=1)
# Each produce and fetch request costs the broker CPU (Tansu: ~0.7 ms a produce request),
# so the relay gathers messages for up to this long into one request, and an idle consumer
# asks again only this often. Both bound the latency they add (ADR 0008).
KAFKA_PRODUCER_LINGER_MS: int = env.int("KAFKA_PRODUCER_LINGER_MS", default=10)
KAFKA_FETCH_WAIT_MAX_MS: int = env.int("KAFKA_FETCH_WAIT_MAX_MS", default=50)
# Extra librdkafka settings for every client, e.g. "security.protocol=SSL,ssl.ca.location=/ca.pem".
KAFKA_CLIENT_CONFIG: dict[str, str] = env.dict("KAFKA_CLIENT_CONFIG", default={})
EVENTS_RELAY_BATCH_SIZE: int = env.int("EVENTS_RELAY_BATCH_SIZE", default=2000)
EVENTS_RELAY_POLL_SECONDS: float = env.float("EVENTS_RELAY_POLL_SECONDS", default=1.0)
EVENTS_CONSUMER_MAX_ATTEMPTS: int = env.int("EVENTS_CONSUMER_MAX_ATTEMPTS", default=3)
EVENTS_INPROCESS_MAX_ATTEMPTS: int = env.int("EVENTS_INPROCESS_MAX_ATTEMPTS", default=5)
# In-process mode: how often a server process sweeps its outboxes for rows a crash or a
# failing handler left undelivered (0 turns the sweeper off; it still runs once at start).
EVENTS_INPROCESS_SWEEP_SECONDS: float = env.float("EVENTS_INPROCESS_SWEEP_SECONDS", default=5.0)
# How long delivered outbox rows and inbox rows are kept (`manage.py prune_events`).
EVENTS_RETENTION_DAYS: float = env.float("EVENTS_RETENTION_DAYS", default=7)
# Whether loading the ASGI or WSGI application starts that sweeper (tests load it without one).
EVENTS_START_SWEEPER: bool = env.bool("EVENTS_START_SWEEPER", default=True)

# --- long-running processes -------------------------------------------------------------
# The cycle collector of server workers, relays and consumers (socialapp/gc_tuning.py, ADR
# 0010): what start-up loaded is frozen out of collections. GC_THRESHOLDS, when set, replaces
# Python's generation thresholds (700, 10, 10); empty keeps them.
GC_FREEZE_AFTER_STARTUP: bool = env.bool("GC_FREEZE_AFTER_STARTUP", default=True)
GC_THRESHOLDS: list[int] = env.list("GC_THRESHOLDS", cast=int, default=[])
if not 0 <= len(GC_THRESHOLDS) <= 3 or any(threshold < 0 for threshold in GC_THRESHOLDS):
    raise ImproperlyConfigured(f"GC_THRESHOLDS takes up to three counts >= 0, got {GC_THRESHOLDS}.")

# --- authentication ---------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
# Argon2 first: new passwords are hashed with it; older hashes are upgraded on login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# RS256 key ring (socialapp/authn/keys.py): <kid>.key.pem / <kid>.pub.pem files.
JWT_KEYS_DIR = Path(env.str("JWT_KEYS_DIR", default=str(DATA_DIR / "jwt-keys")))
JWT_ACTIVE_KID: str = env.str("JWT_ACTIVE_KID", default="")
# The embedded default makes itself a key pair; production mounts its keys.
JWT_GENERATE_KEYS: bool = env.bool("JWT_GENERATE_KEYS", default=DEBUG)
JWT_ISSUER: str = env.str("JWT_ISSUER", default="socialapp-auth")
JWT_LEEWAY_SECONDS: int = env.int("JWT_LEEWAY_SECONDS", default=5)
SIMPLE_JWT = {
    "ALGORITHM": "RS256",
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("ACCESS_TOKEN_MINUTES", default=10)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("REFRESH_TOKEN_DAYS", default=14)),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
    "ISSUER": JWT_ISSUER,
    "UPDATE_LAST_LOGIN": False,
}
# How many proxies in front of the app append to X-Forwarded-For (Istio ingress: 1).
TRUSTED_PROXY_HOPS: int = env.int("TRUSTED_PROXY_HOPS", default=0)

# Security headers. TLS ends at the gateway, which says so in X-Forwarded-Proto; HSTS is sent
# only on requests that arrived over TLS (SecurityMiddleware), so never on a laptop's http://.
if TRUSTED_PROXY_HOPS > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Login throttling (per account and per client address), counted in the cache.
LOGIN_MAX_FAILURES_PER_ACCOUNT: int = env.int("LOGIN_MAX_FAILURES_PER_ACCOUNT", default=5)
LOGIN_MAX_ATTEMPTS_PER_ADDRESS: int = env.int("LOGIN_MAX_ATTEMPTS_PER_ADDRESS", default=30)
LOGIN_THROTTLE_WINDOW_SECONDS: int = env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=900)
# Accounts one client address may create per window (Mastodon: 5 per 30 minutes).
REGISTRATIONS_PER_ADDRESS: int = env.int("REGISTRATIONS_PER_ADDRESS", default=5)
REGISTRATION_THROTTLE_WINDOW_SECONDS: int = env.int("REGISTRATION_THROTTLE_WINDOW_SECONDS", default=1800)

# --- API --------------------------------------------------------------------------------
# No debug middleware: with DEBUG it wraps every database cursor for good.
GRAPHENE = {"SCHEMA": "socialapp.graphql.schema.schema", "ATOMIC_MUTATIONS": False, "MIDDLEWARE": []}
# Readiness checks to leave out, e.g. "kafka" for web pods that only write to the outbox.
READYZ_SKIP: list[str] = env.list("READYZ_SKIP", default=[])
# Who may read /metrics and /readyz's details besides the pod itself (socialapp/health.py).
METRICS_TOKEN: str = env.str("METRICS_TOKEN", default="")

GRAPHQL_MAX_DEPTH: int = env.int("GRAPHQL_MAX_DEPTH", default=10)
# Measured before validation (socialapp/graphql/limits.py); the web client's operations fit well inside.
GRAPHQL_MAX_QUERY_LENGTH: int = env.int("GRAPHQL_MAX_QUERY_LENGTH", default=20_000)
GRAPHQL_MAX_TOKENS: int = env.int("GRAPHQL_MAX_TOKENS", default=4_000)
GRAPHQL_MAX_FIELDS: int = env.int("GRAPHQL_MAX_FIELDS", default=300)
GRAPHQL_MAX_ALIASES: int = env.int("GRAPHQL_MAX_ALIASES", default=20)
GRAPHQL_MAX_COST: int = env.int("GRAPHQL_MAX_COST", default=5_000)
GRAPHQL_MAX_ROOT_MUTATIONS: int = env.int("GRAPHQL_MAX_ROOT_MUTATIONS", default=5)
# The page a connection returns when asked without `first` (the services' own default).
GRAPHQL_DEFAULT_PAGE_SIZE: int = env.int("GRAPHQL_DEFAULT_PAGE_SIZE", default=20)
GRAPHQL_INTROSPECTION: bool = env.bool("GRAPHQL_INTROSPECTION", default=DEBUG)
GRAPHIQL: bool = env.bool("GRAPHIQL", default=DEBUG)

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["socialapp.authn.viewer.ViewerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "socialapp.rest.rest_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["socialapp.ratelimits.WriteRateLimitThrottle"],
    "DEFAULT_SCHEMA_CLASS": "socialapp.openapi.AutoSchema",  # adds the kernel's refusals and bearer scheme
}

# The REST endpoints' OpenAPI document, served at /api/schema/ and committed as docs/openapi.yaml.
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "socialapp REST API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request and response components apart, so an upload's `file` is documented as binary.
    "COMPONENT_SPLIT_REQUEST": True,
}

# Write budgets per scope, per account and per client address ("<count>/<period>", period in
# s, m, h or d), counted in the shared cache; the apps say which mutations spend which scope.
WRITE_RATE_LIMITS: dict[str, dict[str, str]] = {
    "writes": {
        "account": env.str("WRITE_RATE_LIMIT_PER_ACCOUNT", default="300/5m"),
        "address": env.str("WRITE_RATE_LIMIT_PER_ADDRESS", default="1500/5m"),
    },
    "media": {
        "account": env.str("MEDIA_RATE_LIMIT_PER_ACCOUNT", default="30/30m"),
        "address": env.str("MEDIA_RATE_LIMIT_PER_ADDRESS", default="150/30m"),
    },
}
RATELIMIT_ENABLE: bool = env.bool("RATELIMIT_ENABLE", default=True)

# --- static and media -------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
# The built Vue client (`npm ci && npm run build` in web/), served at / beside the API by a process
# serving every service (the embedded default); the split services leave it to the gateway.
WEB_CLIENT_DIR = Path(env.str("WEB_CLIENT_DIR", default=str(BASE_DIR / "web" / "dist")))
WEB_CLIENT_ENABLED: bool = env.bool(
    "WEB_CLIENT_ENABLED", default=set(SOCIALAPP_ENABLED_SERVICES) >= set(SOCIALAPP_SERVICE_APPS)
)

# With a bucket, media go to S3 (or MinIO / any S3-compatible endpoint) through
# django-storages; credentials come from the usual AWS variables or the pod's IAM role.
AWS_STORAGE_BUCKET_NAME: str = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL: str | None = env.str("AWS_S3_ENDPOINT_URL", default="") or None
# The endpoint in URLs handed to browsers (presigned GETs, direct-upload POSTs) when they cannot
# reach AWS_S3_ENDPOINT_URL (an in-cluster or in-compose host); empty: the same endpoint.
AWS_S3_PUBLIC_ENDPOINT_URL: str = env.str("AWS_S3_PUBLIC_ENDPOINT_URL", default="")
AWS_S3_REGION_NAME: str | None = env.str("AWS_S3_REGION_NAME", default="") or None
# Private by default: URLs are presigned and expire.
AWS_QUERYSTRING_AUTH: bool = env.bool("MEDIA_URLS_PRESIGNED", default=True)
AWS_QUERYSTRING_EXPIRE: int = env.int("MEDIA_URL_EXPIRY_SECONDS", default=3600)
AWS_DEFAULT_ACL = None
AWS_S3_FILE_OVERWRITE = False
AWS_S3_SIGNATURE_VERSION = "s3v4"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage"
        if AWS_STORAGE_BUCKET_NAME
        else "django.core.files.storage.FileSystemStorage"
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- feed -------------------------------------------------------------------------------
# Home timelines (apps/feed/config.py says what each does).
FEED_TIMELINE_MAX: int = env.int("FEED_TIMELINE_MAX", default=800)
FEED_FANOUT_MAX_FOLLOWERS: int = env.int("FEED_FANOUT_MAX_FOLLOWERS", default=10_000)
FEED_FANOUT_BATCH_SIZE: int = env.int("FEED_FANOUT_BATCH_SIZE", default=1_000)
FEED_INACTIVE_DAYS: float = env.float("FEED_INACTIVE_DAYS", default=7)
FEED_ACTIVITY_WRITE_SECONDS: float = env.float("FEED_ACTIVITY_WRITE_SECONDS", default=3600)
FEED_POST_CACHE_SECONDS: int = env.int("FEED_POST_CACHE_SECONDS", default=300)
FEED_TIMELINE_STORE: str = env.str("FEED_TIMELINE_STORE", default="")  # redis | database | "" (auto)
FEED_REDIS_URL: str = env.str("FEED_REDIS_URL", default="")
FEED_SEARCH_INDEX: str = env.str("FEED_SEARCH_INDEX", default="feed-posts")
FEED_SEARCH_TIMEOUT_SECONDS: float = env.float("FEED_SEARCH_TIMEOUT_SECONDS", default=5)
FEED_SEARCH_REINDEX_CHUNK: int = env.int("FEED_SEARCH_REINDEX_CHUNK", default=500)

# --- media ------------------------------------------------------------------------------
MEDIA_MAX_UPLOAD_BYTES: int = env.int("MEDIA_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
MEDIA_MAX_PIXELS: int = env.int("MEDIA_MAX_PIXELS", default=40_000_000)
MEDIA_MAX_FRAMES: int = env.int("MEDIA_MAX_FRAMES", default=300)
MEDIA_MAX_ANIMATION_PIXELS: int = env.int("MEDIA_MAX_ANIMATION_PIXELS", default=50_000_000)
MEDIA_THUMBNAIL_FORMAT: str = env.str("MEDIA_THUMBNAIL_FORMAT", default="webp")
MEDIA_DIRECT_UPLOAD_EXPIRY_SECONDS: int = env.int("MEDIA_DIRECT_UPLOAD_EXPIRY_SECONDS", default=900)
MEDIA_DIRECT_UPLOAD_GRACE_SECONDS: int = env.int("MEDIA_DIRECT_UPLOAD_GRACE_SECONDS", default=3600)
MEDIA_PROCESSING_STUCK_SECONDS: int = env.int("MEDIA_PROCESSING_STUCK_SECONDS", default=600)
# Without a Celery broker, images over this much work (pixels x frames) are processed on a
# thread after the upload answers, not inside its request.
MEDIA_INLINE_PROCESSING_PIXELS: int = env.int("MEDIA_INLINE_PROCESSING_PIXELS", default=16_000_000)

# --- synchronous ports (socialapp.ports) ---------------------------------------------------
# <SERVICE>_PORT forces `inprocess` or `http`; empty: in process when this process serves that
# service, else HTTP to <SERVICE>_PORT_URL. The internal endpoints exist only with a token.
INTERNAL_TOKEN: str = env.str("INTERNAL_TOKEN", default="")
MEDIA_PORT: str = env.str("MEDIA_PORT", default="")
MEDIA_PORT_URL: str = env.str("MEDIA_PORT_URL", default="http://media")
MEDIA_PORT_TIMEOUT_SECONDS: float = env.float("MEDIA_PORT_TIMEOUT_SECONDS", default=3.0)
NOTIFICATIONS_PORT: str = env.str("NOTIFICATIONS_PORT", default="")
NOTIFICATIONS_PORT_URL: str = env.str("NOTIFICATIONS_PORT_URL", default="http://notifications")
NOTIFICATIONS_PORT_TIMEOUT_SECONDS: float = env.float("NOTIFICATIONS_PORT_TIMEOUT_SECONDS", default=3.0)

# --- search -----------------------------------------------------------------------------
# With a URL, the feed's search adapter indexes into Elasticsearch; without, it searches
# the database.
ELASTICSEARCH_URL: str = env.str("ELASTICSEARCH_URL", default="")

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# --- logging ----------------------------------------------------------------------------
LOG_LEVEL: str = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT: str = env.str("LOG_FORMAT", default="json")  # json | console
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "socialapp.observability.logging.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "socialapp.observability.logging.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "console": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- notifications ------------------------------------------------------------------------
# The channel layer's Redis reads wait longer than channels_redis's 5 s BZPOPMIN (redis-py's 5 s
# default socket timeout crashed the consumer of a socket idle for 5 s), and its pool takes more
# than redis-py's default 100 connections (a burst of handshakes failed with a 500; ADR 0013).
# The NOTIFICATIONS_* variables are read, with their defaults, in apps/notifications/config.py.
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30, "max_connections": 1000}]},
        }
    }
