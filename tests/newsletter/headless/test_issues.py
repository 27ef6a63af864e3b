"""Published newsletter issues at /api/v3/newsletter/issues/: the archive, and one issue with
its blocks resolved (cards, wins by outcome, the letter, the appeal) and its email."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Locale, PageViewRestriction

from newsletter.issues.merge_tags import MERGE_FIELDS, merge_tag
from newsletter.languages import i18n_enabled
from tests.newsletter.issues import conftest as issue_fixtures
from tests.newsletter.issues.conftest import full_body, make_issue

pytestmark = pytest.mark.django_db

ISSUES = "/api/v3/newsletter/issues/"

# The fixtures of tests/newsletter/issues/: settings, an archive, content and a full issue.
appeal = issue_fixtures.appeal
archive = issue_fixtures.archive
content = issue_fixtures.content
issue = issue_fixtures.issue
newsletter_settings = issue_fixtures.newsletter_settings


#: Tests of a second language need the host site's i18n (the plugin's own settings have none).
needs_i18n = pytest.mark.skipif(not i18n_enabled(), reason="the host's languages: en and fr")


def get_json(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.content[:1000]
    return response.json()


def dated_issues(archive, *dates: datetime.date) -> list:
    return [
        make_issue(
            archive,
            [("text", "<p>Hello.</p>")],
            title=f"Issue {day:%Y-%m-%d}",
            slug=f"issue-{day:%Y-%m-%d}",
            subject=f"Subject {day:%Y-%m-%d}",
            issue_date=day,
        )
        for day in dates
    ]


def blocks_of(data: dict, block_type: str) -> list:
    return [block["value"] for block in data["blocks"] if block["type"] == block_type]


# --- the archive ------------------------------------------------------------------------------


def test_archive_lists_published_issues_newest_first_page_by_page(
    client, archive, newsletter_settings, django_assert_max_num_queries
):
    days = [datetime.date(2025, month, 1) for month in (3, 1, 5, 2, 4)]
    issues = dated_issues(archive, *days)
    make_issue(archive, [], title="Draft", slug="draft", subject="Draft", publish=False, live=False)

    with django_assert_max_num_queries(8):
        first = get_json(client, f"{ISSUES}?limit=2")
    second = get_json(client, f"{ISSUES}?limit=2&offset=2")
    rest = get_json(client, f"{ISSUES}?limit=2&offset=4")

    assert first["count"] == 5
    listed = [item["issue_date"] for page in (first, second, rest) for item in page["items"]]
    assert listed == ["2025-05-01", "2025-04-01", "2025-03-01", "2025-02-01", "2025-01-01"]
    newest = first["items"][0]
    may = next(i for i in issues if i.issue_date == datetime.date(2025, 5, 1))
    assert newest == {
        "id": may.pk,
        "title": "Issue 2025-05-01",
        "subject": "Subject 2025-05-01",
        "preheader": "Three wins, one letter",
        "issue_date": "2025-05-01",
        "url": may.get_full_url(),
        "locale": "en",
    }
    assert "Draft" not in json.dumps([first, second, rest])


def test_archive_leaves_out_unpublished_and_private_issues(client, archive, newsletter_settings):
    shown, unpublished, private = dated_issues(
        archive, datetime.date(2025, 1, 1), datetime.date(2025, 2, 1), datetime.date(2025, 3, 1)
    )
    unpublished.unpublish()
    PageViewRestriction.objects.create(page=private, restriction_type="login")

    data = get_json(client, ISSUES)

    assert [item["id"] for item in data["items"]] == [shown.pk]
    assert data["count"] == 1


@needs_i18n
def test_archive_filters_by_year_language_and_archive(
    client, archive, home_page, newsletter_settings
):
    old, new = dated_issues(archive, datetime.date(2024, 6, 1), datetime.date(2025, 6, 1))
    other = home_page.add_child(instance=archive.__class__(title="Board bulletin", slug="bulletin"))
    other.save_revision().publish()
    french = make_issue(
        other,
        [("text", "<p>Bonjour.</p>")],
        title="Numéro de mars",
        slug="mars",
        subject="Mars",
        issue_date=datetime.date(2025, 3, 1),
        locale=Locale.objects.get_or_create(language_code="fr")[0],
    )

    def ids(query: str) -> list[int]:
        return [item["id"] for item in get_json(client, f"{ISSUES}?{query}")["items"]]

    assert ids("year=2024") == [old.pk]
    assert ids("locale=fr") == [french.pk]
    assert ids("locale=en") == [new.pk, old.pk]
    assert ids(f"archive={archive.pk}") == [new.pk, old.pk]
    assert ids(f"archive={other.pk}&year=2025") == [french.pk]
    # Not an archive, a language the site does not have, bad numbers: errors, not a crash.
    assert client.get(f"{ISSUES}?archive={new.pk}").status_code == 404
    assert client.get(f"{ISSUES}?archive=999999999999").status_code == 422
    assert client.get(f"{ISSUES}?locale=xx").status_code == 422
    assert client.get(f"{ISSUES}?year=0").status_code == 422
    assert client.get(f"{ISSUES}?limit=1000").status_code == 400


# --- one issue --------------------------------------------------------------------------------


def test_issue_blocks_come_resolved(client, issue, content, appeal):
    data = get_json(client, f"{ISSUES}{issue.pk}/")

    assert [data[key] for key in ("id", "title", "subject", "locale")] == [
        issue.pk,
        "March issue",
        "March: wins and letters",
        "en",
    ]
    assert data["url"] == issue.get_full_url()
    # Featured pages as cards, with the button label the email shows.
    cards = blocks_of(data, "featured_page")
    assert [card["title"] for card in cards] == [p.title for p in content["statements"]]
    assert cards[0]["summary"] == "Summary of statement 0."
    assert cards[0]["url"] == content["statements"][0].get_full_url()
    assert cards[0]["type"] == "advocacy.StatementPage"
    assert cards[0]["button_label"] == "Read the statement"
    # Wins grouped by outcome, wins first, each with its count.
    (roundup,) = blocks_of(data, "wins_roundup")
    groups = {group["outcome"]: group for group in roundup["groups"]}
    assert [g["outcome"] for g in roundup["groups"]] == ["win", "positive_movement", "pending"]
    assert groups["win"]["count"] == 2 and groups["win"]["label"] == "Big new win"
    win_titles = [card["title"] for card in groups["win"]["items"]]
    assert win_titles == ["Campaign result 1", "Campaign result 0"]
    assert groups["win"]["items"][0]["facts"] == "2,000 emails sent"
    # The letter with its addressee, numbered demands and signatory count.
    (letter,) = blocks_of(data, "open_letter")
    assert letter["addressee"] == "Prime Minister Mark Carney"
    assert letter["signatory_count"] == 7
    assert [d["number"] for d in letter["demands"]] == [1, 2]
    assert "Recognise Palestine." in letter["demands"][0]["text"]
    assert letter["url"] == letter["card"]["url"] == content["letter"].get_full_url()
    # The appeal in full, its message as display HTML.
    (shown_appeal,) = blocks_of(data, "donation_appeal")
    assert shown_appeal["headline"] == "Keep the wins coming"
    assert shown_appeal["suggested_amounts"] == [25, 50]
    assert shown_appeal["monthly_emphasis"] is True
    assert shown_appeal["message"] == "<p>Monthly gifts <b>sustain</b> our work.</p>"
    # The other blocks, typed.
    assert blocks_of(data, "heading") == ["This month"]
    assert blocks_of(data, "divider") == [None]
    assert blocks_of(data, "button") == [
        {"label": "Act now", "url": "https://example.org/act", "page": None}
    ]
    assert blocks_of(data, "intro") == [full_body(content)[0][1]]


def test_wins_left_out_by_the_limit_keep_their_count_and_a_link(
    client, archive, content, newsletter_settings
):
    roundup = ("wins_roundup", {"heading": "Wins", "limit": 1})
    page = make_issue(archive, [roundup])

    (value,) = blocks_of(get_json(client, f"{ISSUES}{page.pk}/"), "wins_roundup")

    first, *others = value["groups"]
    assert (first["count"], len(first["items"])) == (2, 1)
    assert first["more_url"] == content["letter"].get_parent().get_full_url() + "?outcome=win"
    assert all(group["items"] == [] and group["count"] == 1 for group in others)


def test_featured_page_keeps_the_editors_overrides_and_images_have_renditions(
    client, archive, content, newsletter_settings
):
    image = get_image_model().objects.create(
        title="Rally", file=get_test_image_file(size=(1000, 500))
    )
    body = [
        (
            "featured_page",
            {
                "page": content["statements"][0],
                "title": "Our own title",
                "summary": "Our own summary.",
                "image": image,
                "button_label": "Read it",
            },
        ),
        ("image", {"image": image, "alt_text": "Crowd at the rally", "link": ""}),
        ("button", {"label": "See the letter", "page": content["letter"]}),
    ]
    page = make_issue(archive, body)

    data = get_json(client, f"{ISSUES}{page.pk}/")

    (card,) = blocks_of(data, "featured_page")
    assert (card["title"], card["summary"], card["button_label"]) == (
        "Our own title",
        "Our own summary.",
        "Read it",
    )
    assert card["image"]["id"] == image.pk
    assert [r["width"] for r in card["image"]["renditions"]] == [400, 800]
    assert re.match(r"https?://[^/]+/media/", card["image"]["url"])
    (shown,) = blocks_of(data, "image")
    assert shown["image"]["alt"] == "Crowd at the rally"
    assert re.match(r"https?://[^/]+/media/", shown["image"]["renditions"][0]["url"])
    (button,) = blocks_of(data, "button")
    assert button["url"] == content["letter"].get_full_url()
    assert button["page"]["id"] == content["letter"].pk


@needs_i18n
def test_a_french_issue_has_the_french_appeal_and_labels(
    client, archive, content, newsletter_settings, appeal
):
    french = Locale.objects.get_or_create(language_code="fr")[0]
    translated = appeal.copy_for_translation(french)
    translated.headline = "Que les victoires continuent"
    translated.save()
    body = [("donation_appeal", {"appeal": appeal}), ("wins_roundup", {"heading": "Victoires"})]
    page = make_issue(archive, body, slug="mars", subject="Mars", locale=french)

    data = get_json(client, f"{ISSUES}{page.pk}/")

    assert data["locale"] == "fr"
    assert blocks_of(data, "donation_appeal")[0]["headline"] == "Que les victoires continuent"
    assert '<html lang="fr"' in data["email"]["html"]
    # Wagtail's page detail works the blocks out in the issue's language too.
    body = get_json(client, f"/api/v3/pages/{page.pk}/")["body"]
    appeal_block = next(block for block in body if block["type"] == "donation_appeal")
    assert appeal_block["value"]["headline"] == "Que les victoires continuent"


def test_email_is_the_published_web_version_without_personal_links(client, issue):
    data = get_json(client, f"{ISSUES}{issue.pk}/")
    email = data["email"]

    assert email["subject"] == "March: wins and letters"
    assert "<title>March: wins and letters</title>" in email["html"]
    assert email["html"].startswith("<!doctype html>")
    assert "Statement number 0" in email["html"] and "Statement number 0" in email["text"]
    for key in MERGE_FIELDS:
        assert merge_tag(key) not in email["html"] and merge_tag(key) not in email["text"]
    assert not re.search(r"/unsubscribe/|/preferences/", email["html"] + email["text"])
    # The same email the "view in browser" page shows.
    web_page = client.get(issue.url).content.decode()
    assert "Statement number 0" in web_page


def test_email_is_the_live_revision_not_a_newer_draft(client, issue):
    issue.subject = "A draft subject"
    issue.save_revision()

    data = get_json(client, f"{ISSUES}{issue.pk}/")

    assert data["subject"] == data["email"]["subject"] == "March: wins and letters"
    assert "A draft subject" not in data["email"]["html"]


def test_drafts_private_and_unknown_issues_are_404(client, archive, issue, newsletter_settings):
    draft = make_issue(
        archive, [], title="Draft", slug="draft", subject="Draft", publish=False, live=False
    )
    private = make_issue(archive, [], title="Private", slug="private", subject="Private")
    PageViewRestriction.objects.create(page=private, restriction_type="login")

    for page_id in (draft.pk, private.pk, archive.pk, 999999):
        response = client.get(f"{ISSUES}{page_id}/")
        assert response.status_code == 404, page_id
    assert client.get(f"{ISSUES}99999999999999/").status_code == 422
    assert client.get(f"{ISSUES}0/").status_code == 422


def test_issue_detail_queries_are_bounded(client, issue, django_assert_max_num_queries):
    client.get(f"{ISSUES}{issue.pk}/")  # renders the email once (then cached) and renditions
    with django_assert_max_num_queries(25):
        get_json(client, f"{ISSUES}{issue.pk}/")


def test_pages_api_shows_the_issue_body_with_the_same_cards(client, issue):
    page = get_json(client, f"/api/v3/pages/{issue.pk}/")
    ours = get_json(client, f"{ISSUES}{issue.pk}/")

    assert [block["type"] for block in page["body"]] == [b["type"] for b in ours["blocks"]]
    assert blocks_of({"blocks": page["body"]}, "featured_page") == blocks_of(ours, "featured_page")
    assert blocks_of({"blocks": page["body"]}, "open_letter")[0]["signatory_count"] == 7


# --- the schema -------------------------------------------------------------------------------


def _refs(schema: dict, components: dict, seen: set) -> None:
    """Check every property schema under ``schema`` is typed (not ``{}``), following $refs."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                _refs(components[name], components, seen)
            return
        for prop, sub in schema.get("properties", {}).items():
            assert sub != {}, prop
        for value in schema.values():
            _refs(value, components, seen)
    elif isinstance(schema, list):
        for item in schema:
            _refs(item, components, seen)


def test_openapi_types_both_operations(client):
    spec = get_json(client, "/api/v3/openapi.json")
    components = spec["components"]["schemas"]
    listing = spec["paths"]["/api/v3/newsletter/issues/"]["get"]
    detail = spec["paths"]["/api/v3/newsletter/issues/{issue_id}/"]["get"]

    assert listing["operationId"] == "newsletter_issues"
    assert detail["operationId"] == "newsletter_issue"
    seen: set[str] = set()
    for operation in (listing, detail):
        _refs(operation["responses"]["200"], components, seen)
    assert {"NewsletterIssueDetail", "NewsletterIssueSummary", "NewsletterIssueEmail"} <= seen
    assert {"IssueFeaturedCard", "IssueWinsRoundup", "IssueOpenLetter", "DonationAppeal"} <= seen
    assert {"Card", "ImageOut", "IssueImage", "IssueButton"} <= seen
    outcome = components["IssueWinsGroup"]["properties"]["outcome"]
    assert outcome["enum"] == ["win", "positive_movement", "pending", "update"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert {"locale", "year", "archive", "limit", "offset"} <= set(params)
