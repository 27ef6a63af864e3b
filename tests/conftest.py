"""Shared fixtures: an empty cache and the default language for each test, a site tree to put
pages in, users with each role, a loopback Mailgun."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import translation
from wagtail.models import Page, Site

from tests.support.fake_mailgun import FakeMailgun, mailgun_backend


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request to a /fr/ page activates French
    for the rest of the thread (Django's LocaleMiddleware does not switch back)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def clear_rate_limits():
    """Each test starts and ends with an empty cache: fresh per-client rate-limit budgets and
    counters (the live server of browser tests shares this process's cache)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mailgun(settings) -> Iterator[FakeMailgun]:
    """Anymail's real Mailgun backend, posting to the loopback Mailgun server."""
    with mailgun_backend(settings) as server:
        yield server


@pytest.fixture
def home_page(db) -> Page:
    """The default site's root page: the host's HomePage (created by a migration), or, on a
    site without the ``home`` app (``tests/plugin/settings.py``), Wagtail's own first page.
    Rebuilt if a transactional test flushed it."""
    if apps.is_installed("home"):
        from home.models import HomePage as home_model
    else:
        home_model = Page
    home = home_model.objects.filter(depth=2).first()
    if home is None:
        root = Page.get_first_root_node()
        home = root.add_child(instance=home_model(title="Home", slug="home"))
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "root_page": home}
        )
    return home


@pytest.fixture
def newsroom(home_page):
    from advocacy.models import NewsroomPage

    page = home_page.add_child(instance=NewsroomPage(title="Newsroom", slug="newsroom"))
    page.save_revision().publish()
    return page


@pytest.fixture
def roles(home_page) -> dict[str, Group]:
    """The newsletter's roles as ``manage.py newsletter_setup_roles`` sets them up (Comms
    editors publish at and below the home page): ``{group name: group}``."""
    from newsletter.roles import setup_roles

    return {report.group.name: report.group for report in setup_roles([home_page])}


@pytest.fixture
def comms_editor(roles, django_user_model):
    """A user in the "Comms editors" group (pages at and below the home page)."""
    user = django_user_model.objects.create_user("editor", "editor@example.org", "pw-editor-1")
    user.groups.add(roles["Comms editors"])
    return user


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", "pw-admin-1")
