"""Sends to segments, through the real engine (Django's locmem backend): a list plus an
overlapping segment reaches each person once, a segment alone reaches only its members, the
sunset policy leaves flagged readers out unless the send includes them, and the send form."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from newsletter.models import Delivery, Dispatch, MailingList, Segment, Subscriber, Suppression
from newsletter.sending.control import start
from newsletter.sending.freeze import SendError, create_send, freeze
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db


@pytest.fixture
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NEWSLETTER_BATCH_SIZES = {"django": 2}  # several batches


@pytest.fixture
def volunteers(db) -> MailingList:
    return MailingList.objects.create(name="Volunteers", slug="volunteers")


def tag(emails: list[str], name: str) -> None:
    for subscriber in Subscriber.objects.filter(email__in=emails):
        subscriber.tags.add(name)


def tagged_segment(mailing_list: MailingList, name: str, **filters) -> Segment:
    segment = Segment.objects.create(name=name.title(), mailing_list=mailing_list, **filters)
    segment.tags.set([Tag.objects.get(name=name)])
    return Segment.objects.get(pk=segment.pk)


def outbox() -> list[str]:
    return sorted(m.to[0] for m in mail.outbox)


@pytest.fixture
def people(supporters, volunteers):
    """Supporters reader0-3; volunteers vol0-2, vol0 also a supporter (reader0's twin by
    address is not possible, so vol0 joins Supporters too); vol0 and vol1 tagged "qc"."""
    add_subscribers(supporters, 4)
    add_subscribers(volunteers, 3, prefix="vol")
    vol0 = Subscriber.objects.get(email="vol0@example.org")
    vol0.subscriptions.create(
        mailing_list=supporters, status="active", consent_type="express", source="import"
    )
    tag(["vol0@example.org", "vol1@example.org"], "qc")
    return tagged_segment(volunteers, "qc")


def test_a_list_and_an_overlapping_segment_reach_each_person_once(
    issue, supporters, people, locmem
):
    send = create_send(issue, [supporters], segments=[people])

    assert start(send) == 6

    expected = [f"reader{n}@example.org" for n in range(4)] + [
        "vol0@example.org",
        "vol1@example.org",
    ]
    assert outbox() == sorted(expected)  # vol0: on the list and in the segment, one email
    send.refresh_from_db()
    assert send.status == Dispatch.Status.SENT
    assert Delivery.objects.filter(dispatch=send, status=Delivery.Status.SENT).count() == 6


def test_a_segment_alone_reaches_only_its_members(issue, people, locmem):
    Suppression.objects.create(email="vol1@example.org", reason="complaint")
    send = create_send(issue, [], segments=[people])

    start(send)

    assert outbox() == ["vol0@example.org"]  # vol1 is suppressed; vol2 is not tagged


def test_a_send_needs_a_list_or_a_segment(issue):
    with pytest.raises(SendError, match="at least one list or segment"):
        create_send(issue, [])


def test_sunset_flagged_readers_are_left_out_unless_the_send_includes_them(
    issue, supporters, locmem
):
    add_subscribers(supporters, 3)
    Subscriber.objects.filter(email="reader1@example.org").update(sunset_at=timezone.now())

    start(create_send(issue, [supporters]))
    first = outbox()
    mail.outbox = []
    again = create_send(issue, [supporters], include_sunset=True)
    start(again)

    assert first == ["reader0@example.org", "reader2@example.org"]
    assert outbox() == ["reader1@example.org"]  # the others had it: never twice
    assert Dispatch.objects.get(pk=again.pk).include_sunset is True


def test_a_segment_send_counts_as_received_for_a_later_list_send(issue, supporters, people, locmem):
    start(create_send(issue, [], segments=[people]))
    mail.outbox = []

    start(create_send(issue, [supporters]))

    assert outbox() == [f"reader{n}@example.org" for n in range(4)]  # vol0 had it already


def test_engaged_in_the_last_sends_follows_the_opens_and_clicks(
    issue, supporters, locmem, settings
):
    add_subscribers(supporters, 4)
    first = create_send(issue, [supporters])
    start(first)
    second = create_send(issue, [supporters])
    freeze(second, include_previous_recipients=True)
    from newsletter.sending.worker import run_send

    run_send(second.pk)
    now = timezone.now()
    Delivery.objects.filter(dispatch=first, email="reader0@example.org").update(opened_at=now)
    Delivery.objects.filter(dispatch=second, email="reader1@example.org").update(clicked_at=now)
    Delivery.objects.filter(dispatch=second, email="reader2@example.org").update(opened_at=now)
    Dispatch.objects.filter(pk=first.pk).update(finished_at=now - timezone.timedelta(days=7))

    last_one = Segment.objects.create(name="Last", mailing_list=supporters, engaged_in_last_sends=1)
    last_two = Segment.objects.create(name="Two", mailing_list=supporters, engaged_in_last_sends=2)
    from newsletter.audience.segments import segment_members

    assert sorted(s.email for s in segment_members(last_one)) == [
        "reader1@example.org",
        "reader2@example.org",
    ]
    assert sorted(s.email for s in segment_members(last_two)) == [
        "reader0@example.org",
        "reader1@example.org",
        "reader2@example.org",
    ]


# --- the send form ----------------------------------------------------------------------------


def test_the_form_shows_segment_counts_and_the_review_count_after_suppression(
    client, sender, issue, supporters, people, locmem
):
    Suppression.objects.create(email="reader3@example.org", reason="hard_bounce")
    Subscriber.objects.filter(email="reader2@example.org").update(sunset_at=timezone.now())
    url = reverse("newsletter_sending:new", args=[issue.pk])
    client.force_login(sender)

    page = client.get(url).content.decode()
    data = {"lists": [supporters.pk], "segments": [people.pk], "when": "now"}
    review = client.post(url, data).content.decode()
    response = client.post(url, {**data, "confirm": "1"})

    assert "Qc (segment of Volunteers) — 2 would receive it now" in page
    assert "Include inactive readers (sunset policy)" in page
    # reader0, reader1, vol0, vol1: reader2 is inactive, reader3 suppressed.
    assert "<strong>4</strong> recipients" in review
    assert "segment Qc of Volunteers" in review
    assert "1 inactive reader (flagged by the sunset policy) is left out." in review
    assert response.status_code == 302
    assert outbox() == [
        "reader0@example.org", "reader1@example.org", "vol0@example.org", "vol1@example.org",
    ]  # fmt: skip
    send = Dispatch.objects.get()
    assert list(send.segments.all()) == [people] and not send.include_sunset


def test_the_form_includes_inactive_readers_when_ticked(client, sender, issue, supporters, locmem):
    add_subscribers(supporters, 2)
    Subscriber.objects.filter(email="reader1@example.org").update(sunset_at=timezone.now())
    url = reverse("newsletter_sending:new", args=[issue.pk])
    client.force_login(sender)
    data = {"lists": [supporters.pk], "include_sunset": "on", "when": "now"}

    review = client.post(url, data).content.decode()
    client.post(url, {**data, "confirm": "1"})

    assert "<strong>2</strong> recipients" in review
    assert 'name="include_sunset" value="1"' in review  # carried to the confirmation
    assert outbox() == ["reader0@example.org", "reader1@example.org"]
    assert Dispatch.objects.get().include_sunset is True


def test_choosing_neither_list_nor_segment_is_a_clear_error(
    client, sender, issue, supporters, people
):
    client.force_login(sender)

    response = client.post(reverse("newsletter_sending:new", args=[issue.pk]), {"when": "now"})

    assert "Choose at least one list or segment." in response.content.decode()
    assert not Dispatch.objects.exists()


def test_a_segment_nobody_matches_yet_freezes_an_empty_send(issue, supporters, locmem):
    add_subscribers(supporters, 2)
    engaged = Segment.objects.create(
        name="Engaged", mailing_list=supporters, engaged_in_last_sends=3
    )
    send = create_send(issue, [], segments=[engaged])

    assert start(send) == 0  # no finished send yet: nobody has opened anything

    send.refresh_from_db()
    assert send.status == Dispatch.Status.SENT and mail.outbox == []


def test_the_send_command_sends_to_a_segment_by_name(issue, people, locmem):
    Subscriber.objects.filter(email="vol1@example.org").update(sunset_at=timezone.now())

    call_command("newsletter_send", str(issue.pk), "--segment", "Qc", "--wait", stdout=StringIO())
    assert outbox() == ["vol0@example.org"]  # vol1 is flagged inactive: left out by default

    mail.outbox = []
    call_command(
        "newsletter_send", str(issue.pk), "--segment", "Qc", "--include-inactive", "--wait",
        stdout=StringIO(),
    )  # fmt: skip
    assert outbox() == ["vol1@example.org"]  # vol0 already has the issue


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "at least one --list SLUG or --segment NAME"),
        (["--segment", "Nobody"], "No segment named: Nobody"),
    ],
)
def test_the_send_command_names_what_is_missing(issue, people, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("newsletter_send", str(issue.pk), *arguments, stdout=StringIO())
    assert not Dispatch.objects.exists()


def test_the_send_page_names_its_segments(client, sender, issue, people, locmem):
    send = create_send(issue, [], segments=[people], include_sunset=True)
    client.force_login(sender)
    page = client.get(reverse("newsletter_sending:detail", args=[send.pk])).content.decode()
    assert "segment Qc of Volunteers (inactive readers included)" in page
