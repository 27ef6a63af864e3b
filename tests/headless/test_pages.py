"""Wagtail's API v3 page detail, with the project's fields typed and resolved: images with
renditions and alt text, body blocks by type, a letter's signatories by the page."""

from __future__ import annotations

import pytest
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

pytestmark = pytest.mark.django_db


def get_json(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.content[:800]
    return response.json()


@pytest.fixture
def photo(db) -> Image:
    return Image.objects.create(
        title="Rally on the Hill",
        description="Hundreds of people with signs on Parliament Hill",
        file=get_test_image_file(size=(1000, 600)),
    )


def test_letter_gives_demands_lead_and_the_first_signatories_with_the_count(client, letter_factory):
    letter = letter_factory(45)

    data = get_json(client, f"/api/v3/pages/{letter.pk}/")

    assert data["meta"]["type"] == "advocacy.OpenLetterPage"
    assert [d["number"] for d in data["demands"]] == [1, 2]
    assert "Recognise Palestine" in data["demands"][0]["text"]
    assert data["lead_signatory"]["name"] == "letter Org 0"
    assert data["signatory_count"] == 45
    assert data["signatories"]["count"] == 45
    assert [o["name"] for o in data["signatories"]["first"]] == [
        f"letter Org {n}" for n in range(10)
    ]
    assert data["signatories"]["url"].endswith(f"/api/v3/advocacy/letters/{letter.pk}/signatories/")
    assert data["label"] == "Open letter"
    assert data["facts"] == "Signed by 45 organisations"


def test_signatories_come_page_by_page_and_can_be_searched(client, letter_factory):
    letter = letter_factory(45)
    url = f"/api/v3/advocacy/letters/{letter.pk}/signatories/"

    first = get_json(client, f"{url}?limit=20")
    last = get_json(client, f"{url}?limit=20&offset=40")
    found = get_json(client, f"{url}?q=ORG 4")

    assert first["count"] == 45
    assert [s["number"] for s in first["items"]] == list(range(1, 21))
    assert [s["name"] for s in last["items"]] == [f"letter Org {n}" for n in range(40, 45)]
    assert {s["name"] for s in found["items"]} == {"letter Org 4"} | {
        f"letter Org {n}" for n in range(40, 45)
    }
    assert found["items"][0]["number"] == 5  # its place in the letter, not in the results


def test_signatories_by_province(client, letter_factory):
    letter = letter_factory(5)
    letter.signatories.first().organisation.__class__.objects.filter(name="letter Org 3").update(
        province="QC"
    )

    data = get_json(client, f"/api/v3/advocacy/letters/{letter.pk}/signatories/?province=QC")

    assert [s["name"] for s in data["items"]] == ["letter Org 3"]


@pytest.mark.parametrize(
    "query",
    ["province=XX", "limit=0", "offset=-1", "q=" + "x" * 101, "limit=1000"],
)
def test_signatories_refuse_bad_queries_with_a_message(client, letter_factory, query):
    letter = letter_factory(3)

    response = client.get(f"/api/v3/advocacy/letters/{letter.pk}/signatories/?{query}")

    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_signatories_of_a_draft_or_unknown_letter_are_not_found(client, letter_factory):
    letter = letter_factory(3)
    letter.unpublish()

    assert client.get(f"/api/v3/advocacy/letters/{letter.pk}/signatories/").status_code == 404
    assert client.get("/api/v3/advocacy/letters/999999/signatories/").status_code == 404


def test_images_have_absolute_urls_alt_text_and_renditions(client, win, photo, settings):
    win.image = photo
    win.save_revision().publish()

    image = get_json(client, f"/api/v3/pages/{win.pk}/")["image"]

    assert image["alt"] == "Hundreds of people with signs on Parliament Hill"
    assert (image["width"], image["height"]) == (1000, 600)
    assert image["url"].startswith(settings.WAGTAILAPI_BASE_URL + "/")
    assert [r["width"] for r in image["renditions"]] == [400, 800]  # none wider than 1000
    assert all(r["url"].startswith("http") for r in image["renditions"])


def test_body_blocks_are_typed_and_resolved(client, statement, photo, appeal, newsroom):
    statement.body = [
        ("paragraph", f'<p>See <a linktype="page" id="{newsroom.pk}">the newsroom</a>.</p>'),
        ("image", {"image": photo, "alt_text": "", "caption": "On the Hill"}),
        ("heading", {"text": "What we ask", "level": "h2"}),
        ("donation_appeal", {"appeal": appeal}),
    ]
    statement.save_revision().publish()

    body = get_json(client, f"/api/v3/pages/{statement.pk}/")["body"]

    paragraph, image, heading, donation = body
    assert paragraph["type"] == "paragraph"
    assert 'href="/en/newsroom/"' in paragraph["value"] or "/newsroom/" in paragraph["value"]
    assert "linktype" not in paragraph["value"]  # internal links resolved
    assert image["value"]["image"]["alt"] == photo.description  # the image's own alt text
    assert image["value"]["caption"] == "On the Hill"
    assert heading["value"] == {"text": "What we ask", "level": "h2"}
    assert donation["value"]["headline"] == "Sustain our work"
    assert donation["value"]["suggested_amounts"] == [25, 50, 100]


def test_api_v2_keeps_its_shapes(client, statement, photo):
    statement.body = [("image", {"image": photo, "alt_text": "", "caption": ""})]
    statement.image = photo
    statement.save_revision().publish()

    data = get_json(client, f"/api/v2/pages/{statement.pk}/")

    assert data["body"][0]["value"]["image"] == photo.pk  # v2: the image's id, as before
    assert data["image"]["id"] == photo.pk
    assert data["image"]["meta"]["download_url"].endswith(".png")


def test_a_win_gives_its_outcome_and_supporter_summary(client, win):
    data = get_json(client, f"/api/v3/pages/{win.pk}/")

    assert data["outcome"] == "win"
    assert data["outcome_label"] == "Big new win"
    assert data["supporter_summary"] == "13,000 emails sent"
    assert data["facts"] == "13,000 emails sent"
    assert data["topics"] == ["Arms embargo"]


def test_the_newsroom_gives_its_intro_as_html_and_page_size(client, newsroom, statement):
    newsroom.intro = f'<p>Our <a linktype="page" id="{statement.pk}">statements</a>.</p>'
    newsroom.page_size = 9
    newsroom.save_revision().publish()

    data = get_json(client, f"/api/v3/pages/{newsroom.pk}/")
    v2 = get_json(client, f"/api/v2/pages/{newsroom.pk}/?fields=intro")

    assert data["page_size"] == 9
    assert f'<a href="{statement.url}">statements</a>' in data["intro"]  # links resolved
    assert 'linktype="page"' in v2["intro"]  # API v2: database HTML, as before


@pytest.mark.parametrize(
    "path",
    ["/api/v3/pages/", "/api/v3/advocacy/items/", "/api/v3/newsletter/issues/"],
)
def test_an_offset_past_any_listing_is_a_400_not_a_database_error(client, path):
    response = client.get(f"{path}?offset=110137967322247669687160668160")

    assert response.status_code == 400
    assert "offset" in response.json()["detail"]
