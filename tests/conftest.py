"""Shared fixtures: a site tree to put pages in, users with each role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from wagtail.models import Page, Site


@pytest.fixture
def home_page(db) -> Page:
    """The site's home page (created by a migration; rebuilt if a transactional test flushed it)."""
    from home.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title="Home", slug="home"))
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
def comms_editor(db, django_user_model):
    """A user in the "Comms editors" group created by the advocacy migration."""
    user = django_user_model.objects.create_user("editor", "editor@example.org", "pw-editor-1")
    user.groups.add(Group.objects.get(name="Comms editors"))
    return user


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", "pw-admin-1")
