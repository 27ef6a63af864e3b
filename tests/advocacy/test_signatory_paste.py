"""An open letter's signatories in the admin: pasted in (one organisation per line), ticked off."""

from __future__ import annotations

import pytest
from django.urls import reverse

from advocacy.models import OpenLetterPage, Organisation
from advocacy.signatories import parse_pasted_names
from tests.advocacy.admin_forms import edit_form_data

pytestmark = pytest.mark.django_db

PASTE = """National Council of Canadian Muslims

Abbotsford Islamic Center
   abbotsford   ISLAMIC center
- Al Rashid Mosque

12. Windsor Islamic Association
Al Rashid Mosque
"""


def test_parse_reports_blank_lines_and_repeats_with_line_numbers():
    report = parse_pasted_names(PASTE)

    assert [n.name for n in report.names] == [
        "National Council of Canadian Muslims",
        "Abbotsford Islamic Center",
        "Al Rashid Mosque",
        "Windsor Islamic Association",
    ]
    assert report.blank_lines == [2, 6]
    assert report.repeated == [
        (4, "abbotsford ISLAMIC center", 3),
        (8, "Al Rashid Mosque", 5),
    ]


def test_parse_rejects_a_line_too_long_to_be_a_name():
    report = parse_pasted_names("Fine name\n" + "x" * 300)
    assert report.errors and "Line 2" in report.errors[0]


def edit_letter(client, letter, **changes):
    """Open the letter's edit page, change fields, publish; return the followed response."""
    url = reverse("wagtailadmin_pages:edit", args=[letter.pk])
    data = edit_form_data(client, letter)
    for key, value in changes.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    data["action-publish"] = "action-publish"
    # A dict of lists: the test client posts only the last value of each QueryDict key.
    return client.post(url, {key: data.getlist(key) for key in data}, follow=True)


def test_pasting_into_the_admin_adds_signatories_and_reports_what_was_skipped(
    client, superuser, letter_factory
):
    letter = letter_factory(1, slug="paste")  # already signed by "paste Org 0"
    Organisation.objects.create(name="Al Rashid Mosque", city="Edmonton")
    client.force_login(superuser)

    response = edit_letter(client, letter, paste_signatories=PASTE + "PASTE org 0\n")

    assert response.status_code == 200
    letter = OpenLetterPage.objects.get(pk=letter.pk)
    names = [s.organisation.name for s in letter.signatory_list()]
    assert names == [
        "paste Org 0",
        "National Council of Canadian Muslims",
        "Abbotsford Islamic Center",
        "Al Rashid Mosque",
        "Windsor Islamic Association",
    ]
    # The existing organisation was reused, not duplicated.
    assert Organisation.objects.filter(name_key="al rashid mosque").count() == 1
    assert names.count("Al Rashid Mosque") == 1
    messages = [str(m) for m in response.context["messages"]]
    report = next(m for m in messages if "signator" in m)
    assert "Added 4 signatories (3 new organisations, 1 existing reused)" in report
    assert "Skipped 2 blank line(s)" in report
    assert "line 4 “abbotsford ISLAMIC center” repeats line 3" in report
    assert "already on the letter: line 9 “PASTE org 0”" in report


def test_pasting_a_whole_seed_sized_list_at_once(client, superuser, letter_factory):
    letter = letter_factory(0, slug="big")
    lines = [f"Organisation number {n}" for n in range(454)]
    lines[100] = lines[99].upper()  # a duplicate differing by case
    lines.insert(200, "")
    client.force_login(superuser)

    edit_letter(client, letter, paste_signatories="\n".join(lines))

    letter = OpenLetterPage.objects.get(pk=letter.pk)
    assert letter.signatory_count == 453
    assert letter.live and not letter.has_unpublished_changes


def test_a_bad_paste_is_refused_with_a_message_and_changes_nothing(
    client, superuser, letter_factory
):
    letter = letter_factory(2, slug="bad")
    before = Organisation.objects.count()
    client.force_login(superuser)

    response = edit_letter(client, letter, paste_signatories="Good Org\n" + "y" * 400)

    assert response.status_code == 200
    assert "Line 2 is 400 characters long" in response.content.decode()
    assert Organisation.objects.count() == before
    assert OpenLetterPage.objects.get(pk=letter.pk).signatory_count == 2


def test_an_organisation_shows_the_letters_it_signed_in_its_usage(
    client, superuser, letter_factory
):
    letter = letter_factory(0, slug="usage")
    client.force_login(superuser)
    edit_letter(client, letter, paste_signatories="First Org\nSecond Org\n")

    from wagtail.models import ReferenceIndex

    second = Organisation.objects.get(name="Second Org")
    usage = ReferenceIndex.get_references_to(second).group_by_source_object()
    assert [source.pk for source, _ in usage] == [letter.pk]


def org_ids(letter, *numbers: int) -> list[str]:
    links = letter.signatory_list()
    return [str(links[n].organisation_id) for n in numbers]


def test_ticking_signatories_takes_them_off_and_keeps_the_order(client, superuser, letter_factory):
    letter = letter_factory(5, slug="tick")
    client.force_login(superuser)

    response = edit_letter(client, letter, remove_signatories=org_ids(letter, 1, 3))

    letter = OpenLetterPage.objects.get(pk=letter.pk)
    names = [s.organisation.name for s in letter.signatory_list()]
    assert names == ["tick Org 0", "tick Org 2", "tick Org 4"]
    assert Organisation.objects.filter(name="tick Org 1").exists()  # only the signature goes
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Removed 2 signatories.") for m in messages)


def test_a_ticked_organisation_pasted_again_moves_to_the_end(client, superuser, letter_factory):
    letter = letter_factory(3, slug="move")
    client.force_login(superuser)

    edit_letter(
        client, letter, remove_signatories=org_ids(letter, 0), paste_signatories="move Org 0\n"
    )

    letter = OpenLetterPage.objects.get(pk=letter.pk)
    names = [s.organisation.name for s in letter.signatory_list()]
    assert names == ["move Org 1", "move Org 2", "move Org 0"]


def test_a_forged_removal_is_refused_and_changes_nothing(client, superuser, letter_factory):
    letter = letter_factory(2, slug="forged")
    stranger = Organisation.objects.create(name="Not a signatory", name_key="not a signatory")
    client.force_login(superuser)

    response = edit_letter(client, letter, remove_signatories=[str(stranger.pk)])

    assert "Select a valid choice" in response.content.decode()
    assert OpenLetterPage.objects.get(pk=letter.pk).signatory_count == 2


def test_the_edit_page_stays_light_with_hundreds_of_signatories(
    client, superuser, letter_factory, django_assert_max_num_queries
):
    """One inline form per signatory made it 3.5 MB and 490 queries at 450 signatories."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(superuser)

    def edit_page(letter) -> tuple[int, int, str]:
        url = reverse("wagtailadmin_pages:edit", args=[letter.pk])
        client.get(url)  # warm caches
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        return len(queries.captured_queries), len(html.encode()), html

    few_queries, few_bytes, _ = edit_page(letter_factory(5, slug="few"))
    many_queries, many_bytes, html = edit_page(letter_factory(450, slug="many"))

    assert many_queries == few_queries
    assert (many_bytes - few_bytes) / 445 < 400  # one checkbox row per signatory
    assert "Signed by 450 organisations" in html and "449. many Org 448 (City 448)" in html
