"""Web addresses rendered into links (organisation websites, an appeal's donation and mail-in
forms) accept http and https only, on the model: full_clean() and the admin both refuse others."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from advocacy.blocks import CallToActionBlock
from advocacy.models import DonationAppeal, Organisation
from newsletter.issues.blocks import ButtonBlock, EmailImageBlock

pytestmark = pytest.mark.django_db

REFUSED = [
    "javascript:alert(1)",
    "JavaScript://example.org/%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://example.org/form.pdf",
    "ftps://example.org/form.pdf",
]
MESSAGE = "Enter a web address starting with http:// or https://."


def appeal(**fields) -> DonationAppeal:
    values = {
        "name": "Monthly",
        "headline": "Give",
        "message": "<p>Please.</p>",
        "button_url": "https://example.org/donate",
    }
    return DonationAppeal(**(values | fields))


@pytest.mark.parametrize("url", REFUSED)
@pytest.mark.parametrize(
    ("instance", "field"),
    [
        (lambda url: Organisation(name="Example Org", website=url), "website"),
        (lambda url: appeal(button_url=url), "button_url"),
        (lambda url: appeal(mail_in_url=url), "mail_in_url"),
    ],
    ids=["organisation.website", "appeal.button_url", "appeal.mail_in_url"],
)
def test_full_clean_refuses_other_schemes(instance, field, url):
    with pytest.raises(ValidationError) as refused:
        instance(url).full_clean()
    assert MESSAGE in refused.value.message_dict[field]


@pytest.mark.parametrize("url", ["https://example.org/", "http://example.org/form.pdf"])
def test_full_clean_accepts_http_and_https(url):
    Organisation(name="Example Org", website=url).full_clean()
    appeal(button_url=url, mail_in_url=url).full_clean()


def organisation_form(name: str, website: str) -> dict:
    return {"name": name, "city": "", "province": "", "website": website}


def test_the_admin_form_refuses_an_ftp_website_and_saves_nothing(client, superuser):
    client.force_login(superuser)
    add = reverse("wagtailsnippets_advocacy_organisation:add")

    response = client.post(add, organisation_form("Ftp Org", "ftp://example.org/"))

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Organisation.objects.filter(name="Ftp Org").exists()

    response = client.post(add, organisation_form("Web Org", "https://example.org/"))
    assert response.status_code == 302
    assert Organisation.objects.get(name="Web Org").website == "https://example.org/"


def test_the_admin_form_refuses_a_javascript_donation_link(client, superuser):
    client.force_login(superuser)
    data = {
        "name": "Bad",
        "headline": "Give",
        "message": '{"blocks": [{"key": "a", "type": "unstyled", "text": "Please.", '
        '"depth": 0, "inlineStyleRanges": [], "entityRanges": []}], "entityMap": {}}',
        "button_label": "Donate now",
        "button_url": "javascript:alert(document.cookie)",
        "mail_in_url": "ftp://example.org/form.pdf",
        "currency": "CAD",
    }

    response = client.post(reverse("wagtailsnippets_advocacy_donationappeal:add"), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["button_url"]  # javascript: is not a web address at all
    assert errors["mail_in_url"] == [MESSAGE]
    assert not DonationAppeal.objects.filter(name="Bad").exists()


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "ftp://example.org/x"])
def test_link_blocks_accept_only_web_addresses(bad):
    """Links inside StreamField bodies (a page's call to action, an issue's button and image
    link) are refused the same way as model fields."""
    for block, name in (
        (CallToActionBlock(), "url"),
        (ButtonBlock(), "url"),
        (EmailImageBlock(), "link"),
    ):
        link = block.child_blocks[name]
        assert link.clean("https://example.org/give") == "https://example.org/give"
        with pytest.raises(ValidationError):
            link.clean(bad)
