"""A Wagtail site as `wagtail start` makes one, plus the two apps as the README installs them.

No ``site/`` package: no ``home`` app, no ``hostsite``; the base template is `wagtail start`'s
own (``tests/plugin/templates/base.html``). ``make test`` runs the apps' tests against it:
``pytest --ds=tests.plugin.settings tests/advocacy tests/newsletter``.
"""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECRET_KEY = "plugin-test-key-not-secret-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["localhost", "testserver", "127.0.0.1"]
BASE_URL = "http://localhost"
WAGTAILADMIN_BASE_URL = BASE_URL
WAGTAIL_SITE_NAME = "Plugin test site"

INSTALLED_APPS = [
    # The plugin, and what it needs beyond a `wagtail start` site (README, "Install into your
    # Wagtail site").
    "advocacy",
    "newsletter",
    "wagtail.contrib.settings",
    "wagtail.api.v2",
    "wagtail.api.v3",
    "ninja",
    "rest_framework",
    "wagtail_modeladmin",
    "anymail",
    "django_tasks",
    # The production task queue the README recommends (the worker and scheduling tests use it).
    "django_tasks_db",
    # `wagtail start`'s own list (without its "home" and "search" apps).
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
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
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]
ROOT_URLCONF = "tests.plugin.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("PLUGIN_TEST_DB", str(HERE / "plugin.sqlite3")),
    }
}
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    from urllib.parse import urlsplit

    _url = urlsplit(os.environ["DATABASE_URL"])
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": _url.username or "",
        "PASSWORD": _url.password or "",
        "HOST": _url.hostname or "",
        "PORT": str(_url.port or ""),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
MEDIA_ROOT = os.environ.get("PLUGIN_TEST_MEDIA", "/tmp/plugin-test-media")
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILAPI_BASE_URL = BASE_URL

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "news@plugin.example.org"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ANYMAIL = {"WEBHOOK_SECRET": "hooks:plugin-test-secret"}
NEWSLETTER_POSTAL_ADDRESS = "1 Plugin Street, Ottawa ON"
