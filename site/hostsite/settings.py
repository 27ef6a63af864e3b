"""Settings for the host site, driven by environment variables (see README, "Configuration")."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

SITE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = SITE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable into a list of non-empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    """Read a whole-number environment variable (empty or unset: ``default``)."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. It signs every unsubscribe and confirmation link: set it to "
            'a long random value (e.g. the output of `python -c "import secrets; '
            'print(secrets.token_urlsafe(50))"`), or set DEBUG=1 for local development.'
        )
    # Development only (DEBUG on): a fixed key keeps signed links stable across restarts.
    SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"
# Keys being retired (comma-separated, newest first): links signed with them, such as the
# unsubscribe links in every email already sent, keep working. Keep an old key here at least
# 60 days after the last email it signed (CASL).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = BASE_URL
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", BASE_URL)

INSTALLED_APPS = [
    "hostsite",
    "home",
    "advocacy",
    "newsletter",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.search_promotions",
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
    "wagtail.api.v2",
    "wagtail.api.v3",
    "ninja",  # the API v3 docs (/api/v3/docs/) load their scripts from here, not from a CDN
    "wagtail",
    "wagtail_modeladmin",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "corsheaders",
    "anymail",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the URL's prefix (/en/, /fr/), else the visitor's cookie or browser.
    "hostsite.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that it turns a throttled login into the lockout page (see AXES_* below).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hostsite.urls"
WSGI_APPLICATION = "hostsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a worker writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Redis down must not take the site down: while it can't be reached the cache misses and
    # ignores writes, with one warning per outage, and is retried every few seconds
    # (hostsite/cache_fallback.py). Short socket timeouts keep a hung Redis from hanging pages.
    CACHES = {
        "default": {
            "BACKEND": "hostsite.cache_fallback.FallbackCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "RETRY_SECONDS": 5,
                "socket_connect_timeout": 1,
                "socket_timeout": 2,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The page cache's pages, in each worker's own memory (up to 64 MB per worker).
CACHES["pages"] = {
    "BACKEND": "hostsite.page_cache.LocalPageStore",
    "LOCATION": "pages",
    "OPTIONS": {"MAX_BYTES": 64 * 1024 * 1024},
}

# Whole-page cache for anonymous readers (0 = off; hostsite/page_cache.py). Publishing or
# unpublishing any page empties it; requests with a session cookie (editors) bypass it. Pages
# are kept per worker ("pages" above); the generation number that publishing bumps is kept in
# "default" (Redis with REDIS_URL) and re-read by each worker at most once a second, so a
# publish reaches every worker within about a second.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "0"))
CACHE_MIDDLEWARE_SECONDS = PAGE_CACHE_SECONDS
CACHE_MIDDLEWARE_KEY_PREFIX = "page"
CACHE_MIDDLEWARE_ALIAS = "pages"
if PAGE_CACHE_SECONDS:
    MIDDLEWARE.insert(0, "hostsite.page_cache.AnonymousUpdateCacheMiddleware")
    MIDDLEWARE.append("hostsite.page_cache.AnonymousFetchFromCacheMiddleware")

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is refused for AXES_COOLOFF_MINUTES, even with the right password.
AUTHENTICATION_BACKENDS = [
    "hostsite.auth.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "hostsite.auth.lockout_response"
# Behind proxies, the number of them that append to X-Forwarded-For (e.g. 1 for nginx): else
# every login seems to come from the proxy, and a lockout holds for a username from anywhere.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "hostsite.auth.client_ip"
# The same number for the newsletter's per-address limits and consent records.
NEWSLETTER_TRUSTED_PROXIES = TRUSTED_PROXY_COUNT
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
# Pages, donation appeals and issues are translated with Wagtail's own internationalisation:
# one page tree per language, linked by translation (wagtail.contrib.simple_translation copies a
# page or snippet into the other language for the editor to translate).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Toronto")
USE_I18N = True
USE_TZ = True
# The site's own catalogue (templates/ and site/); the apps carry theirs in <app>/locale/.
LOCALE_PATHS = [SITE_DIR / "locale"]

STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if env_bool("COMPRESS_STATIC")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000

# Wagtail
WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "Advocacy Newsroom")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILAPI_BASE_URL = BASE_URL
WAGTAILAPI_LIMIT_MAX = 100
WAGTAILEMBEDS_RESPONSIVE_HTML = True

# Headless front ends: CORS for the JSON APIs only.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"

# Email: EMAIL_ESP picks the Anymail backend ("mailgun", "postmark", ...) or a local one
# ("console", "locmem", "file", "smtp", "inbox"). Every ANYMAIL_<NAME> variable becomes
# ANYMAIL[<NAME>]. Unset, it is "inbox" in development (DEBUG on: every email is kept in
# DEV_INBOX_DIR and readable at /dev/inbox/, see hostsite/inbox.py) and "console" otherwise.
EMAIL_ESP = os.environ.get("EMAIL_ESP", "").strip().lower() or ("inbox" if DEBUG else "console")
DEV_INBOX_DIR = Path(os.environ.get("DEV_INBOX_DIR", BASE_DIR / "var" / "inbox"))
_LOCAL_EMAIL_BACKENDS = {
    "inbox": "hostsite.inbox.InboxBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "test": "anymail.backends.test.EmailBackend",
}
EMAIL_BACKEND = _LOCAL_EMAIL_BACKENDS.get(EMAIL_ESP, f"anymail.backends.{EMAIL_ESP}.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
# A value that is a JSON object (AMAZON_SES_CLIENT_PARAMS, ...) is read as one.
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): json.loads(value) if value.lstrip().startswith("{") else value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsletter@example.org")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background tasks (django_tasks, as Wagtail 8 uses): "immediate" runs them in-process,
# "database" queues them for `manage.py db_worker`, "rq" queues them in Redis at REDIS_URL.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate").strip().lower()
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
}
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}
if TASKS_BACKEND == "rq":  # scale-out: workers on any machine take tasks from Redis
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}

# HTTPS. Behind a proxy that terminates TLS, SECURE_PROXY_SSL_HEADER names the header it sets to
# "https" (default X-Forwarded-Proto; empty when nothing in front strips a client's own header).
_PROXY_SSL_HEADER = os.environ.get("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto").strip()
if _PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", BASE_URL.startswith("https://"))
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", BASE_URL.startswith("https://"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"cssutils": {"level": "CRITICAL", "propagate": False}},
}

# --- Advocacy ---
# Timelines go under the newsroom or the home page (unset: under any page).
ADVOCACY_TIMELINE_PARENT_PAGE_TYPES = ["advocacy.NewsroomPage", "home.HomePage"]

# --- Newsletter ---
# Every NEWSLETTER_* default lives in newsletter/conf.py; an environment variable of the same
# name overrides it only when it is set. NEWSLETTER_BATCH_SIZE_<PROVIDER> sets one provider's
# recipients per call (e.g. NEWSLETTER_BATCH_SIZE_MAILGUN=500).
_NEWSLETTER_FROM_ENV = {
    "NEWSLETTER_CONFIRM_MAX_AGE": int,
    "NEWSLETTER_CONFIRM_RESEND_INTERVAL": int,
    "NEWSLETTER_SUBSCRIBE_RATE": str,
    "NEWSLETTER_IMPORT_MAX_UPLOAD_SIZE": int,
    "NEWSLETTER_IMPORT_BATCH_SIZE": int,
    "NEWSLETTER_SENDER_NAME": str,
    "NEWSLETTER_POSTAL_ADDRESS": str,
    "NEWSLETTER_CONTACT_EMAIL": str,
    "NEWSLETTER_BATCH_LEASE_SECONDS": int,
    "NEWSLETTER_RETRY_BASE_SECONDS": float,
    "NEWSLETTER_PROVIDER": str,
    "NEWSLETTER_CONFIRM_EMAILS_PER_DAY": int,
    "NEWSLETTER_SOFT_BOUNCE_LIMIT": int,
    "NEWSLETTER_PAUSE_AFTER_THROTTLES": int,
    "NEWSLETTER_TEST_SENDS_PER_HOUR": int,
    "NEWSLETTER_UNSUBSCRIBE_MAILTO": str,
    "NEWSLETTER_FEEDBACK_ID_SENDER": str,
    "NEWSLETTER_POSTMARK_STREAM": str,
    "NEWSLETTER_SES_CONFIGURATION_SET": str,
    "NEWSLETTER_TEMPLATE_BATCHING": env_bool,
    "NEWSLETTER_KEEP_PROVIDER_TEMPLATES": env_bool,
    "NEWSLETTER_HEADLESS_PREVIEW_URL": str,
    "NEWSLETTER_HEADLESS_PREVIEW_SECONDS": int,
}
globals().update(
    {
        name: cast(name) if cast is env_bool else cast(os.environ[name])
        for name, cast in _NEWSLETTER_FROM_ENV.items()
        if name in os.environ
    }
)
_batch_sizes = {
    key.removeprefix("NEWSLETTER_BATCH_SIZE_").lower(): int(value)
    for key, value in os.environ.items()
    if key.startswith("NEWSLETTER_BATCH_SIZE_")
}
if _batch_sizes:
    NEWSLETTER_BATCH_SIZES = _batch_sizes
# --- end Newsletter ---
