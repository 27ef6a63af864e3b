"""The host settings refuse an unsafe production start, and read its safety settings from the
environment. Settings are read once, at import: each test starts `manage.py` or Python in a
subprocess with the environment an operator would give it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Variables of the machine or of the test run that would change what the settings read.
CLEARED = (
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "BASE_URL",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "DEFAULT_FROM_EMAIL",
    "WAGTAIL_SITE_NAME",
    "REDIS_URL",
    "TASKS_BACKEND",
    "EMAIL_ESP",
    "DJANGO_SETTINGS_MODULE",
    "TRUSTED_PROXY_COUNT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests in this process
)
CLEARED_PREFIXES = ("ANYMAIL_", "NEWSLETTER_", "SECURE_", "AXES_")
PRODUCTION_KEY = "m4Xk2v9R-production-like-key-for-this-test-only-q7Lz0pN8sT3wY6bE1"


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    """The machine's environment without the project's variables, on a database of its own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in CLEARED and not key.startswith(CLEARED_PREFIXES)
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    env.update(values)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_settings(env: dict[str, str], *names: str) -> dict:
    """The values of some settings as a process started with ``env`` sees them."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, "
        "default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "hostsite.settings", "PYTHONPATH": "site"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def production_environment(tmp_path: Path) -> dict[str, str]:
    """The documented production settings (README, "Configuration")."""
    return environment(
        tmp_path,
        SECRET_KEY=PRODUCTION_KEY,
        BASE_URL="https://news.example.ca",
        ALLOWED_HOSTS="news.example.ca",
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SECURE_HSTS_PRELOAD="1",
        ANYMAIL_WEBHOOK_SECRET="tracker:s3cret-webhook-pass",
        DEFAULT_FROM_EMAIL="news@news.example.ca",
        NEWSLETTER_SENDER_NAME="Climate Action Network",
        NEWSLETTER_POSTAL_ADDRESS="123 Main St, Ottawa ON K1A 0A1",
        NEWSLETTER_CONTACT_EMAIL="info@news.example.ca",
    )


def test_without_debug_a_missing_secret_key_stops_start_up(tmp_path):
    result = manage(environment(tmp_path), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr
    assert "set DEBUG=1 for local development" in result.stderr


def test_an_empty_secret_key_is_missing_too(tmp_path):
    result = manage(environment(tmp_path, SECRET_KEY=""), "check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_with_debug_the_development_key_is_used(tmp_path):
    result = manage(environment(tmp_path, DEBUG="1"), "check")
    assert result.returncode == 0, result.stderr
    assert "ImproperlyConfigured" not in result.stderr


def test_secret_key_fallbacks_come_from_the_environment(tmp_path):
    env = environment(tmp_path, SECRET_KEY="new-key", SECRET_KEY_FALLBACKS="old-key-2, old-key-1")
    values = read_settings(env, "SECRET_KEY", "SECRET_KEY_FALLBACKS")
    assert values == {"SECRET_KEY": "new-key", "SECRET_KEY_FALLBACKS": ["old-key-2", "old-key-1"]}


def test_https_settings_come_from_the_environment(tmp_path):
    names = (
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    )
    production = read_settings(production_environment(tmp_path), *names)
    assert production == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }
    other_proxy = read_settings(
        environment(tmp_path, DEBUG="1", SECURE_PROXY_SSL_HEADER="X-Forwarded-Scheme"), *names
    )
    assert other_proxy["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SCHEME", "https"]
    assert other_proxy["SECURE_HSTS_SECONDS"] == 0
    assert other_proxy["SESSION_COOKIE_SECURE"] is False  # http BASE_URL: no secure cookies
    no_proxy = read_settings(environment(tmp_path, DEBUG="1", SECURE_PROXY_SSL_HEADER=""), *names)
    assert no_proxy["SECURE_PROXY_SSL_HEADER"] is None


def test_login_throttling_comes_from_the_environment(tmp_path):
    env = environment(
        tmp_path,
        DEBUG="1",
        AXES_FAILURE_LIMIT="3",
        AXES_COOLOFF_MINUTES="60",
        TRUSTED_PROXY_COUNT="1",
    )
    names = ("AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", "TRUSTED_PROXY_COUNT")
    values = read_settings(env, *names, "NEWSLETTER_TRUSTED_PROXIES")
    assert values == {
        "AXES_FAILURE_LIMIT": 3,
        "AXES_COOLOFF_TIME": "1:00:00",
        "TRUSTED_PROXY_COUNT": 1,
        "NEWSLETTER_TRUSTED_PROXIES": 1,  # one number for every per-address limit
    }


def test_check_deploy_is_clean_on_the_documented_production_settings(tmp_path):
    """Before ``migrate`` the database-dependent checks (site, sender) skip themselves."""
    result = manage(production_environment(tmp_path), "check", "--deploy", "--fail-level", "INFO")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "Traceback" not in result.stderr


def test_check_deploy_names_what_is_unsafe(tmp_path):
    env = {
        **production_environment(tmp_path),
        "BASE_URL": "http://news.example.ca",
        "ANYMAIL_WEBHOOK_SECRET": "",
        "SECURE_HSTS_SECONDS": "",
        "SECURE_SSL_REDIRECT": "",
    }
    result = manage(env, "check", "--deploy")
    for expected in ("newsletter.W001", "newsletter.W003", "security.W004", "security.W008"):
        assert expected in result.stderr, result.stdout + result.stderr
    assert "Set BASE_URL to the site's public https address" in result.stderr
    assert "Set ANYMAIL_WEBHOOK_SECRET" in result.stderr
