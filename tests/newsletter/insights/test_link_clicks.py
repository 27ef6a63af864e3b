"""Clicks per link, counted as the provider's click events arrive through the webhook: once per
event, grouped by the link of the issue; and what else a new event does (an open or click
wakes a reader flagged by the sunset policy, a complaint asks whether the send must pause)."""

# The fixtures imported below are used as test arguments, which ruff takes for redefinitions.

from __future__ import annotations

import datetime

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from newsletter.insights import complaints
from newsletter.insights.clicks import issue_links, link_key
from newsletter.models import Delivery, LinkClick, Subscriber, TrackingEvent
from tests.newsletter.sending.test_tracking import payload, post

pytestmark = pytest.mark.django_db

DONATE = "https://example.org/donate"


def statement_url() -> str:
    """The first statement's address in the email (with the language prefix, on a site
    whose pages have one)."""
    from advocacy.models import StatementPage

    return StatementPage.objects.get(slug="statement-0").get_full_url()


UTM = "utm_source=newsletter&utm_medium=email&utm_campaign=march"


def click(client, delivery: Delivery, url: str, **extra) -> int:
    """Post a Mailgun "clicked" event for ``url``; the webhook's status code."""
    return post(client, payload("clicked", delivery, url=url, **extra)).status_code


def counts(send_id: int) -> dict[str, int]:
    return dict(LinkClick.objects.filter(dispatch_id=send_id).values_list("url", "clicks"))


def test_a_click_counts_once_on_its_link_and_its_url_is_kept(client, sent):
    delivery = sent["reader0@example.org"]
    body = payload("clicked", delivery, event_id="click-1", url=f"{DONATE}?{UTM}#give")
    assert post(client, body).status_code == 200
    assert post(client, body).status_code == 200  # the provider posts it again
    assert counts(delivery.dispatch_id) == {DONATE: 1}
    event = TrackingEvent.objects.get(event_type="clicked")
    assert event.raw["url"] == f"{DONATE}?{UTM}#give"


def test_clicks_on_the_same_link_group_together_whatever_their_utm_parameters(client, sent):
    readers = [sent[f"reader{n}@example.org"] for n in range(3)]
    assert click(client, readers[0], f"{statement_url()}?{UTM}") == 200
    assert click(client, readers[1], statement_url()) == 200
    assert click(client, readers[2], f"{statement_url()}?utm_source=other#top") == 200
    assert click(client, readers[2], f"{DONATE}?amount=25&{UTM}") == 200
    assert click(client, readers[0], f"{statement_url()}?{UTM}") == 200  # a second, new click
    assert counts(readers[0].dispatch_id) == {statement_url(): 4, f"{DONATE}?amount=25": 1}
    row = LinkClick.objects.get(url=statement_url())
    assert row.first_clicked_at <= row.last_clicked_at


def test_each_reader_s_own_unsubscribe_link_counts_as_one_link(client, sent):
    from newsletter.audience.tokens import unsubscribe_url

    for n in range(2):
        delivery = sent[f"reader{n}@example.org"]
        assert click(client, delivery, unsubscribe_url(delivery.subscriber)) == 200
    assert counts(delivery.dispatch_id) == {"[[unsubscribe_url]]": 2}


def test_a_click_on_a_message_of_no_send_of_ours_counts_nothing(client, sent):
    delivery = sent["reader0@example.org"]
    body = payload("clicked", delivery, url=DONATE)
    body["event-data"]["message"]["headers"]["message-id"] = "someone-else@example.net"
    assert post(client, body).status_code == 200
    assert not LinkClick.objects.exists()


def test_a_click_that_cannot_be_counted_is_not_acknowledged_and_its_retry_counts(client, sent):
    delivery = sent["reader1@example.org"]
    body = payload("clicked", delivery, url=DONATE)

    def fail_on_counts(execute, sql, params, many, context):
        if LinkClick._meta.db_table in sql:
            raise OperationalError("the connection dropped")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_on_counts):
        assert post(client, body).status_code == 503
    assert not TrackingEvent.objects.exists()  # nothing half-stored
    delivery.refresh_from_db()
    assert delivery.clicked_at is None
    assert post(client, body).status_code == 200  # the provider's retry
    assert counts(delivery.dispatch_id) == {DONATE: 1}


@pytest.mark.parametrize("event", ["opened", "clicked"])
def test_an_open_or_click_wakes_a_reader_flagged_by_the_sunset_policy(client, sent, event):
    flagged = timezone.now() - datetime.timedelta(days=3)
    Subscriber.objects.update(sunset_at=flagged)
    delivery = sent["reader2@example.org"]
    assert post(client, payload(event, delivery, url=DONATE)).status_code == 200
    assert Subscriber.objects.get(pk=delivery.subscriber_id).sunset_at is None
    others = Subscriber.objects.exclude(pk=delivery.subscriber_id)
    assert list(others.values_list("sunset_at", flat=True)) == [flagged, flagged]


def test_a_delivered_event_leaves_the_sunset_flag_alone(client, sent):
    flagged = timezone.now() - datetime.timedelta(days=3)
    Subscriber.objects.update(sunset_at=flagged)
    assert post(client, payload("delivered", sent["reader0@example.org"])).status_code == 200
    assert set(Subscriber.objects.values_list("sunset_at", flat=True)) == {flagged}


def test_a_new_complaint_asks_whether_its_send_must_pause(client, sent, monkeypatch):
    checked = []
    monkeypatch.setattr(complaints, "check_send", checked.append)
    delivery = sent["reader0@example.org"]
    body = payload("complained", delivery, event_id="complaint-1")
    assert post(client, body).status_code == 200
    assert post(client, body).status_code == 200  # a repeat asks nothing
    assert post(client, payload("opened", delivery)).status_code == 200
    assert checked == [delivery.dispatch_id]


def test_the_issue_s_links_are_named_and_the_appeal_s_are_donation_links(sent):
    send = next(iter(sent.values())).dispatch
    links = issue_links(send.html)
    donation = {key for key, link in links.items() if link.donation}
    assert donation == {DONATE, f"{DONATE}?amount=25", f"{DONATE}?amount=50"}
    assert links[DONATE].label == "Donate"  # the header's link comes first
    assert links[statement_url()].label == "Statement number 0"
    assert not links["https://example.net/x"].donation
    assert "[[unsubscribe_url]]" in links
    assert not any(key.startswith("mailto:") for key in links)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (f"HTTPS://Example.org/donate?{UTM}#x", DONATE),
        ("https://example.org/a?b=1&utm_term=x&c=2", "https://example.org/a?b=1&c=2"),
        ("https://example.org/a?UTM_SOURCE=x", "https://example.org/a"),
        ("https://example.org/a/", "https://example.org/a/"),
    ],
)
def test_link_keys_drop_utm_parameters_and_fragments(url, key):
    assert link_key(url) == key
