"""The editor's tools: start an issue from recent content, preview it, send a test."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import PageLogEntry

from newsletter.models import NewsletterIssuePage
from tests.advocacy.admin_forms import edit_form_data
from tests.newsletter.issues.conftest import make_issue

pytestmark = pytest.mark.django_db


def test_start_an_issue_collects_pages_published_since_the_last_issue(
    client, superuser, archive, content, newsletter_settings
):
    client.force_login(superuser)
    make_issue(archive, [("intro", "<p>Old</p>")], slug="previous")
    from advocacy.models import StatementPage

    fresh = (
        content["letter"]
        .get_parent()
        .add_child(instance=StatementPage(title="Fresh statement", slug="fresh", summary="New."))
    )
    fresh.save_revision().publish()

    url = reverse("newsletter_issues:start_issue", args=[archive.pk])
    assert "Fresh statement" in client.get(url).content.decode()
    response = client.post(url)

    draft = NewsletterIssuePage.objects.exclude(slug="previous").get()
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[draft.pk])
    assert not draft.live
    types = [block.block_type for block in draft.get_latest_revision_as_object().body]
    assert types == ["intro", "featured_page", "donation_appeal"]
    featured = draft.get_latest_revision_as_object().body[1].value["page"]
    assert featured.pk == fresh.pk


def test_start_an_issue_without_a_previous_issue_takes_everything(
    client, superuser, archive, content, newsletter_settings
):
    client.force_login(superuser)
    client.post(reverse("newsletter_issues:start_issue", args=[archive.pk]))
    draft = NewsletterIssuePage.objects.get()
    featured = [
        b for b in draft.get_latest_revision_as_object().body if b.block_type == "featured_page"
    ]
    assert len(featured) == 8  # the letter, three statements, four wins


@pytest.mark.parametrize(
    ("mode", "expected_type", "expected_text"),
    [
        ("", "text/html", "<!doctype html>"),
        ("email", "text/html", "<!doctype html>"),
        ("text", "text/plain", "View in your browser:"),
    ],
)
def test_preview_in_each_mode_shows_unsaved_changes(
    client, superuser, issue, mode, expected_type, expected_text
):
    client.force_login(superuser)
    data = edit_form_data(client, issue)
    data["subject"] = "An unsaved subject line"
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[issue.pk])
    assert client.post(url, data).json()["is_valid"]

    response = client.get(url, {"mode": mode})

    assert response["Content-Type"].startswith(expected_type)
    body = response.content.decode()
    assert expected_text in body
    assert "An unsaved subject line" in body
    assert "[[" not in body


def test_preview_of_broken_content_names_the_block(client, superuser, issue, content):
    client.force_login(superuser)
    data = edit_form_data(client, issue)
    content["statements"][0].delete()
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[issue.pk])
    client.post(url, data)
    body = client.get(url, {"mode": "email"}).content.decode()
    assert "Featured page" in body and "no longer exists" in body


def test_test_send_goes_to_the_test_addresses_with_a_prefix_and_is_logged(client, superuser, issue):
    client.force_login(superuser)
    url = reverse("newsletter_issues:test_send", args=[issue.pk])
    assert "comms@example.org" in client.get(url).content.decode()  # from the settings

    # The settings' test address and an admin user's own address.
    response = client.post(url, {"recipients": "comms@example.org, admin@example.org"})

    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@example.org", "comms@example.org"]
    message = mail.outbox[0]
    assert message.subject == "[TEST] March: wins and letters"
    assert message.from_email == "Example Council <news@example.org>"
    assert message.reply_to == ["reply@example.org"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    html = message.alternatives[0][0]
    assert "March: wins and letters" in html and "[[" not in html and "[[" not in message.body
    entry = PageLogEntry.objects.get(page=issue, action="newsletter.test_send")
    assert entry.user == superuser
    assert entry.data["recipients"] == ["comms@example.org", "admin@example.org"]


def test_test_send_refuses_bad_addresses_and_sends_nothing(client, superuser, issue):
    client.force_login(superuser)
    url = reverse("newsletter_issues:test_send", args=[issue.pk])
    response = client.post(url, {"recipients": "good@example.org, not-an-address"})
    assert response.status_code == 200
    assert "“not-an-address” is not a valid email address." in response.content.decode()
    assert mail.outbox == []
    assert not PageLogEntry.objects.filter(action="newsletter.test_send").exists()


def test_test_send_needs_edit_permission(client, django_user_model, issue):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", "v@example.org", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.post(
        reverse("newsletter_issues:test_send", args=[issue.pk]), {"recipients": "a@example.org"}
    )
    # Refused in the admin's frame (403), saying what is missing, like every newsletter screen.
    assert response.status_code == 403
    assert "permission to edit this issue" in response.content.decode()
    assert mail.outbox == []


def test_issue_edit_page_offers_the_test_send_button(client, superuser, issue):
    client.force_login(superuser)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[issue.pk])).content.decode()
    assert reverse("newsletter_issues:test_send", args=[issue.pk]) in html


def test_published_issue_is_readable_on_the_web_and_listed_in_the_archive(client, issue, archive):
    page = client.get(issue.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "March: wins and letters" in html and "[[" not in html
    listing = client.get(archive.url).content.decode()
    assert "March: wins and letters" in listing
    assert listing.count("<h1") == 1
