"""Chairside settings: everything that differs between machines comes from the environment.

Local defaults are safe for a developer machine (DEBUG on, embedded PostgreSQL);
production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL, and then
``manage.py check --deploy`` is clean.
"""

from pathlib import Path

import environ

from config.embedded_db import embedded_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=True)
# Production must bring its own key: with DEBUG off there is no default.
SECRET_KEY = env(
    "SECRET_KEY",
    **(
        {"default": "django-insecure-local-development-key-only-never-use-in-production"}
        if DEBUG
        else {}
    ),
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Domain apps, in dependency order: each may import only those above it.
    "scheduling",
    "blockouts",
    "appointments",
    "recalls",
    "waitlist",
]

MIDDLEWARE = [
    # First, so preflights are answered and every API response (errors too) carries CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Sessions, the admin's user and messages: API calls pass through them (config/middleware.py).
    "config.middleware.BrowserSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.middleware.BrowserAuthenticationMiddleware",
    "config.middleware.BrowserMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
APPEND_SLASH = False  # the contract's paths have no trailing slash

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

# PostgreSQL only: DATABASE_URL when given, else the embedded server under .data/.
DATABASE_URL = env("DATABASE_URL", default=None) or embedded_database_url(BASE_DIR / ".data")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if env("TEST_DATABASE_NAME", default=None):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
# The constant hot-path statements (token, display) are prepared once per connection
# (scheduling/db.py); off behind a pooler in transaction mode. Django's own cursors bind on
# the client and never prepare, so the threshold only reaches scheduling.db's cursor.
# Their plans are generic (planned once per connection; without this PostgreSQL plans
# each of the first five executions again, ~1 ms apiece for the display SELECT).
if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["prepare_threshold"] = 5
    _options["options"] = f"{_options.get('options', '')} -c plan_cache_mode=force_generic_plan"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "scheduling.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve admin and Swagger assets straight from the apps, so DEBUG=false needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["scheduling.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["scheduling.api.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["scheduling.api.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "scheduling.api.negotiation.ContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["scheduling.api.filters.QueryFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "scheduling.api.pagination.PagePagination",
    "DEFAULT_SCHEMA_CLASS": "scheduling.api.schema.ChairsideAutoSchema",
    "DEFAULT_METADATA_CLASS": "scheduling.api.metadata.EndpointMetadata",
    "EXCEPTION_HANDLER": "scheduling.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
    "TIME_FORMAT": "%H:%M:%S",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": None,
}

# CORS, for a browser front-end on another origin: API paths only, and only the origins
# listed (none by default), e.g. CORS_ALLOWED_ORIGINS=https://desk.example.com. Bearer tokens,
# not cookies, so credentials are not allowed. Preflights are answered without a token.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_HEADERS = [
    "authorization",
    "content-type",
    "if-match",
    "if-none-match",
    "idempotency-key",
]
CORS_EXPOSE_HEADERS = ["ETag"]
CORS_ALLOW_CREDENTIALS = False

SPECTACULAR_SETTINGS = {
    "TITLE": "Chairside Scheduling API",
    "DESCRIPTION": (
        "Scheduling back end of a dental practice. Every call needs "
        "`Authorization: Bearer <token>`; every path is scoped to an organization."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # PATCH bodies are validated as written (base_version is required), not all-optional.
    "COMPONENT_SPLIT_PATCH": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # OpenAPI 3.0.3, with nullable references written as a oneOf with null (see
    # scheduling/api/schema.py): 3.1 reads no better in the clients and tools we checked.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "scheduling.api.schema.postprocess_nullable_refs",
    ],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "ENUM_NAME_OVERRIDES": {
        "AppointmentStatusEnum": "appointments.models.AppointmentStatus",
        "ProcedureStatusEnum": "appointments.models.ProcedureStatus",
        "BulkRowStatusEnum": "appointments.services.bulk.ROW_STATUSES",
        "BlockoutStatusEnum": "blockouts.models.BlockoutStatus",
        "ActiveInactiveStatusEnum": "blockouts.models.BlockoutTypeStatus",
        "MemberRoleEnum": "scheduling.models.Role",
        "ProviderRoleEnum": "appointments.models.ProviderRole",
        "AppointmentFieldEnum": "scheduling.schedule.view_layouts.AppointmentField",
        "ColorTargetEnum": "scheduling.schedule.view_layouts.ColorTarget",
        # The ASAP list (waitlist): named once, whichever serializer meets them first.
        "WaitlistEntryStatusEnum": "waitlist.models.EntryStatus",
        "WaitlistSourceEnum": "waitlist.models.Source",
        "SourceEnum": ["template", "override"],  # a schedule range's, named as before
        "WaitlistUrgencyEnum": "waitlist.models.Urgency",
        "ContactMethodEnum": "waitlist.models.ContactMethod",
        "PatientResponseEnum": "waitlist.models.PatientResponse",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# Production hardening: on whenever DEBUG is off, each switch overridable.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
