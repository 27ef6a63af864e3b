"""One-click unsubscribe (RFC 8058), the unsubscribe page and the preference centre."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from newsletter.audience import subscriptions
from newsletter.audience.tokens import preferences_url, subscriber_token, unsubscribe_url
from newsletter.models import MailingList, Subscriber, Subscription, Suppression
from tests.newsletter.conftest import confirm_links, path_of


@pytest.fixture
def ada(supporters) -> Subscriber:
    """An active subscriber of Supporters."""
    subscriptions.subscribe("ada@example.org", supporters, subscriptions.ConsentRecord())
    subscriptions.confirm(Subscription.objects.get(subscriber__email="ada@example.org"))
    mail.outbox.clear()
    return Subscriber.objects.get(email="ada@example.org")


def test_links_are_absolute_signed_and_hide_database_ids(ada, settings):
    url = unsubscribe_url(ada)
    assert url.startswith(settings.BASE_URL + "/newsletter/unsubscribe/")
    token = subscriber_token(ada)
    assert token.split(".")[0] == ada.public_id  # a random id, never the database id
    assert len(ada.public_id) >= 20
    assert preferences_url(ada).endswith(f"/newsletter/preferences/{token}/")


def test_one_click_post_unsubscribes_without_csrf_login_or_confirmation(ada, supporters):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        path_of(unsubscribe_url(ada)),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "You're unsubscribed" in response.content.decode()
    subscription = ada.subscriptions.get()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED
    assert subscription.ended_how == Subscription.EndedHow.ONE_CLICK
    assert subscription.ended_at is not None
    assert Suppression.objects.get(email="ada@example.org").reason == "unsubscribed_all"
    assert subscriptions.audience_count(supporters) == 0

    again = client.post(
        path_of(unsubscribe_url(ada)),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert again.status_code == 200  # idempotent


def test_one_click_for_one_list_leaves_the_others(ada, supporters):
    actions = MailingList.objects.create(name="Action alerts", slug="actions")
    subscriptions.subscribe(
        ada.email, actions, subscriptions.ConsentRecord(), require_confirmation=False
    )
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        path_of(unsubscribe_url(ada, supporters)),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "will no longer receive <strong>Supporters</strong>" in response.content.decode()
    assert subscriptions.audience_count(supporters) == 0
    assert subscriptions.audience_count(actions) == 1
    assert not Suppression.objects.exists()


def test_get_shows_one_button_and_the_preference_centre_and_changes_nothing(ada, supporters):
    response = Client().get(path_of(unsubscribe_url(ada)))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert html.count('type="submit"') == 1
    assert ">Unsubscribe</button>" in html
    assert f"/newsletter/preferences/{subscriber_token(ada)}/" in html
    assert subscriptions.audience_count(supporters) == 1


def test_the_unsubscribe_button_works_without_a_csrf_token(ada, supporters):
    client = Client(enforce_csrf_checks=True)
    response = client.post(path_of(unsubscribe_url(ada)), {})
    assert response.status_code == 200
    assert ada.subscriptions.get().ended_how == Subscription.EndedHow.EVERYTHING
    assert subscriptions.audience_count(supporters) == 0


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("xx" if not t.endswith("xx") else "yy"),
        lambda t: "A" + t[1:] if t[0] != "A" else "B" + t[1:],
        lambda t: t.split(".")[0],
        lambda t: "garbage",
    ],
)
def test_tampered_tokens_get_an_error_page_and_change_nothing(ada, supporters, mangle):
    client = Client(enforce_csrf_checks=True)
    token = mangle(subscriber_token(ada))
    for response in (
        client.get(f"/newsletter/unsubscribe/{token}/"),
        client.post(f"/newsletter/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"}),
        client.get(f"/newsletter/preferences/{token}/"),
    ):
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()
    assert subscriptions.audience_count(supporters) == 1
    assert not Suppression.objects.exists()


def test_a_confirmation_token_is_not_an_unsubscribe_token(ada, supporters):
    from newsletter.audience.tokens import confirmation_token

    token = confirmation_token(ada.subscriptions.get())
    response = Client().post(f"/newsletter/unsubscribe/{token}/")
    assert response.status_code == 400
    assert subscriptions.audience_count(supporters) == 1


def test_unsubscribe_links_never_expire(ada, supporters, settings):
    settings.NEWSLETTER_CONFIRM_MAX_AGE = -1
    response = Client().post(path_of(unsubscribe_url(ada)), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert subscriptions.audience_count(supporters) == 0


def test_preferences_change_language_and_lists(client, ada, supporters):
    actions = MailingList.objects.create(name="Action alerts", slug="actions")
    MailingList.objects.create(name="Board", slug="board", is_public=False)
    url = path_of(preferences_url(ada))

    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<h1") == 1
    assert "Supporters" in html and "Action alerts" in html
    assert "Board" not in html  # internal lists they are not on stay hidden

    response = client.post(url, {"lists": [actions.pk], "language": "fr"})
    assert response.status_code == 302
    follow = client.get(response["Location"])
    html = follow.content.decode()
    assert follow["Content-Language"] == "fr"  # the page now speaks the reader's language
    with translation.override("fr"):
        assert gettext("Your preferences are saved.") in html
        assert gettext("We have emailed you a link to confirm the lists you added.") in html

    ada.refresh_from_db()
    assert ada.language == "fr"
    assert subscriptions.audience_count(supporters) == 0
    left = ada.subscriptions.get(mailing_list=supporters)
    assert left.ended_how == Subscription.EndedHow.PREFERENCES
    added = ada.subscriptions.get(mailing_list=actions)
    assert added.status == Subscription.Status.PENDING  # new lists need confirming
    assert added.source == Subscription.Source.PREFERENCES
    assert subscriptions.audience_count(actions) == 0
    [link] = confirm_links()
    client.post(path_of(link))
    assert subscriptions.audience_count(actions) == 1


def test_preferences_show_internal_lists_they_are_on_so_they_can_leave(client, ada):
    board = MailingList.objects.create(name="Board", slug="board", is_public=False)
    subscriptions.subscribe(
        ada.email, board, subscriptions.ConsentRecord(), require_confirmation=False
    )
    url = path_of(preferences_url(ada))
    assert "Board" in client.get(url).content.decode()
    client.post(url, {"lists": [], "language": "en"})
    assert subscriptions.audience_count(board) == 0


def test_unsubscribe_from_everything_on_the_preference_page(client, ada, supporters):
    html = client.get(path_of(preferences_url(ada))).content.decode()
    assert "Unsubscribe from all emails" in html
    client.post(path_of(unsubscribe_url(ada)))
    assert Suppression.objects.filter(email=ada.email, reason="unsubscribed_all").exists()
    assert subscriptions.audience_count(supporters) == 0


def test_the_fast_token_maker_makes_exactly_the_normal_tokens():
    from types import SimpleNamespace

    from newsletter.audience.tokens import (
        read_subscriber_token,
        subscriber_token,
        subscriber_token_maker,
    )

    make = subscriber_token_maker()
    for public_id in ("abc", "Z" * 22, "x-_y"):
        token = make(public_id)
        assert token == subscriber_token(SimpleNamespace(public_id=public_id))
        assert read_subscriber_token(token) == public_id
