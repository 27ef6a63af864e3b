"""Headless preview: an editor's saved draft, rendered by an external front end through a signed,
short-lived token (/api/v3/preview/?token=...), and the editor's "Preview on the front end"."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.urls import reverse
from freezegun import freeze_time

from newsletter.headless.preview import preview_token
from newsletter.headless.preview_admin import check_preview_settings

pytestmark = pytest.mark.django_db

FRONT_END = "https://front.example.org/api/preview?token={token}&id={id}&type={type}"


@pytest.fixture
def drafted(newsroom):
    """A published page with a newer, unpublished draft (another title)."""
    newsroom.title = "Newsroom (draft)"
    revision = newsroom.save_revision()
    return newsroom, revision


def preview(client, token: str):
    return client.get("/api/v3/preview/", {"token": token})


def test_token_gives_the_draft_in_the_page_detail_shape(
    client, drafted, django_assert_max_num_queries
):
    page, revision = drafted
    with django_assert_max_num_queries(14):
        response = preview(client, preview_token(revision))

    assert response.status_code == 200, response.content[:500]
    data = response.json()
    assert data["id"] == page.pk
    assert data["title"] == "Newsroom (draft)"
    assert data["meta"]["type"] == "advocacy.NewsroomPage"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"
    # The live page is untouched, and the preview has the fields of the page detail.
    live = client.get(f"/api/v3/pages/{page.pk}/").json()
    assert live["title"] == "Newsroom"
    assert set(data) == set(live)


def test_the_preview_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/v3/openapi.json").json()
    operation = schema["paths"]["/api/v3/preview/"]["get"]
    assert operation["operationId"] == "preview_page"
    assert {"200", "400", "404"} <= set(operation["responses"])
    assert reverse("wagtailapi_v3:preview_page") == "/api/v3/preview/"


def test_a_tampered_token_is_refused(client, drafted):
    _page, revision = drafted
    token = preview_token(revision)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    response = preview(client, tampered)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "This preview link is not valid."
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    "token", ["not-a-token", "a\x00b", "x" * 5000, "é:ü:ß", "eyJwIjoxfQ:1abc:def"]
)
def test_malformed_tokens_get_a_client_error_never_a_server_error(client, db, token):
    response = preview(client, token)
    assert response.status_code in (400, 422)


def test_missing_token_is_a_validation_error(client, db):
    assert client.get("/api/v3/preview/").status_code == 422


def test_an_expired_token_is_refused(client, drafted):
    _page, revision = drafted
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with freeze_time(start):
        token = preview_token(revision)
    with freeze_time(start + datetime.timedelta(minutes=29)):
        assert preview(client, token).status_code == 200
    with freeze_time(start + datetime.timedelta(minutes=31)):
        response = preview(client, token)

    assert response.status_code == 400
    assert "expired" in response.json()["detail"]


@override_settings(NEWSLETTER_HEADLESS_PREVIEW_SECONDS=60)
def test_the_lifetime_comes_from_the_setting(client, drafted):
    _page, revision = drafted
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with freeze_time(start):
        token = preview_token(revision)
    with freeze_time(start + datetime.timedelta(seconds=90)):
        assert preview(client, token).status_code == 400


def test_a_deleted_revision_is_not_found(client, drafted):
    _page, revision = drafted
    token = preview_token(revision)
    revision.delete()

    response = preview(client, token)

    assert response.status_code == 404
    assert "no longer exists" in response.json()["detail"]


def test_a_deleted_page_is_not_found(client, drafted):
    page, revision = drafted
    token = preview_token(revision)
    page.delete()

    assert preview(client, token).status_code == 404


def test_a_token_shows_its_own_revision_not_a_later_one(client, drafted):
    page, revision = drafted
    token = preview_token(revision)
    page.title = "Newsroom (second draft)"
    page.save_revision()

    assert preview(client, token).json()["title"] == "Newsroom (draft)"


# The editor's side: /admin/headless-preview/<page id>/ and the action menu item.


def preview_admin_url(page) -> str:
    return reverse("newsletter_headless_preview", args=[page.pk])


@override_settings(NEWSLETTER_HEADLESS_PREVIEW_URL=FRONT_END)
def test_an_editor_is_sent_to_the_front_end_with_a_working_token(client, comms_editor, drafted):
    page, _revision = drafted
    client.force_login(comms_editor)

    response = client.get(preview_admin_url(page))

    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert (url.scheme, url.netloc, url.path) == ("https", "front.example.org", "/api/preview")
    query = parse_qs(url.query)
    assert query["id"] == [str(page.pk)]
    assert query["type"] == ["advocacy.NewsroomPage"]
    assert "no-store" in response["Cache-Control"]
    client.logout()
    data = preview(client, query["token"][0]).json()
    assert data["title"] == "Newsroom (draft)"


@override_settings(NEWSLETTER_HEADLESS_PREVIEW_URL=FRONT_END)
def test_a_user_who_cannot_edit_the_page_is_refused(client, django_user_model, drafted):
    page, _revision = drafted
    user = django_user_model.objects.create_user("viewer", "v@example.org", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)

    response = client.get(preview_admin_url(page))

    assert response.status_code == 403
    assert "permission to edit this page" in response.content.decode()


@override_settings(NEWSLETTER_HEADLESS_PREVIEW_URL=FRONT_END)
def test_anonymous_visitors_are_sent_to_the_login(client, drafted):
    page, _revision = drafted
    response = client.get(preview_admin_url(page))
    assert response.status_code == 302
    assert "front.example.org" not in response["Location"]


@override_settings(NEWSLETTER_HEADLESS_PREVIEW_URL=FRONT_END)
def test_a_page_without_a_saved_revision_says_so(client, superuser, home_page):
    from advocacy.models import NewsroomPage

    page = home_page.add_child(instance=NewsroomPage(title="Unsaved", slug="unsaved"))
    client.force_login(superuser)

    response = client.get(preview_admin_url(page))

    assert response.status_code == 404
    assert "no saved draft" in response.content.decode()


@override_settings(NEWSLETTER_HEADLESS_PREVIEW_URL="")
def test_without_the_setting_the_view_says_it_is_not_set_up(client, comms_editor, drafted):
    page, _revision = drafted
    client.force_login(comms_editor)

    response = client.get(preview_admin_url(page))

    assert response.status_code == 404
    assert "not set up" in response.content.decode()


def edit_page_html(client, user, page) -> str:
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_edit_page_offers_the_front_end_preview_only_when_configured(
    client, comms_editor, drafted, settings
):
    page, _revision = drafted
    settings.NEWSLETTER_HEADLESS_PREVIEW_URL = ""
    assert preview_admin_url(page) not in edit_page_html(client, comms_editor, page)

    settings.NEWSLETTER_HEADLESS_PREVIEW_URL = FRONT_END
    html = edit_page_html(client, comms_editor, page)
    assert preview_admin_url(page) in html
    assert "Preview on the front end" in html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", []),
        (FRONT_END, []),
        ("https://front.example.org/{locale}/preview/{token}", []),
        ("https://front.example.org/preview", ["newsletter.E020"]),
        ("https://front.example.org/preview?t={token}&x={secret}", ["newsletter.E020"]),
        ("https://front.example.org/preview?t={token", ["newsletter.E020"]),
        ("https://front.example.org/preview?t={token.__class__}", ["newsletter.E020"]),
    ],
)
def test_the_check_names_an_unusable_front_end_url(settings, url, expected):
    settings.NEWSLETTER_HEADLESS_PREVIEW_URL = url
    assert [error.id for error in check_preview_settings()] == expected


@pytest.mark.parametrize("seconds", [0, -5, "1800", 1.5, True])
def test_the_check_names_an_unusable_lifetime(settings, seconds):
    settings.NEWSLETTER_HEADLESS_PREVIEW_SECONDS = seconds
    assert [error.id for error in check_preview_settings()] == ["newsletter.E021"]


@override_settings(NEWSLETTER_HEADLESS_PREVIEW_URL="https://front.example.org/preview")
def test_a_misconfigured_url_hides_the_menu_item(client, comms_editor, drafted):
    page, _revision = drafted
    assert preview_admin_url(page) not in edit_page_html(client, comms_editor, page)
