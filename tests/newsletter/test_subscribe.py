"""Subscribing through the form and the JSON API, double opt-in, and what the public can learn."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from newsletter.audience import subscriptions
from newsletter.audience.tokens import unsubscribe_url
from newsletter.models import Subscriber, Subscription, Suppression
from tests.newsletter.conftest import api_payload, confirm_links, path_of, subscribe_form_data

SUBSCRIBE = "/newsletter/subscribe/"


def test_form_subscribe_sends_a_confirmation_and_nobody_is_active_before(client, supporters):
    page = client.get(SUBSCRIBE + "?list=supporters")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<h1") == 1
    assert "Yes, I want to receive email newsletters" in html

    response = client.post(
        SUBSCRIBE,
        subscribe_form_data(supporters, "  Ada@Example.ORG "),
        HTTP_USER_AGENT="Firefox/140",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter:subscribe_thanks")
    thanks = client.get(response["Location"])
    assert "Check your inbox" in thanks.content.decode()

    subscriber = Subscriber.objects.get()
    assert subscriber.email == "ada@example.org"
    subscription = subscriber.subscriptions.get()
    assert subscription.status == Subscription.Status.PENDING
    assert subscription.consent_type == Subscription.ConsentType.EXPRESS
    assert subscription.source == Subscription.Source.FORM
    assert subscription.ip_address == "203.0.113.9"
    assert subscription.user_agent == "Firefox/140"
    assert subscription.consent_text.text.startswith("Yes, I want to receive email newsletters")
    assert len(subscription.consent_text.version) == 16
    assert subscriptions.audience_count(supporters) == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.org"]
    assert "Supporters" in message.subject
    html_part, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    [link] = confirm_links()
    assert link in html_part
    assert "7 days" in message.body


def test_confirming_needs_a_click_then_activates(client, supporters):
    client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))
    [link] = confirm_links()

    page = client.get(path_of(link))  # a mail scanner's prefetch changes nothing
    assert page.status_code == 200
    assert "Confirm my subscription" in page.content.decode()
    assert Subscription.objects.get().status == Subscription.Status.PENDING

    done = client.post(path_of(link))
    assert done.status_code == 200
    assert "You're subscribed" in done.content.decode()
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.confirmed_at is not None
    assert subscriptions.audience_count(supporters) == 1

    again = client.post(path_of(link))  # a second click is harmless
    assert again.status_code == 200
    assert Subscription.objects.get().status == Subscription.Status.ACTIVE


def test_expired_confirmation_link_changes_nothing(client, supporters, settings):
    client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))
    [link] = confirm_links()
    settings.NEWSLETTER_CONFIRM_MAX_AGE = -1  # every link is now older than its maximum age

    for method in (client.get, client.post):
        response = method(path_of(link))
        assert response.status_code == 400
        assert "This link has expired" in response.content.decode()
    assert Subscription.objects.get().status == Subscription.Status.PENDING


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # tampered signature
        lambda token: "x" + token,  # tampered id
        lambda token: token.split(".")[0],  # signature removed
        lambda token: "not-a-token",
    ],
)
def test_forged_confirmation_links_change_nothing(client, supporters, mangle):
    client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))
    [link] = confirm_links()
    token = link.rstrip("/").rsplit("/", 1)[1]
    response = client.post(f"/newsletter/confirm/{mangle(token)}/")
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert Subscription.objects.get().status == Subscription.Status.PENDING


def test_json_subscribe_then_confirm(client, supporters, post_json):
    response = post_json(api_payload("Grace@Example.org", language="fr"))
    assert response.status_code == 202
    assert response.json() == {
        "status": "ok",
        "message": "Check your inbox to confirm your subscription.",
    }
    subscription = Subscription.objects.get()
    assert subscription.source == Subscription.Source.API
    assert subscription.subscriber.language == "fr"
    assert "Veuillez confirmer" in mail.outbox[0].subject
    [link] = confirm_links()
    client.post(path_of(link))
    assert subscriptions.audience_count(supporters) == 1


def test_json_api_describes_lists_and_consent_wording(
    client, supporters, board_list, post_json, api
):
    data = client.get(api).json()
    assert [item["slug"] for item in data["lists"]] == ["supporters"]  # internal list hidden
    assert set(data["consent"]) == {"en", "fr"}
    version = data["consent"]["fr"]["version"]
    post_json(api_payload("a@example.org", consent_version=version))
    assert Subscription.objects.get().consent_text.language == "fr"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-address", "list": "supporters", "consent": True}, "email"),
        ({"email": "a@example.org", "list": "supporters", "consent": False}, "consent"),
        ({"email": "a@example.org", "list": "supporters", "consent": "yes"}, "consent"),
        ({"email": "a@example.org", "list": "supporters"}, "consent"),
        ({"email": "a@example.org", "list": "nope", "consent": True}, "list"),
        ({"email": "a@example.org", "list": "board", "consent": True}, "list"),
        (
            {"email": "a@example.org", "list": "supporters", "consent": True, "language": "de"},
            "language",
        ),
        ({"email": ["a@example.org"], "list": "supporters", "consent": True}, "email"),
    ],
)
def test_json_api_rejects_malformed_input(
    client, supporters, board_list, payload, field, post_json
):
    response = post_json(payload)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


def test_internal_and_unknown_lists_get_the_same_answer(client, supporters, board_list, post_json):
    internal = post_json(api_payload("a@example.org", list="board"))
    unknown = post_json(api_payload("a@example.org", list="no-such-list"))
    assert internal.status_code == unknown.status_code == 400
    assert internal.content == unknown.content


def test_json_api_rejects_bodies_that_are_not_json_objects(client, supporters, api):
    for body in (b"not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"[" * 100_000):
        response = client.post(api, data=body, content_type="application/json")
        assert response.status_code == 400
    assert not Subscriber.objects.exists()


def _states(supporters) -> dict[str, str]:
    """Four addresses: new, pending, active, suppressed (bounced), plus one who left everything."""
    subscriptions.subscribe("pending@example.org", supporters, subscriptions.ConsentRecord())
    subscriptions.subscribe("active@example.org", supporters, subscriptions.ConsentRecord())
    active = Subscription.objects.get(subscriber__email="active@example.org")
    subscriptions.confirm(active)
    subscriptions.suppress("bounced@example.org", Suppression.Reason.HARD_BOUNCE)
    mail.outbox.clear()
    return {
        "new": "new@example.org",
        "pending": "pending@example.org",
        "active": "active@example.org",
        "suppressed": "bounced@example.org",
    }


def test_form_answer_is_identical_whatever_the_address_state(client, supporters, settings):
    settings.NEWSLETTER_CONFIRM_RESEND_INTERVAL = 0
    responses = {
        state: client.post(SUBSCRIBE, subscribe_form_data(supporters, email))
        for state, email in _states(supporters).items()
    }
    first = responses["new"]
    for response in responses.values():
        assert response.status_code == first.status_code == 302
        assert response["Location"] == first["Location"]
        assert response.content == first.content
    # Nothing is sent to active or suppressed addresses; the pending one gets a fresh link.
    assert sorted(m.to[0] for m in mail.outbox) == ["new@example.org", "pending@example.org"]
    assert not Subscriber.objects.filter(email="bounced@example.org").exists()


def test_json_answer_is_identical_whatever_the_address_state(client, supporters, post_json):
    responses = {
        state: post_json(api_payload(email)) for state, email in _states(supporters).items()
    }
    bodies = {r.content for r in responses.values()}
    assert {r.status_code for r in responses.values()} == {202}
    assert len(bodies) == 1


def test_honeypot_looks_like_success_but_does_nothing(client, supporters, post_json):
    response = client.post(
        SUBSCRIBE, subscribe_form_data(supporters, "bot@example.org", website="http://spam")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter:subscribe_thanks")
    api = post_json(api_payload("bot2@example.org", website="http://spam"))
    assert api.status_code == 202
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


def test_form_errors_are_shown_on_the_form(client, supporters):
    response = client.post(SUBSCRIBE, subscribe_form_data(supporters, "nope", consent=""))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid email address" in html
    assert "Tick the box" in html
    assert html.count("<h1") == 1
    assert not Subscriber.objects.exists()


def test_rate_limit_answers_429_with_a_clear_message(client, supporters, settings, post_json):
    settings.NEWSLETTER_SUBSCRIBE_RATE = "3/h"
    for n in range(3):
        ok = post_json(api_payload(f"a{n}@example.org"), REMOTE_ADDR="198.51.100.7")
        assert ok.status_code == 202
    blocked = post_json(api_payload("a9@example.org"), REMOTE_ADDR="198.51.100.7")
    assert blocked.status_code == 429
    assert "Too many sign-up attempts" in blocked.json()["message"]
    assert 0 < int(blocked["Retry-After"]) <= 3600
    form = client.post(
        SUBSCRIBE, subscribe_form_data(supporters, "b@example.org"), REMOTE_ADDR="198.51.100.7"
    )
    assert form.status_code == 429
    assert "Too many sign-up attempts" in form.content.decode()
    assert not Subscriber.objects.filter(email__in=["a9@example.org", "b@example.org"]).exists()
    # Another visitor is not affected.
    other = post_json(api_payload("c@example.org"), REMOTE_ADDR="198.51.100.8")
    assert other.status_code == 202


def test_confirmation_emails_to_one_address_are_throttled(client, supporters, post_json):
    for _ in range(3):
        post_json(api_payload("ada@example.org"))
    assert len(mail.outbox) == 1


def test_resubscribing_after_unsubscribing_needs_a_new_confirmation(client, supporters):
    client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))
    client.post(path_of(confirm_links()[0]))
    subscriber = Subscriber.objects.get()
    client.post(path_of(unsubscribe_url(subscriber)))  # leaves everything
    assert Suppression.objects.filter(email="ada@example.org").exists()
    assert subscriptions.audience_count(supporters) == 0

    mail.outbox.clear()
    client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))
    assert subscriptions.audience_count(supporters) == 0  # not active again before confirming
    [link] = confirm_links()
    client.post(path_of(link))
    assert subscriptions.audience_count(supporters) == 1
    assert not Suppression.objects.filter(email="ada@example.org").exists()
    history = list(subscriber.subscriptions.order_by("created_at", "pk"))
    assert [s.status for s in history] == ["unsubscribed", "active"]  # old record kept


def test_an_old_link_from_before_unsubscribing_cannot_reactivate(client, supporters):
    client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))
    [link] = confirm_links()
    client.post(path_of(link))
    client.post(path_of(unsubscribe_url(Subscriber.objects.get())))
    response = client.post(path_of(link))
    assert response.status_code == 400
    assert subscriptions.audience_count(supporters) == 0


def test_bounced_addresses_are_never_resubscribed(client, supporters):
    subscriptions.suppress("ada@example.org", Suppression.Reason.COMPLAINT)
    client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))
    assert mail.outbox == []
    assert not Subscription.objects.exists()


def test_subscribe_page_shows_the_form(client, home_page, supporters):
    from newsletter.models import SubscribePage

    page = home_page.add_child(
        instance=SubscribePage(
            title="Join us", slug="join", intro="<p>Stay informed.</p>", mailing_list=supporters
        )
    )
    page.save_revision().publish()
    response = client.get(page.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "Stay informed." in html
    assert 'name="consent"' in html and 'value="supporters"' in html
    assert 'action="/newsletter/subscribe/"' in html


def test_subscribe_block_renders_the_form(rf, supporters):
    from newsletter.audience.blocks import SubscribeFormBlock

    block = SubscribeFormBlock()
    value = block.to_python(
        {"heading": "Get our newsletter", "list_slug": "supporters", "button_label": "Join"}
    )
    html = block.render(value, context={"request": rf.get("/")})
    assert "<h2" in html and "Get our newsletter" in html
    assert 'value="supporters"' in html and ">Join</button>" in html


def test_implied_consent_lapses_after_two_years(supporters):
    from django.core.management import call_command
    from django.utils import timezone

    long_ago = timezone.now() - datetime.timedelta(days=2 * 365 + 2)
    recent = timezone.now() - datetime.timedelta(days=300)
    for email, when in (("old@example.org", long_ago), ("new@example.org", recent)):
        subscriber = Subscriber.objects.create(email=email)
        Subscription.objects.create(
            subscriber=subscriber,
            mailing_list=supporters,
            status=Subscription.Status.ACTIVE,
            consent_type=Subscription.ConsentType.IMPLIED,
            source=Subscription.Source.IMPORT,
            consented_at=when,
        )
    assert subscriptions.audience_count(supporters) == 1  # lapsed consent never counts
    call_command("newsletter_lapse_implied_consent", stdout=open("/dev/null", "w"))  # noqa: SIM115
    old = Subscription.objects.get(subscriber__email="old@example.org")
    assert old.status == Subscription.Status.UNSUBSCRIBED
    assert old.ended_how == Subscription.EndedHow.LAPSED
    assert Subscription.objects.get(subscriber__email="new@example.org").is_open


def test_audience_command_counts_active_unsuppressed(supporters, capsys):
    from django.core.management import call_command

    for n in range(3):
        subscriptions.subscribe(
            f"p{n}@example.org",
            supporters,
            subscriptions.ConsentRecord(),
            require_confirmation=False,
        )
    subscriptions.subscribe("pending@example.org", supporters, subscriptions.ConsentRecord())
    subscriptions.suppress("p0@example.org", Suppression.Reason.HARD_BOUNCE)
    call_command("newsletter_audience", "--list", "supporters")
    assert capsys.readouterr().out.strip() == "2"


def test_subscribe_form_tag_for_any_template(rf, supporters, board_list):
    from django.template import Context, Template

    template = Template('{% load newsletter_tags %}{% subscribe_form "supporters" "Join" %}')
    html = template.render(Context({"request": rf.get("/"), "csrf_token": "tok"}))
    assert 'action="/newsletter/subscribe/"' in html and ">Join</button>" in html
    assert 'value="supporters"' in html
    internal = Template('{% load newsletter_tags %}{% subscribe_form "board" %}')
    assert "<form" not in internal.render(Context({}))
