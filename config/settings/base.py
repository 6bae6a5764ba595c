"""Settings shared by every environment. Environment variables are read in config.env only."""

import dj_database_url

from config import env

BASE_DIR = env.BASE_DIR
VAR_DIR = env.VAR_DIR

SECRET_KEY = env.env_str("DJANGO_SECRET_KEY")
DEBUG = env.env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env.env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env.env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Where package content runs, apart from the platform's pages (courseware/origins.py).
TAYNGHE_CONTENT_ORIGIN = env.env_str("TAYNGHE_CONTENT_ORIGIN")
ALLOWED_HOSTS += env.origin_hosts(TAYNGHE_CONTENT_ORIGIN)

INSTALLED_APPS = [
    # The platform's parts, bottom to top (docs/architecture.md).
    "institutions",
    "lrs",
    "media",
    "courseware",
    "assessment",
    "marketplace",
    "lms",
    "search",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # API
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions, so a cached page needs no session and carries every inner header.
    "lms.middleware.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Only content is served on the content host (TAYNGHE_CONTENT_ORIGIN).
    "courseware.origins.ContentHostMiddleware",
    # After CommonMiddleware has validated the host.
    "lms.site_cache.SiteLookupCacheMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(env.database_url(), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a threaded web server and its task worker at once: a writer
    # takes the lock when its transaction begins (no "database is locked" on a read-to-write
    # upgrade), waits up to 20 s for it, and readers never wait for a writer (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "institutions.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "lms:dashboard"
LOGOUT_REDIRECT_URL = "/"

CACHES = {"default": env.cache_config(env.env_str("CACHE_URL", "locmem://"))}
# Whole-page cache for anonymous visitors of Wagtail pages (seconds; 0 turns it off).
TAYNGHE_PAGE_CACHE_SECONDS = int(env.env_str("TAYNGHE_PAGE_CACHE_SECONDS", "60"))
# How long each process remembers which Wagtail Site answers a host (0 turns it off).
TAYNGHE_SITE_CACHE_SECONDS = int(env.env_str("TAYNGHE_SITE_CACHE_SECONDS", "60"))
# How long parts of pages that no visitor changes (a course's outline) stay cached.
TAYNGHE_FRAGMENT_CACHE_SECONDS = int(env.env_str("TAYNGHE_FRAGMENT_CACHE_SECONDS", "300"))
# Item statistics of more attempt-items than this are computed in the background (progress bar).
TAYNGHE_STATS_BACKGROUND_CELLS = env.env_int("TAYNGHE_STATS_BACKGROUND_CELLS", 100_000)
# The benchmark's reference view (bench/floor); off unless the bench runner turns it on.
TAYNGHE_BENCH_ENDPOINTS = env.env_bool("TAYNGHE_BENCH_ENDPOINTS", False)

# What an uploaded courseware package may be at most (courseware/importing/limits.py).
COURSEWARE_MAX_ARCHIVE_BYTES = env.env_int("COURSEWARE_MAX_ARCHIVE_BYTES", 1024**3)
COURSEWARE_MAX_UNCOMPRESSED_BYTES = env.env_int("COURSEWARE_MAX_UNCOMPRESSED_BYTES", 2 * 1024**3)
COURSEWARE_MAX_FILES = env.env_int("COURSEWARE_MAX_FILES", 20_000)
COURSEWARE_MAX_COMPRESSION_RATIO = env.env_int("COURSEWARE_MAX_COMPRESSION_RATIO", 200)

# Languages: Vietnamese first and default, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/files/"
MEDIA_ROOT = VAR_DIR / "files"

_s3 = env.s3_config()
if _s3 is None:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _s3.bucket,
            "endpoint_url": _s3.endpoint_url or None,
            "region_name": _s3.region,
            "access_key": _s3.access_key or None,
            "secret_key": _s3.secret_key or None,
            "custom_domain": _s3.custom_domain or None,
            # Signature v4: the one every AWS region and S3-compatible store (MinIO) accepts.
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Background work. Celery runs transcodes, imports and reports; its broker needs no
# server by default. Wagtail's own background tasks (search and reference index
# updates) go through Django's task framework.
CELERY_BROKER_URL = env.broker_url()
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        # kombu's default is a relative "control" folder in the working directory.
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = env.env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = env.env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
TASKS = {
    "default": {
        "BACKEND": env.env_str("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
    }
}

WAGTAIL_SITE_NAME = "Taynghe"
WAGTAILADMIN_BASE_URL = env.env_str("TAYNGHE_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": env.search_backend()}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAILADMIN_COMMENTS_ENABLED = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated API call is answered 401 with a challenge.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Taynghe API",
    "DESCRIPTION": "The REST API of the Taynghe vocational-education platform (Vietnamese and English).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["config.api.only_v1_endpoints"],
    # Two models have a "status" choice set (enrolments, exam attempts): name them apart.
    "ENUM_NAME_OVERRIDES": {"AttemptStatusEnum": "assessment.models.attempts.Attempt.Status"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Per-page and per-task lines drown real messages during bulk loads.
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "modelsearch": {"level": "WARNING"},
    },
}
