"""The demo's supporter actions (``home/demo/actions.py``, ``data/actions.toml``): built once,
unchanged by a second run, and their counts visible."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from home.demo.loader import load_demo_content

from advocacy.models import (
    ActionMessage,
    ActionPage,
    CampaignWinPage,
    OpenLetterPage,
    Organisation,
    Participation,
    Representative,
    RidingArea,
    SignOnRequest,
)

COUNTED = [ActionPage, Participation, ActionMessage, Representative, RidingArea, SignOnRequest]
ACTION_KINDS = ["actions", "representatives", "postal_areas", "participations", "letters",
                "sign_on_requests"]  # fmt: skip


def snapshot() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo twice, once for the whole module; roll it all back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        first = load_demo_content()
        after_first = snapshot()
        second = load_demo_content()
        yield {"first": first, "second": second, "after_first": after_first}
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def action(slug: str) -> ActionPage:
    return ActionPage.objects.get(slug=slug)


def test_a_second_run_adds_nothing(demo):
    for kind in ACTION_KINDS:
        assert demo["first"]["created"].get(kind), kind
        assert not demo["second"]["created"].get(kind), kind
    assert snapshot() == demo["after_first"]
    assert demo["after_first"]["ActionPage"] == 3


def test_the_sign_on_copy_takes_signatures_with_requests_waiting(demo):
    letter = OpenLetterPage.objects.get(accepts_signatures=False, locale__language_code="en")
    copy = OpenLetterPage.objects.get(accepts_signatures=True)
    assert copy.live and copy.pk != letter.pk
    assert (copy.addressee, len(copy.demands)) == (letter.addressee, len(letter.demands))
    assert copy.signatories.count() == 4
    assert copy.lead_signatory.name == "National Council of Canadian Muslims"
    assert copy.sign_on_mailing_list.slug == "supporters"
    waiting = SignOnRequest.objects.filter(letter=copy, status=SignOnRequest.Status.CONFIRMED)
    assert waiting.count() == 3
    assert all(r.contact_email.endswith("@example.org") for r in waiting)
    # One is likely an organisation the demo already has, spelt differently.
    assert waiting.filter(organisation_name="Al Salam Community Centre").exists()
    assert Organisation.objects.filter(name="Alsalam Community Centre").exists()


def test_the_letter_to_the_three_ministers_counts_its_letters(demo):
    page = action("write-to-ministers-joly-hussen-and-miller")
    targets = [t.representative for t in page.fixed_targets.all()]
    assert [t.name for t in targets] == ["Mélanie Joly", "Ahmed Hussen", "Marc Miller"]
    assert all(t.email.endswith("@example.org") for t in targets)
    assert page.targeting == ActionPage.Targeting.FIXED
    assert page.participant_count == 24
    assert page.participations.filter(status=Participation.Status.PENDING).count() == 2
    assert page.message_count == 24 * 3 - 1  # one letter failed
    assert page.messages_by_target()[0]["count"] == 24


def test_the_petition_stands_at_1800_of_3000(demo):
    page = action("sign-the-petition-sponsored-by-mp-paul-manly")
    assert page.kind == ActionPage.Kind.PETITION
    assert (page.goal, page.participant_count, page.progress_percent) == (3000, 1800, 60)
    assert page.teaser_facts() == "1,800 of 3,000 signatures"


def test_the_postal_code_action_finds_mps_from_the_table(demo):
    page = action("ask-your-mp-for-a-two-way-arms-embargo")
    assert page.targeting == ActionPage.Targeting.POSTAL_CODE
    assert set(RidingArea.objects.filter(fsa="K1S").values_list("riding", flat=True)) == {
        "Ottawa Centre",
        "Ottawa South",
    }
    mp = Representative.objects.get(riding="Ottawa Centre")
    assert mp.role == "Member of Parliament" and mp.email.endswith("@example.org")
    letters = ActionMessage.objects.filter(participation__page=page)
    assert letters.filter(recipient_email=mp.email).count() == 3  # K1P, K1R and K1S writers
    assert letters.count() == 7  # six writers; K1S lies in two ridings


def test_the_win_shows_the_letter_actions_live_count(demo, client):
    win = CampaignWinPage.objects.get(slug="ministers-joly-and-miller-still-to-act")
    assert win.supporter_count is None
    assert win.action.slug == "write-to-ministers-joly-hussen-and-miller"
    assert win.supporter_summary == "71 emails sent"
    response = client.get(win.url)
    assert response.status_code == 200
    assert "71 emails sent" in response.content.decode()


def test_the_results_screen_shows_the_demo_counts(demo, client, superuser):
    client.force_login(superuser)
    index = client.get(reverse("advocacy_action_results")).content.decode()
    assert "Sign the parliamentary petition sponsored by MP Paul Manly" in index
    petition = action("sign-the-petition-sponsored-by-mp-paul-manly")
    html = client.get(reverse("advocacy_action_result", args=[petition.pk])).content.decode()
    assert "(60%)" in html
    letter = action("write-to-ministers-joly-hussen-and-miller")
    html = client.get(reverse("advocacy_action_result", args=[letter.pk])).content.decode()
    assert "<tr><td>Marc Miller</td><td>23</td><td>1</td><td>0</td></tr>" in html
