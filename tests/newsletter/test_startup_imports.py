"""What a process loads at start-up: not MJML, premailer, boto3 or a provider's webhook module.

``manage.py newsletter_status`` (and every other command, worker and web process) starts with
``django.setup()`` and, for the system checks, loads the URLconf. Neither needs the renderer's
MJML and premailer (with cssutils), nor Anymail's webhook views, which import boto3 with them:
those are imported where they are used (``newsletter/issues/rendering.py``,
``newsletter/webhook_urls.py``, ``newsletter/checks.py``). A fresh interpreter shows it, with
the host's settings and with a `wagtail start` site's (``tests/plugin/settings.py``), and
without a database: the SQLite file it is pointed at is never created.

lxml, bs4 and PIL are not in the list: Wagtail itself imports them at start-up
(``wagtail.admin.panels`` imports BeautifulSoup, which imports lxml; ``wagtail.images`` Willow).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Imported only where they are used: none of them may be loaded at start-up.
LAZY = [
    "mjml",
    "premailer",
    "cssutils",
    "boto3",
    "botocore",
    "s3transfer",
    "anymail.urls",
    "anymail.webhooks.amazon_ses",
    "anymail.webhooks.mailgun",
    "anymail.webhooks.postmark",
    "anymail.webhooks.brevo",
    "anymail.backends.amazon_ses",
    "anymail.backends.mailgun",
    "anymail.backends.postmark",
    "anymail.backends.brevo",
]

# What the child does: set up Django, find and load the command as `manage.py` does, and load
# the URLconf as the system checks do; then list every module loaded.
CHILD = """
import json, sys
import django
django.setup()
from django.core.management import get_commands, load_command_class
get_commands()
load_command_class("newsletter", "newsletter_status")
from django.urls import get_resolver
get_resolver().url_patterns
json.dump(sorted(sys.modules), sys.stdout)
"""


def modules_at_startup(settings_module: str, database: Path) -> set[str]:
    """The modules a fresh interpreter has loaded after the start-up of ``newsletter_status``."""
    env = {
        key: value
        for key, value in os.environ.items()
        # The default configuration: no DEBUG, no Redis, no queue or provider chosen.
        if key not in {"DEBUG", "REDIS_URL", "TASKS_BACKEND", "EMAIL_ESP", "PYTHONPATH"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "site")]),
        "DATABASE_URL": f"sqlite:///{database}",
        "PLUGIN_TEST_DB": str(database),
        "SECRET_KEY": "startup-imports-test-key-not-for-any-deployment-0123",
    }
    child = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    return set(json.loads(child.stdout))


@pytest.mark.parametrize("settings_module", ["hostsite.settings", "tests.plugin.settings"])
def test_startup_loads_no_renderer_provider_or_webhook_module(settings_module, tmp_path):
    database = tmp_path / "never-opened.sqlite3"

    modules = modules_at_startup(settings_module, database)

    # The child did load the command, the checks, the renderer and the webhook URLs...
    assert {
        "newsletter.management.commands.newsletter_status",
        "newsletter.checks",
        "newsletter.issues.rendering",
        "newsletter.webhook_urls",
    } <= modules
    # ...but none of what they import only when used, and it never opened the database.
    assert [name for name in LAZY if name in modules] == []
    assert not database.exists()


def test_webhook_urls_are_anymails_own():
    """``newsletter.webhook_urls`` lists Anymail's webhook URLs instead of importing them: the
    same routes, names and views, in the same order, as the installed ``anymail.urls``."""
    from anymail import urls as anymail_urls

    from newsletter import webhook_urls

    def view_class(callback) -> str:
        cls = callback.view_class
        return f"{cls.__module__}.{cls.__qualname__}"

    theirs = [
        (type(p.pattern), str(p.pattern), p.name, view_class(p.callback))
        for p in anymail_urls.urlpatterns
    ]
    ours = [
        (type(p.pattern), str(p.pattern), p.name, f"anymail.webhooks.{p.callback.view_path}")
        for p in webhook_urls.urlpatterns
    ]
    assert len(ours) == len(theirs) == 27
    assert ours == theirs
