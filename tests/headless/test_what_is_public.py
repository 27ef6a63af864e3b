"""What the API v3 shows is what the public site shows: pages behind a password, a login or a
group, drafts and unpublished pages stay out of links, cards and listings, whoever asks; and
content the schema cannot foresee (a choice no longer offered, a lost image file) does not
break a page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import PageViewRestriction

from tests.newsletter.issues import conftest as issue_fixtures
from tests.newsletter.issues.conftest import make_issue

pytestmark = pytest.mark.django_db

archive = issue_fixtures.archive
content = issue_fixtures.content
newsletter_settings = issue_fixtures.newsletter_settings


def restrict(page) -> None:
    PageViewRestriction.objects.create(page=page, restriction_type="password", password="s")


def test_a_link_to_a_password_protected_page_is_null(client, win, statement):
    restrict(statement)
    win.related_page = statement
    win.save_revision().publish()

    data = client.get(f"/api/v3/pages/{win.pk}/").json()

    assert data["related_page"] is None
    assert statement.title not in client.get(f"/api/v3/pages/{win.pk}/").content.decode()


def test_an_issue_does_not_show_a_private_page_as_a_card(
    client, archive, content, newsletter_settings
):
    private = content["statements"][0]
    restrict(private)
    issue = make_issue(archive, [("featured_page", {"page": private})])

    data = client.get(f"/api/v3/newsletter/issues/{issue.pk}/").json()

    assert data["blocks"][0]["value"] is None
    assert "Summary of statement 0" not in str(data["blocks"])


def test_signatories_are_the_same_for_anyone_logged_in_or_not(client, letter_factory):
    letter = letter_factory(3)
    draft = letter_factory(2, slug="draft-letter")
    draft.unpublish()
    url = "/api/v3/advocacy/letters/{}/signatories/"
    reader = get_user_model().objects.create_user("reader", "r@example.org", "x")
    editor = get_user_model().objects.create_superuser("editor", "e@example.org", "x")

    for user in (None, reader, editor):
        if user:
            client.force_login(user)
        assert client.get(url.format(letter.pk)).json()["count"] == 3
        assert client.get(url.format(draft.pk)).status_code == 404


def test_a_letter_id_past_any_database_integer_is_refused(client):
    response = client.get("/api/v3/advocacy/letters/9223372036854775808/signatories/")

    assert response.status_code == 422


def test_a_choice_no_longer_offered_reads_as_null_and_the_page_still_reads(client, statement):
    statement.body = [("heading", {"text": "Old heading", "level": "h2"})]
    statement.save_revision().publish()
    raw = list(statement.body.raw_data)
    raw[0] = {**raw[0], "value": {"text": "Old heading", "level": "h5"}}  # an old choice
    type(statement).objects.filter(pk=statement.pk).update(body=raw)

    response = client.get(f"/api/v3/pages/{statement.pk}/")

    assert response.status_code == 200
    assert response.json()["body"][0]["value"] == {"text": "Old heading", "level": None}


def test_an_image_whose_file_is_gone_still_has_its_url_and_no_renditions(client, win):
    image = Image.objects.create(title="Gone", file=get_test_image_file(size=(1000, 600)))
    image.file.storage.delete(image.file.name)
    win.image = image
    win.save_revision().publish()

    response = client.get(f"/api/v3/pages/{win.pk}/")

    assert response.status_code == 200
    assert response.json()["image"]["renditions"] == []


def test_a_donation_appeal_in_a_page_body_has_its_links_resolved(client, statement, appeal):
    appeal.message = f'<p>See <a linktype="page" id="{statement.pk}">why</a>.</p>'
    appeal.save()
    statement.body = [("donation_appeal", {"appeal": appeal})]
    statement.save_revision().publish()

    message = client.get(f"/api/v3/pages/{statement.pk}/").json()["body"][0]["value"]["message"]

    assert "linktype" not in message and statement.url in message
