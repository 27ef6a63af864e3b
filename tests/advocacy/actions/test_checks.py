"""advocacy.E004: the supporter URLs (forms, confirmation links, JSON endpoints) included."""

from __future__ import annotations

from django.core import checks as django_checks

from advocacy import checks

URLCONFS = "tests.newsletter.urlconfs"


def test_the_project_includes_the_supporter_urls():
    assert checks.check_supporter_urls() == []
    registered = django_checks.run_checks(tags=[django_checks.Tags.urls])
    assert not [m for m in registered if m.id == "advocacy.E004"]


def test_a_missing_include_is_named(settings):
    settings.ROOT_URLCONF = f"{URLCONFS}.without_includes"
    messages = checks.check_supporter_urls()
    assert [m.id for m in messages] == ["advocacy.E004"]
    assert 'No URL is named "advocacy_supporters:action_thanks"' in messages[0].msg
    assert 'path("", include("advocacy.supporter_urls"))' in messages[0].hint


def test_the_check_is_registered(settings):
    settings.ROOT_URLCONF = f"{URLCONFS}.without_includes"
    found = django_checks.run_checks(tags=[django_checks.Tags.urls])
    assert "advocacy.E004" in [m.id for m in found]


def test_the_supporter_pages_extend_the_configurable_base():
    from pathlib import Path

    from tests.support.base_template import assert_extend_the_configurable_base

    folder = Path(__file__).resolve().parents[3] / "advocacy" / "templates" / "advocacy" / "actions"
    pages = [folder / f"{name}.html" for name in ("thanks", "confirm", "confirmed", "closed")]
    assert_extend_the_configurable_base(
        [*pages, folder / "invalid_link.html"], "advocacy/css/advocacy.css"
    )
