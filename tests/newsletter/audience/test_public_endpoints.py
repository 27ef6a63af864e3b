"""The public subscribe and confirm endpoints: consent records that stay, client addresses behind
proxies, limits that cannot be turned against a victim, JSON only, and a cache outage."""

from __future__ import annotations

import csv
import datetime
import io
import json
import logging

import pytest
from django.core import mail

from newsletter.audience import ratelimit
from newsletter.models import MailingList, Subscriber, Subscription
from tests.newsletter.conftest import api_payload, confirm_links, path_of, subscribe_form_data

SUBSCRIBE = "/newsletter/subscribe/"
EXPORT = "/admin/newsletter/subscriber/export-consent/"
PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def fresh_cache_health():
    """No outage carried over from another test."""
    ratelimit.cache_health.reset()
    yield
    ratelimit.cache_health.reset()


# --- 4. the first consent record stays; the confirming click is recorded beside it ----------


def test_signing_up_again_while_pending_keeps_the_first_consent_record(
    client, supporters, settings, post_json
):
    settings.NEWSLETTER_CONFIRM_RESEND_INTERVAL = 0  # every repeat sends the email again
    client.post(
        SUBSCRIBE,
        subscribe_form_data(supporters, "ada@example.org"),
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Firefox/140",
        HTTP_REFERER="https://example.org/join/",
    )
    first = Subscription.objects.get()
    Subscription.objects.filter(pk=first.pk).update(
        consented_at=first.consented_at - datetime.timedelta(days=3)
    )
    first.refresh_from_db()

    again = post_json(
        api_payload("ada@example.org"),
        REMOTE_ADDR="198.51.100.66",
        HTTP_USER_AGENT="curl/8",
        HTTP_ORIGIN="https://elsewhere.example",
    )

    assert again.status_code == 202
    assert len(mail.outbox) == 2  # the email is sent again...
    record = Subscription.objects.get()
    assert record.status == Subscription.Status.PENDING
    # ...but the consent record is still the first sign-up's.
    assert record.consented_at == first.consented_at
    assert record.source == Subscription.Source.FORM
    assert record.source_detail == "https://example.org/join/"
    assert record.ip_address == "203.0.113.9"
    assert record.user_agent == "Firefox/140"
    assert record.consent_text_id == first.consent_text_id


def test_the_confirming_click_is_recorded_beside_the_sign_up(client, supporters, audience_manager):
    client.post(
        SUBSCRIBE,
        subscribe_form_data(supporters, "ada@example.org"),
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Phone browser",
    )
    [link] = confirm_links()
    client.get(path_of(link), REMOTE_ADDR="192.0.2.99", HTTP_USER_AGENT="Mail scanner")
    client.post(path_of(link), REMOTE_ADDR="2001:db8::7", HTTP_USER_AGENT="Laptop browser")

    record = Subscription.objects.get()
    assert record.status == Subscription.Status.ACTIVE
    assert (record.ip_address, record.user_agent) == ("203.0.113.9", "Phone browser")
    assert record.confirmed_at is not None
    assert record.confirmed_ip_address == "2001:db8::7"
    assert record.confirmed_user_agent == "Laptop browser"

    client.post(path_of(link), REMOTE_ADDR="192.0.2.1", HTTP_USER_AGENT="Second click")
    record.refresh_from_db()
    assert record.confirmed_ip_address == "2001:db8::7"  # a second click changes nothing

    client.force_login(audience_manager)
    export = client.get(EXPORT)
    [row] = csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode()))
    assert row["ip_address"] == "203.0.113.9"
    assert row["confirmed_ip_address"] == "2001:db8::7"
    assert row["confirmed_user_agent"] == "Laptop browser"


# --- 9. client addresses behind proxies, IPv6 /64, confirmation emails per address ----------


def test_clients_behind_one_trusted_proxy_are_limited_separately(
    client, supporters, settings, post_json
):
    settings.NEWSLETTER_TRUSTED_PROXIES = 1
    settings.NEWSLETTER_SUBSCRIBE_RATE = "2/h"

    def via_proxy(email: str, forwarded_for: str):
        return post_json(api_payload(email), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)

    assert via_proxy("a1@example.org", "198.51.100.1").status_code == 202
    # The visitor writes whatever they like to the left; the proxy appends the real address.
    assert via_proxy("a2@example.org", "6.6.6.6, 198.51.100.1").status_code == 202
    assert via_proxy("a3@example.org", "7.7.7.7, 198.51.100.1").status_code == 429
    # Another visitor behind the same proxy has their own budget.
    assert via_proxy("b1@example.org", "198.51.100.2").status_code == 202

    recorded = Subscription.objects.get(subscriber__email="a2@example.org")
    assert recorded.ip_address == "198.51.100.1"  # the visitor, not the proxy or the forgery


def test_with_two_trusted_proxies_the_second_address_from_the_right_is_the_visitor(
    client, supporters, settings, post_json
):
    settings.NEWSLETTER_TRUSTED_PROXIES = 2
    post_json(
        api_payload("ada@example.org"),
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4, 10.0.0.2",
    )
    assert Subscription.objects.get().ip_address == "198.51.100.4"


def test_a_forged_forwarded_for_is_ignored_without_trusted_proxies(
    client, supporters, settings, post_json
):
    settings.NEWSLETTER_SUBSCRIBE_RATE = "2/h"  # NEWSLETTER_TRUSTED_PROXIES: default 0
    answers = [
        post_json(
            api_payload(f"a{n}@example.org"),
            REMOTE_ADDR="203.0.113.50",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(3)
    ]
    assert answers == [202, 202, 429]
    assert set(Subscription.objects.values_list("ip_address", flat=True)) == {"203.0.113.50"}


def test_ipv6_clients_are_limited_per_64(client, supporters, settings, post_json):
    settings.NEWSLETTER_SUBSCRIBE_RATE = "2/h"

    def from_ip(email: str, ip: str) -> int:
        return post_json(api_payload(email), REMOTE_ADDR=ip).status_code

    assert from_ip("a1@example.org", "2001:db8:1:2::1") == 202
    assert from_ip("a2@example.org", "2001:db8:1:2:ffff::9") == 202
    assert from_ip("a3@example.org", "2001:db8:1:2::3") == 429  # same /64, new address
    assert from_ip("b1@example.org", "2001:db8:1:3::1") == 202  # the next /64


def test_confirmation_emails_to_one_address_are_limited_per_day(
    client, supporters, settings, post_json
):
    settings.NEWSLETTER_CONFIRM_RESEND_INTERVAL = 0
    settings.NEWSLETTER_SUBSCRIBE_RATE = "1000/h"
    settings.NEWSLETTER_CONFIRM_EMAILS_PER_DAY = 3
    other_list = MailingList.objects.create(name="Actions", slug="actions")

    victim = "victim@example.org"
    # From many addresses, so the per-IP limit does not protect the victim.
    answers = [post_json(api_payload(victim), REMOTE_ADDR=f"192.0.2.{n}") for n in range(4)]
    answers.append(post_json(api_payload(victim, list="actions"), REMOTE_ADDR="192.0.2.9"))
    form = client.post(SUBSCRIBE, subscribe_form_data(other_list, "victim@example.org"))
    unknown = post_json(api_payload("nobody-yet@example.org"))

    assert len([m for m in mail.outbox if m.to == ["victim@example.org"]]) == 3
    # The requester cannot tell: every answer is the one a new address gets.
    assert {(a.status_code, a.content) for a in answers} == {(unknown.status_code, unknown.content)}
    assert form.status_code == 302
    assert not Subscription.objects.filter(mailing_list=other_list).exists()  # nothing recorded

    # A day later the address may be sent a confirmation again.
    Subscriber.objects.filter(email="victim@example.org").update(
        confirmation_window_started_at=datetime.datetime.now(datetime.UTC)
        - datetime.timedelta(hours=25)
    )
    mail.outbox.clear()
    post_json(api_payload("victim@example.org", list="actions"))
    assert [m.to for m in mail.outbox] == [["victim@example.org"]]


# --- 10. JSON only; the confirmation email carries no text from the sign-up -----------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
    ],
)
def test_the_api_accepts_only_json_bodies(client, supporters, content_type, api):
    body = json.dumps(api_payload("ada@example.org"))
    response = client.generic("POST", api, body, content_type=content_type)
    assert response.status_code == 415
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "error"
    assert "application/json" in response.json()["errors"]["__all__"][0]
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


def test_the_api_accepts_json_with_a_charset(client, supporters, api):
    body = json.dumps(api_payload("ada@example.org"))
    response = client.generic("POST", api, body, content_type="application/json; charset=utf-8")
    assert response.status_code == 202
    assert Subscription.objects.get().subscriber.email == "ada@example.org"


@pytest.mark.parametrize(
    "name",
    [
        "http://evil.example/ click here",
        '<a href="https://evil.example/win">Claim your prize</a>',
        "evil.example",
    ],
)
def test_the_confirmation_email_does_not_echo_the_name(client, supporters, name, post_json):
    post_json(api_payload("ada@example.org", name=name))
    client.post(SUBSCRIBE, subscribe_form_data(supporters, "bob@example.org", name=name))

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        html = message.alternatives[0][0]
        for part in (message.subject, message.body, html):
            assert "evil.example" not in part
            assert "Claim your prize" not in part
        assert "Hello," in message.body
        assert len(confirm_links()) == 2  # the only link is ours


# --- 13. a cache outage does not take sign-ups down --------------------------------------------


def test_an_unreachable_cache_lets_sign_ups_through_and_warns_once(
    client, supporters, settings, caplog, monkeypatch, post_json
):
    monkeypatch.setattr(ratelimit.cache_health, "retry_seconds", 0)  # try the cache every time
    working = settings.CACHES
    settings.CACHES = {
        **working,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6390/0",  # nothing listens here
        },
    }
    settings.NEWSLETTER_SUBSCRIBE_RATE = "1/h"
    caplog.set_level(logging.WARNING, logger="newsletter.audience.ratelimit")

    form = client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))
    api = [post_json(api_payload(f"a{n}@example.org")) for n in range(3)]

    assert form.status_code == 302
    assert client.get(form["Location"]).status_code == 200
    assert [r.status_code for r in api] == [202, 202, 202]  # failing open: nobody refused
    assert Subscription.objects.count() == 4
    assert len(mail.outbox) == 4
    warnings = [r for r in caplog.records if r.name == "newsletter.audience.ratelimit"]
    assert len(warnings) == 1  # one per outage, not one per request
    assert "cache cannot be reached" in warnings[0].getMessage()

    # The cache is back: limiting resumes, and the end of the outage is logged once.
    settings.CACHES = working
    caplog.clear()
    assert post_json(api_payload("b1@example.org")).status_code == 202
    assert post_json(api_payload("b2@example.org")).status_code == 429
    assert [r.getMessage() for r in caplog.records if r.name == ratelimit.__name__] == [
        "Subscribe rate limit is back on: the cache answers again."
    ]
